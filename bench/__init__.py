"""Benchmarks: scripts that seed large data sets and print timings. Never part of `make test`;
each has a small-N smoke test that is."""
