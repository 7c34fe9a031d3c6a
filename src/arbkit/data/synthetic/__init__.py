"""Synthetic market generator for scale and known-answer tests only (not market data)."""
