"""Timetables (车次计划) from load profiles: frequencies by time band and departure times."""
