"""Bybit adapter: the recorded orderbook.500 JSON-lines files."""
