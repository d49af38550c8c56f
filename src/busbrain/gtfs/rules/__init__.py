"""GTFS rules: one rule per module, its notice codes declared beside it.

Each module has `check(feed, findings)`; it reads the typed feed and reports notices.
Severity: ERROR where the GTFS reference says "must" (the row cannot be used),
WARNING where it says "should", INFO for what is worth knowing.
"""
