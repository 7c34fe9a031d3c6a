"""Read-only views the risk gate reads through. The engine (book, portfolio, OMS) implements them."""

from __future__ import annotations

from typing import Protocol

from arbkit.core.enums import Side


class MarketView(Protocol):
    """Reference prices from the order books."""

    def reference_price(self, instrument_id: str) -> tuple[float, int] | None:
        """``(mid price in ticks, ts_ns of the book state it comes from)``; None if no book or one side empty.

        The mid may be a half tick (``(bid_ticks + ask_ticks) / 2``).
        """
        ...


class ExposureView(Protocol):
    """Positions and working orders, in lots of the instrument."""

    def position_lots(self, instrument_id: str) -> int:
        """Signed filled position in lots (long > 0, short < 0)."""
        ...

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        """Lots (>= 0) still able to fill on ``side``: open and in-flight orders."""
        ...
