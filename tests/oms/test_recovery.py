"""Write-ahead journal and restart: rebuild from the journal, reconcile with the venue, refuse on mismatch."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_venue import LedgerVenue
from oms_kit import SPOT, T0, a_fill, an_intent, an_oms

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderStatus, Side
from arbkit.core.time import SimulatedClock
from arbkit.oms.recovery import NEVER_SENT, ReconciliationError, VenueOrderReport, rebuild, reconcile, recover

CHILD = Path(__file__).resolve().parent / "crash_child.py"


class _Venue:
    """A venue answering from a dict of reports."""

    def __init__(self, reports: dict[str, VenueOrderReport]) -> None:
        self.reports = reports

    def query_order(self, client_order_id: str) -> VenueOrderReport | None:
        return self.reports.get(client_order_id)

    def client_order_ids(self) -> list[str]:
        return list(self.reports)


def test_created_order_is_committed_before_create_returns(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite", commit_every=1_000)
    an_oms(journal).create(an_intent())
    with Journal(tmp_path / "j.sqlite") as other:  # a second reader sees only committed rows
        assert [e.payload["event"] for e in other.entries(kind=kinds.ORDER)] == ["created"]
    journal.close()


def test_rebuild_reproduces_orders_fills_lots_and_position_and_continues_ids(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        live = an_oms(journal)
        live.create(an_intent(1, qty=10))
        live.create(an_intent(2, qty=5, side=Side.SELL))
        live.create(an_intent(3, qty=2))
        live.on_accepted("O1", T0 + 1)
        live.on_fill(a_fill("O1", 4, n=1))
        live.on_fill(a_fill("O2", 5, n=2, side=Side.SELL))
        live.on_rejected("O3", T0 + 3, reason="no")
    with Journal(path) as journal:
        rows = journal.last_seq
        oms = rebuild(SimulatedClock(T0), journal)
        assert list(oms) == list(live) and oms.fills() == live.fills()
        assert oms.filled_position_lots(SPOT) == -1 and oms.open_lots(SPOT, Side.BUY) == 6
        assert journal.last_seq == rows  # replay writes nothing
        assert oms.create(an_intent(4)).client_order_id == "O4"


def test_in_flight_order_stays_pending_until_the_venue_answers() -> None:
    oms = an_oms()
    oms.create(an_intent(1, qty=10))
    assert oms.get("O1").status is OrderStatus.PENDING_NEW and oms.open_lots(SPOT, Side.BUY) == 10
    fill = a_fill("O1", 3, n=1)
    venue = _Venue({"O1": VenueOrderReport(client_order_id="O1", status=OrderStatus.PARTIALLY_FILLED,
                                           fills=(fill,), ts_ns=T0 + 9)})
    assert reconcile(oms, venue) == []
    order = oms.get("O1")
    assert (order.status, order.filled_lots, oms.filled_position_lots(SPOT)) == (OrderStatus.PARTIALLY_FILLED, 3, 3)


def test_order_the_venue_never_received_is_closed_as_never_sent() -> None:
    oms = an_oms()
    oms.create(an_intent(1))
    assert reconcile(oms, _Venue({})) == []
    assert (oms.get("O1").status, oms.get("O1").reject_reason) == (OrderStatus.REJECTED, NEVER_SENT)


@pytest.mark.parametrize(("reports", "message"), [
    ({"O9": VenueOrderReport(client_order_id="O9", status=OrderStatus.NEW)}, "venue order 'O9' is not in the journal"),
    ({"O1": VenueOrderReport(client_order_id="O1", status=OrderStatus.NEW)},
     "journaled fill 'f1' is not reported by the venue"),
])
def test_recover_refuses_to_start_on_a_mismatch(tmp_path: Path, reports: dict[str, VenueOrderReport],
                                                message: str) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        oms = an_oms(journal)
        oms.create(an_intent(1, qty=10))
        oms.on_fill(a_fill("O1", 2, n=1))
    with Journal(tmp_path / "j.sqlite") as journal, pytest.raises(ReconciliationError, match=message) as info:
        recover(SimulatedClock(T0), journal, _Venue(reports))
    assert info.value.mismatches and "refusing to start" in str(info.value)


CRASH_POINTS = ("after_create", "after_submit", "after_process", "event1", "event2", "event3")


@pytest.mark.parametrize("seed", range(16))
def test_killed_client_recovers_every_order_exactly_once_with_positions_equal_to_fills(tmp_path: Path,
                                                                                      seed: int) -> None:
    rng = random.Random(seed)
    n_orders = 12
    kill = f"{rng.randint(1, n_orders)}:{rng.choice(CRASH_POINTS)}"
    journal_path, ledger_path = tmp_path / "journal.sqlite", tmp_path / "venue.sqlite"
    args = [sys.executable, str(CHILD), str(journal_path), str(ledger_path), str(seed), str(n_orders)]
    first = subprocess.run([*args, kill], check=False, capture_output=True, text=True, timeout=120)
    assert first.returncode == -signal.SIGKILL, first.stderr
    second = subprocess.run([*args, "none"], check=False, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr

    venue = LedgerVenue(ledger_path, seed)
    with Journal(journal_path) as journal:
        assert journal.verify().ok
        oms = rebuild(SimulatedClock(T0), journal)
        assert reconcile(oms, venue) == []
    orders = list(oms)
    assert sorted(o.intent_id for o in orders) == sorted(f"i{n}" for n in range(1, n_orders + 1))
    assert len({o.client_order_id for o in orders}) == n_orders and venue.duplicate_submits() == 0
    venue_ids = venue.client_order_ids()
    assert set(venue_ids) <= {o.client_order_id for o in orders}
    venue_fills = []
    for order in orders:
        report = venue.query_order(order.client_order_id)
        if report is None:
            assert order.reject_reason == NEVER_SENT and kill.endswith("after_create")
            continue
        assert (order.status, order.filled_lots) == (report.status, sum(f.qty_lots for f in report.fills))
        assert oms.fills(order.client_order_id) == list(report.fills)
        venue_fills.extend(report.fills)
    assert oms.filled_position_lots(SPOT) == sum(int(f.side) * f.qty_lots for f in venue_fills)
    assert oms.duplicate_fills == 0
    venue.close()
