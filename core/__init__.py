"""The bottom layer: small helpers that import Django and the standard library only. Apps build
on it, never the reverse."""
