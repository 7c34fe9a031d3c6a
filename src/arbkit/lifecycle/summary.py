"""What a run's lifecycle looked like, for the report and for tests: modes over time, scores, rollbacks, A/B.

Built by the lifecycle controller at the end of a run (:meth:`LifecycleController.summary`) and
rendered by :mod:`arbkit.report.lifecycle_section`. Money is USD (float: these are report figures,
not positions), times are clock int ns.
"""

from __future__ import annotations

import msgspec

from arbkit.lifecycle.evidence import ArmScore


class ModeInterval(msgspec.Struct, frozen=True, kw_only=True):
    """One version in one mode from ``start_ns`` to ``end_ns`` (None: still in it), and who put it there, why."""

    script_id: str
    model_name: str
    version: str
    mode: str
    start_ns: int
    end_ns: int | None
    actor: str
    reason: str


class RollbackRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An automatic rollback: which trigger fired with which value against which limit.

    Attributes:
        ts_ns: when it happened (the decision event that saw the trigger), clock int ns.
        script_id: the base script; version: the version taken out; mode: the mode it was in.
        restored_version: the last stable version now live (None if the live version was not touched or none).
        trigger: the rollback criterion (``max_psi``, ``min_hit_rate``, ``min_pnl_usd``, ``max_drawdown_usd``,
            ``max_latency_p99_us``, ``max_error_rate``); value, limit: what it compared.
        gross_exposure_usd: the version's gross notional when it was taken out, USD.
    """

    ts_ns: int
    script_id: str
    version: str
    mode: str
    restored_version: str | None
    trigger: str
    value: float
    limit: float
    gross_exposure_usd: float
    detail: str


class ABComparison(msgspec.Struct, frozen=True, kw_only=True):
    """Two versions live at once on a deterministic split of the order flow, compared per closed trade.

    ``diff_*`` is mean per-trade PnL of arm A minus arm B (USD) with its confidence interval by Welch's t
    and by bootstrap; ``decision`` is the stopping rule's verdict (``continue``, ``a``, ``b``, ``no difference``).
    """

    version_a: str
    version_b: str
    split: str
    signals_a: int
    signals_b: int
    trades_a: int
    trades_b: int
    pnl_a_usd: float
    pnl_b_usd: float
    hit_rate_a: float | None
    hit_rate_b: float | None
    slippage_a_bps: float | None
    slippage_b_bps: float | None
    latency_p99_a_us: float | None
    latency_p99_b_us: float | None
    diff_mean_usd: float | None
    welch_ci: tuple[float, float] | None
    welch_p_value: float | None
    bootstrap_ci: tuple[float, float] | None
    confidence: float
    decision: str
    decision_reason: str


class LifecycleSummary(msgspec.Struct, kw_only=True):
    """Everything the report shows of the lifecycle of one run.

    Attributes:
        intervals: every version's modes over the run, in time order.
        final_scores: each version's last :class:`ArmScore`.
        score_series: per version, (ts_ns, pnl_usd, mode) at each evaluation, for the PnL-by-version chart.
        rollbacks: automatic rollbacks, in time order.
        refusals: promotions refused (who asked, what, why), in time order, as text rows.
        ab: the A/B comparison, None when no split ran.
        shadow_vs_live: same-tick comparison of each shadow version with the live champion: rows of
            (shadow version, champion version, metric, shadow value, champion value).
    """

    intervals: list[ModeInterval] = msgspec.field(default_factory=list)
    final_scores: list[ArmScore] = msgspec.field(default_factory=list)
    score_series: dict[str, list[tuple[int, float, str]]] = msgspec.field(default_factory=dict)
    rollbacks: list[RollbackRecord] = msgspec.field(default_factory=list)
    refusals: list[str] = msgspec.field(default_factory=list)
    ab: ABComparison | None = None
    shadow_vs_live: list[tuple[str, str, str, float | None, float | None]] = msgspec.field(default_factory=list)
