"""adapters/binance layer."""
