"""Pure, sans-I/O wire formats."""
