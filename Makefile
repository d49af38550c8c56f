# The two commands of the README. Each sets everything up first.
.PHONY: demo test bench

demo:
	scripts/setup
	.venv/bin/busbrain demo

test:
	scripts/test

bench:
	scripts/setup --bench
	.venv/bin/python bench/gtfs_import.py
