"""The evidence a promotion policy and a rollback guard read: one scored snapshot of one deployed version.

An :class:`ArmScore` is produced by the lifecycle controller for each deployed version (an "arm")
on its evaluation interval, journaled (kind ``lifecycle_score``) and read back by
``arbkit lifecycle evaluate``. Every figure is measured on the arm's own decisions and fills: for a
shadow arm the fills are hypothetical (the venue simulator's fill model, costs included).
"""

from __future__ import annotations

import msgspec


class ArmScore(msgspec.Struct, frozen=True, kw_only=True):
    """Scores of one deployed model version at ``ts_ns``.

    Attributes:
        script_id: the arm's script id (``<script>@<version>``); model_name, version: what it runs.
        mode: its deployment mode now (``shadow``, ``canary``, ``live``, ``retired``).
        since_ns: when it entered that mode, clock int ns; ts_ns: when the scores were taken, clock int ns.
        calls: decisions whose outcome at the model's horizon is known (scored calls).
        positive_calls: of those, the calls the model made (probability ≥ its threshold).
        precision, recall, f1: of the model's calls against the realised outcome; None while undefined.
        trades: closed round trips; hit_rate: share of them with PnL > 0 after costs, None before one.
        pnl_usd: realised + unrealised PnL after fees, USD (hypothetical for a shadow arm).
        sharpe: annualised Sharpe ratio of the arm's equity samples, None before two samples.
        max_drawdown_usd: largest peak-to-trough fall of the arm's equity, USD, ≥ 0.
        gross_exposure_usd: gross notional held now, USD; max_gross_exposure_usd: the most it held.
        latency_p99_us: 99th percentile of the model's inference time, µs, None before one call.
        error_rate: share of predictions that raised or were non-finite, in [0, 1].
        psi: the largest population stability index of its features against the training sample, None
            without a reference.
        decisions: decision events the arm has seen.
    """

    script_id: str
    model_name: str
    version: str
    mode: str
    since_ns: int
    ts_ns: int
    calls: int = 0
    positive_calls: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    trades: int = 0
    hit_rate: float | None = None
    pnl_usd: float = 0.0
    sharpe: float | None = None
    max_drawdown_usd: float = 0.0
    gross_exposure_usd: float = 0.0
    max_gross_exposure_usd: float = 0.0
    latency_p99_us: float | None = None
    error_rate: float = 0.0
    psi: float | None = None
    decisions: int = 0

    @property
    def duration_ns(self) -> int:
        """Time spent in the current mode, int ns."""
        return self.ts_ns - self.since_ns
