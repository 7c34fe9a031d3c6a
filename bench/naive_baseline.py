"""The naive pure-Python baseline the replay benchmark compares against.

It is what a first attempt looks like: the ``json`` module, a ``dict`` per book side keyed by float
price, Binance's sync rules, one Python loop. It counts the same events arbkit counts (book level
changes applied after sync, plus trades) and returns a checksum of best prices so both sides of the
comparison do the same work.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path


def naive_parse(path: Path) -> list[tuple[str, dict]]:
    """Decode every line of a recorded file with the json module: [(kind, message)]."""
    out = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            _, payload = line.split(" ", 1)
            message = json.loads(payload)
            if "lastUpdateId" in message:
                out.append(("snapshot", message))
            else:
                out.append((message["stream"].split("@")[1], message["data"]))
    return out


def naive_replay(messages: list[tuple[str, dict]], futures: bool) -> tuple[int, float]:
    """Apply snapshot + synced diffs to dict books; returns (events applied, checksum of best bids)."""
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    snapshot_id = None
    buffered: list[dict] = []
    last_u = None
    events = 0
    checksum = 0.0

    def apply(levels: list, book: dict[float, float]) -> int:
        for price_text, qty_text in levels:
            price, qty = float(price_text), float(qty_text)
            if qty == 0.0:
                book.pop(price, None)
            else:
                book[price] = qty
        return len(levels)

    def handle(diff: dict) -> None:
        nonlocal last_u, events, checksum
        if last_u is None:
            if diff["u"] < snapshot_id or (not futures and diff["u"] == snapshot_id):
                return
        events += apply(diff["b"], bids) + apply(diff["a"], asks)
        last_u = diff["u"]
        checksum += max(bids) if bids else 0.0

    for kind, message in messages:
        if kind == "snapshot":
            snapshot_id = message["lastUpdateId"]
            bids.clear()
            asks.clear()
            events += apply(message["bids"], bids) + apply(message["asks"], asks)
            for diff in buffered:
                handle(diff)
            buffered = []
        elif kind.startswith("depth"):
            if snapshot_id is None:
                buffered.append(message)
            else:
                handle(message)
        elif kind == "trade":
            events += 1
    return events, checksum


def naive_end_to_end(path: Path, futures: bool) -> tuple[int, float]:
    """Parse with json and replay with dicts, from the recorded file."""
    return naive_replay(naive_parse(path), futures)
