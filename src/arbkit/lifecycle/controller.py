"""The lifecycle controller: deploys versions of one script, scores them, promotes them, rolls them back.

It runs inside the engine, on the engine's clock, in every mode (backtest, paper, live):

- :meth:`deploy` adds a version as a new arm (shadow, or canary/live with the right role), a script
  instance of its own (see :mod:`arbkit.lifecycle.arm`);
- every ``[evaluation] interval`` of clock time it scores each arm (:class:`ArmScore`, journaled as
  ``lifecycle_score``) and evaluates the promotion policy for shadow and canary arms; a version that passes
  moves up when a person with the ``promote`` permission approved that step (an approval given ahead of
  time waits for the policy; a promotion asked for directly is checked on the spot);
- after every decision event of a canary or live arm the rollback guard reads its scores; a breached
  trigger rolls it back in that same event (:mod:`arbkit.lifecycle.rollback`);
- retraining jobs and online-learning snapshots arrive through :meth:`on_new_model` (see
  :mod:`arbkit.lifecycle.retrain_driver`) and enter shadow.

Every change of mode is recorded in the deployment history (and journaled, kind ``deployment``), refusals
are journaled (kind ``lifecycle_refusal``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import numpy as np

from arbkit.audit import kinds
from arbkit.audit.alerts import Alert
from arbkit.audit.journal import Journal
from arbkit.backtest.engine import BacktestEngine
from arbkit.lifecycle.arm import Arm, ArmScript, ArmSink, DecisionOutcome
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.history import DeploymentChange, DeploymentHistory
from arbkit.lifecycle.limits import CanaryLimits
from arbkit.lifecycle.model_slot import ModelSlot
from arbkit.lifecycle.online import OnlineLogistic
from arbkit.lifecycle.online_feed import OnlineFeed
from arbkit.lifecycle.modes import DeploymentMode, LifecycleError, PermissionDeniedError
from arbkit.lifecycle.policy import PromotionPolicy
from arbkit.lifecycle.roles import AccessControl
from arbkit.lifecycle.router import ABRouter
from arbkit.lifecycle.split import SplitRule
from arbkit.lifecycle.rollback import RollbackGuard
from arbkit.lifecycle.served_model import ServedModel
from arbkit.lifecycle.shadow_lane import ShadowLane
from arbkit.lifecycle.summary import LifecycleSummary
from arbkit.models.base import TickModel
from arbkit.risk.config import RiskConfig
from arbkit.scripts.base import Script
from arbkit.scripts.context import ScriptContext
from arbkit.sim.config import SimVenueConfig
from arbkit.stats.psi import PsiReference, StreamingPsi
from arbkit.stats.ratios import sharpe_ratio
from arbkit.stats.equity import NANOS_PER_YEAR

ScriptMaker = Callable[[str, TickModel], Script]
"""Builds one instance of the script for a deployed version: ``(arm script id, served model) -> script``."""
OutcomeMaker = Callable[[], DecisionOutcome]
"""Builds the call scorer of a deployed version."""


class LifecycleController:
    """Deployments of one script in one engine (see module docs).

    Args:
        engine: the engine the versions run in (its clock, books, order path and journal).
        script_id: the base script id; each version runs as ``<script_id>@<version>``.
        make_script, make_outcome: how to build a version's script instance and call scorer.
        policy: promotion criteria, canary limits, rollback triggers, A/B settings, evaluation interval.
        access: who may deploy, promote, retire and roll back.
        history: the deployment history (journals each change).
        risk, sim: the risk limits and venue model a shadow version is judged under.
        feature_digest: the feature set every version must have been trained on; probe: a feature vector
            every model must answer finitely before it is served.
    """

    def __init__(self, *, engine: BacktestEngine, script_id: str, make_script: ScriptMaker,
                 make_outcome: OutcomeMaker, policy: PromotionPolicy, access: AccessControl,
                 history: DeploymentHistory, risk: RiskConfig, sim: SimVenueConfig, feature_digest: str,
                 probe: np.ndarray) -> None:
        self.engine = engine
        self.script_id = script_id
        self._make_script = make_script
        self._make_outcome = make_outcome
        self.policy = policy
        self.access = access
        self.history = history
        self._risk = risk
        self._sim = sim
        self.feature_digest = feature_digest
        self.probe = probe
        self.journal: Journal = engine.journal
        self.arms: dict[str, Arm] = {}
        self.limits = CanaryLimits(engine.path.gate, policy)
        self.guard = RollbackGuard(self)
        self.summary_data = LifecycleSummary()
        self._approvals: dict[tuple[str, DeploymentMode], str] = {}
        self._interval_ns = policy.evaluation.interval_ns
        self._next_eval_ns: int | None = None
        self._timers: list[tuple[int, int, Callable[[int], None]]] = []
        self._timer_seq = 0
        self._tick_listeners: list[Callable[[int], None]] = []
        self._pnl_marks: dict[str, list[float]] = {}
        self.router: ABRouter | None = None
        self.online_feeds: dict[str, OnlineFeed] = {}
        self.shadow_comparisons: dict[str, tuple[str, ArmScore, ArmScore]] = {}
        """Per shadow version: (champion version, its last shadow score, the champion's over the same window)."""
        engine.add_script(_ControllerTick(self, engine), _tick_context(engine))

    # -- deployment ----------------------------------------------------------------------------
    def deploy(self, model: TickModel, *, mode: DeploymentMode, actor: str, reason: str, model_name: str,
               registry_version: int | None = None, psi_reference: PsiReference | None = None) -> Arm:
        """Add ``model`` as a new version in ``mode`` and start running it on the next decision event.

        Shadow needs the ``deploy`` permission; canary or live straight away (skipping shadow) needs ``promote``,
        and is journaled as such. Raises PermissionDeniedError (journaled), LifecycleError for a version
        already deployed, or the slot's error for a model that fails the feature check or the probe.
        """
        now = self.engine.clock.now_ns()
        permission = "deploy" if mode is DeploymentMode.SHADOW else "promote"
        self._require(actor, permission, f"deploy {model.version} in {mode.value}")
        if model.version in self.arms:
            raise LifecycleError(f"version {model.version!r} of {self.script_id!r} is already deployed "
                                 f"({self.arms[model.version].mode.value})")
        engine = self.engine
        slot = ModelSlot(model, self.feature_digest, self.probe, engine.clock)
        served = ServedModel(slot)
        arm_id = f"{self.script_id}@{model.version}"
        lane = ShadowLane(name=arm_id, instruments=engine.instruments, books=engine.books, market=engine.market,
                          risk=self._risk, sim=self._sim, clock=engine.clock, journal=self.journal,
                          covariance=engine.path.gate.return_sources[0], returns=engine.path.gate.return_sources[1])
        arm = Arm(script_id=arm_id, base_script_id=self.script_id, model_name=model_name,
                  registry_version=registry_version, mode=mode, since_ns=now, served=served, lane=lane,
                  path=engine.path, outcome=self._make_outcome(),
                  psi=StreamingPsi(psi_reference) if psi_reference is not None else None)
        inner = self._make_script(arm_id, served)
        sink = ArmSink(arm)
        feature_set = getattr(inner, "feature_set", None)
        hub = engine.features
        features = hub.register(arm_id, feature_set) if feature_set is not None and hub is not None else None
        ctx = ScriptContext(script_id=arm_id, model_version=model.version, clock=engine.clock,
                            instruments=engine.instruments, books=engine.book_views, positions=sink, sink=sink,
                            regimes=engine.path.gate.regimes, features=features)
        arm.script, arm.ctx = inner, ctx
        self.history.record(DeploymentChange(
            ts_ns=now, script_id=self.script_id, model_name=model_name, version=model.version,
            registry_version=registry_version, old_mode=None, new_mode=mode.value, action="deploy", actor=actor,
            reason=reason, evidence={}))
        self.arms[model.version] = arm
        engine.add_lane(lane)
        engine.add_script(ArmScript(arm, inner, self.guard.after_decision, self.guard.on_retired), ctx)
        self._enter(arm, mode, now)
        return arm

    def attach_online(self, version: str, learner: OnlineLogistic, keep_ns: int) -> OnlineFeed:
        """Let ``version`` learn online from its own resolved calls (see :mod:`arbkit.lifecycle.online_feed`)."""
        feed = OnlineFeed(learner, self.journal, keep_ns)
        self._arm(version)
        self.online_feeds[version] = feed
        return feed

    def approve(self, version: str, to_mode: DeploymentMode, approver: str) -> None:
        """Approve ahead of time the promotion of ``version`` to ``to_mode``; it happens when the policy passes.

        The approver's ``promote`` permission is checked now and again when the promotion happens.
        """
        self._require(approver, "promote", f"approve {version} for {to_mode.value}")
        self._arm(version)
        self._approvals[(version, to_mode)] = approver

    def promote(self, version: str, to_mode: DeploymentMode, approver: str, reason: str, *,
                waive_policy: bool = False) -> DeploymentChange:
        """Promote ``version`` one step now: the approver needs ``promote``, the policy must pass.

        ``waive_policy`` skips the policy (journaled as waived, with the failing criteria as evidence).
        Raises PermissionDeniedError or LifecycleError (both journaled as refusals).
        """
        now = self.engine.clock.now_ns()
        self._require(approver, "promote", f"promote {version} to {to_mode.value}")
        arm = self._arm(version)
        score = self.score(arm, now)
        verdict = self.policy.evaluate(score, self._champion_score(arm, now))
        if verdict.to_mode != to_mode.value:
            self._refuse(approver, f"promote {version} to {to_mode.value}",
                         f"{version} is {arm.mode.value}; its next step is {verdict.to_mode}")
        if not verdict.passed and not waive_policy:
            failing = "; ".join(c.detail for c in verdict.criteria if not c.passed)
            self._refuse(approver, f"promote {version} to {to_mode.value}", f"policy not met: {failing}")
        evidence = {"score": msgspec.to_builtins(score), "verdict": msgspec.to_builtins(verdict),
                    "policy_waived": bool(waive_policy and not verdict.passed)}
        return self._move(arm, to_mode, "promote", approver, reason, evidence, now)

    def start_ab(self, version_a: str, version_b: str, approver: str, reason: str) -> ABRouter:
        """Run ``version_a`` (live) and ``version_b`` (canary or live) both live, splitting new risk by ``[ab]``.

        Needs ``promote``. ``version_b`` moves to live (action ``promote``, evidence: the split) without
        retiring ``version_a``; from then on every signal's risk-increasing intents go to one arm only
        (:mod:`arbkit.lifecycle.router`).
        """
        now = self.engine.clock.now_ns()
        self._require(approver, "promote", f"start an A/B split of {version_a} and {version_b}")
        arm_a, arm_b = self._arm(version_a), self._arm(version_b)
        if arm_a.mode is not DeploymentMode.LIVE:
            self._refuse(approver, f"start an A/B split of {version_a} and {version_b}",
                         f"arm A {version_a} must be live, it is {arm_a.mode.value}")
        if arm_b.mode not in (DeploymentMode.CANARY, DeploymentMode.LIVE):
            self._refuse(approver, f"start an A/B split of {version_a} and {version_b}",
                         f"arm B {version_b} must be canary or live, it is {arm_b.mode.value}")
        ab = self.policy.ab
        rule = {"hash": lambda: SplitRule.hash(ab.share_a, ab.salt), "alternate": SplitRule.alternate,
                "instrument": lambda: SplitRule.by_instrument(ab.instruments_a)}[ab.split]()
        engine = self.engine

        def mid_price(instrument_id: str) -> float | None:
            mid = engine.books[instrument_id].mid_ticks()
            return None if mid is None else mid * float(engine.instruments.get(instrument_id).tick_size)

        router = ABRouter(arm_a, arm_b, rule, ab.split, self.journal, mid_price)
        arm_a.router = arm_b.router = router
        self.router = router
        if arm_b.mode is not DeploymentMode.LIVE:
            self._move(arm_b, DeploymentMode.LIVE, "promote", approver, reason,
                       {"ab_split": ab.split, "arm_a": version_a}, now)
        return router

    def retire(self, version: str, actor: str, reason: str) -> DeploymentChange:
        """Take ``version`` out of service now (needs ``retire``): its orders are cancelled, its position flattened."""
        now = self.engine.clock.now_ns()
        self._require(actor, "retire", f"retire {version}")
        arm = self._arm(version)
        return self._move(arm, DeploymentMode.RETIRED, "retire", actor, reason, {}, now)

    # -- clock-driven work --------------------------------------------------------------------
    def at(self, ts_ns: int, action: Callable[[int], None]) -> None:
        """Run ``action(now)`` at the first decision-time tick at or after ``ts_ns`` (clock int ns)."""
        self._timer_seq += 1
        self._timers.append((ts_ns, self._timer_seq, action))
        self._timers.sort()

    def on_tick(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(now)`` on every tick (before the versions decide), e.g. to poll a retraining job."""
        self._tick_listeners.append(listener)

    def tick(self, now: int) -> None:
        """Before the versions see a book update: due timers, listeners, and the periodic evaluation."""
        while self._timers and self._timers[0][0] <= now:
            _, _, action = self._timers.pop(0)
            action(now)
        for listener in self._tick_listeners:
            listener(now)
        if self._next_eval_ns is None:
            self._next_eval_ns = now + self._interval_ns
        elif now >= self._next_eval_ns:
            self._next_eval_ns = now + self._interval_ns
            self.evaluate(now)

    def evaluate(self, now: int) -> None:
        """Score every running arm (journaled) and promote those the policy passes and a person approved."""
        for arm in list(self.arms.values()):
            if arm.mode is DeploymentMode.RETIRED:
                continue
            score = self.score(arm, now)
            self.journal.append(kinds.LIFECYCLE_SCORE, now, score, actor="lifecycle")
            self.summary_data.score_series.setdefault(arm.version, []).append((now, score.pnl_usd, arm.mode.value))
            self._pnl_marks.setdefault(arm.version, []).append(score.pnl_usd)
            if arm.mode not in (DeploymentMode.SHADOW, DeploymentMode.CANARY):
                continue
            champion_score = self._champion_score(arm, now)
            if arm.mode is DeploymentMode.SHADOW and champion_score is not None:
                self.shadow_comparisons[arm.version] = (champion_score.version, score, champion_score)
            verdict = self.policy.evaluate(score, champion_score)
            if not verdict.passed:
                continue
            approver = self._approvals.get((arm.version, DeploymentMode(verdict.to_mode)))
            if approver is None:
                continue
            try:
                self._require(approver, "promote", f"promote {arm.version} to {verdict.to_mode}")
            except PermissionDeniedError:
                continue
            self._move(arm, DeploymentMode(verdict.to_mode), "promote", approver,
                       f"policy passed at evaluation; approved by {approver}",
                       {"score": msgspec.to_builtins(score), "verdict": msgspec.to_builtins(verdict)}, now)

    # -- scores ---------------------------------------------------------------------------------
    def score(self, arm: Arm, now: int, *, with_sharpe: bool = True, for_guard: bool = False) -> ArmScore:
        """The arm's :class:`ArmScore` now (Sharpe from its evaluation-interval PnL changes when asked).

        ``for_guard``: the per-decision score of the rollback guard: no Sharpe, and the latency p99 only when it
        may exceed the budget (:meth:`ServedModel.p99_if_over_budget_us`), so the check costs O(1).
        """
        outcome, trace, served = arm.outcome, arm.trace, arm.served
        sharpe = self._sharpe(arm.version) if with_sharpe and not for_guard else None
        latency = served.p99_if_over_budget_us() if for_guard else served.latency.p99_us
        psi = None
        if arm.psi is not None:
            worst = arm.psi.max_psi()
            psi = None if worst is None else float(worst[1])
        return ArmScore(
            script_id=arm.script_id, model_name=arm.model_name, version=arm.version, mode=arm.mode.value,
            since_ns=arm.since_ns, ts_ns=now, calls=outcome.resolved, positive_calls=outcome.positive_calls,
            precision=outcome.precision, recall=outcome.recall, f1=outcome.f1, trades=len(trace.trades),
            hit_rate=trace.hit_rate, pnl_usd=trace.pnl_usd, sharpe=sharpe, max_drawdown_usd=trace.max_drawdown_usd,
            gross_exposure_usd=trace.gross_usd, max_gross_exposure_usd=trace.max_gross_usd,
            latency_p99_us=latency, error_rate=served.error_rate, psi=psi, decisions=arm.decisions)

    def _sharpe(self, version: str) -> float | None:
        marks = self._pnl_marks.get(version, [])
        if len(marks) < 3:
            return None
        changes = np.diff(np.asarray(marks, dtype=np.float64))
        if float(np.std(changes)) == 0.0:
            return None
        return float(sharpe_ratio(changes, periods_per_year=NANOS_PER_YEAR / self._interval_ns))

    def champion(self) -> Arm | None:
        """The live arm (the first deployed one when two are live in an A/B split), None if none."""
        for arm in self.arms.values():
            if arm.mode is DeploymentMode.LIVE:
                return arm
        return None

    def _champion_score(self, arm: Arm, now: int) -> ArmScore | None:
        champion = self.champion()
        if champion is None or champion is arm:
            return None
        score = self.score(champion, now, with_sharpe=False)
        start = arm.champion_pnl_at_start if arm.champion_pnl_at_start is not None else 0.0
        before = arm.champion_counts_at_start or (0, 0, 0, 0)
        tp, fp, fn, tn = (a - b for a, b in zip(champion.outcome.counts(), before))
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        f1 = (2 * precision * recall / (precision + recall)
              if precision is not None and recall is not None and precision + recall > 0 else None)
        return msgspec.structs.replace(score, pnl_usd=score.pnl_usd - start, since_ns=arm.since_ns,
                                       calls=tp + fp + fn + tn, positive_calls=tp + fp, precision=precision,
                                       recall=recall, f1=f1)

    # -- moves ------------------------------------------------------------------------------------
    def _move(self, arm: Arm, to_mode: DeploymentMode, action: str, actor: str, reason: str,
              evidence: dict[str, Any], now: int) -> DeploymentChange:
        change = DeploymentChange(
            ts_ns=now, script_id=self.script_id, model_name=arm.model_name, version=arm.version,
            registry_version=arm.registry_version, old_mode=arm.mode.value, new_mode=to_mode.value, action=action,
            actor=actor, reason=reason, evidence=evidence)
        self.history.record(change)
        self._enter(arm, to_mode, now)
        if to_mode is DeploymentMode.LIVE and action == "promote":
            for other in self.arms.values():
                if other is not arm and other.mode is DeploymentMode.LIVE and other.router is None:
                    self._move(other, DeploymentMode.RETIRED, "retire", actor, f"superseded by {arm.version}", {}, now)
        return change

    def _enter(self, arm: Arm, mode: DeploymentMode, now: int) -> None:
        """Apply ``mode`` to ``arm``: limits, routing, and a fresh score trace for the new mode."""
        old = arm.mode
        if old is not DeploymentMode.RETIRED and arm.ctx is not None and mode is not old:
            arm.last_active_score = self.score(arm, now)
        arm.mode = mode
        arm.since_ns = now
        budget_us = self.policy.rollback.for_mode(mode.value).max_latency_p99_us
        arm.served.budget_ns = None if budget_us is None else int(budget_us * 1_000)
        self.limits.apply(arm, old, mode)
        marks = self.engine.marks()
        arm.trace.reset(arm.equity_usd(marks))
        self._pnl_marks[arm.version] = []
        champion = self.champion()
        other = champion if champion is not None and champion is not arm else None
        arm.champion_pnl_at_start = other.trace.pnl_usd if other is not None else None
        arm.champion_counts_at_start = other.outcome.counts() if other is not None else None
        if mode is DeploymentMode.RETIRED:
            self.guard.stop(arm)
        self.engine.order_scripts(self._rank)

    @staticmethod
    def _rank(script: object) -> int:
        """Call order on a book update: the controller's tick, then versions that send orders, then the rest."""
        if isinstance(script, _ControllerTick):
            return 0
        if isinstance(script, ArmScript):
            return 1 if script.arm.mode.sends_orders else 2
        return 1

    def _arm(self, version: str) -> Arm:
        arm = self.arms.get(version)
        if arm is None:
            raise LifecycleError(f"version {version!r} is not deployed for {self.script_id!r}; deployed: "
                                 f"{', '.join(self.arms) or 'none'}")
        return arm

    def _require(self, person: str, permission: str, what: str) -> None:
        try:
            self.access.require(person, permission)
        except PermissionDeniedError as exc:
            self._journal_refusal(person, what, str(exc))
            raise

    def _refuse(self, person: str, what: str, why: str) -> None:
        self._journal_refusal(person, what, why)
        raise LifecycleError(f"{what} refused: {why}")

    def _journal_refusal(self, person: str, what: str, why: str) -> None:
        now = self.engine.clock.now_ns()
        self.journal.append(kinds.LIFECYCLE_REFUSAL, now, {"person": person, "request": what, "reason": why},
                            actor=person or "unknown")
        self.summary_data.refusals.append(f"{person!r} asked to {what}: refused, {why}")

    def fail_closed(self, exc: Exception) -> None:
        """The controller's own work raised: engage the kill switch on every version that can trade, and alert.

        The engine then stops calling the controller (a failed script); without evaluations and promotions the
        versions must not go on sending orders unsupervised (their open orders are cancelled by the kill switch).
        """
        now = self.engine.clock.now_ns()
        for arm in self.arms.values():
            if arm.mode.sends_orders:
                self.engine.path.kill("lifecycle", f"lifecycle controller failed: {type(exc).__name__}: {exc}",
                                      scope=f"script:{arm.script_id}")
        self.engine.path.gate.alerts.raise_alert(Alert(
            code="LIFECYCLE_FAILED", scope=f"script:{self.script_id}", ts_ns=now,
            detail=f"the lifecycle controller of {self.script_id} raised {type(exc).__name__}: {exc}; every canary "
                   "and live version of it was stopped by the kill switch",
            values={"error_type": type(exc).__name__, "message": str(exc)},
            action="kill switch on " + ", ".join(f"script:{a.script_id}" for a in self.arms.values()
                                                  if a.mode.sends_orders)), actor="lifecycle")

    def summary(self) -> LifecycleSummary:
        """The run's lifecycle for the report: intervals, final scores, rollbacks, refusals, A/B, shadow vs live."""
        from arbkit.lifecycle.summarize import summarize

        return summarize(self)


class _ControllerTick:
    """The controller's seat in the engine: subscribed first, so it ticks before any version decides."""

    def __init__(self, controller: LifecycleController, engine: BacktestEngine) -> None:
        self.script_id = f"lifecycle:{controller.script_id}"
        self.instrument_ids = tuple(engine.books)
        self._controller = controller

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        try:
            self._controller.tick(ctx.now_ns())
        except Exception as exc:  # the lifecycle itself failed: fail closed, no version trades unsupervised
            self._controller.fail_closed(exc)
            raise


def _tick_context(engine: BacktestEngine) -> ScriptContext:
    return ScriptContext(script_id="lifecycle", model_version="", clock=engine.clock, instruments=engine.instruments,
                         books=engine.book_views, positions=engine.portfolio, sink=engine.path)
