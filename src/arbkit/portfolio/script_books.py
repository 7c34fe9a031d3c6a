"""One portfolio per script beside the account's: PnL and positions per script, from the same fills.

>>> from decimal import Decimal
>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.core.enums import LiquiditySide, Side
>>> from arbkit.core.messages import Fill
>>> books = ScriptBooks(binance_registry())
>>> books.apply_fill(Fill(fill_id="F1", client_order_id="c", script_id="basis", model_version="v",
...     instrument_id="BTCUSDT.BINANCE_USDM", side=Side.BUY, price_ticks=600000, qty_lots=1000, fee=Decimal("3"),
...     liquidity=LiquiditySide.TAKER, ts_event=0))
>>> books.position_lots("basis", "BTCUSDT.BINANCE_USDM"), books.equity("basis", {"BTCUSDT.BINANCE_USDM": 600100})
(1000, Decimal('7'))
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import Fill
from arbkit.portfolio.portfolio import Portfolio


class ScriptBooks:
    """A :class:`Portfolio` per script id, fed every fill of that script."""

    def __init__(self, instruments: InstrumentRegistry) -> None:
        self._instruments = instruments
        self._books: dict[str, Portfolio] = {}

    def apply_fill(self, fill: Fill) -> None:
        """Apply ``fill`` to its script's portfolio (raises as :meth:`Portfolio.apply_fill` does)."""
        book = self._books.get(fill.script_id)
        if book is None:
            book = self._books[fill.script_id] = Portfolio(self._instruments)
        book.apply_fill(fill)

    def script_ids(self) -> list[str]:
        """Scripts with at least one fill, sorted."""
        return sorted(self._books)

    def portfolio(self, script_id: str) -> Portfolio:
        """The portfolio of ``script_id`` (an empty one if it never filled)."""
        return self._books.get(script_id) or Portfolio(self._instruments)

    def position_lots(self, script_id: str, instrument_id: str) -> int:
        """Signed lots ``script_id`` holds on ``instrument_id`` from its fills."""
        book = self._books.get(script_id)
        return 0 if book is None else book.position_lots(instrument_id)

    def equity(self, script_id: str, marks: Mapping[str, int]) -> Decimal:
        """Realized + unrealized − fees of ``script_id`` in USD at ``marks`` (price ticks by instrument id)."""
        book = self._books.get(script_id)
        return Decimal(0) if book is None else book.equity(marks)
