"""Automatic rollback: after every decision event of a canary or live version, its triggers are checked.

The guard updates the version's scores first (the call scorer, the feature drift monitor, its equity
trace), then reads the policy's ``[rollback]`` triggers against them: feature drift (PSI against the
training sample), hit rate, PnL, drawdown, inference latency p99 and error rate. The first breached
trigger rolls the version back in that same decision event, before the next one:

1. the version moves to ``retired`` (deployment history, action ``rollback``, the trigger as evidence);
   its open orders are cancelled and its trading state becomes REDUCING, and from the next book update on
   its script is no longer called: marketable orders flatten what it still holds (tag ``rollback-flatten``);
2. if it was live, the last stable version (live before it, and not taken out by a rollback) is restored
   to live (action ``restore``);
3. the rollback is journaled (kind ``rollback``: trigger, value, limit, versions, exposure) and raises the
   alert ``MODEL_ROLLBACK``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from arbkit.audit import kinds
from arbkit.audit.alerts import Alert
from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.messages import OrderIntent
from arbkit.lifecycle.arm import Arm
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.policy import Criterion
from arbkit.lifecycle.summary import RollbackRecord
from arbkit.scripts.context import ScriptContext

if TYPE_CHECKING:
    from arbkit.lifecycle.controller import LifecycleController

GUARD_ACTOR = "rollback-guard"
FLATTEN_TAG = "rollback-flatten"


class RollbackGuard:
    """Scores each decision of a version and rolls it back when a trigger is breached (see module docs)."""

    def __init__(self, controller: LifecycleController) -> None:
        self._controller = controller
        self._flatten_seq = 0

    def after_decision(self, arm: Arm, now: int) -> None:
        """Update ``arm``'s scores with the decision just taken, then check its rollback triggers."""
        served = arm.served
        if served.last is not None:
            x, prediction = served.last
            arm.outcome.observe(now, x, prediction)
            if arm.psi is not None:
                arm.psi.update(x)
        feed = self._controller.online_feeds.get(arm.version)
        if feed is not None:
            feed.after_decision(arm, now)
        self.update_trace(arm)
        if not arm.mode.sends_orders:
            return
        controller = self._controller
        score = controller.score(arm, now, for_guard=True)
        breaches = controller.policy.rollback_breaches(score)
        if breaches:
            self.rollback(arm, breaches[0], score, now)

    def update_trace(self, arm: Arm) -> None:
        """Mark the arm's book: PnL in its mode, drawdown, gross exposure, flat-to-flat trades."""
        engine = self._controller.engine
        marks = engine.marks()
        instruments = engine.instruments

        def notional(instrument_id: str, mark: int, lots: int):  # type: ignore[no-untyped-def]
            return instruments.get(instrument_id).notional_quote(mark, lots)

        flat = all(arm.position_lots(i) == 0 for i in arm.instrument_ids())
        arm.trace.update(arm.equity_usd(marks), arm.gross_usd(marks, notional), flat)

    def rollback(self, arm: Arm, breach: Criterion, score: ArmScore, now: int) -> None:
        """Take ``arm`` out now for ``breach``; restore the last stable version if it was live (see module docs)."""
        controller = self._controller
        old_mode = arm.mode
        value = float("nan") if breach.value is None else float(breach.value)
        reason = f"rollback trigger {breach.name}: {breach.detail}"
        evidence = {"trigger": breach.name, "value": value, "limit": float(breach.limit), "op": breach.op,
                    "score": msgspec.to_builtins(score)}
        controller._move(arm, DeploymentMode.RETIRED, "rollback", GUARD_ACTOR, reason, evidence, now)
        restored = None
        if old_mode is DeploymentMode.LIVE:
            stable = controller.history.last_stable(controller.script_id, excluding=arm.version)
            stable_arm = controller.arms.get(stable) if stable is not None else None
            if stable_arm is not None and stable_arm.mode is DeploymentMode.RETIRED:
                controller._move(stable_arm, DeploymentMode.LIVE, "restore", GUARD_ACTOR,
                                 f"last stable version, restored after {arm.version} was rolled back", {}, now)
                restored = stable_arm.version
        record = RollbackRecord(ts_ns=now, script_id=controller.script_id, version=arm.version, mode=old_mode.value,
                                restored_version=restored, trigger=breach.name, value=value,
                                limit=float(breach.limit), gross_exposure_usd=score.gross_exposure_usd,
                                detail=breach.detail)
        controller.summary_data.rollbacks.append(record)
        controller.journal.append(kinds.ROLLBACK, now, record, actor=GUARD_ACTOR)
        controller.engine.path.gate.alerts.raise_alert(Alert(
            code="MODEL_ROLLBACK", scope=f"script:{arm.script_id}", ts_ns=now,
            detail=f"{old_mode.value} version {arm.version} of {controller.script_id} rolled back: {breach.detail}",
            values={"trigger": breach.name, "value": repr(value), "limit": repr(float(breach.limit))},
            action=f"{arm.version} retired" + (f", {restored} restored to live" if restored else "")),
            actor=GUARD_ACTOR)

    def stop(self, arm: Arm) -> None:
        """Cancel every open order of a version that has just been retired (live and hypothetical)."""
        for order in arm.path.open_orders(arm.script_id):
            arm.path.cancel(order.client_order_id)
        for order in arm.lane.open_orders(arm.script_id):
            arm.lane.cancel(order.client_order_id)

    def on_retired(self, arm: Arm, ctx: ScriptContext) -> None:
        """Each book update of a retired version: flatten what it still holds, one marketable order per leg."""
        if arm.path.open_orders(arm.script_id):
            return
        for instrument_id in arm.instrument_ids():
            lots = arm.path.script_books.position_lots(arm.script_id, instrument_id)
            if lots == 0:
                continue
            book = ctx.book(instrument_id)
            side = Side.SELL if lots > 0 else Side.BUY
            touch = book.best_bid() if side is Side.SELL else book.best_ask()
            if touch is None or not book.synced:
                continue
            self._flatten_seq += 1
            arm.path.submit(OrderIntent(
                intent_id=f"{arm.script_id}-flatten-{self._flatten_seq}", script_id=arm.script_id,
                model_version=arm.served.version, instrument_id=instrument_id, side=side,
                order_type=OrderType.LIMIT, qty_lots=abs(lots), ts_created=ctx.now_ns(), price_ticks=touch[0],
                time_in_force=TimeInForce.IOC, tag=FLATTEN_TAG, deployment_mode=DeploymentMode.RETIRED.value))
