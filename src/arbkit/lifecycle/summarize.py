"""Builds a run's :class:`~arbkit.lifecycle.summary.LifecycleSummary` from a lifecycle controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arbkit.core.enums import Side
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.summary import ABComparison, LifecycleSummary
from arbkit.stats.ab_test import StoppingRule, bootstrap_diff, welch_test

if TYPE_CHECKING:
    from arbkit.lifecycle.arm import Arm
    from arbkit.lifecycle.controller import LifecycleController
    from arbkit.lifecycle.router import ABRouter

COMPARED = ("pnl_usd", "precision", "recall", "f1", "calls", "trades", "hit_rate", "max_drawdown_usd")
"""Metrics of the shadow-vs-champion rows, in order."""


def summarize(controller: LifecycleController) -> LifecycleSummary:
    """Intervals, final scores, score series, rollbacks, refusals, the A/B comparison and shadow-vs-live rows."""
    now = controller.engine.clock.now_ns()
    data = controller.summary_data
    summary = LifecycleSummary(
        intervals=controller.history.intervals(controller.script_id),
        final_scores=[arm.last_active_score if arm.mode is DeploymentMode.RETIRED and arm.last_active_score is not None
                      else controller.score(arm, now) for arm in controller.arms.values()],
        score_series={version: list(points) for version, points in data.score_series.items()},
        rollbacks=list(data.rollbacks), refusals=list(data.refusals))
    for version, (champion, shadow_score, champion_score) in controller.shadow_comparisons.items():
        for metric in COMPARED:
            summary.shadow_vs_live.append((version, champion, metric, _number(getattr(shadow_score, metric)),
                                           _number(getattr(champion_score, metric))))
    if controller.router is not None:
        summary.ab = ab_comparison(controller, controller.router)
    return summary


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def ab_comparison(controller: LifecycleController, router: ABRouter) -> ABComparison:
    """Per-arm figures and the difference in mean per-trade PnL (A − B) by Welch's t and bootstrap."""
    ab = controller.policy.ab
    arm_a, arm_b = router.arms["a"], router.arms["b"]
    trades_a, trades_b = arm_a.trace.trades, arm_b.trace.trades
    welch = boot = None
    if len(trades_a) >= 2 and len(trades_b) >= 2:
        try:
            welch = welch_test(trades_a, trades_b, confidence=ab.confidence)
            boot = bootstrap_diff(trades_a, trades_b, confidence=ab.confidence, seed=0)
        except ValueError:
            welch = boot = None  # both arms without variance: no interval to give
    rule = StoppingRule(confidence=ab.confidence, min_trades_per_arm=ab.min_trades_per_arm,
                        max_trades_per_arm=ab.max_trades_per_arm)
    decision = rule.decide(trades_a, trades_b)
    verdict = ("continue" if not decision.stop else decision.winner or "no difference")
    return ABComparison(
        version_a=arm_a.version, version_b=arm_b.version, split=router.rule_name,
        signals_a=router.signals["a"], signals_b=router.signals["b"], trades_a=len(trades_a),
        trades_b=len(trades_b), pnl_a_usd=arm_a.trace.pnl_usd, pnl_b_usd=arm_b.trace.pnl_usd,
        hit_rate_a=arm_a.trace.hit_rate, hit_rate_b=arm_b.trace.hit_rate,
        slippage_a_bps=slippage_bps(arm_a, router), slippage_b_bps=slippage_bps(arm_b, router),
        latency_p99_a_us=arm_a.served.latency.p99_us, latency_p99_b_us=arm_b.served.latency.p99_us,
        diff_mean_usd=None if welch is None else float(welch.diff),
        welch_ci=None if welch is None else (float(welch.ci_low), float(welch.ci_high)),
        welch_p_value=None if welch is None else float(welch.p_value),
        bootstrap_ci=None if boot is None else (float(boot.ci_low), float(boot.ci_high)),
        confidence=ab.confidence, decision=verdict, decision_reason=decision.reason)


def slippage_bps(arm: Arm, router: ABRouter) -> float | None:
    """Quantity-weighted mean slippage of the arm's live fills against the mid when each intent was sent, bps.

    Positive is a cost (bought above / sold below the arrival mid). None without a fill whose intent the router saw.
    """
    path = arm.path
    weighted = total = 0.0
    for fill in path.fills:
        if fill.script_id != arm.script_id or fill.deployment_mode == DeploymentMode.RETIRED.value:
            continue
        intent_id = path.oms.get(fill.client_order_id).intent_id
        mid = router.arrival_mid.get(intent_id)
        if mid is None or mid <= 0:
            continue
        price = fill.price_ticks * float(controller_tick_size(arm, fill.instrument_id))
        sign = 1.0 if fill.side is Side.BUY else -1.0
        weighted += sign * (price - mid) / mid * 1e4 * fill.qty_lots
        total += fill.qty_lots
    return weighted / total if total else None


def controller_tick_size(arm: Arm, instrument_id: str) -> float:
    """Tick size of ``instrument_id`` in quote currency (from the arm's context)."""
    assert arm.ctx is not None
    return float(arm.ctx.instrument(instrument_id).tick_size)
