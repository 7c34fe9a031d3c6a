"""A script that raises mid-run is stopped and recorded; the engine and the other scripts go on."""

from __future__ import annotations

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.core.enums import Side
from arbkit.core.messages import BookUpdate
from arbkit.scripts.context import ScriptContext

from testkit import SPOT_BTC, USDM_BTC, build_engine, default_config, sample_timeline


class QuotingScript:
    """Rests a one-lot bid far below the touch on each synced update of its instrument (at most ``max_orders``)."""

    def __init__(self, script_id: str, instrument_id: str, max_orders: int = 3) -> None:
        self.script_id = script_id
        self.instrument_ids = (instrument_id,)
        self.max_orders = max_orders
        self.sent = 0
        self.calls = 0

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        self.calls += 1
        bid = ctx.book(instrument_id).best_bid()
        if bid is None or self.sent >= self.max_orders or ctx.open_orders(instrument_id):
            return
        self.sent += 1
        ctx.submit(instrument_id, Side.BUY, 1, price_ticks=bid[0] - 500)


class RaisingScript(QuotingScript):
    """Quotes like :class:`QuotingScript`, then raises on its ``fail_at``-th call."""

    def __init__(self, script_id: str, instrument_id: str, fail_at: int) -> None:
        super().__init__(script_id, instrument_id)
        self.fail_at = fail_at

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        super().on_book(ctx, instrument_id)
        if self.calls == self.fail_at:
            raise ZeroDivisionError("model output was nan")


def _synced_calls(timeline: tuple, instrument_id: str) -> int:
    return sum(1 for _, m in timeline if isinstance(m, BookUpdate) and m.instrument_id == instrument_id)


def test_raising_script_is_stopped_recorded_and_its_orders_cancelled() -> None:
    config = default_config()
    timeline = sample_timeline()[:60_000]
    bad = RaisingScript("bad", SPOT_BTC, fail_at=500)
    good = QuotingScript("good", USDM_BTC, max_orders=10_000)
    with Journal(":memory:") as journal:
        engine = build_engine(config, journal, [lambda: (bad, "v1"), lambda: (good, "v1")])
        run = engine.run(timeline)
        failures = list(journal.entries(kind=kinds.SCRIPT_FAILURE))
        alerts = [e.payload for e in journal.entries(kind=kinds.ALERT) if e.payload["code"] == "SCRIPT_FAILED"]
        bad_orders = [o for o in engine.path.oms.open_orders() if o.script_id == "bad"]
        good_orders = [o for o in engine.path.oms if o.script_id == "good"]

    assert bad.calls == 500, "the failed script must never be called again"
    assert good.calls == _synced_calls(timeline, USDM_BTC), "the other script keeps trading"
    assert [f.script_id for f in run.script_failures] == ["bad"]
    failure = run.script_failures[0]
    assert failure.error_type == "ZeroDivisionError" and failure.message == "model output was nan"
    assert "in on_book" in failure.traceback and "test_script_failure.py" in failure.traceback
    assert len(failures) == 1 and failures[0].payload["script_id"] == "bad"
    assert len(alerts) == 1 and "bad" in alerts[0]["detail"]
    assert bad.sent >= 1 and not bad_orders, "the failed script's resting orders are cancelled"
    assert "script:bad" in engine.path.gate.kill_switch.engaged_scopes
    assert len(good_orders) > 1, "the healthy script goes on sending orders after the failure"


def test_step_api_gives_the_same_run_as_run() -> None:
    config = default_config()
    timeline = sample_timeline()[:20_000]
    with Journal(":memory:") as j1, Journal(":memory:") as j2:
        whole = build_engine(config, j1, [lambda: (QuotingScript("q", SPOT_BTC), "v1")]).run(timeline)
        engine = build_engine(config, j2, [lambda: (QuotingScript("q", SPOT_BTC), "v1")])
        engine.begin()
        for ts, message in timeline:
            engine.step(ts, message)
        stepped = engine.finish()
        assert [e.payload for e in j1.entries(limit=None)] == [e.payload for e in j2.entries(limit=None)]
    assert stepped == whole
    assert whole.equity and all(SPOT_BTC in p.marks for p in whole.equity[1:])
