"""One deployed model version of a script (an "arm"): its script instance, mode, order route and scores.

Every version deployed for a script runs its own instance of the script, under the script id
``<script>@<version>``, on the same decision events as the others. What its intents do depends on the
arm's mode (see :class:`ArmSink`): a shadow arm's go to its :class:`~arbkit.lifecycle.shadow_lane.ShadowLane`
(hypothetical fills), a canary or live arm's go through the engine's risk gate to the venue (through the
A/B router when one is set), a retired arm sends nothing except the orders that flatten what it still holds.
Every intent is tagged with the version the arm serves at that instant and the arm's mode.

A "trade" of an arm is a flat-to-flat episode of its book: it opens when the arm's position on any
instrument leaves zero and closes when every position is back at zero; its PnL is the arm's equity
change over the episode, after fees (USD). Hit rate and the A/B comparison are over these trades.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import msgspec
import numpy as np

from arbkit.core.messages import Order, OrderIntent, RiskDecision
from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.modes import DeploymentMode
from arbkit.lifecycle.served_model import ModelOutputError, ServedModel
from arbkit.lifecycle.shadow_lane import ShadowLane
from arbkit.scripts.base import Script
from arbkit.scripts.context import ScriptContext
from arbkit.stats.psi import StreamingPsi
from arbkit.system.order_path import OrderPath

if TYPE_CHECKING:
    from arbkit.lifecycle.router import ABRouter


class DecisionOutcome(Protocol):
    """Scores a version's calls against what the market then did (see :mod:`arbkit.lifecycle.outcomes`)."""

    resolved: int
    positive_calls: int

    def observe(self, ts_ns: int, x: np.ndarray, prediction: float) -> None:
        """A decision at ``ts_ns`` with features ``x`` and the model's output."""
        ...

    def counts(self) -> tuple[int, int, int, int]:
        """(tp, fp, fn, tn) of the resolved calls so far."""
        ...

    @property
    def precision(self) -> float | None: ...

    @property
    def recall(self) -> float | None: ...

    @property
    def f1(self) -> float | None: ...


class EquityTrace:
    """An arm's equity in its current mode: PnL since the mode began, peak, drawdown and flat-to-flat trades (USD)."""

    def __init__(self) -> None:
        self.reset(0.0)

    def reset(self, equity_usd: float) -> None:
        """Start over at ``equity_usd`` (the source's equity when the mode began)."""
        self.base = equity_usd
        self._flat_pnl = 0.0
        self.pnl_usd = 0.0
        self.peak_usd = 0.0
        self.max_drawdown_usd = 0.0
        self.trades: list[float] = []
        self._open_at: float | None = None
        self.gross_usd = 0.0
        self.max_gross_usd = 0.0

    def update(self, equity_usd: float, gross_usd: float, flat: bool) -> None:
        """The source's equity and gross notional now, and whether the arm holds nothing."""
        pnl = equity_usd - self.base
        self.pnl_usd = pnl
        self.peak_usd = max(self.peak_usd, pnl)
        self.max_drawdown_usd = max(self.max_drawdown_usd, self.peak_usd - pnl)
        self.gross_usd = gross_usd
        self.max_gross_usd = max(self.max_gross_usd, gross_usd)
        if flat and self._open_at is not None:
            self.trades.append(pnl - self._open_at)
            self._open_at = None
        elif not flat and self._open_at is None:
            self._open_at = self._flat_pnl
        if flat:
            self._flat_pnl = pnl

    @property
    def hit_rate(self) -> float | None:
        """Share of closed trades with PnL > 0, None before one."""
        return sum(1 for t in self.trades if t > 0) / len(self.trades) if self.trades else None


class Arm:
    """State of one deployed version (built by the controller; see module docs).

    Attributes:
        script_id: ``<base script id>@<version at deployment>``; base_script_id, model_name: what it deploys.
        mode, since_ns: its mode and when it entered it (clock int ns).
        served: the served model (slot, latency, errors); script: its own script instance.
        lane: its shadow lane (hypothetical venue and book); path: the engine's live order path.
        outcome: call scoring; psi: feature drift against the training sample (None without a reference).
        trace: PnL, drawdown and trades in the current mode.
    """

    def __init__(self, *, script_id: str, base_script_id: str, model_name: str, registry_version: int | None,
                 mode: DeploymentMode, since_ns: int, served: ServedModel, lane: ShadowLane, path: OrderPath,
                 outcome: DecisionOutcome, psi: StreamingPsi | None) -> None:
        self.script_id = script_id
        self.base_script_id = base_script_id
        self.model_name = model_name
        self.registry_version = registry_version
        self.mode = mode
        self.since_ns = since_ns
        self.served = served
        self.lane = lane
        self.path = path
        self.outcome = outcome
        self.psi = psi
        self.trace = EquityTrace()
        self.decisions = 0
        self._equity_key: tuple[object, ...] | None = None
        self._equity = 0.0
        self.router: ABRouter | None = None
        self.script: Script | None = None
        self.ctx: ScriptContext | None = None
        self.deployed_version = served.version
        self.champion_pnl_at_start: float | None = None
        self.champion_counts_at_start: tuple[int, int, int, int] | None = None
        self.last_active_score: ArmScore | None = None
        """Its score when it last left a running mode (shadow, canary or live): what a retired version achieved."""
        """The live champion's PnL (USD) when this arm entered its mode: its same-window comparison starts there."""

    @property
    def version(self) -> str:
        """The version this arm was deployed with (its identity in the history)."""
        return self.deployed_version

    def position_lots(self, instrument_id: str) -> int:
        """Signed lots the arm holds in its current mode's book (hypothetical while shadow)."""
        if self.mode is DeploymentMode.SHADOW:
            return self.lane.position_lots(instrument_id)
        return self.path.script_books.position_lots(self.script_id, instrument_id)

    def equity_usd(self, marks: dict[str, int]) -> float:
        """Equity of the arm's current book at ``marks`` (USD, after fees).

        Exact (the portfolio's fractions), and recomputed only when a fill or the mark of a held instrument changed
        since the last call: a flat arm costs a dictionary lookup per decision.
        """
        if self.mode is DeploymentMode.SHADOW:
            book = self.lane.portfolio
        else:
            book = self.path.script_books.portfolio(self.script_id)
        held = tuple((i, marks.get(i)) for i in book.instrument_ids() if book.position_lots(i))
        key = (id(book), book.fill_count, held)
        if key != self._equity_key:
            self._equity_key = key
            self._equity = float(book.equity(marks))
        return self._equity

    def gross_usd(self, marks: dict[str, int], notional: Callable[[str, int, int], Decimal]) -> float:
        """Gross notional of the arm's book at ``marks``, USD (``notional(instrument, mark ticks, lots)``)."""
        total = Decimal(0)
        for instrument_id in self.instrument_ids():
            lots = self.position_lots(instrument_id)
            if lots and instrument_id in marks:
                total += abs(notional(instrument_id, marks[instrument_id], lots))
        return float(total)

    def instrument_ids(self) -> tuple[str, ...]:
        """The instruments its script trades."""
        return () if self.script is None else tuple(self.script.instrument_ids)


class ArmSink:
    """Where an arm's context sends intents and reads positions: by mode (see module docs)."""

    def __init__(self, arm: Arm) -> None:
        self.arm = arm

    def submit(self, intent: OrderIntent) -> RiskDecision:
        """Tag ``intent`` with the served version and the mode, then route it."""
        arm = self.arm
        intent = msgspec.structs.replace(intent, model_version=arm.served.version, deployment_mode=arm.mode.value)
        if arm.mode is DeploymentMode.SHADOW:
            return arm.lane.submit(intent)
        if arm.mode is DeploymentMode.RETIRED:
            return RiskDecision(intent_id=intent.intent_id, script_id=intent.script_id,
                                instrument_id=intent.instrument_id, ts=intent.ts_created, approved=False,
                                reason_code="RETIRED", detail=f"version {arm.version} is retired")
        if arm.router is not None:
            refusal = arm.router.route(arm, intent)
            if refusal is not None:
                return refusal
        return arm.path.submit(intent)

    def open_orders(self, script_id: str, instrument_id: str | None = None) -> list[Order]:
        """The arm's open orders in its current mode's book."""
        if self.arm.mode is DeploymentMode.SHADOW:
            return self.arm.lane.open_orders(script_id, instrument_id)
        return self.arm.path.open_orders(script_id, instrument_id)

    def cancel(self, client_order_id: str) -> None:
        """Cancel one of the arm's open orders."""
        if self.arm.mode is DeploymentMode.SHADOW:
            self.arm.lane.cancel(client_order_id)
        else:
            self.arm.path.cancel(client_order_id)

    def position_lots(self, instrument_id: str) -> int:
        """The arm's own signed position (never another arm's or the account's)."""
        return self.arm.position_lots(instrument_id)


AfterDecision = Callable[[Arm, int], None]
"""Called with the arm and the clock (int ns) after each decision event of an arm (scoring, the rollback guard)."""


class ArmScript:
    """The engine-facing script of an arm: calls the arm's script while it runs, then the lifecycle's checks.

    A decision event is a book update on which the served model was asked for a prediction. After each one
    ``after_decision`` runs in the same event, so a rollback trigger acts before the next decision.
    A :class:`ModelOutputError` abandons that decision (no intent was sent: the script was still predicting)
    and counts toward the error rate; any other exception is the script's and stops it as usual.
    A retired arm is not called; while it still holds a position, ``on_retired`` runs instead (flattening).
    """

    def __init__(self, arm: Arm, inner: Script, after_decision: AfterDecision,
                 on_retired: Callable[[Arm, ScriptContext], None]) -> None:
        self.arm = arm
        self.inner = inner
        self.script_id = arm.script_id
        self.instrument_ids = tuple(inner.instrument_ids)
        self._after = after_decision
        self._on_retired = on_retired

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        """One book update: run the version's script, then score and guard if it decided."""
        arm = self.arm
        if arm.mode is DeploymentMode.RETIRED:
            self._on_retired(arm, ctx)
            return
        served = arm.served
        calls = served.calls
        try:
            self.inner.on_book(ctx, instrument_id)
        except ModelOutputError:
            pass  # counted by the served model; the rollback guard below judges the error rate
        if served.calls != calls:
            arm.decisions += 1
            self._after(arm, ctx.now_ns())
