"""Fast ingest of recorded Binance files: raw gzip → normalised :class:`~arbkit.data.events.EventTable`.

The compiled scanner (:mod:`arbkit.adapters.binance.fast_scan`) reads the bytes, a compiled pass
applies exactly the diff-chain rules of :class:`~arbkit.adapters.binance.sync.DiffChain`, and the
rows are gathered in emission order (snapshot, then the diffs buffered before it, then the rest of
the file). The result equals ``EventTable.from_messages(BinanceRecording(path, ...))`` row for row —
a test checks it on every shared Binance file — at a fraction of the cost.

Anything unusual (a malformed line, an unknown stream, a sequence gap, a missing snapshot) makes the
fast path step aside: the file is then read by the validating Python reader, which raises the
precise typed error (``errors="raise"``) or records it and emits the ``BookGap`` events
(``errors="record"``). ``Ingested.fast`` says which path produced the table.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import msgspec
import numpy as np
from numba import njit

from arbkit.adapters.binance import fast_scan
from arbkit.adapters.binance.instruments import MARKET_OF_FILE_PREFIX, SPOT
from arbkit.adapters.binance.reader import BinanceRecording, ReadStats
from arbkit.adapters.binance.sync import ChainPosition
from arbkit.core.enums import Side
from arbkit.core.messages import BestBidOffer, BookUpdate, Trade
from arbkit.core.instruments import InstrumentRegistry
from arbkit.data.events import BBO, COLUMNS, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE, EventTable

_FILE_NAME = re.compile(r"^binance_(?P<market>spot|usdm|coinm)_(?P<symbol>[a-z0-9_]+?)_(?P<day>\d{8})\.gz$")

# sync outcomes
_OK = 0
_GAP = 1
_NO_SNAPSHOT = 2


class Ingested(msgspec.Struct, kw_only=True):
    """An ingested file: its event table, read statistics and where its diff chain ended."""

    table: EventTable
    stats: ReadStats
    instrument_id: str
    end: ChainPosition | None
    fast: bool
    """True if the compiled path produced the table; False if the validating reader did."""
    message_index: "MessageIndex | None" = None
    """Per emitted message (compiled path only): what :func:`iter_messages` needs to rebuild them."""


class MessageIndex(msgspec.Struct, kw_only=True):
    """Emitted messages in order: scanner kind, clocks, ids and the table rows that hold their levels."""

    kind: np.ndarray
    ts_recv: np.ndarray
    ts_event: np.ndarray
    first_update_id: np.ndarray
    last_update_id: np.ndarray
    prev_update_id: np.ndarray
    row_start: np.ndarray
    row_stop: np.ndarray


@njit(cache=True)
def _sync(kind, first, last, prev, n, futures, resume_last, order, dropped):  # type: ignore[no-untyped-def]
    """Apply the Binance chain rules; fill ``order`` with message indices in emission order.

    Returns (count emitted, outcome, applied diffs, stale diffs dropped, last applied u).
    """
    buffered = np.empty(n, dtype=np.int64)
    n_buf = 0
    synced = resume_last >= 0
    snapshot_id = -1
    last_u = resume_last
    k = 0
    applied = 0
    stale = 0
    for i in range(n):
        kd = kind[i]
        if kd == fast_scan.M_DEPTH:
            if not synced:
                buffered[n_buf] = i
                n_buf += 1
                continue
            todo_start = -1
        elif kd == fast_scan.M_SNAPSHOT:
            order[k] = i
            k += 1
            synced = True
            snapshot_id = last[i]
            last_u = -1
            todo_start = 0
        else:
            order[k] = i
            k += 1
            continue
        # process either the current diff (todo_start == -1) or the buffer (after a snapshot)
        count = 1 if todo_start < 0 else n_buf
        for j in range(count):
            d = i if todo_start < 0 else buffered[j]
            if last_u < 0:
                if (last[d] < snapshot_id) if futures else (last[d] <= snapshot_id):
                    stale += 1
                    dropped[d] = 1
                    continue
                ok = (first[d] <= snapshot_id <= last[d]) if futures else (first[d] <= snapshot_id + 1 <= last[d])
            else:
                if last[d] <= last_u:
                    stale += 1
                    dropped[d] = 1
                    continue
                ok = (prev[d] == last_u) if futures else (first[d] == last_u + 1)
            if not ok:
                return k, _GAP, applied, stale, last_u
            order[k] = d
            k += 1
            applied += 1
            last_u = last[d]
        if todo_start >= 0:
            n_buf = 0
    if n_buf > 0:
        return k, _NO_SNAPSHOT, applied, stale, last_u
    return k, _OK, applied, stale, last_u


@njit(cache=True)
def _gather(order, k, kind, recv, event, last, row0, row1, sides, prices, sizes, stream,
            o_recv, o_event, o_kind, o_side, o_price, o_size, o_uid, o_flags, o_stream):  # type: ignore[no-untyped-def]
    out = 0
    for j in range(k):
        i = order[j]
        a, b = row0[i], row1[i]
        kd = kind[i]
        row_kind = DELTA if (kd == fast_scan.M_DEPTH or kd == fast_scan.M_SNAPSHOT) else (
            BBO if kd == fast_scan.M_BBO else TRADE)
        base = F_SNAPSHOT if kd == fast_scan.M_SNAPSHOT else 0
        for r in range(a, b):
            flags = base
            if kd == fast_scan.M_SNAPSHOT and r == a:
                flags |= F_CLEAR
            if r == b - 1:
                flags |= F_LAST
            o_recv[out] = recv[i]
            o_event[out] = event[i]
            o_kind[out] = row_kind
            o_side[out] = sides[r]
            o_price[out] = prices[r]
            o_size[out] = sizes[r]
            o_uid[out] = last[i]
            o_flags[out] = flags
            o_stream[out] = stream
            out += 1
    return out


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, gunzipped (with ISA-L when installed: about twice zlib's speed)."""
    data = path.read_bytes()
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return _gunzip(data)
    except (zlib.error, OSError, EOFError, ValueError):
        return None  # truncated or corrupt: the validating reader reports it with the line


def _gunzip(data: bytes) -> bytes:
    try:
        from isal import igzip
    except ImportError:
        return zlib.decompress(data, 31)
    return igzip.decompress(data)


def iter_messages(ingested: Ingested) -> Iterator[BookUpdate | Trade | BestBidOffer]:
    """The messages of a compiled ingest, equal to what :class:`BinanceRecording` yields for the file."""
    index = ingested.message_index
    if index is None:
        raise ValueError(f"{ingested.stats.source}: no message index (the validating reader produced this table)")
    table, instrument_id = ingested.table, ingested.instrument_id
    side, price, size = table["side"].tolist(), table["price"].tolist(), table["size"].tolist()
    columns = (index.kind.tolist(), index.ts_recv.tolist(), index.ts_event.tolist(), index.first_update_id.tolist(),
               index.last_update_id.tolist(), index.prev_update_id.tolist(), index.row_start.tolist(),
               index.row_stop.tolist())
    for kind, recv, event, first, last, prev, a, b in zip(*columns):
        if kind == fast_scan.M_TRADE:
            yield Trade(instrument_id=instrument_id, ts_event=event, ts_recv=recv, price_ticks=price[a],
                        size_lots=size[a], aggressor=Side.BUY if side[a] > 0 else Side.SELL, trade_id=last)
        elif kind == fast_scan.M_BBO:
            yield BestBidOffer(instrument_id=instrument_id, ts_event=event, ts_recv=recv, bid_ticks=price[a],
                               bid_lots=size[a], ask_ticks=price[a + 1], ask_lots=size[a + 1], update_id=last)
        else:
            split = a
            while split < b and side[split] > 0:
                split += 1
            yield BookUpdate(instrument_id=instrument_id, ts_event=event, ts_recv=recv, first_update_id=first,
                             last_update_id=last, prev_update_id=prev, bids=tuple(zip(price[a:split], size[a:split])),
                             asks=tuple(zip(price[split:b], size[split:b])), is_snapshot=kind == fast_scan.M_SNAPSHOT)


def ingest_binance_file(path: str | Path, instruments: InstrumentRegistry, *, resume_from: ChainPosition | None = None,
                        stream: int = 0, errors: Literal["raise", "record"] = "raise") -> Ingested:
    """Read one recorded file into an event table (compiled path, or the validating reader as fallback)."""
    path = Path(path)
    fast = ingest_fast(path, instruments, resume_from, stream)
    if fast is not None:
        return fast
    recording = BinanceRecording(path, instruments, resume_from=resume_from, errors=errors)
    table = EventTable.from_messages(recording)
    table["stream"][:] = stream  # one recorded file holds one instrument
    instrument_id = recording.instrument.id if recording.instrument else ""
    return Ingested(table=table, stats=recording.stats, instrument_id=instrument_id, end=recording.end_position(),
                    fast=False)


def ingest_fast(path: Path, instruments: InstrumentRegistry, resume_from: ChainPosition | None = None,
                stream: int = 0) -> Ingested | None:
    """The compiled path alone: an :class:`Ingested`, or None when the file needs the validating reader."""
    match = _FILE_NAME.match(path.name)
    if not match:
        return None
    venue = MARKET_OF_FILE_PREFIX[match["market"]]
    instrument_id = f"{match['symbol'].upper()}.{venue}"
    if instrument_id not in instruments:
        return None
    if resume_from is not None and resume_from.instrument_id != instrument_id:
        return None
    instrument = instruments.get(instrument_id)
    data = _read_bytes(path)
    if data is None:
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines, brackets = fast_scan.count_bytes(buf, fast_scan.NEWLINE, fast_scan.LBRACK)
    n_lines = int(newlines) + 1
    capacity_rows = int(brackets) + 2 * n_lines
    m = {name: np.zeros(n_lines, dtype=np.int64) for name in ("kind", "line", "recv", "event", "first", "last", "prev",
                                                                 "row0", "row1")}
    sides = np.zeros(capacity_rows, dtype=np.int8)
    prices = np.zeros(capacity_rows, dtype=np.int64)
    sizes = np.zeros(capacity_rows, dtype=np.int64)
    status = np.zeros(2, dtype=np.int64)
    symbol = np.frombuffer(match["symbol"].encode(), dtype=np.uint8)
    futures = venue != SPOT
    price_parser, size_parser = instrument.price_parser, instrument.size_parser
    n = fast_scan.scan(buf, symbol, price_parser.decimals, price_parser.step_units, size_parser.decimals,
                       size_parser.step_units, futures, m["kind"], m["line"], m["recv"], m["event"], m["first"],
                       m["last"], m["prev"], m["row0"], m["row1"], sides, prices, sizes, status)
    if status[0] != fast_scan.E_OK:
        return None
    order = np.zeros(n, dtype=np.int64)
    dropped = np.zeros(n, dtype=np.int8)
    resume_last = resume_from.last_update_id if resume_from is not None else -1
    k, outcome, applied, stale, last_u = _sync(m["kind"], m["first"], m["last"], m["prev"], n, futures, resume_last,
                                               order, dropped)
    if outcome != _OK:
        return None
    counts = (m["row1"][:n] - m["row0"][:n])
    total_rows = int(counts[order[:k]].sum())
    cols = {name: np.zeros(total_rows, dtype=dtype) for name, dtype in COLUMNS}
    _gather(order, k, m["kind"], m["recv"], m["event"], m["last"], m["row0"], m["row1"], sides, prices, sizes, stream,
            cols["ts_recv"], cols["ts_event"], cols["kind"], cols["side"], cols["price"], cols["size"],
            cols["update_id"], cols["flags"], cols["stream"])
    kinds = m["kind"][:n]
    recv = m["recv"][:n]
    stats = ReadStats(
        source=path.name, lines=int(status[1]), snapshots=int((kinds == fast_scan.M_SNAPSHOT).sum()),
        diffs=int((kinds == fast_scan.M_DEPTH).sum()), diffs_applied=int(applied), diffs_dropped_stale=int(stale),
        bbo=int((kinds == fast_scan.M_BBO).sum()), trades=int((kinds == fast_scan.M_TRADE).sum()),
        recv_time_regressions=int((np.diff(np.maximum.accumulate(recv)) == 0).sum() - (np.diff(recv) == 0).sum())
        if n > 1 else 0,
        first_ts_recv=int(recv[0]) if n else 0, last_ts_recv=int(recv.max()) if n else 0,
    )
    end = (ChainPosition(instrument_id=instrument_id, source=path.name, last_update_id=int(last_u), futures=futures)
           if last_u >= 0 else None)
    emitted = order[:k]
    stops = np.cumsum(counts[emitted])
    index = MessageIndex(kind=kinds[emitted], ts_recv=recv[emitted], ts_event=m["event"][emitted],
                         first_update_id=m["first"][emitted], last_update_id=m["last"][emitted],
                         prev_update_id=m["prev"][emitted], row_start=stops - counts[emitted], row_stop=stops)
    return Ingested(table=EventTable(cols), stats=stats, instrument_id=instrument_id, end=end, fast=True,
                    message_index=index)
