"""Planning jobs: read fare files and the store, run the pure planners, write results."""
