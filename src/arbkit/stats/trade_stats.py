"""Trade statistics and PnL attribution from :class:`~arbkit.stats.trades.TradeRecord` s.

Round trips come from FIFO matching per (script, instrument) (:func:`arbkit.stats.round_trips.match_fifo`).
Money is USD (the quote currency taken as USD), times int ns.

>>> from arbkit.core.enums import Side
>>> def rec(side, price, qty, ts, fee=0.0, mid=None, script="s"):
...     return TradeRecord(instrument_id="X.V", venue="V", script_id=script, side=side, price=price, qty=qty,
...                        fee_usd=fee, ts_ns=ts, arrival_mid=mid)
>>> records = [rec(Side.BUY, 100.0, 1.0, 0, fee=0.1, mid=99.9), rec(Side.SELL, 103.0, 1.0, 60, fee=0.1),
...            rec(Side.BUY, 102.0, 2.0, 120), rec(Side.SELL, 101.0, 2.0, 180)]
>>> s = trade_stats(records, capital_usd=1_000.0)
>>> s.n_round_trips, s.hit_rate, round(s.profit_factor, 2), s.avg_holding_ns
(2, 0.5, 1.4, 60.0)
>>> round(s.turnover, 3), round(s.fees_usd, 2), round(s.slippage_bps, 2), round(s.net_usd, 2)
(0.609, 0.2, 10.01, 0.8)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from arbkit.stats._checks import positive
from arbkit.stats.errors import StatsError
from arbkit.stats.result import StatsResult
from arbkit.stats.round_trips import FifoBook, match_fifo
from arbkit.stats.trades import TradeRecord


class PnlBreakdown(StatsResult, frozen=True, kw_only=True):
    """PnL of one group (a script, an instrument or a venue), USD.

    Attributes:
        n_fills: fills in the group; notional_usd: their traded value.
        n_round_trips: round trips the group closed.
        realized_usd: gross PnL of the closed quantity (FIFO), before fees.
        fees_usd: every fee the group's fills paid (open positions' entry fees included); rebates negative.
        net_usd: ``realized_usd - fees_usd``, the closed-trade result.
        unrealized_usd: open quantity marked at the final mark, ``direction × (mark - entry) × qty ×
            multiplier``; 0 when flat, NaN when a position is open and its instrument has no mark.
        total_usd: ``net_usd + unrealized_usd`` (NaN when unrealized is).
    """

    n_fills: int = 0
    notional_usd: float = 0.0
    n_round_trips: int = 0
    realized_usd: float = 0.0
    fees_usd: float = 0.0
    net_usd: float = 0.0
    unrealized_usd: float = 0.0
    total_usd: float = 0.0


class TradeStats(StatsResult, frozen=True, kw_only=True):
    """Trade statistics of a run (see :func:`trade_stats`). Money USD, times ns.

    Attributes:
        n_fills: fills read.
        n_round_trips: FIFO round trips closed; n_winning / n_losing: those with net PnL > 0 / < 0.
        hit_rate: ``n_winning / n_round_trips``; NaN without round trips.
        gross_profit_usd / gross_loss_usd: sum of net PnL of winning trips / minus that of losing trips (>= 0).
        profit_factor: ``gross_profit_usd / gross_loss_usd``; +inf with wins and no losses, NaN with
            neither (no trips, or only break-even ones).
        avg_trade_usd: mean net PnL per round trip; NaN without round trips.
        avg_holding_ns: mean over round trips of their (quantity-weighted) holding time; NaN without trips.
        traded_notional_usd: ``sum(price × qty × multiplier)`` over all fills.
        capital_usd: the capital turnover is measured against.
        turnover: ``traded_notional_usd / capital_usd`` (times the capital traded over the run).
        fees_usd: fees paid, rebates negative.
        slippage_bps: notional-weighted mean over fills with an arrival mid of
            ``side × (price - mid) / mid × 10^4``; positive is a cost; NaN if no fill has a mid.
        slippage_usd: ``sum(side × (price - mid) × qty × multiplier)`` over those fills (positive = cost).
        n_fills_with_mid: fills that had an arrival mid.
        realized_usd / unrealized_usd / net_usd / total_usd: totals, as in :class:`PnlBreakdown`.
        by_script / by_instrument / by_venue: :class:`PnlBreakdown` per script id, instrument id, venue.
    """

    n_fills: int
    n_round_trips: int
    n_winning: int
    n_losing: int
    hit_rate: float
    gross_profit_usd: float
    gross_loss_usd: float
    profit_factor: float
    avg_trade_usd: float
    avg_holding_ns: float
    traded_notional_usd: float
    capital_usd: float
    turnover: float
    fees_usd: float
    slippage_bps: float
    slippage_usd: float
    n_fills_with_mid: int
    realized_usd: float
    unrealized_usd: float
    net_usd: float
    total_usd: float
    by_script: dict[str, PnlBreakdown]
    by_instrument: dict[str, PnlBreakdown]
    by_venue: dict[str, PnlBreakdown]


class _Acc:
    """Mutable sums of one group."""

    __slots__ = ("n_fills", "notional", "n_trips", "realized", "fees", "unrealized")

    def __init__(self) -> None:
        self.n_fills = self.n_trips = 0
        self.notional = self.realized = self.fees = self.unrealized = 0.0

    def freeze(self) -> PnlBreakdown:
        net = self.realized - self.fees
        return PnlBreakdown(n_fills=self.n_fills, notional_usd=self.notional, n_round_trips=self.n_trips,
                            realized_usd=self.realized, fees_usd=self.fees, net_usd=net,
                            unrealized_usd=self.unrealized, total_usd=net + self.unrealized)


def profit_factor(net_pnls: np.ndarray | Sequence[float]) -> float:
    """``sum(wins) / -sum(losses)`` of per-trade PnLs; +inf with wins and no losses, NaN with neither.

    >>> profit_factor(np.array([3.0, -1.0, -1.0])), profit_factor(np.array([2.0])), profit_factor(np.array([]))
    (1.5, inf, nan)
    """
    pnl = np.asarray(net_pnls, dtype=np.float64)
    wins = float(pnl[pnl > 0.0].sum())
    losses = float(-pnl[pnl < 0.0].sum())
    if losses > 0.0:
        return wins / losses
    return math.inf if wins > 0.0 else math.nan


def trade_stats(records: Iterable[TradeRecord], *, capital_usd: float,
                marks: Mapping[str, float] | None = None) -> TradeStats:
    """:class:`TradeStats` of ``records`` (taken in time order; none is fine: counts 0, ratios NaN).

    Args:
        capital_usd: capital turnover is measured against (> 0).
        marks: final mark price (quote currency per unit) by instrument id, to value open positions;
            an open position without a mark has NaN unrealized PnL.

    Raises:
        StatsError: non-positive capital, or a mark that is not a finite number > 0.
    """
    capital = positive("capital_usd", capital_usd)
    recs = list(records)
    marks = dict(marks or {})
    for instrument_id, mark in marks.items():
        if not math.isfinite(mark) or mark <= 0.0:
            raise StatsError(f"mark for {instrument_id} must be a finite number > 0, got {mark!r}")
    book = match_fifo(recs)
    groups: dict[str, dict[str, _Acc]] = {"script": {}, "instrument": {}, "venue": {}}

    def accs(script_id: str, instrument_id: str, venue: str) -> tuple[_Acc, ...]:
        keys = (("script", script_id), ("instrument", instrument_id), ("venue", venue))
        return tuple(groups[kind].setdefault(key, _Acc()) for kind, key in keys)

    slip_bps_notional = slip_usd = mid_notional = 0.0
    n_mid = 0
    for rec in recs:
        notional = rec.notional_usd
        for acc in accs(rec.script_id, rec.instrument_id, rec.venue):
            acc.n_fills += 1
            acc.notional += notional
            acc.fees += rec.fee_usd
        if rec.arrival_mid is not None:
            n_mid += 1
            mid_notional += notional
            slip_bps_notional += notional * rec.slippage_bps()
            slip_usd += int(rec.side) * (rec.price - rec.arrival_mid) * rec.qty * rec.multiplier
    for trip in book.round_trips:
        for acc in accs(trip.script_id, trip.instrument_id, trip.venue):
            acc.n_trips += 1
            acc.realized += trip.gross_pnl_usd
    _mark_open(book, marks, accs)
    net = np.array([t.net_pnl_usd for t in book.round_trips], dtype=np.float64)
    n_trips = int(net.size)
    total = _Acc()
    for acc in groups["venue"].values():
        total.n_fills += acc.n_fills
        total.notional += acc.notional
        total.fees += acc.fees
        total.realized += acc.realized
        total.unrealized += acc.unrealized
    frozen = total.freeze()
    return TradeStats(
        n_fills=len(recs),
        n_round_trips=n_trips,
        n_winning=int(np.sum(net > 0.0)),
        n_losing=int(np.sum(net < 0.0)),
        hit_rate=float(np.mean(net > 0.0)) if n_trips else math.nan,
        gross_profit_usd=float(net[net > 0.0].sum()),
        gross_loss_usd=float(-net[net < 0.0].sum()),
        profit_factor=profit_factor(net),
        avg_trade_usd=float(net.mean()) if n_trips else math.nan,
        avg_holding_ns=float(np.mean([t.holding_ns for t in book.round_trips])) if n_trips else math.nan,
        traded_notional_usd=total.notional,
        capital_usd=capital,
        turnover=total.notional / capital,
        fees_usd=total.fees,
        slippage_bps=slip_bps_notional / mid_notional if n_mid else math.nan,
        slippage_usd=slip_usd,
        n_fills_with_mid=n_mid,
        realized_usd=frozen.realized_usd,
        unrealized_usd=frozen.unrealized_usd,
        net_usd=frozen.net_usd,
        total_usd=frozen.total_usd,
        by_script={k: a.freeze() for k, a in sorted(groups["script"].items())},
        by_instrument={k: a.freeze() for k, a in sorted(groups["instrument"].items())},
        by_venue={k: a.freeze() for k, a in sorted(groups["venue"].items())},
    )


def _mark_open(book: FifoBook, marks: Mapping[str, float], accs: Callable[[str, str, str], tuple[_Acc, ...]]) -> None:
    for lot in book.open_lots:
        mark = marks.get(lot.instrument_id)
        value = math.nan if mark is None else lot.direction * (mark - lot.price) * lot.qty * lot.multiplier
        for acc in accs(lot.script_id, lot.instrument_id, lot.venue):
            acc.unrealized += value
