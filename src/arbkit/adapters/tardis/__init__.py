"""Tardis.dev adapter: the CSV datasets (incremental L2, book snapshots, trades, quotes)."""
