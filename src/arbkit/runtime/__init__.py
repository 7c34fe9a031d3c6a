"""Runtimes that drive the engine from messages as they arrive (paper trading; live in a later step)."""
