"""Benchmarks: each prints figures as JSON lines (never pass/fail timing assertions)."""
