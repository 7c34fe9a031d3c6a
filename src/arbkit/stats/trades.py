"""The trade record the trade statistics read, and its converter from :class:`arbkit.core.messages.Fill`.

A :class:`TradeRecord` is one fill in plain units: price in quote currency per unit, quantity in base
units (contracts for futures), fee in USD. The quote currency is taken as USD (USDT counts as USD),
like the report layer does. Inverse (coin-settled) contracts are refused by the converter: their PnL
is in the base coin and needs a conversion this library does not make.

>>> from decimal import Decimal
>>> from arbkit.adapters.binance.instruments import binance_registry
>>> from arbkit.core.enums import LiquiditySide, Side
>>> from arbkit.core.messages import Fill
>>> fill = Fill(fill_id="f1", client_order_id="c1", script_id="basis", model_version="v1",
...             instrument_id="BTCUSDT.BINANCE_USDM", side=Side.BUY, price_ticks=618002, qty_lots=1500,
...             fee=Decimal("37.08"), liquidity=LiquiditySide.TAKER, ts_event=1_000)
>>> [rec] = trade_records_from_fills([fill], binance_registry(), arrival_mids={"c1": 61795.0})
>>> rec.price, rec.qty, round(rec.notional_usd, 6), rec.fee_usd, rec.venue
(61800.2, 1.5, 92700.3, 37.08, 'BINANCE_USDM')
>>> round(rec.slippage_bps(), 4)  # bought 5.2 above a 61795 mid: a cost
0.8415
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import msgspec

from arbkit.core.enums import InstrumentKind, Side
from arbkit.core.instruments import InstrumentRegistry
from arbkit.core.messages import Fill
from arbkit.stats.errors import StatsError


class TradeRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One fill in plain units, the input of :mod:`arbkit.stats.round_trips` and :mod:`arbkit.stats.trade_stats`.

    Attributes:
        instrument_id: instrument id (``"BTCUSDT.BINANCE_USDM"``).
        venue: venue code (``"BINANCE_USDM"``).
        script_id: script that traded.
        side: :class:`~arbkit.core.enums.Side`, +1 buy, -1 sell.
        price: execution price in quote currency (taken as USD) per unit, > 0.
        qty: executed quantity in base units (contracts for futures), > 0.
        fee_usd: fee paid in USD; negative for a rebate.
        ts_ns: execution time, int ns since the epoch (UTC).
        arrival_mid: mid price when the order was decided (same units as ``price``), or None if unknown.
        multiplier: quote value of one price point per unit (1 for spot and linear perpetuals, the
            point value for futures); PnL and notional are ``price × qty × multiplier``.
        fill_id: the fill's id, for tracing (``""`` if none).
    """

    instrument_id: str
    venue: str
    script_id: str
    side: Side
    price: float
    qty: float
    fee_usd: float
    ts_ns: int
    arrival_mid: float | None = None
    multiplier: float = 1.0
    fill_id: str = ""

    def __post_init__(self) -> None:
        where = f"trade {self.fill_id or '?'} on {self.instrument_id} at {self.ts_ns} ns"
        if self.side not in (Side.BUY, Side.SELL):
            raise StatsError(f"{where}: side must be +1 (buy) or -1 (sell), got {self.side!r}")
        for name, value in (("price", self.price), ("qty", self.qty), ("multiplier", self.multiplier)):
            if not math.isfinite(value) or value <= 0.0:
                raise StatsError(f"{where}: {name} must be a finite number > 0, got {value!r}")
        if not math.isfinite(self.fee_usd):
            raise StatsError(f"{where}: fee_usd must be finite, got {self.fee_usd!r}")
        if self.arrival_mid is not None and (not math.isfinite(self.arrival_mid) or self.arrival_mid <= 0.0):
            raise StatsError(f"{where}: arrival_mid must be None or a finite number > 0, got {self.arrival_mid!r}")

    @property
    def notional_usd(self) -> float:
        """Traded value ``price × qty × multiplier`` in USD (> 0)."""
        return self.price * self.qty * self.multiplier

    def slippage_bps(self) -> float:
        """``side × (price - arrival_mid) / arrival_mid × 10^4``: positive is a cost; NaN without a mid."""
        if self.arrival_mid is None:
            return math.nan
        return int(self.side) * (self.price - self.arrival_mid) / self.arrival_mid * 1e4


def trade_record_from_fill(fill: Fill, registry: InstrumentRegistry, arrival_mid: float | None = None) -> TradeRecord:
    """The :class:`TradeRecord` of ``fill``, converting ticks and lots with its instrument from ``registry``.

    Raises:
        InstrumentError: the instrument is not in ``registry``.
        StatsError: an inverse (coin-settled) instrument, or a fill with a non-positive price or quantity.
    """
    instrument = registry.get(fill.instrument_id)
    if instrument.kind is InstrumentKind.INVERSE_PERP:
        raise StatsError(f"fill {fill.fill_id!r}: {instrument.id} is an inverse contract settled in "
                         f"{instrument.base}; its USD PnL needs a coin conversion arbkit.stats does not make")
    if fill.qty_lots <= 0 or fill.price_ticks <= 0:
        raise StatsError(f"fill {fill.fill_id!r} on {fill.instrument_id}: price_ticks {fill.price_ticks} and "
                         f"qty_lots {fill.qty_lots} must both be > 0")
    return TradeRecord(
        instrument_id=instrument.id,
        venue=instrument.venue,
        script_id=fill.script_id,
        side=Side(fill.side),
        price=float(instrument.ticks_to_price(fill.price_ticks)),
        qty=float(instrument.lots_to_size(fill.qty_lots)),
        fee_usd=float(fill.fee),
        ts_ns=int(fill.ts_event),
        arrival_mid=None if arrival_mid is None else float(arrival_mid),
        multiplier=float(instrument.contract_multiplier),
        fill_id=fill.fill_id,
    )


def trade_records_from_fills(fills: Iterable[Fill], registry: InstrumentRegistry,
                             arrival_mids: Mapping[str, float] | None = None) -> list[TradeRecord]:
    """:func:`trade_record_from_fill` of each fill, in the given order.

    ``arrival_mids`` maps a ``client_order_id`` to the mid price (quote currency per unit) when that
    order was decided; every fill of the order gets it. Orders absent from the mapping have no mid
    and are left out of the slippage statistics.
    """
    mids = arrival_mids or {}
    return [trade_record_from_fill(f, registry, mids.get(f.client_order_id)) for f in fills]
