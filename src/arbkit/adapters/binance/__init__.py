"""Binance adapter: instruments, the recorded collector format and the diff-depth sync rules."""
