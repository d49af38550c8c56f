"""The batch side: OD inference, timetables and vehicle scheduling from the store's history.

The pure parts (od, timetable, scheduling) take values and return values; jobs/ reads
files and the store and writes results.
"""
