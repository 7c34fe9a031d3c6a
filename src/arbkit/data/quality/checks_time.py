"""Checks on the two clocks and the sequence: out-of-order rows, update-id gaps, stale quotes."""

from __future__ import annotations

from typing import ClassVar, Literal

import msgspec
import numpy as np

from arbkit.data.quality.columns import Columns
from arbkit.data.quality.result import CheckContext, CheckResult, Example, Severity, examples_at, result
from arbkit.data.schema import BBO, DELTA, TRADE

NS_PER_S = 1_000_000_000


def _behind(key: np.ndarray) -> np.ndarray:
    """True where ``key`` is below the running maximum of the keys before it."""
    if key.size < 2:
        return np.zeros(key.size, dtype=bool)
    running = np.maximum.accumulate(key)
    out = np.zeros(key.size, dtype=bool)
    out[1:] = key[1:] < running[:-1]
    return out


class OutOfOrder(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rows whose receive time is behind an earlier row of the same stream. Count: rows.

    A stream is an instrument's rows of one kind (``per_kind``, the default) or all its rows. Per kind
    because a reader that buffers depth diffs until the REST snapshot arrives (Binance) emits them
    after trades and quotes received later; that is the book's correct order, not disorder. For the
    same reason a snapshot's rows do not advance the clock (``hold_snapshots``).

    Repair: a stable sort by ``ts_recv`` within each stream's rows (snapshot rows keep the time of the
    row before them); the positions each stream occupies in the frame do not change, and only the
    rows that were behind change place relative to the others (they get ``F_REPAIRED``).
    """

    per_kind: bool = True
    hold_snapshots: bool = True

    name: ClassVar[str] = "out_of_order"
    severity: ClassVar[Severity] = Severity.WARNING
    repairable: ClassVar[bool] = True

    def sort_key(self, cols: Columns, rows: np.ndarray) -> np.ndarray:
        """The time each of ``rows`` (one instrument, frame order) sorts by."""
        key = cols.ts_recv[rows].copy()
        if self.hold_snapshots:
            snap = cols.is_snapshot[rows]
            if snap.any():
                index = np.where(~snap, np.arange(rows.size), -1)
                previous = np.maximum.accumulate(index)
                key = np.where(snap, np.where(previous >= 0, key[np.maximum(previous, 0)], np.iinfo(np.int64).min), key)
        return key

    def streams(self, cols: Columns) -> list[np.ndarray]:
        """Row indices (frame order) of each stream."""
        out = []
        for _, rows in cols.groups():
            if self.per_kind:
                kinds = cols.kind[rows]
                out.extend(rows[kinds == kind] for kind in np.unique(kinds).tolist())
            else:
                out.append(rows)
        return out

    def mask(self, cols: Columns) -> np.ndarray:
        """True on rows behind their stream's clock."""
        out = np.zeros(cols.n, dtype=bool)
        for rows in self.streams(cols):
            out[rows] = _behind(self.sort_key(cols, rows))
        return out

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        rows = np.flatnonzero(self.mask(cols))
        return result(self.name, self.severity, len(rows), examples=examples_at(rows, cols.pick("ts_recv", "ts_event", "kind")),
                      detail="rows whose ts_recv is below an earlier row's of the same instrument"
                             + (" and kind" if self.per_kind else ""))

    def order(self, cols: Columns) -> np.ndarray:
        """The repair: the frame's row order after the per-instrument stable sort."""
        order = np.arange(cols.n)
        for rows in self.streams(cols):
            order[rows] = rows[np.argsort(self.sort_key(cols, rows), kind="stable")]
        return order


class EventTimeOrder(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Rows whose exchange time is behind an earlier row of the same instrument and kind. Count: rows.

    Each kind is its own venue stream (depth, trades, book ticker) with its own event clock, so only
    rows of one kind are compared. Flag only: the receive order is the replay order.
    """

    name: ClassVar[str] = "event_time_order"
    severity: ClassVar[Severity] = Severity.WARNING

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        out = np.zeros(cols.n, dtype=bool)
        stats: dict[str, int | float] = {}
        for _, rows in cols.groups():
            for kind, label in ((DELTA, "delta"), (TRADE, "trade"), (BBO, "bbo")):
                sub = rows[cols.kind[rows] == kind]
                behind = _behind(cols.ts_event[sub])
                out[sub] = behind
                stats[label] = stats.get(label, 0) + int(behind.sum())
        rows = np.flatnonzero(out)
        return result(self.name, self.severity, len(rows), examples=examples_at(rows, cols.pick("ts_event", "ts_recv", "kind")),
                      detail="rows whose ts_event is below an earlier row's of the same instrument and kind", stats=stats)


class SequenceGaps(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Missing update ids where the venue promises consecutive ids, plus the gaps the reader reported.

    Over the last row of each message of ``kinds`` (per instrument and kind, ids >= 0, not across a
    snapshot), a gap is a step from one id to the next larger than ``step``. Steps <= 0 are repeats
    or disorder (counted by ``duplicates``/``out_of_order``) and shown in the stats only.

    Defaults fit Binance: trade ids are consecutive; depth ids follow the ``U``/``pu`` chain that only
    the reader sees (it reports breaks as ``BookGap``s, passed in the context). For Bybit-style books
    whose update id steps by one per message use ``kinds=(DELTA,)``.

    Count: gaps found in the frame + gaps the reader reported.
    """

    step: int = 1
    kinds: tuple[int, ...] = (TRADE,)

    name: ClassVar[str] = "sequence_gaps"
    severity: ClassVar[Severity] = Severity.WARNING

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        gap_rows: list[np.ndarray] = []
        missing = 0
        regressions = 0
        for _, rows in cols.groups():
            for kind in self.kinds:
                sub = rows[(cols.kind[rows] == kind) & cols.is_last[rows] & (cols.update_id[rows] >= 0)]
                if sub.size < 2:
                    continue
                ids = cols.update_id[sub]
                steps = np.diff(ids)
                after_snapshot = cols.is_snapshot[sub[1:]] | cols.is_snapshot[sub[:-1]]
                gaps = (steps > self.step) & ~after_snapshot
                regressions += int(np.count_nonzero((steps <= 0) & ~after_snapshot))
                missing += int((steps[gaps] - self.step).sum() // max(self.step, 1))
                gap_rows.append(sub[1:][gaps])
        rows = np.sort(np.concatenate(gap_rows)) if gap_rows else np.zeros(0, dtype=np.int64)
        examples = examples_at(rows, cols.pick("kind", "update_id"))
        reported = len(context.book_gaps)
        for gap in context.book_gaps[: max(0, 5 - len(examples))]:
            examples += (Example(row=-1, values={"source": str(getattr(gap, "source", "")), "line": int(getattr(gap, "line", -1)),
                                                 "expected_update_id": int(getattr(gap, "expected_update_id", -1))}),)
        stats: dict[str, int | float] = {"frame_gaps": len(rows), "missing_ids": missing, "non_increasing": regressions,
                                         "reported_gaps": reported}
        if context.read_stats is not None:
            stats["reader_gaps"] = int(getattr(context.read_stats, "gaps", 0))
            stats["reader_diffs_skipped"] = int(getattr(context.read_stats, "diffs_skipped_out_of_sync", 0))
        return result(self.name, self.severity, len(rows) + reported, examples=examples, stats=stats,
                      detail=f"id steps > {self.step} on kinds {list(self.kinds)} (row = first after the gap) "
                             "+ book gaps reported by the reader")


class StaleQuotes(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Stale top of book. Count: stale intervals.

    The BBO messages of an instrument are cut into intervals between price changes (bid or ask
    price). An interval is stale if it is longer than ``max_unchanged_ns`` while trades print in it,
    or if it holds a gap between two BBO updates longer than ``max_quote_gap_ns`` (a feed outage,
    whether or not trades print). The interval from the last change to the instrument's last row
    counts too. Times are ``ts_recv``.
    """

    max_quote_gap_ns: int = 5 * NS_PER_S
    max_unchanged_ns: int = 30 * NS_PER_S

    name: ClassVar[str] = "stale_quotes"
    severity: ClassVar[Severity] = Severity.WARNING

    def run(self, cols: Columns, context: CheckContext) -> CheckResult:
        starts: list[np.ndarray] = []
        n_gap = n_unchanged = 0
        longest = 0
        for _, rows in cols.groups():
            bbo = rows[(cols.kind[rows] == BBO) & cols.is_last[rows]]  # the ask row closes a BBO message
            if bbo.size == 0:
                continue
            t = cols.ts_recv[bbo]
            ask = cols.price[bbo]
            bid = cols.price[bbo - 1]
            changed = np.ones(bbo.size, dtype=bool)
            changed[1:] = (np.diff(ask) != 0) | (np.diff(bid) != 0)
            change_at = np.flatnonzero(changed)
            end_time = int(cols.ts_recv[rows].max())
            ends = np.append(t[change_at[1:]], end_time)
            begins = t[change_at]
            trades = np.sort(cols.ts_recv[rows][cols.kind[rows] == TRADE])
            printed = np.searchsorted(trades, ends, "left") - np.searchsorted(trades, begins, "right") > 0
            # the longest update gap inside each interval (gaps from the interval's messages to the next one)
            next_t = np.append(t[1:], end_time)
            gap = next_t - t
            max_gap = np.maximum.reduceat(gap, change_at) if gap.size else gap
            longest = max(longest, int(max_gap.max()) if max_gap.size else 0)
            is_gap = max_gap > self.max_quote_gap_ns
            unchanged = ((ends - begins) > self.max_unchanged_ns) & printed & ~is_gap
            n_gap += int(is_gap.sum())
            n_unchanged += int(unchanged.sum())
            starts.append(bbo[change_at[is_gap | unchanged]])
        rows = np.sort(np.concatenate(starts)) if starts else np.zeros(0, dtype=np.int64)
        return result(self.name, self.severity, len(rows), examples=examples_at(rows, cols.pick("ts_recv", "price")),
                      detail=f"BBO intervals with an update gap > {self.max_quote_gap_ns / NS_PER_S:g} s, or unchanged "
                             f"> {self.max_unchanged_ns / NS_PER_S:g} s while trades print (row = ask row opening the interval)",
                      stats={"update_gaps": n_gap, "unchanged_while_trading": n_unchanged,
                             "longest_update_gap_s": round(longest / NS_PER_S, 3)})
