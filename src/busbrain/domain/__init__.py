"""The pure vocabulary shared by every part of busbrain.

Nothing here does I/O or reads the clock: values in, values out.
"""
