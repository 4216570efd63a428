"""Kring's benchmark: latency, capacity and cost per message, side by side with what a
Python team would build instead. `python -m bench` runs the standard set (bench/README.md)."""
