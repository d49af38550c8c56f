"""Vehicle scheduling: chain trips into blocks with the fewest vehicles, then least cost."""
