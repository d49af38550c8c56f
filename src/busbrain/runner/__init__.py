"""The real-time runner: the I/O around the pure processors of `busbrain.realtime`.

The live processor on the event bus (`consumer`), its history in the store
(`history`), and the replay files (`files`).
"""
