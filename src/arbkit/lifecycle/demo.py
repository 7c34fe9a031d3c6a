"""The lifecycle part of ``arbkit demo``: a replay of the out-of-sample data in which models change hands.

On the same recorded timeline as the backtest, with the same engine, the lifecycle controller runs the
basis script's versions (times are from the start of trading, the end of the model's training period):

- ``t = 0``: the trained model (v1) is deployed live by the approver (a person with ``promote``);
- ``retrain_every`` (never twice within ``retrain_min_gap``): the retraining schedule
  (:class:`~arbkit.lifecycle.retrain_driver.RetrainDriver`) starts a job in a child process on every
  decision point whose label is known by then (an expanding window, nothing from the future) and,
  ``retrain_delay`` later, its model (v2) enters shadow automatically; the approver has approved ahead of
  time its promotion to canary and to live, which happen when the policy's criteria pass;
- ``broken_after``: a deliberately broken build of v1 (:class:`BrokenExportModel`: NaN where it would trade)
  is put straight into canary by the approver (shadow skipped, journaled); the rollback guard's error-rate
  trigger takes it out in the decision event that breaches it;
- ``refused_after``: a person without the ``promote`` permission asks to promote v2; refused and journaled.

The policy and the roles are TOML (``[lifecycle] policy`` and ``roles``; embedded defaults
``demo_policy.toml`` and ``demo_roles.toml`` beside this module, with durations in seconds so the 3-minute
out-of-sample sample exercises them). Outputs in ``out_dir``: ``journal.sqlite`` (the run's audit journal),
``deployments.sqlite`` (the deployment history), read by ``arbkit lifecycle history|evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np

from arbkit.adapters.binance.reader import RecordedMessage
from arbkit.audit.journal import Journal
from arbkit.backtest.config import BacktestConfig
from arbkit.core.instruments import InstrumentRegistry
from arbkit.features.basis import BasisFeatureSpec
from arbkit.lifecycle.basis_deployments import basis_controller
from arbkit.lifecycle.demo_config import LifecycleDemoConfig  # noqa: F401  (re-exported for readers of this module)
from arbkit.lifecycle.durations import parse_duration
from arbkit.lifecycle.history import DeploymentHistory
from arbkit.lifecycle.modes import DeploymentMode, LifecycleError, PermissionDeniedError
from arbkit.lifecycle.policy import PromotionPolicy
from arbkit.lifecycle.retrain import RetrainSchedule, RetrainWorker, fit_basis_logistic
from arbkit.lifecycle.retrain_driver import RetrainDriver
from arbkit.lifecycle.roles import AccessControl
from arbkit.lifecycle.summary import LifecycleSummary
from arbkit.models.labels import reversion_label
from arbkit.models.logistic import LogisticModel
from arbkit.stats.psi import PsiReference
from arbkit.system.kernel import build_backtest_engine


def embedded(name: str) -> Path:
    """Path of a TOML file shipped beside this module."""
    return Path(str(files("arbkit.lifecycle").joinpath(name)))


class SignFlippedModel:
    """A deliberately broken version: the wrapped model's probability turned around (``1 - p``)."""

    def __init__(self, model: LogisticModel) -> None:
        self._model = model
        self.version = f"{model.version}-flipped"

    def check_features(self, feature_digest: str) -> None:
        """As the wrapped model."""
        self._model.check_features(feature_digest)

    def predict_one(self, x: np.ndarray) -> float:
        """``1 - p`` of the wrapped model."""
        return 1.0 - self._model.predict_one(x)


class BrokenExportModel:
    """A deliberately broken build of a basis model: NaN whenever |z| ≥ ``max_abs_z``, exactly where it would trade.

    Stands for the failures that reach production with a good model inside (a bad export, a wrong scaler): the
    served model counts each NaN as an error and the rollback guard's error-rate trigger takes the version out.
    """

    def __init__(self, model: LogisticModel, max_abs_z: float = 2.0) -> None:
        self._model = model
        self._max_abs_z = max_abs_z
        self.version = f"{model.version}-broken"

    def check_features(self, feature_digest: str) -> None:
        """As the wrapped model."""
        self._model.check_features(feature_digest)

    def predict_one(self, x: np.ndarray) -> float:
        """The wrapped model's probability, or NaN when |z| (feature 1, basis z-score) ≥ ``max_abs_z``."""
        if abs(float(x[1])) >= self._max_abs_z:
            return float("nan")
        return self._model.predict_one(x)


def run_lifecycle_demo(config: BacktestConfig, instruments: InstrumentRegistry, spec: BasisFeatureSpec,
                       timeline: Sequence[tuple[int, RecordedMessage]], recorded: dict[str, np.ndarray],
                       champion: LogisticModel, trading_start_ns: int, out_dir: Path,
                       on_progress: Callable[[int], None] | None = None) -> LifecycleSummary:
    """Replay ``timeline`` with the lifecycle scenario of the module docs; returns the summary for the report."""
    settings = config.lifecycle
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("journal.sqlite", "deployments.sqlite"):
        if (out_dir / name).exists():
            (out_dir / name).unlink()
    policy = PromotionPolicy.load(Path(settings.policy) if settings.policy else embedded("demo_policy.toml"))
    access = AccessControl.load(Path(settings.roles) if settings.roles else embedded("demo_roles.toml"))
    strategy = config.strategy
    ids = [strategy.spot_instrument, strategy.perp_instrument]
    horizon_ns = config.model.horizon_ms * 1_000_000
    journal = Journal(out_dir / "journal.sqlite")
    history = DeploymentHistory(out_dir / "deployments.sqlite", journal=journal)
    engine = build_backtest_engine(instruments=instruments, instrument_ids=ids, risk=config.risk, sim=config.sim,
                                   journal=journal, scripts=[],
                                   equity_interval_ns=config.equity_interval_ms * 1_000_000, start_ns=timeline[0][0])
    features, ts = recorded["features"], recorded["ts_ns"]
    train_rows = ts < trading_start_ns
    controller = basis_controller(engine, config, policy=policy, access=access, history=history,
                                  trading_start_ns=trading_start_ns, probe=features[0])
    reference = PsiReference.from_sample(features[train_rows], spec.names)
    worker = RetrainWorker(max_workers=1)

    def at(offset: str, action: Callable[[int], None]) -> None:
        controller.at(trading_start_ns + parse_duration(offset, f"[lifecycle] {offset}"), action)

    def deploy_champion(now: int) -> None:
        controller.deploy(champion, mode=DeploymentMode.LIVE, actor=settings.approver, model_name="basis-logit",
                          reason="initial champion: trained on the first part of the sample", psi_reference=reference)

    def retrain_job(now: int) -> tuple[Callable[..., object], tuple[object, ...], str]:
        known = ts + horizon_ns <= now  # only decision points whose label is known now
        basis, deviation = features[:, 0], features[:, 2]
        labels = reversion_label(ts[known], basis[known], (basis - deviation)[known], horizon_ns,
                                 config.model.revert_fraction)
        rows = (np.abs(features[known][:, 1]) >= config.model.min_abs_z) & (labels >= 0)
        args = (features[known][rows], labels[rows].astype(np.int64), tuple(spec.names), spec.digest(),
                config.model.c_regularisation, config.model.seed)
        return fit_basis_logistic, args, f"{int(rows.sum())} labelled decision points up to now"

    RetrainDriver(controller, RetrainSchedule(
        every_ns=parse_duration(settings.retrain_every, "[lifecycle] retrain_every"), on_drift_psi=None,
        min_gap_ns=parse_duration(settings.retrain_min_gap, "[lifecycle] retrain_min_gap"), anchor_ns=trading_start_ns),
        worker, retrain_job, LogisticModel, model_name="basis-logit", actor=settings.retrainer,
        approvals=[(DeploymentMode.CANARY, settings.approver), (DeploymentMode.LIVE, settings.approver)],
        delay_ns=parse_duration(settings.retrain_delay, "[lifecycle] retrain_delay"), wait=True,
        psi_reference=reference)

    def deploy_broken(now: int) -> None:
        controller.deploy(BrokenExportModel(champion), mode=DeploymentMode.CANARY, actor=settings.approver,
                          model_name="basis-logit", reason="deliberately broken build (NaN when |z| >= 2) put in "
                          "canary, skipping shadow, to show the automatic rollback", psi_reference=reference)

    def refused_promotion(now: int) -> None:
        shadow = [arm for arm in controller.arms.values() if arm.mode is DeploymentMode.SHADOW]
        if not shadow:
            return
        try:
            controller.promote(shadow[0].version, DeploymentMode.CANARY, settings.unauthorised,
                               "asked without the promote permission")
        except (PermissionDeniedError, LifecycleError):
            pass  # journaled (lifecycle_refusal) and kept for the report

    at("0s", deploy_champion)
    at(settings.broken_after, deploy_broken)
    at(settings.refused_after, refused_promotion)
    try:
        engine.run(timeline, on_progress)
    finally:
        worker.close()
    summary = controller.summary()
    journal.close()
    history.close()
    return summary
