"""Maker fills: which of our resting orders a public trade fills, and by how many lots.

A public trade (``aggressor`` side, ``size_lots`` at ``price_ticks``) can fill our resting orders of
the other side in two ways:

1. **Through** our price (a sell aggressor strictly below our bid, a buy aggressor strictly above our
   ask): the trade swept our whole level, so our orders fill, best price first then oldest, until the
   trade's size is used up. Every queue model, ``through_only`` included, does this.
2. **At** our price, only under a queue-tracking model (:mod:`arbkit.sim.queue`): the trade first takes
   the lots ahead of us (``QueuePosition.ahead_lots``) and, among our own orders at that price, the
   older ones; an order fills by what is left of the trade, ``floor(size - ahead - our older lots)``,
   capped by its open lots and by what earlier orders left of the trade.

All our orders together never take more than the trade's size. Fills are maker fills at the order's
own price; partial fills are normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from arbkit.core.enums import Side
from arbkit.core.messages import BookUpdate, Order, Trade
from arbkit.sim.queue import QueueModel, QueuePosition

_EPS = 1e-9
"""Float slack when turning an estimated (fractional) queue position into whole lots."""


@dataclass(slots=True)
class RestingOrder:
    """A limit order resting at the venue (mutable venue-side state).

    Attributes:
        order: the order as it arrived.
        arrival_ns: when it reached the venue (ns).
        seq: send order, the tie-break of equal prices (older first).
        filled_lots: lots filled so far.
        ts_last: venue time (ns) of its last change.
        queue: its queue position, or None when the queue model does not track queues.
    """

    order: Order
    arrival_ns: int
    seq: int
    filled_lots: int = 0
    ts_last: int = 0
    queue: QueuePosition | None = None

    @property
    def leaves_lots(self) -> int:
        """Lots still open."""
        return self.order.qty_lots - self.filled_lots

    @property
    def price_ticks(self) -> int:
        """Limit price in ticks (a resting order is always a limit order)."""
        assert self.order.price_ticks is not None
        return self.order.price_ticks

    @property
    def book_side(self) -> int:
        """Side of the book the order rests on: +1 bids (a buy), -1 asks (a sell)."""
        return 1 if self.order.side is Side.BUY else -1


def is_through(order: Order, trade_ticks: int) -> bool:
    """True if a trade at ``trade_ticks`` is strictly better for the other side than ``order``'s price."""
    assert order.price_ticks is not None
    return trade_ticks < order.price_ticks if order.side is Side.BUY else trade_ticks > order.price_ticks


def allocate_trade(candidates: list[RestingOrder], trade: Trade, model: QueueModel) -> list[tuple[RestingOrder, int]]:
    """Our maker fills from ``trade``, as (resting order, lots) in fill order; updates queue positions.

    Args:
        candidates: our resting orders of the trade's instrument, on the side the trade hit (bids for a
            sell aggressor), that had arrived by the trade's receive time.
        trade: the public trade.
        model: the venue's queue model; at-price fills and queue updates only if it tracks queues.
    """
    price = trade.price_ticks
    budget = trade.size_lots
    fills: list[tuple[RestingOrder, int]] = []
    through = sorted((r for r in candidates if is_through(r.order, price)),
                     key=lambda r: (-r.book_side * r.price_ticks, r.seq))
    for resting in through:
        if budget <= 0:
            break
        lots = min(budget, resting.leaves_lots)
        budget -= lots
        fills.append((resting, lots))
    if not model.tracks_queue:
        return fills
    for resting in through:  # the trade went through their level: nothing is left ahead of them
        if resting.queue is not None:
            resting.queue.ahead_lots = 0.0
    ours_ahead = 0
    for resting in sorted((r for r in candidates if r.price_ticks == price), key=lambda r: r.seq):
        pos = resting.queue
        if pos is None:
            continue
        reach = trade.size_lots - pos.ahead_lots - ours_ahead  # what of the trade got past everyone ahead
        leaves = resting.leaves_lots
        ours_ahead += leaves
        model.on_trade(pos, trade.size_lots)
        lots = min(leaves, budget, math.floor(reach + _EPS)) if reach > 0 else 0
        if lots > 0:
            budget -= lots
            fills.append((resting, lots))
    return fills


def names_level(update: BookUpdate | None, resting: RestingOrder) -> bool:
    """True if ``update`` is a snapshot or lists the level ``resting`` rests at."""
    if update is None:
        return False
    if update.is_snapshot:
        return True
    levels = update.bids if resting.book_side > 0 else update.asks
    return any(price == resting.price_ticks for price, _ in levels)
