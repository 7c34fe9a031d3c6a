"""Round-trip trades by FIFO matching, per (script, instrument).

Each (script, instrument) pair keeps a queue of open lots, oldest first. A fill on the side of the
open position (or on a flat book) opens a lot. A fill on the other side closes quantity against the
oldest lots first (FIFO); the quantity it closes is **one round trip**: entry price is the
quantity-weighted mean of the lots it matched, holding time the quantity-weighted mean of
``exit time - entry time`` over them. A fill larger than the open position closes it (one round
trip) and opens a lot on the other side with the rest. Fees are split pro rata to quantity: a round
trip carries the matched share of each entry fill's fee and the closing share of the exit fill's fee.

Records are processed in time order (a stable sort by ``ts_ns``). Quantities are floats; a lot whose
remainder is within ``1e-9`` of its size (relative) counts as fully closed.

>>> from arbkit.core.enums import Side
>>> def rec(side, price, qty, ts, fee=0.0):
...     return TradeRecord(instrument_id="X.V", venue="V", script_id="s", side=side, price=price, qty=qty,
...                        fee_usd=fee, ts_ns=ts)
>>> book = match_fifo([rec(Side.BUY, 100.0, 1.0, 0), rec(Side.BUY, 110.0, 1.0, 10), rec(Side.SELL, 120.0, 1.5, 20)])
>>> [(t.qty, t.entry_price, t.gross_pnl_usd, t.holding_ns) for t in book.round_trips]
[(1.5, 103.33333333333333, 25.0, 16.666666666666668)]
>>> [(lot.qty, lot.price) for lot in book.open_lots]
[(0.5, 110.0)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import msgspec

from arbkit.stats.result import StatsResult
from arbkit.stats.trades import TradeRecord

_REL_TOL = 1e-9


class RoundTrip(StatsResult, frozen=True, kw_only=True):
    """The quantity one closing fill matched against older opposite lots (see the module docstring).

    Attributes:
        script_id / instrument_id / venue: where it traded.
        direction: +1 for a long trip (bought first), -1 for a short one.
        qty: quantity closed (base units or contracts).
        entry_price: quantity-weighted mean price of the matched entry lots; exit_price: the closing fill's.
        entry_ns: time of the oldest matched entry lot; exit_ns: time of the closing fill.
        holding_ns: quantity-weighted mean of ``exit_ns - entry time`` over the matched lots (float ns).
        gross_pnl_usd: ``direction × (exit_price - entry_price) × qty × multiplier``.
        fees_usd: matched share of the entry fees plus closing share of the exit fee.
        net_pnl_usd: ``gross_pnl_usd - fees_usd``.
    """

    script_id: str
    instrument_id: str
    venue: str
    direction: int
    qty: float
    entry_price: float
    exit_price: float
    entry_ns: int
    exit_ns: int
    holding_ns: float
    gross_pnl_usd: float
    fees_usd: float
    net_pnl_usd: float


class OpenLot(msgspec.Struct, frozen=True, kw_only=True):
    """Quantity still open at the end: ``direction`` +1 long / -1 short, entry ``price``, ``ts_ns``,
    the unmatched share of its entry fee ``fee_usd`` and the instrument's ``multiplier``."""

    script_id: str
    instrument_id: str
    venue: str
    direction: int
    qty: float
    price: float
    ts_ns: int
    fee_usd: float
    multiplier: float


class FifoBook(msgspec.Struct, frozen=True, kw_only=True):
    """Result of :func:`match_fifo`: closed ``round_trips`` in closing order and ``open_lots`` left."""

    round_trips: tuple[RoundTrip, ...]
    open_lots: tuple[OpenLot, ...]


class _Lot:
    __slots__ = ("qty", "price", "ts_ns", "fee_per_unit", "size")

    def __init__(self, qty: float, price: float, ts_ns: int, fee_per_unit: float) -> None:
        self.qty = qty
        self.size = qty
        self.price = price
        self.ts_ns = ts_ns
        self.fee_per_unit = fee_per_unit


def sorted_records(records: Iterable[TradeRecord]) -> list[TradeRecord]:
    """``records`` in time order (stable: equal times keep their given order)."""
    return sorted(records, key=lambda r: r.ts_ns)


def match_fifo(records: Iterable[TradeRecord]) -> FifoBook:
    """Round trips and open lots of ``records`` by FIFO matching per (script, instrument)."""
    queues: dict[tuple[str, str], tuple[int, deque[_Lot]]] = {}
    meta: dict[tuple[str, str], TradeRecord] = {}
    trips: list[RoundTrip] = []
    for rec in sorted_records(records):
        key = (rec.script_id, rec.instrument_id)
        meta.setdefault(key, rec)
        direction, lots = queues.get(key, (0, deque()))
        side = int(rec.side)
        fee_per_unit = rec.fee_usd / rec.qty
        remaining = rec.qty
        if lots and direction == -side:
            remaining = _close(rec, lots, direction, fee_per_unit, trips)
            if not lots:
                direction = 0
        if remaining > _REL_TOL * rec.qty:
            lots.append(_Lot(remaining, rec.price, rec.ts_ns, fee_per_unit))
            direction = side
        queues[key] = (direction, lots)
    open_lots = tuple(
        OpenLot(script_id=key[0], instrument_id=key[1], venue=meta[key].venue, direction=direction, qty=lot.qty,
                price=lot.price, ts_ns=lot.ts_ns, fee_usd=lot.fee_per_unit * lot.qty, multiplier=meta[key].multiplier)
        for key, (direction, lots) in queues.items() for lot in lots
    )
    return FifoBook(round_trips=tuple(trips), open_lots=open_lots)


def _close(rec: TradeRecord, lots: deque[_Lot], direction: int, fee_per_unit: float, trips: list[RoundTrip]) -> float:
    """Match ``rec`` against ``lots`` (oldest first), append the round trip, return the unmatched quantity."""
    remaining = rec.qty
    closed = cost = held = entry_fees = 0.0
    entry_ns = lots[0].ts_ns
    while lots and remaining > _REL_TOL * rec.qty:
        lot = lots[0]
        q = min(remaining, lot.qty)
        closed += q
        cost += q * lot.price
        held += q * (rec.ts_ns - lot.ts_ns)
        entry_fees += q * lot.fee_per_unit
        remaining -= q
        lot.qty -= q
        if lot.qty <= _REL_TOL * lot.size:
            lots.popleft()
    entry_price = cost / closed
    gross = direction * (rec.price * closed - cost) * rec.multiplier
    fees = entry_fees + fee_per_unit * closed
    trips.append(RoundTrip(
        script_id=rec.script_id, instrument_id=rec.instrument_id, venue=rec.venue, direction=direction, qty=closed,
        entry_price=entry_price, exit_price=rec.price, entry_ns=entry_ns, exit_ns=rec.ts_ns,
        holding_ns=held / closed, gross_pnl_usd=gross, fees_usd=fees, net_pnl_usd=gross - fees,
    ))
    return max(remaining, 0.0)
