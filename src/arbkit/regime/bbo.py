"""Mid, spread and top-of-book depth per BBO message, from the normalised columns every reader produces.

Works on an :class:`~arbkit.data.events.EventTable` (recorded Binance files) and on a
:class:`~arbkit.data.schema.TickFrame` table (synthetic markets, vendor files): a BBO message is a bid
row (side +1) followed by an ask row (side -1) of kind ``BBO``. Prices are converted from ticks to
quote currency with the instrument's tick size.

>>> import numpy as np
>>> series = bbo_series(ts_ns=np.array([5, 5]), kind=np.array([BBO, BBO]), side=np.array([1, -1]),
...                     price=np.array([6_173_000, 6_173_001]), size=np.array([3, 4]), tick_size=0.01)
>>> round(float(series.mid[0]), 3), round(float(series.spread_bps[0]), 5), float(series.depth[0])
(61730.005, 0.00162, 7.0)
"""

from __future__ import annotations

import msgspec
import numpy as np

from arbkit.data.schema import BBO
from arbkit.regime.errors import RegimeError


class BboSeries(msgspec.Struct, kw_only=True):
    """One entry per BBO message: time (ns), mid (quote currency), spread (bps of the mid), bid + ask size (lots)."""

    ts_ns: np.ndarray
    mid: np.ndarray
    spread_bps: np.ndarray
    depth: np.ndarray

    def __len__(self) -> int:
        return len(self.ts_ns)


def bbo_series(*, ts_ns: np.ndarray, kind: np.ndarray, side: np.ndarray, price: np.ndarray, size: np.ndarray,
               tick_size: float) -> BboSeries:
    """The BBO messages of parallel row columns (one instrument); ``ts_ns`` is the clock to use (event or receive)."""
    kind, side = np.asarray(kind), np.asarray(side)
    bid = np.flatnonzero((kind == BBO) & (side > 0))
    ask = bid + 1
    if len(bid) != int(((kind == BBO) & (side < 0)).sum()) or (len(ask) and ask[-1] >= len(kind)) or not (
            (kind[ask] == BBO) & (side[ask] < 0)).all():
        raise RegimeError("bbo_series: every BBO message must be a bid row directly followed by its ask row")
    price = np.asarray(price)
    bid_px, ask_px = price[bid] * float(tick_size), price[ask] * float(tick_size)
    mid = (bid_px + ask_px) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        spread_bps = (ask_px - bid_px) / mid * 1e4
    size = np.asarray(size)
    return BboSeries(ts_ns=np.asarray(ts_ns, dtype=np.int64)[ask], mid=mid, spread_bps=spread_bps,
                     depth=(size[bid] + size[ask]).astype(np.float64))


def bbo_of_table(table: object, tick_size: float, clock: str = "ts_event") -> BboSeries:
    """:func:`bbo_series` of an ``EventTable`` or a TICK_SCHEMA ``pyarrow.Table`` holding one instrument."""
    def column(name: str) -> np.ndarray:
        if hasattr(table, "column"):  # pyarrow
            return table.column(name).to_numpy()  # type: ignore[attr-defined, no-any-return]
        return table[name]  # type: ignore[index, no-any-return]

    return bbo_series(ts_ns=column(clock), kind=column("kind"), side=column("side"), price=column("price"),
                      size=column("size"), tick_size=tick_size)
