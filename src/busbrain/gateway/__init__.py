"""The terminal gateway: JT/T 808 over asyncio TCP, events onto the bus, commands down."""
