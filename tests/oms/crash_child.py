"""Trading client for the crash test: recover, then place intents i1..iN; may SIGKILL itself at one point.

Usage: ``python crash_child.py JOURNAL LEDGER SEED N_ORDERS KILL`` where KILL is ``none`` or
``<intent n>:<point>``, point one of ``after_create``, ``after_submit``, ``after_process`` or
``event<j>`` (after the j-th venue event of that order was applied, or its last one if it had fewer).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_venue import LedgerVenue
from oms_kit import T0, an_intent

from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.time import SimulatedClock
from arbkit.oms.order_manager import OrderManager
from arbkit.oms.recovery import recover
from arbkit.sim.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected, VenueEvent


def apply(oms: OrderManager, event: VenueEvent) -> None:
    """One venue event into the OMS (the order path's dispatch, without gate and portfolio)."""
    if isinstance(event, OrderFilled):
        oms.apply_fill(event.fill)
    elif isinstance(event, OrderAccepted):
        oms.on_accepted(event.client_order_id, event.ts_ns)
    elif isinstance(event, OrderCanceled):
        oms.on_canceled(event.client_order_id, event.ts_ns)
    elif isinstance(event, OrderRejected):
        oms.on_rejected(event.client_order_id, event.ts_ns, event.detail)


def main(journal_path: str, ledger_path: str, seed: int, n_orders: int, kill: str) -> None:
    def checkpoint(n: int, point: str) -> None:
        if kill == f"{n}:{point}":
            os.kill(os.getpid(), signal.SIGKILL)

    clock = SimulatedClock(T0)
    journal = Journal(journal_path, commit_every=3)  # small batches: acks and fills may die uncommitted
    venue = LedgerVenue(ledger_path, seed)
    oms = recover(clock, journal, venue)
    for n in range(1, n_orders + 1):
        if oms.order_for_intent(f"i{n}") is not None:
            continue  # idempotent resume: this intent already became an order
        clock.advance_to(T0 + n * 1_000_000)
        order = oms.create(an_intent(n, qty=1 + (n * 7 + seed) % 20, side=Side.BUY if n % 3 else Side.SELL))
        checkpoint(n, "after_create")
        venue.submit(order)
        checkpoint(n, "after_submit")
        events = venue.process()
        checkpoint(n, "after_process")
        for j, event in enumerate(events, 1):
            apply(oms, event)
            checkpoint(n, f"event{j}")
        if kill.startswith(f"{n}:event"):
            os.kill(os.getpid(), signal.SIGKILL)  # fewer events than asked: die after the last one
    journal.close()
    venue.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
