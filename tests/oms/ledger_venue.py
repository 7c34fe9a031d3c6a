"""A simulated venue that keeps its record of our orders in SQLite, so it outlives a killed client.

It decides each order's outcome from a seeded generator keyed by the client order id (reject, or
accept with 0 to 3 fills and maybe a cancel of the rest), commits it in one transaction, and answers
:meth:`query_order` from the file. An order received but not yet processed when the client died is
processed when queried: the venue does not wait for its client.
"""

from __future__ import annotations

import random
import sqlite3
from decimal import Decimal
from pathlib import Path

import msgspec

from arbkit.core.enums import LiquiditySide, OrderStatus
from arbkit.core.messages import Fill, Order
from arbkit.oms.recovery import VenueOrderReport
from arbkit.sim.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected, VenueEvent, VenueReason

_SCHEMA = (
    ("CREATE TABLE IF NOT EXISTS orders (seq INTEGER PRIMARY KEY, cid TEXT UNIQUE NOT NULL, status TEXT NOT NULL, "
     "reject_reason TEXT NOT NULL, ts_ns INTEGER NOT NULL, body TEXT NOT NULL)"),
    "CREATE TABLE IF NOT EXISTS fills (cid TEXT NOT NULL, fill_id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS duplicates (cid TEXT NOT NULL)",
)
RECEIVED = "received"


class LedgerVenue:
    """Durable simulated venue for crash tests.

    Args:
        path: SQLite file; reopening continues its record.
        seed: with the client order id, decides every outcome.
    """

    def __init__(self, path: str | Path, seed: int) -> None:
        self._seed = seed
        self._conn = sqlite3.connect(str(path), isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        for statement in _SCHEMA:
            self._conn.execute(statement)

    def submit(self, order: Order) -> None:
        """Receive ``order`` (committed at once); a client order id seen before is counted, not accepted."""
        try:
            self._conn.execute("INSERT INTO orders (cid, status, reject_reason, ts_ns, body) VALUES (?, ?, '', ?, ?)",
                               (order.client_order_id, RECEIVED, order.ts_sent, msgspec.json.encode(order).decode()))
        except sqlite3.IntegrityError:
            self._conn.execute("INSERT INTO duplicates (cid) VALUES (?)", (order.client_order_id,))

    def process(self) -> list[VenueEvent]:
        """Decide every received order, oldest first; returns the events in venue order."""
        rows = self._conn.execute("SELECT cid FROM orders WHERE status = ? ORDER BY seq", (RECEIVED,)).fetchall()
        events: list[VenueEvent] = []
        for (cid,) in rows:
            events.extend(self._decide(cid))
        return events

    def _decide(self, cid: str) -> list[VenueEvent]:
        (body,) = self._conn.execute("SELECT body FROM orders WHERE cid = ?", (cid,)).fetchone()
        order = msgspec.json.decode(body, type=Order)
        rng = random.Random(f"{self._seed}:{cid}")
        ts = order.ts_sent + 1_000
        if rng.random() < 0.15:
            self._conn.execute("UPDATE orders SET status = ?, reject_reason = ?, ts_ns = ? WHERE cid = ?",
                               (OrderStatus.REJECTED.value, "insufficient balance", ts, cid))
            return [OrderRejected(client_order_id=cid, ts_ns=ts, reason=VenueReason.INVALID_ORDER,
                                  detail="insufficient balance")]
        events: list[VenueEvent] = [OrderAccepted(client_order_id=cid, ts_ns=ts)]
        filled = 0
        self._conn.execute("BEGIN")
        for k in range(rng.randint(0, 3)):
            lots = rng.randint(1, order.qty_lots - filled) if filled < order.qty_lots else 0
            if lots == 0:
                break
            filled += lots
            fill = Fill(fill_id=f"{cid}-T{k + 1}", client_order_id=cid, script_id=order.script_id,
                        model_version=order.model_version, instrument_id=order.instrument_id, side=order.side,
                        price_ticks=6_000_000 + k, qty_lots=lots, fee=Decimal("0.01"),
                        liquidity=LiquiditySide.TAKER, ts_event=ts)
            self._conn.execute("INSERT INTO fills (cid, fill_id, body) VALUES (?, ?, ?)",
                               (cid, fill.fill_id, msgspec.json.encode(fill).decode()))
            events.append(OrderFilled(fill=fill, leaves_lots=order.qty_lots - filled))
        if filled == order.qty_lots:
            status = OrderStatus.FILLED
        elif rng.random() < 0.5:
            status = OrderStatus.CANCELED
            events.append(OrderCanceled(client_order_id=cid, ts_ns=ts, reason=VenueReason.IOC_REMAINDER,
                                        canceled_lots=order.qty_lots - filled))
        else:
            status = OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.NEW
        self._conn.execute("UPDATE orders SET status = ?, ts_ns = ? WHERE cid = ?", (status.value, ts, cid))
        self._conn.execute("COMMIT")
        return events

    def query_order(self, client_order_id: str) -> VenueOrderReport | None:
        """The venue's record of the order (deciding it first if only received), or None if never received."""
        row = self._conn.execute("SELECT status FROM orders WHERE cid = ?", (client_order_id,)).fetchone()
        if row is None:
            return None
        if row[0] == RECEIVED:
            self._decide(client_order_id)
        status, reason, ts_ns = self._conn.execute(
            "SELECT status, reject_reason, ts_ns FROM orders WHERE cid = ?", (client_order_id,)).fetchone()
        fills = tuple(msgspec.json.decode(body, type=Fill) for (body,) in self._conn.execute(
            "SELECT body FROM fills WHERE cid = ? ORDER BY rowid", (client_order_id,)))
        return VenueOrderReport(client_order_id=client_order_id, status=OrderStatus(status), fills=fills,
                                reject_reason=reason, ts_ns=ts_ns)

    def client_order_ids(self) -> list[str]:
        """Every client order id received, in arrival order."""
        return [cid for (cid,) in self._conn.execute("SELECT cid FROM orders ORDER BY seq")]

    def duplicate_submits(self) -> int:
        """Submits of a client order id the venue had already received."""
        return int(self._conn.execute("SELECT COUNT(*) FROM duplicates").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._conn.close()
