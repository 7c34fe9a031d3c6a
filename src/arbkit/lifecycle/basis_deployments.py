"""The lifecycle controller of the shipped spot–perp basis script, as the demo, the tests and the benches build it."""

from __future__ import annotations

import msgspec
import numpy as np

from arbkit.backtest.config import BacktestConfig
from arbkit.backtest.engine import BacktestEngine
from arbkit.lifecycle.controller import LifecycleController
from arbkit.lifecycle.history import DeploymentHistory
from arbkit.lifecycle.outcomes import BasisReversionOutcome
from arbkit.lifecycle.policy import PromotionPolicy
from arbkit.lifecycle.roles import AccessControl
from arbkit.scripts.basis_arb import SpotPerpBasisScript
from arbkit.scripts.basis_signal import BasisSignal

SCRIPT_ID = "basis-btc"


def basis_controller(engine: BacktestEngine, config: BacktestConfig, *, policy: PromotionPolicy,
                     access: AccessControl, history: DeploymentHistory, trading_start_ns: int,
                     probe: np.ndarray) -> LifecycleController:
    """A controller whose versions run :class:`SpotPerpBasisScript` with ``config``'s strategy and features.

    Each version trades from ``trading_start_ns`` (the end of the model's training period, int ns) and its
    reversion calls are scored with the model's label (horizon, revert fraction, |z| filter) and the
    strategy's probability threshold. ``probe``: a training feature row every model must answer.
    """
    strategy, spec = config.strategy, config.features.spec()
    ids = (strategy.spot_instrument, strategy.perp_instrument)
    interval_ns = config.features.decision_interval_ms * 1_000_000
    script_config = msgspec.structs.replace(strategy, trading_start_ns=trading_start_ns)
    return LifecycleController(
        engine=engine, script_id=SCRIPT_ID,
        make_script=lambda script_id, model: SpotPerpBasisScript(
            script_id, script_config, BasisSignal(spec, *ids, interval_ns), model),
        make_outcome=lambda: BasisReversionOutcome(config.model.horizon_ms * 1_000_000, config.model.revert_fraction,
                                                   strategy.min_revert_probability, config.model.min_abs_z),
        policy=policy, access=access, history=history, risk=config.risk, sim=config.sim,
        feature_digest=spec.digest(), probe=probe)
