"""Kill switch by scope with the real simulated venue: open orders in scope are cancelled and confirmed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testkit import SPOT_BTC, USDM_BTC, build_engine, default_config, registry, synced_prefix

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent
from arbkit.risk.errors import RiskError

_n = iter(range(1_000_000))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Any]:
    with Journal(tmp_path / "journal.sqlite") as journal:
        engine = build_engine(default_config(), journal)
        engine.run(synced_prefix())
        yield engine


def passive(engine: Any, script_id: str, instrument_id: str, side: Side = Side.BUY) -> OrderIntent:
    """A 0.01 limit order 10 bps behind the mid (rests on the book, inside the 25 bps collar)."""
    instrument = registry().get(instrument_id)
    mid = engine.books[instrument_id].mid_ticks()
    price = int(mid * (0.999 if side is Side.BUY else 1.001))
    return OrderIntent(intent_id=f"k{next(_n)}", script_id=script_id, model_version="m", instrument_id=instrument_id,
                       side=side, order_type=OrderType.LIMIT, qty_lots=instrument.size_to_lots("0.01"),
                       ts_created=engine.clock.now_ns(), price_ticks=price)


def settle(engine: Any, ms: int = 100) -> None:
    """Let the venue answer everything in flight (``ms`` of simulated time)."""
    engine.clock.advance_to(engine.clock.now_ns() + ms * 1_000_000)
    engine.path.on_venue_events(engine.venue.process(engine.clock.now_ns()))


def open_three(engine: Any) -> None:
    path = engine.path
    for args in (("a", SPOT_BTC), ("a", USDM_BTC), ("b", SPOT_BTC)):
        assert path.submit(passive(engine, *args)).approved
    settle(engine)
    assert len(path.oms.open_orders()) == 3


def test_kill_all_mid_backtest_cancels_every_open_order_and_reports_each_venue_confirmed(engine: Any) -> None:
    open_three(engine)
    path = engine.path
    report = path.kill(actor="alice", reason="venue incident")
    assert report.requested == {"BINANCE_SPOT": 2, "BINANCE_USDM": 1}
    assert not report.complete and report.confirmed == {}
    refused = path.submit(passive(engine, "b", USDM_BTC))
    assert refused.reason_code == "KILL_SWITCH" and "alice" in refused.detail
    settle(engine)
    assert report.complete and report.confirmed == {"BINANCE_SPOT": 2, "BINANCE_USDM": 1}
    assert path.oms.open_orders() == []
    assert path.gate.kill_switch.engaged


def test_kill_by_script_cancels_only_that_script_and_refuses_only_its_intents(engine: Any) -> None:
    open_three(engine)
    path = engine.path
    report = path.kill(actor="alice", reason="script misbehaves", scope="script:a")
    assert report.requested == {"BINANCE_SPOT": 1, "BINANCE_USDM": 1}
    settle(engine)
    assert report.complete and report.confirmed == {"BINANCE_SPOT": 1, "BINANCE_USDM": 1}
    assert [o.script_id for o in path.oms.open_orders()] == ["b"]
    decision = path.submit(passive(engine, "a", SPOT_BTC, Side.SELL))  # reducing or not, refused in scope
    assert decision.reason_code == "KILL_SWITCH" and "script:a" in decision.detail
    assert path.submit(passive(engine, "b", USDM_BTC)).approved
    assert not path.gate.kill_switch.engaged and "script:a" in path.gate.kill_switch.engaged_scopes


def test_kill_by_venue_and_by_instrument_cover_only_their_orders(engine: Any) -> None:
    open_three(engine)
    path = engine.path
    by_venue = path.kill(actor="alice", reason="usdm down", scope="venue:BINANCE_USDM")
    assert by_venue.requested == {"BINANCE_USDM": 1}
    assert path.submit(passive(engine, "b", USDM_BTC)).reason_code == "KILL_SWITCH"
    by_instrument = path.kill(actor="alice", reason="spot halted", scope=f"instrument:{SPOT_BTC}")
    assert by_instrument.requested == {"BINANCE_SPOT": 2}
    settle(engine)
    assert by_venue.complete and by_instrument.complete and path.oms.open_orders() == []


def test_cancels_still_pass_while_engaged_and_release_is_audited(engine: Any) -> None:
    path = engine.path
    assert path.submit(passive(engine, "a", SPOT_BTC)).approved
    settle(engine)
    path.gate.kill_switch.engage("alice", "pause", scope="script:a")
    [order] = path.oms.open_orders()
    path.cancel(order.client_order_id)  # a cancel is never refused
    settle(engine)
    assert path.oms.open_orders() == []
    path.gate.kill_switch.release("bob", "script fixed", scope="script:a")
    assert path.submit(passive(engine, "a", SPOT_BTC)).approved
    changes = engine.journal.entries(kind=kinds.KILL_SWITCH)
    assert [(c.payload["action"], c.payload["scope"], c.actor) for c in changes] == [
        ("engage", "script:a", "alice"), ("release", "script:a", "bob")]


@pytest.mark.parametrize("scope", ["", "script:", "desk:x", "ALL", None])
def test_invalid_kill_scope_is_refused_naming_the_allowed_forms(engine: Any, scope: object) -> None:
    with pytest.raises(RiskError, match="allowed: 'all', 'script:<id>', 'venue:<id>', 'instrument:<id>'"):
        engine.path.kill(actor="alice", reason="x", scope=scope)  # type: ignore[arg-type]
