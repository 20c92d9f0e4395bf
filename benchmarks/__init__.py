"""Benchmarks of the assistant (run with `python -m assistant bench` or `make bench`)."""
