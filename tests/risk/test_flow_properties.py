"""Properties of the flow controls: sliding-window counts equal a brute-force recount, and the duplicate
rule refuses exactly what a brute-force search of earlier approved intents finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from risk_helpers import MID_BTC_SPOT, T0, StaticExposure, StaticMarket, spot_limits
from testkit import SPOT_BTC, registry

from arbkit.audit.journal import Journal
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.messages import OrderIntent
from arbkit.core.time import NANOS_PER_MILLI, SimulatedClock
from arbkit.risk.config import RiskConfig
from arbkit.risk.flow_config import DuplicatesConfig, MessageLimit, MessagesConfig
from arbkit.risk.gate import RiskGate
from arbkit.risk.reasons import ReasonCode
from arbkit.risk.windows import SlidingWindowCount

gaps_ns = st.lists(st.integers(min_value=0, max_value=3_000), min_size=1, max_size=60)


@given(window_ns=st.integers(min_value=1, max_value=2_000), gaps=gaps_ns,
       probes=st.lists(st.integers(min_value=0, max_value=3_000), max_size=5))
def test_sliding_window_count_equals_a_brute_force_recount(window_ns: int, gaps: list[int],
                                                           probes: list[int]) -> None:
    window = SlidingWindowCount(window_ns)
    times: list[int] = []
    now = 0
    for gap in gaps:
        now += gap
        window.add(now)
        times.append(now)
        assert window.count(now) == sum(1 for t in times if now - window_ns < t <= now)
    for extra in sorted(probes):  # later reads, without new events
        later = now + extra
        assert window.count(later) == sum(1 for t in times if later - window_ns < t <= later)


def make_gate(tmp_path: Path, **flow: Any) -> tuple[RiskGate, SimulatedClock, StaticMarket, Journal]:
    clock = SimulatedClock(start_ns=T0)
    market = StaticMarket()
    journal = Journal(tmp_path / "journal.sqlite")
    gate = RiskGate(RiskConfig(instruments={SPOT_BTC: spot_limits()}, **flow), registry(), market,
                    StaticExposure(), clock, journal)
    return gate, clock, market, journal


def spot_intent(n: int, script: str, price_offset: int, side: Side = Side.BUY,
                tif: TimeInForce = TimeInForce.GTC) -> OrderIntent:
    return OrderIntent(intent_id=f"i{n}", script_id=script, model_version="m", instrument_id=SPOT_BTC, side=side,
                       order_type=OrderType.LIMIT, qty_lots=1, ts_created=T0,
                       price_ticks=MID_BTC_SPOT + price_offset, time_in_force=tif)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(min_value=0, max_value=400), st.sampled_from(["a", "b"])),
                      min_size=1, max_size=40),
       max_messages=st.integers(min_value=1, max_value=4), window_ms=st.integers(min_value=1, max_value=1_000))
def test_message_limit_approves_exactly_while_the_recounted_window_has_room(
        tmp_path_factory: Any, steps: list[tuple[int, str]], max_messages: int, window_ms: int) -> None:
    limit = MessageLimit(max_messages=max_messages, message_window_ms=window_ms)
    gate, clock, market, journal = make_gate(tmp_path_factory.mktemp("m"),
                                             messages=MessagesConfig(default_script=limit))
    window_ns = window_ms * NANOS_PER_MILLI
    sent: list[tuple[int, str]] = []
    with journal:
        for n, (gap_ms, script) in enumerate(steps):
            clock.advance_to(clock.now_ns() + gap_ms * NANOS_PER_MILLI)
            now = clock.now_ns()
            market.mids[SPOT_BTC] = (float(MID_BTC_SPOT), now)
            in_window = sum(1 for t, s in sent if s == script and now - window_ns < t <= now)
            decision = gate.evaluate(spot_intent(n, script, price_offset=-n))
            assert decision.approved == (in_window < max_messages)
            if decision.approved:
                sent.append((now, script))
            else:
                assert decision.reason_code == ReasonCode.MAX_MESSAGES
            assert gate.script_messages(script) == in_window + decision.approved


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(min_value=0, max_value=60), st.sampled_from(["a", "b"]),
                                st.integers(min_value=0, max_value=2), st.sampled_from([Side.BUY, Side.SELL]),
                                st.sampled_from([TimeInForce.GTC, TimeInForce.IOC]),
                                st.integers(min_value=0, max_value=6)),
                      min_size=1, max_size=40),
       window_ms=st.integers(min_value=1, max_value=100))
def test_duplicate_rule_refuses_exactly_what_a_brute_force_search_finds(
        tmp_path_factory: Any, steps: list[tuple[int, str, int, Side, TimeInForce, int]], window_ms: int) -> None:
    gate, clock, market, journal = make_gate(tmp_path_factory.mktemp("d"),
                                             duplicates=DuplicatesConfig(duplicate_window_ms=window_ms))
    window_ns = window_ms * NANOS_PER_MILLI
    approved: list[tuple[int, OrderIntent]] = []
    with journal:
        for gap_ms, script, offset, side, tif, id_n in steps:
            clock.advance_to(clock.now_ns() + gap_ms * NANOS_PER_MILLI)
            now = clock.now_ns()
            market.mids[SPOT_BTC] = (float(MID_BTC_SPOT), now)
            candidate = spot_intent(id_n, script, offset, side, tif)
            reused = any(a.intent_id == candidate.intent_id for _, a in approved)
            twin = any(now - t < window_ns and (a.script_id, a.side, a.price_ticks, a.time_in_force) ==
                       (candidate.script_id, candidate.side, candidate.price_ticks, candidate.time_in_force)
                       for t, a in approved)
            decision = gate.evaluate(candidate)
            assert decision.approved == (not reused and not twin)
            if decision.approved:
                approved.append((now, candidate))
            else:
                assert decision.reason_code == ReasonCode.DUPLICATE
