"""Reader of Bybit's recorded ``orderbook.500`` files (``*_ob500.data`` inside a ``.zip``): L2 snapshot + deltas.

Format: one JSON object per line, as the public WebSocket pushes it::

    {"topic": "orderbook.500.XRPUSDT", "type": "snapshot" | "delta", "ts": <ms>, "cts": <ms>,
     "data": {"s": "XRPUSDT", "b": [["1.9531", "6203"], ...], "a": [...], "u": <update id>, "seq": <cross seq>}}

Clocks: ``cts`` is the matching engine's time → ``ts_event``; ``ts`` is when Bybit's gateway produced
the message → ``ts_recv`` (the file has no local receive clock; ``ts`` is the closest one and a lower
bound of it). Both are checked to be ms from their magnitude.

Mapping: each message → ``DELTA`` rows, bids then asks, ``F_LAST`` on its last row; size 0 deletes
the level. A ``snapshot`` gives ``F_SNAPSHOT`` rows with ``F_CLEAR`` on the first. ``update_id`` is
``u``.

Continuity (Bybit's rule, verified on the recorded sample: ``u`` runs 20254869 … 20254918 with no
hole): each delta's ``u`` must be the previous message's ``u`` + 1. A hole raises
:class:`BybitSequenceGapError`; a new snapshot (Bybit re-sends one after a service restart, possibly
with ``u`` = 1) restarts the chain. Deltas before the first snapshot raise it too.

Instrument: venue ``BYBIT_LINEAR``, symbol from ``data.s``; tick and lot are 10^-d for the most
decimals of any price / size in the file (Bybit's XRPUSDT grid is 0.0001 / 1, which the sample gives).
"""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from arbkit.data.tick_rows import DELTA, F_CLEAR, F_SNAPSHOT, TickRows, decimals_in, parse_scaled, to_ns
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import MalformedMessageError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import TickFrame

__all__ = ["read_bybit_ob500", "BybitSequenceGapError", "VENUE"]

VENUE = "BYBIT_LINEAR"


class BybitSequenceGapError(MalformedMessageError):
    """A delta's update id ``u`` is not the previous ``u`` + 1 (messages were lost), or no snapshot came first."""

    def __init__(self, source: str, line: int, previous_u: int | None, u: int) -> None:
        self.previous_u = previous_u
        self.u = u
        reason = (f"delta u={u} before any snapshot" if previous_u is None
                  else f"update id gap: u={u} follows u={previous_u} (expected {previous_u + 1})")
        super().__init__(source, line, reason)


def _lines(path: Path) -> list[tuple[int, str]]:
    source = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise MalformedMessageError(source, 0, f"expected one member in the zip, found {len(names)}")
            text = archive.read(names[0]).decode("utf-8")
    except (zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError) as exc:
        raise MalformedMessageError(source, 0, f"truncated or corrupt zip: {exc}") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _message(source: str, line: int, text: str) -> tuple[str, int, int, str, list[Any], list[Any], int]:
    """``(type, ts, cts, symbol, bids, asks, u)`` of one line, checked."""
    try:
        message = json.loads(text)
        kind, ts, cts, data = message["type"], message["ts"], message["cts"], message["data"]
        symbol, bids, asks, u = data["s"], data["b"], data["a"], data["u"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedMessageError(source, line, f"not an orderbook message: {exc!r}", text) from None
    if kind not in ("snapshot", "delta"):
        raise MalformedMessageError(source, line, f"type {kind!r} is not snapshot/delta", text)
    for name, value in (("ts", ts), ("cts", cts), ("u", u)):
        if type(value) is not int or value < 0:
            raise MalformedMessageError(source, line, f"{name} {value!r} is not a non-negative integer", text)
    if not isinstance(symbol, str) or not isinstance(bids, list) or not isinstance(asks, list):
        raise MalformedMessageError(source, line, "s must be a string and b/a lists", text)
    for level in bids + asks:
        if (not isinstance(level, list) or len(level) != 2 or not all(isinstance(v, str) for v in level)
                or decimals_in(level[0]) < 0 or decimals_in(level[1]) < 0):
            raise MalformedMessageError(source, line, f"level {level!r} is not [price, size] decimal text", text)
    return kind, ts, cts, symbol, bids, asks, u


def read_bybit_ob500(path: str | Path) -> TickFrame:
    """A Bybit ``orderbook.500`` zip → ``DELTA`` rows (rules in the module doc).

    Raises:
        MalformedMessageError: truncated zip, a line that is not an orderbook message, a timestamp not
            in ms, a price that is 0 or not decimal text, or a second symbol.
        BybitSequenceGapError: a hole in the ``u`` chain.
    """
    path = Path(path)
    source = path.name
    messages = [(line, _message(source, line, text)) for line, text in _lines(path)]
    symbols = {m[3] for _, m in messages}
    if len(symbols) != 1:
        raise MalformedMessageError(source, 0, f"expected one symbol, found {sorted(symbols)}")
    symbol = symbols.pop()
    levels = [level for _, m in messages for level in m[4] + m[5]]
    price_places = max((decimals_in(p) for p, _ in levels), default=0)
    size_places = max((decimals_in(s) for _, s in levels), default=0)
    quote = "USDT" if symbol.endswith("USDT") else "USDC" if symbol.endswith("USDC") else "USD"
    instrument = Instrument(venue=VENUE, symbol=symbol, base=symbol[: -len(quote)] if symbol.endswith(quote) else symbol,
                            quote=quote, kind=InstrumentKind.LINEAR_PERP, tick_size=Decimal(1).scaleb(-price_places),
                            lot_size=Decimal(1).scaleb(-size_places))
    iid, price_parser, size_parser = instrument.id, instrument.price_parser, instrument.size_parser
    rows = TickRows(VENUE)
    previous_u: int | None = None
    empty = 0
    for line, (kind, ts, cts, _, bids, asks, u) in messages:
        snapshot = kind == "snapshot"
        if not snapshot and (previous_u is None or u != previous_u + 1):
            raise BybitSequenceGapError(source, line, previous_u, u)
        previous_u = u
        ts_event = to_ns(cts, ("ms",), source, line, "cts")
        ts_recv = to_ns(ts, ("ms",), source, line, "ts")
        flags = F_SNAPSHOT | F_CLEAR if snapshot else 0
        start = len(rows)
        for side, side_levels in ((1, bids), (-1, asks)):
            for price_text, size_text in side_levels:
                price = parse_scaled(price_parser, price_text, source, line, "price", positive=True)
                size = parse_scaled(size_parser, size_text, source, line, "size", positive=False)
                rows.append(iid, ts_event, ts_recv, DELTA, side, price, size, u, flags)
                flags &= ~F_CLEAR
        if len(rows) == start:
            empty += 1
        else:
            rows.mark_last()
    notes = [f"{len(messages)} messages ({sum(m[0] == 'snapshot' for _, m in messages)} snapshot) → {len(rows)} rows; "
             f"tick {instrument.tick_size}, lot {instrument.lot_size} from the data's decimals"]
    if empty:
        notes.append(f"{empty} messages had no levels and gave no rows")
    return rows.frame([instrument], source, notes)
