"""busbrain: the bus cloud brain (公交云脑) for a Chinese city's buses."""

__version__ = "0.1.0"
