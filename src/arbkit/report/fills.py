"""Statistics of a list of fills: turnover, fees and round trips, computed exactly in Decimal.

A *round trip* on one instrument starts when its position leaves zero and ends when it returns to
zero; a fill that flips the position through zero closes one trip and opens the next, its quantity
and fee split pro rata. A trip's PnL is the cash it made (sell notional minus buy notional) minus
its fees. This is exact for spot and linear (quote-settled) instruments, which is what the report
assumes: notional is ``price × qty`` in the quote currency, and the quote currency counts as USD.

>>> from arbkit.report.model import FillRow
>>> def fill(side, price, qty, fee="0"):
...     return FillRow(ts_ns=0, instrument_id="X", side=side, price=price, qty=qty, fee=fee,
...                    liquidity="taker", script_id="s", model_version="v", client_order_id="c")
>>> s = fill_stats([fill("buy", "100", "2", "0.1"), fill("sell", "101", "2", "0.1"),
...                 fill("sell", "100", "1"), fill("buy", "102", "1")])
>>> (s.n_fills, s.n_round_trips, s.n_winning_trips, s.hit_rate)
(4, 2, 1, 0.5)
>>> (s.turnover, s.fees)
(Decimal('604'), Decimal('0.2'))
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import msgspec

from arbkit.report.model import FillRow, ReportInputError

_ZERO = Decimal(0)
_SIGN = {"buy": 1, "sell": -1}


class FillStats(msgspec.Struct, frozen=True, kw_only=True):
    """Exact fill statistics; amounts in the quote currency (taken as USD).

    Attributes:
        n_fills: number of fills.
        turnover: sum of ``|price × qty|`` over all fills.
        fees: sum of fees paid (rebates negative).
        n_round_trips: round trips closed (position back to zero).
        n_winning_trips: closed round trips with PnL net of fees > 0.
        hit_rate: ``n_winning_trips / n_round_trips``, or None if no trip closed.
    """

    n_fills: int
    turnover: Decimal
    fees: Decimal
    n_round_trips: int
    n_winning_trips: int
    hit_rate: float | None


def _dec(text: str, field: str, row: FillRow) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ReportInputError(
            f"fill {row.client_order_id!r} at ts {row.ts_ns} ns: {field} {text!r} is not a decimal number"
        ) from None
    if not value.is_finite():
        raise ReportInputError(f"fill {row.client_order_id!r} at ts {row.ts_ns} ns: {field} {text!r} is not finite")
    return value


def _sign(row: FillRow) -> int:
    sign = _SIGN.get(row.side.lower())
    if sign is None:
        raise ReportInputError(f"fill {row.client_order_id!r} at ts {row.ts_ns} ns: side {row.side!r} "
                               "is neither 'buy' nor 'sell'")
    return sign


def fill_stats(fills: Iterable[FillRow]) -> FillStats:
    """Turnover, fees and round-trip hit rate of ``fills`` (taken in the given order, per instrument)."""
    n_fills = 0
    turnover = _ZERO
    fees = _ZERO
    position: dict[str, Decimal] = {}
    trip_pnl: dict[str, Decimal] = {}
    n_trips = 0
    n_wins = 0
    for row in fills:
        n_fills += 1
        sign = _sign(row)
        price = _dec(row.price, "price", row)
        qty = _dec(row.qty, "qty", row)
        fee = _dec(row.fee, "fee", row)
        if qty < 0:
            raise ReportInputError(f"fill {row.client_order_id!r} at ts {row.ts_ns} ns: qty {row.qty!r} is negative")
        turnover += abs(price * qty)
        fees += fee
        if qty == 0:
            continue
        pos = position.get(row.instrument_id, _ZERO)
        pnl = trip_pnl.get(row.instrument_id, _ZERO)
        closing = min(qty, abs(pos)) if pos * sign < 0 else _ZERO
        if closing > 0:
            share = closing / qty
            pnl += -sign * price * closing - fee * share
            pos += sign * closing
            if pos == 0:
                n_trips += 1
                n_wins += pnl > 0
                pnl = _ZERO
        rest = qty - closing
        if rest > 0:
            pnl += -sign * price * rest - fee * (rest / qty)
            pos += sign * rest
        position[row.instrument_id] = pos
        trip_pnl[row.instrument_id] = pnl
    return FillStats(
        n_fills=n_fills,
        turnover=turnover,
        fees=fees,
        n_round_trips=n_trips,
        n_winning_trips=n_wins,
        hit_rate=(n_wins / n_trips) if n_trips else None,
    )
