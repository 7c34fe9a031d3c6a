"""Composition root and the wiring between components (order path, views)."""
