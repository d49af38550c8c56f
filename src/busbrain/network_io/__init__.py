"""Moving whole networks between GTFS feeds and the store (import, export)."""
