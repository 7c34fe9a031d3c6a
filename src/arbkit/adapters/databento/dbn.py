"""Readers of Databento DBN files (CME Globex MDP 3.0, ``GLBX.MDP3``): MBP-1 → BBO + trades, MBO → L2 deltas.

Format: Databento Binary Encoding, optionally zstd-compressed (detected from the zstd magic bytes, not
from the file name). Prices are int64 in units of 1e-9 (``FIXED_PRICE_SCALE``); ``UNDEF_PRICE``
(int64 max) means "no price". Both clocks are ns since the epoch: ``ts_event`` (matching engine) and
``ts_recv`` (Databento's capture server).

Side convention (Databento): on an order ``side`` is the side it rests on (``B`` bid, ``A`` ask); on
a trade it is the **aggressor** (``B`` a buyer lifted the ask → +1, ``A`` a seller hit the bid → -1,
``N`` no aggressor, e.g. the opening auction → 0).

MBO → L2 rules (Databento's order-book examples, "Trade and Fill actions do not affect the book
because all fills will be accompanied by cancel actions that do update the book"):

* ``A`` add: the order joins its (side, price) level.
* ``C`` cancel: ``size`` is the quantity cancelled; the order shrinks by it and leaves the book at 0.
  A cancel of an unknown order, with another price or side, or of more than rests is an error.
* ``M`` modify: the order moves to its new price and/or size (both levels change when the price
  does). A modify of an unknown order is treated as an add (Databento's rule), counted in the notes.
* ``R`` clear: every level is deleted (size-0 rows; the first has ``F_CLEAR``).
* ``T`` trade: one ``TRADE`` row (aggressor side as above); the book does not change.
* ``F`` fill, ``N`` none: no row; the book does not change.

Every book change emits one ``DELTA`` row per affected level with the level's **new total size**
(0 deletes it). ``F_LAST`` is set on the last row of each Databento *event* (the record carrying
Databento's ``F_LAST`` = 128 closes the event; an event may span many records), so a book built from
the rows is only consistent — and should only be inspected — after a row with ``F_LAST``. Records with
Databento's ``F_SNAPSHOT`` (32) give rows with ``F_SNAPSHOT``; a snapshot run that does not start
with ``R`` clears the book implicitly (``F_CLEAR`` on its first row), and the run's last row gets
``F_LAST`` (Databento's start-of-day snapshot records carry no ``F_LAST``).

``update_id`` is the record's ``sequence`` (the venue's packet sequence; Databento has no trade id).
In :class:`~arbkit.core.errors.MalformedMessageError` the ``line`` is the 1-based record number.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import databento_dbn as dbn
import pyarrow as pa

from arbkit.data.tick_rows import BBO, DELTA, F_CLEAR, F_SNAPSHOT, TRADE, TickRows
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import InstrumentError, MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import TickFrame

__all__ = ["read_mbp1", "read_mbo", "cme_future", "decode_dbn", "PRICE_SCALE"]

PRICE_SCALE = 1_000_000_000
"""Databento price units per 1.0 of price (``FIXED_PRICE_SCALE``)."""
UNDEF_PRICE = dbn.UNDEF_PRICE
DBN_F_LAST = 1 << 7
DBN_F_SNAPSHOT = 1 << 5

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
VENUE = "GLBX"

CME_PRODUCTS: dict[str, tuple[Decimal, Decimal]] = {
    "ES": (Decimal("0.25"), Decimal("50")),
    "MES": (Decimal("0.25"), Decimal("5")),
    "NQ": (Decimal("0.25"), Decimal("20")),
    "MNQ": (Decimal("0.25"), Decimal("2")),
}
"""CME product root → (tick size in index points, USD per index point) of its outright futures."""

_AGGRESSOR = {"B": 1, "A": -1, "N": 0}
_BOOK_SIDE = {"B": 1, "A": -1}
_FUTURE_SYMBOL = re.compile(r"^([A-Z]{1,4})([FGHJKMNQUVXZ])(\d{1,2})$")


def cme_future(symbol: str) -> Instrument:
    """The arbkit instrument of a CME outright future such as ``ESH4`` (venue ``GLBX``, lot 1 contract).

    Kind ``FUTURE``: quoted and settled in USD; ``contract_multiplier`` is the USD value of one index
    point per contract (50 for ES), which notional, fees and PnL apply.
    """
    match = _FUTURE_SYMBOL.match(symbol)
    if match is None or match.group(1) not in CME_PRODUCTS:
        raise InstrumentError(f"{symbol!r} is not an outright future of a known CME product "
                              f"({', '.join(sorted(CME_PRODUCTS))})")
    tick, multiplier = CME_PRODUCTS[match.group(1)]
    return Instrument(venue=VENUE, symbol=symbol, base=match.group(1), quote="USD", kind=InstrumentKind.FUTURE,
                      tick_size=tick, lot_size=Decimal(1), contract_multiplier=multiplier)


def decode_dbn(path: str | Path) -> tuple[Any, list[Any]]:
    """``(metadata, records)`` of a DBN file, zstd-compressed or not.

    Raises :class:`MalformedMessageError` naming the file when the zstd stream is truncated or corrupt,
    the DBN header is invalid, or the data ends inside a record.
    """
    path = Path(path)
    source = path.name
    raw = path.read_bytes()
    if raw[:4] == ZSTD_MAGIC:
        try:
            with pa.input_stream(pa.BufferReader(raw), compression="zstd") as stream:
                raw = stream.read()
        except (OSError, pa.ArrowException) as exc:
            raise MalformedMessageError(source, 0, f"truncated or corrupt zstd stream: {exc}") from exc
    decoder = dbn.DBNDecoder()
    try:
        decoded = decoder.write_and_decode(raw)
    except dbn.DBNError as exc:
        raise MalformedMessageError(source, 0, f"not a valid DBN stream: {exc}") from exc
    if not decoded or not isinstance(decoded[0], dbn.Metadata):
        raise MalformedMessageError(source, 0, "no DBN metadata header")
    leftover = len(decoder.buffer())
    if leftover:
        raise MalformedMessageError(source, len(decoded), f"file ends inside a record ({leftover} bytes left over)")
    return decoded[0], decoded[1:]


def _symbol_of(metadata: Any, records: list[Any], path: Path) -> str:
    """Raw symbol of the single instrument in the file (symbology mappings, else the file name)."""
    ids = {record.instrument_id for record in records}
    if len(ids) > 1:
        raise MalformedMessageError(path.name, 0, f"{len(ids)} instruments ({sorted(ids)}); one per file is supported")
    by_id = {str(interval["symbol"]): raw for raw, intervals in (metadata.mappings or {}).items()
             for interval in intervals}
    if ids and str(next(iter(ids))) in by_id:
        return by_id[str(next(iter(ids)))]
    if len(metadata.symbols or []) == 1:
        return str(metadata.symbols[0])
    return path.name.split("-", 1)[0].split(".", 1)[0].upper()


def _ticks(price: int, tick_units: int, source: str, line: int, field: str) -> int:
    ticks, remainder = divmod(price, tick_units)
    if remainder or ticks <= 0:
        raise MalformedMessageError(source, line, f"{field} {price / PRICE_SCALE} ({price} × 1e-9) is not a positive "
                                    f"multiple of the tick size {tick_units / PRICE_SCALE}")
    return ticks


def _tick_units(instrument: Instrument) -> int:
    return int(instrument.tick_size * PRICE_SCALE)


def read_mbp1(path: str | Path, instrument: Instrument | None = None) -> TickFrame:
    """MBP-1 records → ``TRADE`` rows (action ``T``) and ``BBO`` rows (bid then ask) from ``levels[0]``.

    Each record gives a ``TRADE`` row first when it is a trade, then its top of book: a bid and an ask
    ``BBO`` row, ``F_LAST`` on the last row of the record. A side whose price is ``UNDEF_PRICE`` (empty
    side) gets no row; such records are counted in the notes. Rows of a Databento snapshot record have
    ``F_SNAPSHOT``. Records without Databento's ``F_LAST`` (trades, mostly) show the book before the
    rest of their event is applied, as Databento publishes it.

    Args:
        path: ``*.mbp-1.dbn`` or ``*.dbn.zst``.
        instrument: the instrument (default: :func:`cme_future` of the file's symbol).
    """
    path = Path(path)
    metadata, records = decode_dbn(path)
    instrument = instrument or cme_future(_symbol_of(metadata, records, path))
    source, iid, tick_units = path.name, instrument.id, _tick_units(instrument)
    rows = TickRows(instrument.venue)
    empty_side = 0
    for line, record in enumerate(records, start=1):
        if not isinstance(record, dbn.MBP1Msg):
            raise MalformedMessageError(source, line, f"expected an MBP-1 record, got {type(record).__name__}")
        ts_event, ts_recv, sequence = record.ts_event, record.ts_recv, record.sequence
        flags = F_SNAPSHOT if record.flags & DBN_F_SNAPSHOT else 0
        if record.action.value == "T":
            if record.price == UNDEF_PRICE:
                raise MalformedMessageError(source, line, "trade without a price (UNDEF_PRICE)")
            rows.append(iid, ts_event, ts_recv, TRADE, _AGGRESSOR[record.side.value],
                        _ticks(record.price, tick_units, source, line, "trade price"), record.size, sequence, flags)
        level = record.levels[0]
        for side, price, size in ((1, level.bid_px, level.bid_sz), (-1, level.ask_px, level.ask_sz)):
            if price == UNDEF_PRICE:
                empty_side += 1
                continue
            rows.append(iid, ts_event, ts_recv, BBO, side, _ticks(price, tick_units, source, line, "book price"),
                        size, sequence, flags)
        rows.mark_last()
    notes = [f"{len(records)} MBP-1 records; prices ×1e-9 → ticks of {instrument.tick_size}"]
    if empty_side:
        notes.append(f"{empty_side} record sides had no price (UNDEF_PRICE, empty side) and gave no BBO row")
    return rows.frame([instrument], source, notes)


class _L2FromMbo:
    """Order map + per-level totals that turn MBO records into L2 ``DELTA`` rows (rules in the module doc)."""

    def __init__(self, instrument: Instrument, source: str) -> None:
        self.iid = instrument.id
        self.source = source
        self.tick_units = _tick_units(instrument)
        self.rows = TickRows(instrument.venue)
        self.orders: dict[int, tuple[int, int, int]] = {}  # order_id → (side, price ticks, size)
        self.levels: dict[tuple[int, int], int] = {}  # (side, price ticks) → total size
        self.event_start = 0  # first row of the Databento event in progress
        self.pending_clear = False
        self.in_snapshot = False
        self.modify_as_add = 0

    def level(self, side: int, price: int, change: int, ts_event: int, ts_recv: int, uid: int, flags: int) -> None:
        key = (side, price)
        total = self.levels.get(key, 0) + change
        if total:
            self.levels[key] = total
        else:
            self.levels.pop(key, None)
        if self.pending_clear:
            flags |= F_CLEAR
            self.pending_clear = False
        self.rows.append(self.iid, ts_event, ts_recv, DELTA, side, price, total, uid, flags)

    def clear(self, ts_event: int, ts_recv: int, uid: int, flags: int) -> None:
        self.pending_clear = True
        for side, price in sorted(self.levels):
            self.rows.append(self.iid, ts_event, ts_recv, DELTA, side, price, 0, uid,
                             flags | (F_CLEAR if self.pending_clear else 0))
            self.pending_clear = False
        self.levels.clear()
        self.orders.clear()

    def end_event(self) -> None:
        if len(self.rows) > self.event_start:
            self.rows.mark_last()
        self.event_start = len(self.rows)

    def apply(self, line: int, record: Any) -> None:
        source = self.source
        action = record.action.value
        dbn_flags = record.flags
        snapshot = bool(dbn_flags & DBN_F_SNAPSHOT)
        if self.in_snapshot and not snapshot:
            self.end_event()  # the snapshot run has no F_LAST of its own
        flags = F_SNAPSHOT if snapshot else 0
        ts_event, ts_recv, uid = record.ts_event, record.ts_recv, record.sequence
        if snapshot and not self.in_snapshot and action != "R":
            self.clear(ts_event, ts_recv, uid, flags)  # a snapshot replaces the book
        self.in_snapshot = snapshot
        if action in ("A", "C", "M"):
            side = _BOOK_SIDE.get(record.side.value)
            if side is None:
                raise MalformedMessageError(source, line, f"order action {action} without a book side ({record.side.value})")
            if record.price == UNDEF_PRICE:
                raise MalformedMessageError(source, line, f"order action {action} without a price (UNDEF_PRICE)")
            price = _ticks(record.price, self.tick_units, source, line, "order price")
            order_id, size = record.order_id, record.size
            if action == "M" and order_id not in self.orders:
                self.modify_as_add += 1
                action = "A"
            if action == "A":
                if order_id in self.orders:
                    raise MalformedMessageError(source, line, f"add of order {order_id}, which is already in the book")
                self.orders[order_id] = (side, price, size)
                self.level(side, price, size, ts_event, ts_recv, uid, flags)
            elif action == "C":
                resting = self.orders.get(order_id)
                if resting is None:
                    raise MalformedMessageError(source, line, f"cancel of order {order_id}, which is not in the book")
                r_side, r_price, r_size = resting
                if (r_side, r_price) != (side, price) or size > r_size:
                    raise MalformedMessageError(source, line, f"cancel of {size} @ {price} ticks side {side} does not "
                                                f"match order {order_id} ({r_size} @ {r_price} ticks side {r_side})")
                if size == r_size:
                    del self.orders[order_id]
                else:
                    self.orders[order_id] = (r_side, r_price, r_size - size)
                self.level(side, price, -size, ts_event, ts_recv, uid, flags)
            else:
                r_side, r_price, r_size = self.orders[order_id]
                if r_side != side:
                    raise MalformedMessageError(source, line, f"modify moves order {order_id} to the other side")
                self.orders[order_id] = (side, price, size)
                if r_price == price:
                    self.level(side, price, size - r_size, ts_event, ts_recv, uid, flags)
                else:
                    self.level(side, r_price, -r_size, ts_event, ts_recv, uid, flags)
                    self.level(side, price, size, ts_event, ts_recv, uid, flags)
        elif action == "R":
            self.clear(ts_event, ts_recv, uid, flags)
        elif action == "T":
            if record.price == UNDEF_PRICE:
                raise MalformedMessageError(source, line, "trade without a price (UNDEF_PRICE)")
            self.rows.append(self.iid, ts_event, ts_recv, TRADE, _AGGRESSOR[record.side.value],
                             _ticks(record.price, self.tick_units, source, line, "trade price"), record.size, uid, flags)
        elif action not in ("F", "N"):
            raise MalformedMessageError(source, line, f"unknown MBO action {action!r}")
        if dbn_flags & DBN_F_LAST:
            self.end_event()


def read_mbo(path: str | Path, instrument: Instrument | None = None) -> TickFrame:
    """MBO (market by order, L3) records → L2 ``DELTA`` rows and ``TRADE`` rows (rules in the module doc).

    Args:
        path: ``*.mbo.dbn`` or ``*.mbo.dbn.zst``.
        instrument: the instrument (default: :func:`cme_future` of the file's symbol).
    """
    path = Path(path)
    metadata, records = decode_dbn(path)
    instrument = instrument or cme_future(_symbol_of(metadata, records, path))
    book = _L2FromMbo(instrument, path.name)
    for line, record in enumerate(records, start=1):
        if not isinstance(record, dbn.MBOMsg):
            raise MalformedMessageError(path.name, line, f"expected an MBO record, got {type(record).__name__}")
        book.apply(line, record)
    if book.in_snapshot:
        book.end_event()
    notes = [f"{len(records)} MBO records → {len(book.rows)} rows; {len(book.orders)} orders rest at the end"]
    if book.modify_as_add:
        notes.append(f"{book.modify_as_add} modifies of unknown orders were treated as adds (Databento's rule)")
    if len(book.rows) > book.event_start:
        notes.append("the file ends inside an event (no Databento F_LAST after the last rows)")
    return book.rows.frame([instrument], path.name, notes)
