"""Backtesting: the engine loop, its configuration and the research pipeline built on it."""
