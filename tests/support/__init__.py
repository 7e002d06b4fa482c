"""Helpers shared by tests and benchmarks (no fixtures: those live in the conftest files)."""
