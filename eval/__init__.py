"""Benchmarks, evaluation runners and metrics."""
