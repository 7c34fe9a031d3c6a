"""Binance historical-archive adapter: order-book CSV (snap/set) and the Parquet quotes and trades samples."""
