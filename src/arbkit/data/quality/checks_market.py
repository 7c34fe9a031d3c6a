"""Checks on prices: crossed or locked books and quotes, and outlier prints."""

from __future__ import annotations

from typing import ClassVar

import msgspec
import numpy as np

from arbkit.book.order_book import OrderBook
from arbkit.book.replay_kernel import replay_columns
from arbkit.data.quality.columns import Columns
from arbkit.data.quality.result import CheckContext, CheckResult, Severity, examples_at, result
from arbkit.data.schema import BBO, DELTA, TRADE


def crossed_delta_messages(cols: Columns, code: int) -> tuple[np.ndarray, int]:
    """(last row of each DELTA message of instrument ``code`` after which the book was crossed, levels pruned)."""
    replayed = replay_columns(cols.kind, cols.side, cols.price, cols.size, cols.flags, cols.instrument, code,
                              OrderBook(cols.instrument_ids[code]))
    return replayed.crossed_rows, replayed.pruned


class CrossedOrLocked(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Best bid >= best ask. Count: BBO messages + DELTA messages.

    - BBO: a message (bid row, then ask row) whose bid price >= ask price (``locked`` when equal);
      rows with a non-positive price are left to ``non_positive``.
    - DELTA: each instrument's book is replayed by the compiled book kernels, one whole venue message
      at a time; a message after which the book is crossed (before the kernel uncrosses it by
      pruning levels, the ``crossed_levels_pruned`` counter of the book) is counted.
    """

    replay_deltas: bool = True

    name: ClassVar[str] = "crossed_or_locked"
    severity: ClassVar[Severity] = Severity.WARNING

    def bbo_mask(self, cols: Columns) -> np.ndarray:
        """True on the ask row of each crossed or locked BBO message."""
        ask = np.flatnonzero((cols.kind == BBO) & cols.is_last & (cols.side < 0))
        ask = ask[ask > 0]
        bid = ask - 1
        paired = (cols.kind[bid] == BBO) & (cols.side[bid] > 0) & (cols.instrument[bid] == cols.instrument[ask])
        ask, bid = ask[paired], bid[paired]
        positive = (cols.price[ask] > 0) & (cols.price[bid] > 0)
        out = np.zeros(cols.n, dtype=bool)
        out[ask[positive & (cols.price[bid] >= cols.price[ask])]] = True
        return out

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        bbo = self.bbo_mask(cols)
        bbo_rows = np.flatnonzero(bbo)
        locked = int(np.count_nonzero(cols.price[bbo_rows] == cols.price[bbo_rows - 1])) if bbo_rows.size else 0
        delta_rows: list[np.ndarray] = []
        pruned = 0
        if self.replay_deltas:
            for code in range(len(cols.instrument_ids)):
                if np.any((cols.kind == DELTA) & (cols.instrument == code)):
                    rows, levels = crossed_delta_messages(cols, code)
                    delta_rows.append(rows)
                    pruned += levels
        delta = np.concatenate(delta_rows) if delta_rows else np.zeros(0, dtype=np.int64)
        rows = np.sort(np.concatenate([bbo_rows, delta]))
        return result(self.name, self.severity, len(rows), examples=examples_at(rows, cols.pick("kind", "side", "price", "update_id")),
                      detail="BBO messages with bid >= ask, and DELTA messages after which the replayed book was crossed "
                             "(row = last row of the message)",
                      stats={"bbo_crossed": len(bbo_rows) - locked, "bbo_locked": locked, "delta_messages": len(delta),
                             "delta_levels_pruned": pruned})


class OutlierPrints(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Prices that jump away from the last one: trade prints and BBO mids. Count: outlier rows.

    Per instrument and series (trade prices; BBO mid = bid + ask), r is the relative change from the
    previous value. The scale is ``1.4826 * MAD`` of the non-zero changes (most tick-to-tick changes
    are zero, whose MAD is 0). A value is an outlier if ``|r - median| / scale > threshold`` **and**
    ``|r| >= min_abs_return``: on a liquid book a sweep of a few dozen ticks already scores z > 8, so
    the floor keeps the check on prices no market moves between two prints. A spike (an outlier
    followed by an outlier back) counts once, at the spike's row; a jump that stays counts once too.
    """

    threshold: float = 8.0
    min_abs_return: float = 0.005

    name: ClassVar[str] = "outlier_prints"
    severity: ClassVar[Severity] = Severity.WARNING

    def _series(self, rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, int]:
        """(rows that are outliers, how many changes exceed the z threshold alone)."""
        if values.size < 3:
            return np.zeros(0, dtype=np.int64), 0
        v = values.astype(np.float64)
        r = np.diff(v) / np.where(v[:-1] != 0, v[:-1], np.nan)
        r = np.nan_to_num(r, nan=0.0)
        moved = r[r != 0]
        if moved.size < 2:
            return np.zeros(0, dtype=np.int64), 0
        median = float(np.median(moved))
        scale = 1.4826 * float(np.median(np.abs(moved - median)))
        if scale == 0:
            scale = float(np.abs(moved - median).mean()) or 1.0
        z = np.abs(r - median) / scale
        z_hit = z > self.threshold
        hit = z_hit & (np.abs(r) >= self.min_abs_return)
        reversal = np.zeros(hit.size, dtype=bool)
        reversal[1:] = hit[1:] & hit[:-1] & (np.sign(r[1:]) != np.sign(r[:-1]))
        # a reversal answers a spike only if that spike was itself counted (not a reversal of another)
        counted = hit.copy()
        for i in np.flatnonzero(reversal):  # rare: only around planted or real spikes
            if counted[i - 1]:
                counted[i] = False
        return rows[1:][counted], int(z_hit.sum())

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        found: list[np.ndarray] = []
        z_only = trades = mids = 0
        for _, rows in cols.groups():
            trade = rows[(cols.kind[rows] == TRADE) & (cols.price[rows] > 0)]
            out, z = self._series(trade, cols.price[trade])
            found.append(out)
            trades += out.size
            z_only += z
            ask = rows[(cols.kind[rows] == BBO) & cols.is_last[rows] & (cols.side[rows] < 0)]
            ask = ask[(ask > 0) & (cols.price[ask] > 0)]
            ask = ask[cols.price[ask - 1] > 0]
            out, z = self._series(ask, cols.price[ask] + cols.price[ask - 1])
            found.append(out)
            mids += out.size
            z_only += z
        rows = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        return result(self.name, self.severity, len(rows), examples=examples_at(rows, cols.pick("kind", "price")),
                      detail=f"trade prices and BBO mids with robust z > {self.threshold:g} and |return| >= "
                             f"{self.min_abs_return:g} (row = the outlier; BBO: its ask row)",
                      stats={"trades": trades, "mids": mids, "z_above_threshold": z_only})
