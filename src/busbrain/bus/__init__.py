"""The event bus: one interface, in-process and NATS JetStream adapters."""
