"""Read-only views the risk gate and scripts use, backed by the engine's books, portfolio and OMS."""

from __future__ import annotations

from arbkit.book.order_book import OrderBook
from arbkit.core.enums import Side
from arbkit.oms.order_manager import OrderManager
from arbkit.portfolio.portfolio import Portfolio


class BookMarketView:
    """Reference mids for the risk gate: (mid in ticks, ts_ns of the book state), None if unusable.

    ``mark_updated`` is called by the engine after each applied book message; ``mark_unsynced`` after
    a sequence gap (the book is not a valid reference until resynchronised).
    """

    def __init__(self, books: dict[str, OrderBook]) -> None:
        self._books = books
        self._updated_ns: dict[str, int] = {}
        self._unsynced: set[str] = set()

    def mark_updated(self, instrument_id: str, ts_ns: int) -> None:
        """Record that the book of ``instrument_id`` reflects the venue as of ``ts_ns``."""
        self._updated_ns[instrument_id] = ts_ns

    def mark_unsynced(self, instrument_id: str) -> None:
        """The book of ``instrument_id`` is out of sync (a gap)."""
        self._unsynced.add(instrument_id)

    def mark_synced(self, instrument_id: str) -> None:
        """The book of ``instrument_id`` was resynchronised from a snapshot."""
        self._unsynced.discard(instrument_id)

    def reference_price(self, instrument_id: str) -> tuple[float, int] | None:
        """(mid price in ticks, ts_ns of the book state) or None."""
        book = self._books.get(instrument_id)
        if book is None or instrument_id in self._unsynced or instrument_id not in self._updated_ns:
            return None
        mid = book.mid_ticks()
        if mid is None:
            return None
        return mid, self._updated_ns[instrument_id]


    def marks(self) -> dict[str, int]:
        """Mark per instrument: the mid rounded to a tick, for every synced book with both sides (ticks)."""
        marks = {}
        for instrument_id in self._updated_ns:
            reference = self.reference_price(instrument_id)
            if reference is not None:
                marks[instrument_id] = int(round(reference[0]))
        return marks


class PortfolioExposure:
    """Exposure for the risk gate: filled position from the portfolio, working lots from the OMS."""

    def __init__(self, portfolio: Portfolio, oms: OrderManager) -> None:
        self._portfolio = portfolio
        self._oms = oms

    def position_lots(self, instrument_id: str) -> int:
        """Signed filled position in lots."""
        return self._portfolio.position_lots(instrument_id)

    def open_order_lots(self, instrument_id: str, side: Side) -> int:
        """Lots of open and in-flight orders on ``side``."""
        return self._oms.open_order_lots(instrument_id, side)

    # -- what the account-level rules read (arbkit.risk.rules_portfolio.BookExposure) ------------
    def instrument_ids(self) -> list[str]:
        """Instruments with a fill or an open (or in-flight) order, sorted."""
        return sorted(set(self._portfolio.instrument_ids()) | {o.instrument_id for o in self._oms.open_orders()})

    def script_position_lots(self, script_id: str, instrument_id: str) -> int:
        """Signed lots filled by ``script_id`` on ``instrument_id`` (its unique fills in the OMS, which keeps the
        sum up to date as it applies them)."""
        return self._oms.script_position_lots(script_id, instrument_id)

    def script_open_order_lots(self, script_id: str, instrument_id: str, side: Side) -> int:
        """Lots of ``script_id``'s open and in-flight orders on ``side`` of ``instrument_id``."""
        return sum(o.open_lots for o in self._oms.open_orders(instrument_id)
                   if o.script_id == script_id and o.side is side)
