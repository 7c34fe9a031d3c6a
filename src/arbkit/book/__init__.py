"""L2 order books per (venue, instrument), kept in preallocated arrays updated by compiled kernels."""

from arbkit.book.order_book import OrderBook

__all__ = ["OrderBook"]
