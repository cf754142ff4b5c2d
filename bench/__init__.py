"""Benchmarks and fault tests for the core on PostgreSQL (`make bench`, see bench/README.md)."""
