"""Compiled (numba) per-event path of :class:`arbkit.sim.fast_replay.FastBacktest`: book, imbalance, our orders.

One function, :func:`run_until_decision`, replays rows of an :class:`~arbkit.data.events.EventTable` on
the one-buffer book of :mod:`arbkit.book.kernels`, reads the top-N depth-weighted imbalance after every
**feed batch** (a book message ended by its ``F_LAST`` row, or a trade; book tickers are skipped, as in
:mod:`arbkit.book.imbalance_replay`) and simulates our own limit orders against the recorded flow. It
returns to Python only on a **decision event** (every ``decision_every`` batches), when the book buffer
must grow or re-centre, or when the fill log is full. Every array is preallocated by the caller: the
loop allocates nothing per event.

Our orders live in ``orders`` (one int64 row per order, columns ``O_*``) and the indices of the open
ones in ``active`` (``state[N_ACTIVE]`` of them, oldest first). Rules (prices in ticks, sizes in lots,
times in ns):

- **Latency**: an order sent at local time ``t`` reaches the venue at ``t + entry_latency`` on the
  venue clock: it is matched only against rows whose ``ts_event`` is at or after that time. A cancel
  sent at ``t`` takes effect at ``t + cancel_latency``; fills before that still happen.
- **Post-only**: an order whose price would cross the opposite best on arrival is rejected.
- **Queue** (``queue_mode`` ``QUEUE_RISK_AVERSE``, as :class:`arbkit.sim.queue.RiskAverseQueue`): on
  arrival the order joins behind the displayed size at its price (``O_AHEAD``). A size decrease at
  that level caps ``O_AHEAD`` at the new size (it moves us up; increases are behind us). A public trade
  at our price takes the lots ahead first and then fills us; ``QUEUE_THROUGH_ONLY`` never fills at our
  price (as :class:`arbkit.sim.queue.ThroughOnlyQueue`).
- **Through**: a trade strictly through our price fills us up to its size. When the book's opposite
  best reaches our price after a message, the order fills in full (the book traded through it).
- **Shared liquidity**: one trade's size is shared by all our orders, oldest first; at our price an
  order stands behind the queue ahead, our older orders' open lots there and every lot of the trade
  our older orders already took, so the sum of our fills from one trade never exceeds its size.
- **Partial fills** are normal; every fill is a maker fill at the order's price, appended to ``fills``
  (columns ``X_*``) with its fee in ``result[FEES]`` (tick·lot units × ``maker_fee_bps`` / 10,000).
"""

from __future__ import annotations

from numba import njit

from arbkit.book import kernels
from arbkit.book.imbalance_replay import (  # slots 0-5 of the state array and 0-1 of the result array: the replay's own
    BATCHES,
    CHECKSUM,
    LAST_ADD_IS_BID,
    LAST_IMBALANCE,
    LAST_TRADE_PRICE,
    PRUNED,
    ROWS,
    TRADES,
)
from arbkit.data.events import DELTA, F_CLEAR, F_LAST, TRADE

# -- slots of the int64 state array (ROWS ... LAST_TRADE_PRICE = 0 ... 5 as in imbalance_replay) -----
N_ACTIVE = 6
"""Open orders (pending arrival or resting): their row indices are ``active[:N_ACTIVE]``."""
N_FILLS = 7
"""Rows written to the fill log."""
NEXT_TIMER_NS = 8
"""Earliest venue time (ns) at which a pending order arrives or a cancel takes effect."""
NOW_RECV_NS = 9
"""Local receive time (ns) of the row that ended the last batch handed back: the clock of a decision."""
NOW_EVENT_NS = 10
"""Venue time (ns) of that row."""
POSITION = 11
"""Net filled lots (buys minus sells)."""
CASH = 12
"""Cash from fills in tick·lot units (sells add price × lots, buys subtract), fees excluded."""
FILLED_ORDERS = 13
"""Orders filled completely."""
CANCELLED = 14
"""Orders cancelled at the venue while open."""
REJECTED = 15
"""Orders rejected on arrival (post-only price crossing the book)."""
NEXT_DECISION = 16
"""Batch count at which the next decision event is due."""
DECISIONS = 17
"""Decision events handed to Python."""
DECISION_AFTER_RECENTRE = 18
"""1 when a ``RECENTRE`` hand-back also ends a decision period: Python re-centres, then decides."""
STATE_SLOTS = 24

# -- slots of the float64 result array (CHECKSUM = 0, LAST_IMBALANCE = 1 as in imbalance_replay) ------
FEES = 2
"""Maker fees of all fills in tick·lot units (price ticks × lots × bps / 10,000; negative is a rebate)."""
RESULT_SLOTS = 4

# -- columns of the orders array (int64) -------------------------------------------------------------
O_SIDE = 0
"""+1 buy, -1 sell."""
O_PRICE = 1
"""Limit price in ticks."""
O_QTY = 2
"""Order size in lots."""
O_FILLED = 3
"""Lots filled so far."""
O_STATUS = 4
"""One of ``PENDING``, ``RESTING``, ``FILLED``, ``CANCELLED``, ``REJECTED``."""
O_SENT_NS = 5
"""Local time the order was sent (ns)."""
O_ARRIVE_NS = 6
"""Venue time from which it rests (sent + entry latency, ns)."""
O_CANCEL_NS = 7
"""Venue time at which a requested cancel takes effect (``NEVER`` if none was requested)."""
O_AHEAD = 8
"""Lots of other orders ahead of ours in the level's queue (while resting)."""
O_DONE_NS = 9
"""Venue time the order left the book: the filling row's, the cancel's effect or the arrival of a rejected order (0 while open)."""
ORDER_COLUMNS = 10

PENDING = 0
RESTING = 1
FILLED = 2
CANCELLED_STATUS = 3
REJECTED_STATUS = 4

# -- columns of the fills array (int64) --------------------------------------------------------------
X_ORDER = 0
"""Row of the order in ``orders``."""
X_PRICE = 1
"""Fill price in ticks (the order's limit price: maker fill)."""
X_QTY = 2
"""Lots filled."""
X_EVENT_NS = 3
"""Venue time of the row that filled it (ns)."""
X_RECV_NS = 4
"""Local receive time of that row (ns)."""
X_ROW = 5
"""Index of that row in the event table."""
FILL_COLUMNS = 6

# -- kernel statuses (OK, FULL and RECENTRE are the book kernels' own) ---------------------------------
OK = kernels.OK
FULL = kernels.FULL
RECENTRE = kernels.RECENTRE
DECISION = 4
"""``decision_every`` batches have passed: Python decides, then resumes at the returned row."""
FILLS_FULL = 5
"""The fill log may not hold the fills of the next row: grow it and resume at the returned row."""

QUEUE_THROUGH_ONLY = 0
QUEUE_RISK_AVERSE = 1

NEVER = (1 << 62)
"""A timestamp later than any recorded one (ns)."""


@njit(cache=True)
def _remove_active(active, state, k):  # type: ignore[no-untyped-def]
    """Drop ``active[k]`` keeping the others in age order."""
    n = state[N_ACTIVE]
    for j in range(k, n - 1):
        active[j] = active[j + 1]
    state[N_ACTIVE] = n - 1


@njit(cache=True)
def _record_fill(orders, o, qty, fills, state, result, fee_rate, ts_event, ts_recv, row):  # type: ignore[no-untyped-def]
    """Fill ``qty`` lots of order ``o`` at its price; True when the order is now filled completely."""
    price = orders[o, O_PRICE]
    side = orders[o, O_SIDE]
    f = state[N_FILLS]
    fills[f, X_ORDER] = o
    fills[f, X_PRICE] = price
    fills[f, X_QTY] = qty
    fills[f, X_EVENT_NS] = ts_event
    fills[f, X_RECV_NS] = ts_recv
    fills[f, X_ROW] = row
    state[N_FILLS] = f + 1
    state[POSITION] += side * qty
    state[CASH] -= side * price * qty
    result[FEES] += price * qty * fee_rate
    filled = orders[o, O_FILLED] + qty
    orders[o, O_FILLED] = filled
    if filled >= orders[o, O_QTY]:
        orders[o, O_STATUS] = FILLED
        orders[o, O_DONE_NS] = ts_event
        state[FILLED_ORDERS] += 1
        return True
    return False


@njit(cache=True)
def _run_timers(buf, orders, active, state, now):  # type: ignore[no-untyped-def]
    """Arrivals and cancels due at venue time ``now``; recomputes ``NEXT_TIMER_NS``."""
    nxt = NEVER
    k = 0
    while k < state[N_ACTIVE]:
        o = active[k]
        if orders[o, O_STATUS] == PENDING and orders[o, O_ARRIVE_NS] <= now:
            side = orders[o, O_SIDE]
            price = orders[o, O_PRICE]
            if side > 0:
                opposite = kernels.best_ask_price(buf)
                crosses = opposite != kernels.NO_PRICE and price >= opposite
            else:
                opposite = kernels.best_bid_price(buf)
                crosses = opposite != kernels.NO_PRICE and price <= opposite
            if crosses:
                orders[o, O_STATUS] = REJECTED_STATUS
                orders[o, O_DONE_NS] = orders[o, O_ARRIVE_NS]
                state[REJECTED] += 1
                _remove_active(active, state, k)
                continue
            orders[o, O_STATUS] = RESTING
            orders[o, O_AHEAD] = kernels.size_at(buf, side > 0, price)
        if orders[o, O_CANCEL_NS] <= now and orders[o, O_STATUS] == RESTING:
            orders[o, O_STATUS] = CANCELLED_STATUS
            orders[o, O_DONE_NS] = max(orders[o, O_CANCEL_NS], orders[o, O_ARRIVE_NS])
            state[CANCELLED] += 1
            _remove_active(active, state, k)
            continue
        if orders[o, O_STATUS] == PENDING:  # a cancel is looked at once the order has arrived
            nxt = min(nxt, orders[o, O_ARRIVE_NS])
        elif orders[o, O_CANCEL_NS] < nxt:
            nxt = orders[o, O_CANCEL_NS]
        k += 1
    state[NEXT_TIMER_NS] = nxt


@njit(cache=True, inline="always")
def _on_level(orders, active, state, is_bid, price, size):  # type: ignore[no-untyped-def]
    """The book now shows ``size`` lots at ``price``: cap the queue ahead of our resting orders there."""
    side = 1 if is_bid else -1
    for k in range(state[N_ACTIVE]):
        o = active[k]
        if orders[o, O_PRICE] == price and orders[o, O_SIDE] == side and orders[o, O_STATUS] == RESTING:
            orders[o, O_AHEAD] = min(orders[o, O_AHEAD], size)


@njit(cache=True)
def _on_trade(orders, active, state, fills, result, queue_mode, fee_rate, aggressor, price, size,
              ts_event, ts_recv, row):  # type: ignore[no-untyped-def]
    """A public trade: fill our resting orders of the other side that it reaches, oldest first."""
    used = 0
    k = 0
    while k < state[N_ACTIVE] and used < size:
        o = active[k]
        side = orders[o, O_SIDE]
        if orders[o, O_STATUS] != RESTING or side == aggressor:
            k += 1
            continue
        px = orders[o, O_PRICE]
        leaves = orders[o, O_QTY] - orders[o, O_FILLED]
        through = (px > price) if side > 0 else (px < price)
        qty = 0
        if through:
            qty = min(leaves, size - used)
        elif px == price and queue_mode == QUEUE_RISK_AVERSE:
            older = 0  # open lots of our older orders at this price: ahead of us in the queue
            for j in range(k):
                q = active[j]
                if orders[q, O_PRICE] == px and orders[q, O_SIDE] == side and orders[q, O_STATUS] == RESTING:
                    older += orders[q, O_QTY] - orders[q, O_FILLED]
            qty = min(leaves, size - orders[o, O_AHEAD] - older - used)
            ahead = orders[o, O_AHEAD] - size
            orders[o, O_AHEAD] = max(0, ahead)
        if qty > 0:
            used += qty
            if _record_fill(orders, o, qty, fills, state, result, fee_rate, ts_event, ts_recv, row):
                _remove_active(active, state, k)
                continue
        k += 1


@njit(cache=True, inline="always")
def _on_book_cross(buf, orders, active, state, fills, result, fee_rate, ts_event, ts_recv, row):  # type: ignore[no-untyped-def]
    """After a message: our resting orders the opposite best now reaches fill in full at their price."""
    bid = kernels.best_bid_price(buf)
    ask = kernels.best_ask_price(buf)
    k = 0
    while k < state[N_ACTIVE]:
        o = active[k]
        if orders[o, O_STATUS] == RESTING:
            px = orders[o, O_PRICE]
            if orders[o, O_SIDE] > 0:
                crossed = ask != kernels.NO_PRICE and ask <= px
            else:
                crossed = bid != kernels.NO_PRICE and bid >= px
            if crossed:
                leaves = orders[o, O_QTY] - orders[o, O_FILLED]
                _record_fill(orders, o, leaves, fills, state, result, fee_rate, ts_event, ts_recv, row)
                _remove_active(active, state, k)
                continue
        k += 1


@njit(cache=True, inline="always")
def _end_of_batch(buf, n_levels, state, result, trace, decision_every):  # type: ignore[no-untyped-def]
    """Read the imbalance after a batch; True when a decision event is due."""
    imbalance = kernels.weighted_imbalance(buf, n_levels)
    result[CHECKSUM] += imbalance
    result[LAST_IMBALANCE] = imbalance
    b = state[BATCHES]
    if b < trace.shape[0]:
        trace[b] = imbalance
    b += 1
    state[BATCHES] = b
    if decision_every > 0 and b >= state[NEXT_DECISION]:
        state[NEXT_DECISION] = b + decision_every
        return True
    return False


@njit(cache=True)
def run_until_decision(kind, side, price, size, flags, stream, ts_recv, ts_event, target, start, buf,  # type: ignore[no-untyped-def]
                       n_levels, decision_every, queue_mode, fee_rate, state, result, trace, orders, active, fills):
    """Replay rows from ``start`` until a hand-back; returns (next row, status).

    Statuses: ``OK`` (end of the table), ``DECISION``, ``FULL`` (grow the book's overflow; resume at
    the row), ``RECENTRE`` (re-centre the book; resume), ``FILLS_FULL`` (grow ``fills``; resume).
    ``fee_rate`` is the maker fee as a fraction (bps / 10,000); ``trace`` (may be empty) receives the
    imbalance after batch b at index b.
    """
    n = kind.shape[0]
    last_add_is_bid = state[LAST_ADD_IS_BID] != 0
    fill_cap = fills.shape[0]
    for i in range(start, n):
        if stream[i] != target:
            continue
        k = kind[i]
        if k != DELTA and k != TRADE:
            continue
        n_active = state[N_ACTIVE]
        if n_active > 0:
            if state[N_FILLS] + n_active > fill_cap:
                state[LAST_ADD_IS_BID] = 1 if last_add_is_bid else 0
                return i, FILLS_FULL
            if ts_event[i] >= state[NEXT_TIMER_NS]:
                _run_timers(buf, orders, active, state, ts_event[i])
        if k == DELTA:
            f = flags[i]
            if f & F_CLEAR:
                kernels.clear(buf)
            is_bid = side[i] > 0
            if kernels.set_level(buf, is_bid, price[i], size[i]) == kernels.FULL:
                state[LAST_ADD_IS_BID] = 1 if last_add_is_bid else 0
                return i, FULL
            if size[i] > 0:
                last_add_is_bid = is_bid
            state[ROWS] += 1
            if state[N_ACTIVE] > 0:
                _on_level(orders, active, state, is_bid, price[i], size[i])
            if f & F_LAST:
                if kernels.is_crossed(buf):
                    state[PRUNED] += kernels.uncross(buf, last_add_is_bid)
                last_add_is_bid = True
                if state[N_ACTIVE] > 0:
                    _on_book_cross(buf, orders, active, state, fills, result, fee_rate, ts_event[i], ts_recv[i], i)
                decide = _end_of_batch(buf, n_levels, state, result, trace, decision_every)
                if kernels.touch_outside_window(buf):
                    state[LAST_ADD_IS_BID] = 1
                    state[NOW_RECV_NS] = ts_recv[i]
                    state[NOW_EVENT_NS] = ts_event[i]
                    if decide:
                        state[DECISION_AFTER_RECENTRE] = 1
                        state[DECISIONS] += 1
                    return i + 1, RECENTRE
                if decide:
                    state[LAST_ADD_IS_BID] = 1
                    state[NOW_RECV_NS] = ts_recv[i]
                    state[NOW_EVENT_NS] = ts_event[i]
                    state[DECISIONS] += 1
                    return i + 1, DECISION
        else:
            state[TRADES] += 1
            state[LAST_TRADE_PRICE] = price[i]
            if state[N_ACTIVE] > 0:
                _on_trade(orders, active, state, fills, result, queue_mode, fee_rate, side[i], price[i], size[i],
                          ts_event[i], ts_recv[i], i)
            if _end_of_batch(buf, n_levels, state, result, trace, decision_every):
                state[LAST_ADD_IS_BID] = 1 if last_add_is_bid else 0
                state[NOW_RECV_NS] = ts_recv[i]
                state[NOW_EVENT_NS] = ts_event[i]
                state[DECISIONS] += 1
                return i + 1, DECISION
    state[LAST_ADD_IS_BID] = 1 if last_add_is_bid else 0
    if n > start:
        state[NOW_RECV_NS] = ts_recv[n - 1]
        state[NOW_EVENT_NS] = ts_event[n - 1]
    return n, OK
