"""Binance diff-depth synchronisation: snapshot + buffered diffs + update-id chain, as Binance documents it.

Rules (Binance "How to manage a local order book correctly"):

- **Spot**: drop diffs with ``u <= lastUpdateId``; the first applied diff has
  ``U <= lastUpdateId + 1 <= u``; after that every diff has ``U == previous u + 1``.
- **Futures** (USDⓈ-M, COIN-M): drop diffs with ``u < lastUpdateId``; the first applied diff has
  ``U <= lastUpdateId <= u``; after that every diff has ``pu == previous u``.

A broken chain is a :class:`~arbkit.core.messages.BookGap`, never a silent skip: the chain is then
out of sync, later diffs are counted as skipped, and only a new snapshot resynchronises it.
"""

from __future__ import annotations

from enum import Enum

import msgspec

from arbkit.core.messages import BookGap, BookUpdate


class ChainState(str, Enum):
    """Where a diff chain stands."""

    AWAITING_SNAPSHOT = "awaiting_snapshot"  # diffs are buffered until a snapshot arrives
    SYNCED = "synced"  # diffs are applied and checked against the chain
    BROKEN = "broken"  # a gap was seen; diffs are skipped until a new snapshot


class ChainPosition(msgspec.Struct, frozen=True, kw_only=True):
    """Where a synced chain ended, so that a continuation file can pick it up.

    Attributes:
        instrument_id: whose chain this is.
        source: the file the chain was last advanced in.
        last_update_id: ``u`` of the last applied diff.
        futures: True for the ``pu`` rule, False for the spot ``U == u + 1`` rule.
    """

    instrument_id: str
    source: str
    last_update_id: int
    futures: bool


class DiffChain:
    """Decides, diff by diff, whether to apply, drop, buffer or flag a gap.

    ``accept`` returns what to emit (in order): buffered or current diffs to apply, and gap events.

    Args:
        instrument_id: the book's instrument.
        futures: which rule set applies.
        resume_from: continue a chain that ended in a predecessor file instead of waiting for a snapshot.
    """

    def __init__(self, instrument_id: str, futures: bool, resume_from: ChainPosition | None = None) -> None:
        self.instrument_id = instrument_id
        self.futures = futures
        self.state = ChainState.AWAITING_SNAPSHOT
        self.last_update_id = -1
        self.snapshot_id = -1
        self.buffered: list[tuple[BookUpdate, str, int]] = []
        self.applied = 0
        self.dropped_stale = 0
        self.skipped_out_of_sync = 0
        self.gaps: list[BookGap] = []
        if resume_from is not None:
            self.state = ChainState.SYNCED
            self.last_update_id = resume_from.last_update_id
            self._continuing = True
        else:
            self._continuing = False

    def position(self, source: str) -> ChainPosition | None:
        """The chain's end, for a continuation file; None unless synced."""
        if self.state is not ChainState.SYNCED:
            return None
        return ChainPosition(instrument_id=self.instrument_id, source=source,
                             last_update_id=self.last_update_id, futures=self.futures)

    # -- events -------------------------------------------------------------------------------
    def on_diff(self, diff: BookUpdate, source: str, line_no: int) -> list[BookUpdate | BookGap]:
        """Handle one diff; returns the messages to emit now."""
        if self.state is ChainState.AWAITING_SNAPSHOT:
            self.buffered.append((diff, source, line_no))
            return []
        if self.state is ChainState.BROKEN:
            self.skipped_out_of_sync += 1
            return []
        return self._chain(diff, source, line_no)

    def on_snapshot(self, snapshot: BookUpdate, source: str, line_no: int) -> list[BookUpdate | BookGap]:
        """Install a snapshot and replay the buffered diffs against it; returns messages to emit."""
        self.snapshot_id = snapshot.last_update_id
        self.state = ChainState.SYNCED
        self._continuing = False
        self.last_update_id = -1  # next applied diff is the first after the snapshot
        out: list[BookUpdate | BookGap] = [snapshot]
        pending, self.buffered = self.buffered, []
        for diff, diff_source, diff_line in pending:
            if self.state is ChainState.BROKEN:
                self.skipped_out_of_sync += 1
                continue
            out.extend(self._chain(diff, diff_source, diff_line))
        return out

    def _chain(self, diff: BookUpdate, source: str, line_no: int) -> list[BookUpdate | BookGap]:
        if self.last_update_id < 0:
            return self._first_after_snapshot(diff, source, line_no)
        last = self.last_update_id
        if diff.last_update_id <= last:
            # already applied (a duplicate, or the overlap at a file boundary)
            self.dropped_stale += 1
            return []
        if self.futures:
            ok = diff.prev_update_id == last
            expected_text = f"pu == previous u = {last}"
        else:
            ok = diff.first_update_id == last + 1
            expected_text = f"U == previous u + 1 = {last + 1}"
        if not ok:
            return [self._gap(diff, source, line_no, last if self.futures else last + 1,
                              f"update-id chain broken: expected {expected_text}, got U={diff.first_update_id}"
                              f" pu={diff.prev_update_id} u={diff.last_update_id}")]
        return [self._apply(diff)]

    def _first_after_snapshot(self, diff: BookUpdate, source: str, line_no: int) -> list[BookUpdate | BookGap]:
        snap = self.snapshot_id
        if (diff.last_update_id < snap) if self.futures else (diff.last_update_id <= snap):
            self.dropped_stale += 1
            return []
        if self.futures:
            ok = diff.first_update_id <= snap <= diff.last_update_id
            rule = f"U <= lastUpdateId={snap} <= u"
        else:
            ok = diff.first_update_id <= snap + 1 <= diff.last_update_id
            rule = f"U <= lastUpdateId+1={snap + 1} <= u"
        if not ok:
            return [self._gap(diff, source, line_no, snap, f"first diff after the snapshot does not straddle it: need {rule}, "
                              f"got U={diff.first_update_id} u={diff.last_update_id}")]
        return [self._apply(diff)]

    def _apply(self, diff: BookUpdate) -> BookUpdate:
        self.last_update_id = diff.last_update_id
        self.applied += 1
        return diff

    def _gap(self, diff: BookUpdate, source: str, line_no: int, expected: int, reason: str) -> BookGap:
        self.state = ChainState.BROKEN
        self.skipped_out_of_sync += 1
        gap = BookGap(instrument_id=self.instrument_id, ts_recv=diff.ts_recv, source=source, line=line_no,
                      expected_update_id=expected, got_first_update_id=diff.first_update_id,
                      got_prev_update_id=diff.prev_update_id, reason=reason)
        self.gaps.append(gap)
        return gap
