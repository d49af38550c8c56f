"""GTFS: reading, checking (rules/, one rule per module) and writing feeds."""
