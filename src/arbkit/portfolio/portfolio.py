"""Positions, PnL and fees of every instrument, from fills, in exact arithmetic.

Per-instrument amounts are in the instrument's settlement currency: USDT for spot and USDⓈ-M linear
perpetuals, the base coin (BTC, ETH) for COIN-M inverse perpetuals. Totals are in USD: inverse
amounts are converted at the instrument's mark price, and USDT is treated as equal to USD (1:1).

Internally everything is a :class:`fractions.Fraction`; values are reported as :class:`Decimal`,
exact for linear instruments (see :func:`arbkit.portfolio.exact.fraction_to_decimal`).

>>> from decimal import Decimal
>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.core.enums import LiquiditySide, Side
>>> from arbkit.core.messages import Fill
>>> def fill(fid, side, price_ticks, lots, fee):
...     return Fill(fill_id=fid, client_order_id="c", script_id="s", model_version="v", side=side,
...                 instrument_id="BTCUSDT.BINANCE_USDM", price_ticks=price_ticks, qty_lots=lots,
...                 fee=Decimal(fee), liquidity=LiquiditySide.TAKER, ts_event=0)
>>> book = Portfolio(binance_registry())
>>> book.apply_fill(fill("F1", Side.BUY, 600000, 1000, "30"))    # buy 1 BTC at 60000.0
>>> book.apply_fill(fill("F2", Side.SELL, 610000, 400, "12.2"))  # sell 0.4 at 61000.0
>>> book.position_lots("BTCUSDT.BINANCE_USDM"), book.realized_pnl("BTCUSDT.BINANCE_USDM")
(600, Decimal('400'))
>>> book.equity({"BTCUSDT.BINANCE_USDM": 605000})                # 400 + 0.6 × 500 − 42.2
Decimal('657.8')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction

import msgspec

from arbkit.core.errors import ArbkitError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import Fill
from arbkit.portfolio.exact import fraction_to_decimal
from arbkit.portfolio.position import Position


class PortfolioError(ArbkitError):
    """A fill or a query the portfolio cannot account for (bad quantity, duplicate fill, missing mark)."""


class PositionRow(msgspec.Struct, frozen=True, kw_only=True):
    """One instrument's line in a report. Money is in ``settlement_currency``; prices in quote currency.

    ``unrealized_pnl`` is None when the snapshot was taken without a mark for the instrument.
    """

    instrument_id: str
    settlement_currency: str
    position_lots: int
    position_size: Decimal
    average_price: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal | None
    fees: Decimal
    fill_count: int


class Portfolio:
    """Positions built from fills. Also serves the risk gate's exposure view (:meth:`position_lots`).

    Args:
        instruments: the registry every fill's instrument must be in.
    """

    def __init__(self, instruments: InstrumentRegistry) -> None:
        self._instruments = instruments
        self._positions: dict[str, Position] = {}
        self._fill_ids: set[str] = set()

    @property
    def instruments(self) -> InstrumentRegistry:
        """The registry fills are checked against."""
        return self._instruments

    # -- updates ----------------------------------------------------------------------------
    def apply_fill(self, fill: Fill) -> None:
        """Update the fill's instrument position, PnL and fees. Raises on a repeated ``fill_id`` or qty <= 0."""
        if fill.qty_lots <= 0:
            raise PortfolioError(f"fill {fill.fill_id}: qty_lots {fill.qty_lots} must be > 0")
        if fill.fill_id in self._fill_ids:
            raise PortfolioError(f"fill {fill.fill_id} of {fill.client_order_id} was already applied")
        position = self._position(fill.instrument_id)
        position.apply(fill.side, fill.price_ticks, fill.qty_lots, Fraction(fill.fee))
        self._fill_ids.add(fill.fill_id)

    @property
    def fill_count(self) -> int:
        """Fills applied so far (equity changes only with a fill or a mark)."""
        return len(self._fill_ids)

    def _position(self, instrument_id: str) -> Position:
        position = self._peek(instrument_id)
        self._positions.setdefault(instrument_id, position)
        return position

    def _peek(self, instrument_id: str) -> Position:
        """The instrument's position, or a flat one (not stored) if it never traded; unknown ids raise."""
        position = self._positions.get(instrument_id)
        return position if position is not None else Position(self._instruments.get(instrument_id))

    # -- per instrument (settlement currency) ----------------------------------------------
    def position_lots(self, instrument_id: str) -> int:
        """Signed position in lots (+ long, − short); 0 if never traded."""
        position = self._positions.get(instrument_id)
        return position.lots if position is not None else 0

    def average_price(self, instrument_id: str) -> Decimal | None:
        """Average entry price of the open position in quote currency, or None when flat."""
        average = self._peek(instrument_id).average_price()
        return None if average is None else fraction_to_decimal(average)

    def realized_pnl(self, instrument_id: str) -> Decimal:
        """Realized PnL in the settlement currency (USDT for linear, base coin for inverse), before fees."""
        return fraction_to_decimal(self._peek(instrument_id).realized)

    def unrealized_pnl(self, instrument_id: str, mark_price_ticks: int) -> Decimal:
        """PnL in the settlement currency of closing the open position at ``mark_price_ticks``."""
        return fraction_to_decimal(self._peek(instrument_id).unrealized(mark_price_ticks))

    def fees(self, instrument_id: str) -> Decimal:
        """Fees paid in the settlement currency (inverse fees converted to coin at each fill's price)."""
        return fraction_to_decimal(self._peek(instrument_id).fees)

    # -- totals (USD; USDT taken as USD) -----------------------------------------------------
    def total_realized(self, marks: Mapping[str, int] | None = None) -> Decimal:
        """Realized PnL of all instruments in USD; inverse PnL converted at ``marks`` (price ticks by id)."""
        return fraction_to_decimal(self._total(lambda p: p.realized, marks))

    def total_fees(self, marks: Mapping[str, int] | None = None) -> Decimal:
        """Fees of all instruments in USD; inverse fees converted at ``marks`` (price ticks by id)."""
        return fraction_to_decimal(self._total(lambda p: p.fees, marks))

    def total_unrealized(self, marks: Mapping[str, int]) -> Decimal:
        """Unrealized PnL of all open positions in USD at ``marks``; every open position needs a mark."""
        return fraction_to_decimal(self._total_unrealized(marks))

    def equity(self, marks: Mapping[str, int]) -> Decimal:
        """Realized + unrealized − fees, in USD, at ``marks`` (price ticks by instrument id)."""
        total = (self._total(lambda p: p.realized, marks) + self._total_unrealized(marks)
                 - self._total(lambda p: p.fees, marks))
        return fraction_to_decimal(total)

    def _total_unrealized(self, marks: Mapping[str, int]) -> Fraction:
        total = Fraction(0)
        for instrument_id, position in self._positions.items():
            if position.lots == 0:
                continue
            mark = self._mark(instrument_id, marks, "its open position")
            total += self._to_usd(position, position.unrealized(mark), mark)
        return total

    def _total(self, amount: Callable[[Position], Fraction], marks: Mapping[str, int] | None) -> Fraction:
        total = Fraction(0)
        for instrument_id, position in self._positions.items():
            value: Fraction = amount(position)
            if value and position.inverse:
                mark = self._mark(instrument_id, marks, f"converting {value} {position.settlement_currency} to USD")
                value = self._to_usd(position, value, mark)
            total += value
        return total

    @staticmethod
    def _to_usd(position: Position, value: Fraction, mark_price_ticks: int) -> Fraction:
        return value * position.price(mark_price_ticks) if position.inverse else value

    @staticmethod
    def _mark(instrument_id: str, marks: Mapping[str, int] | None, why: str) -> int:
        if marks is None or instrument_id not in marks:
            known = ", ".join(sorted(marks)) if marks else "none"
            raise PortfolioError(f"no mark price for {instrument_id} ({why}); marks given for: {known}")
        return marks[instrument_id]

    # -- reports -------------------------------------------------------------------------------
    def instrument_ids(self) -> list[str]:
        """Instruments that have had at least one fill, sorted."""
        return sorted(self._positions)

    def snapshot(self, marks: Mapping[str, int] | None = None) -> list[PositionRow]:
        """One row per traded instrument, sorted by id; unrealized PnL where ``marks`` has the instrument."""
        rows = []
        for instrument_id in self.instrument_ids():
            position = self._positions[instrument_id]
            average = position.average_price()
            mark = marks.get(instrument_id) if marks is not None else None
            rows.append(PositionRow(
                instrument_id=instrument_id,
                settlement_currency=position.settlement_currency,
                position_lots=position.lots,
                position_size=position.instrument.lots_to_size(position.lots),
                average_price=None if average is None else fraction_to_decimal(average),
                realized_pnl=fraction_to_decimal(position.realized),
                unrealized_pnl=None if mark is None else fraction_to_decimal(position.unrealized(mark)),
                fees=fraction_to_decimal(position.fees),
                fill_count=position.fill_count,
            ))
        return rows
