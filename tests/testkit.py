"""Shared builders and fixtures for the test suite: where the real data is, and small constructors."""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.core.instruments import InstrumentRegistry

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "src" / "arbkit" / "sample_data"
SHARED_REAL = REPO_ROOT.parent / "shared" / "data" / "real"
BINANCE_0808 = SHARED_REAL / "binance_spot_usdm_coinm_2024-08-08"

SPOT_BTC = "BTCUSDT.BINANCE_SPOT"
USDM_BTC = "BTCUSDT.BINANCE_USDM"
COINM_BTC = "BTCUSD_PERP.BINANCE_COINM"


def sample_file(name: str) -> Path:
    """A file of the shipped sample (always present)."""
    return SAMPLE_DIR / name


def shared_file(folder: str, name: str) -> Path:
    """A file of the shared real-data set; skips the test with a reason when it is absent."""
    path = SHARED_REAL / folder / name
    if not path.exists():
        pytest.skip(f"shared real data not present at {path} (only the shipped sample is); run from a checkout "
                    "with the shared data folder beside it")
    return path


def registry() -> InstrumentRegistry:
    """The Binance instrument registry."""
    return binance_registry()


# -- the shipped sample, replayed through the real engine --------------------------------------------------------


@functools.lru_cache(maxsize=1)
def sample_timeline() -> tuple[tuple[int, Any], ...]:
    """``(replay ts ns, message)`` pairs of the shipped BTC spot + USDⓈ-M sample, read once per test process."""
    from arbkit.data.replay import Replay
    from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path

    replay = Replay.from_binance_files([[sample_path(SAMPLE_SPOT_BTC)], [sample_path(SAMPLE_USDM_BTC)]], registry())
    return tuple(replay.timed())


def synced_prefix() -> tuple[tuple[int, Any], ...]:
    """The start of :func:`sample_timeline` through the later of the two REST snapshots, plus 100 messages."""
    from arbkit.core.messages import BookUpdate

    timeline = sample_timeline()
    seen: set[str] = set()
    for index, (_, message) in enumerate(timeline):
        if isinstance(message, BookUpdate) and message.is_snapshot:
            seen.add(message.instrument_id)
            if len(seen) == 2:
                return timeline[: index + 101]
    raise AssertionError("the shipped sample lost one of its REST snapshots")


def default_config() -> Any:
    """The embedded default backtest config (``arbkit demo``)."""
    from arbkit.backtest.config import load_config

    return load_config()


def backtest_config() -> Any:
    """The embedded default config without the lifecycle replay: the demo's backtest alone (for tests of it)."""
    import msgspec

    config = default_config()
    return msgspec.structs.replace(config, lifecycle=msgspec.structs.replace(config.lifecycle, enabled=False))


def one_layer_risk(config: Any) -> Any:
    """``config.risk`` with ``max_position_qty`` of both legs equal to one layer (``strategy.order_qty``)."""
    import msgspec

    return without_return_rules(msgspec.structs.replace(config.risk, instruments={
        instrument_id: msgspec.structs.replace(limits, max_position_qty=config.strategy.order_qty)
        for instrument_id, limits in config.risk.instruments.items()}))


def without_return_rules(risk: Any) -> Any:
    """``risk`` without the VaR and correlation limits, which refuse orders that add exposure until the return
    covariance has ``min_returns`` one-second returns: for tests that trade right after the books sync."""
    import msgspec

    return msgspec.structs.replace(risk, portfolio=msgspec.structs.replace(risk.portfolio, var=None, correlation=None))


def build_engine(config: Any, journal: Any, scripts: list[Any] | None = None, risk: Any = None) -> Any:
    """The real backtest engine of the composition root for ``config``'s two legs (default: no script).

    ``risk`` defaults to ``config.risk`` without its return-based limits (:func:`without_return_rules`).
    """
    from arbkit.system.kernel import build_backtest_engine

    return build_backtest_engine(
        instruments=registry(), instrument_ids=[config.strategy.spot_instrument, config.strategy.perp_instrument],
        risk=without_return_rules(config.risk) if risk is None else risk, sim=config.sim, journal=journal,
        scripts=scripts or [], equity_interval_ns=config.equity_interval_ms * 1_000_000)


def record_decision_points(config: Any) -> Any:
    """Pass 1 of the pipeline over the shipped sample: the :class:`SignalRecorder` with its recorded points."""
    from arbkit.audit.journal import Journal
    from arbkit.scripts.basis_signal import BasisSignal, SignalRecorder

    strategy = config.strategy
    recorder = SignalRecorder(BasisSignal(config.features.spec(), strategy.spot_instrument, strategy.perp_instrument,
                                          config.features.decision_interval_ms * 1_000_000))
    with Journal(":memory:") as scratch:
        build_engine(config, scratch, [lambda: (recorder, "none")]).run(sample_timeline())
    return recorder


def load_bench(script: str) -> ModuleType:
    """Import ``bench/<script>.py`` (bench scripts are not a package) as module ``bench_<script>``."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"bench_{script}", REPO_ROOT / "bench" / f"{script}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# -- the lifecycle: a champion trained on the sample, and an engine with a lifecycle controller ----------------


@functools.lru_cache(maxsize=1)
def trained_champion() -> Any:
    """Pass 1 and the training of the pipeline on the shipped sample: (recorded arrays, TrainedModel)."""
    from arbkit.backtest.training import train_basis_model

    config = default_config()
    recorded = record_decision_points(config).arrays()
    return recorded, train_basis_model(recorded, config.features.spec(), config.model)


TEST_ROLES = """
[roles]
risk_officer = ["promote", "retire", "rollback", "deploy"]
quant = ["deploy"]
[people]
alice = ["risk_officer"]
bob = ["quant"]
"""


def lifecycle_setup(tmp_path: Path, policy_toml: str, roles_toml: str = TEST_ROLES, risk: Any = None) -> Any:
    """An engine over the sample's two legs with a :class:`LifecycleController` for the basis script.

    Returns ``(engine, controller, champion model, recorded arrays, trading start ns)``; nothing deployed yet.
    """
    import tomllib

    from arbkit.audit.journal import Journal
    from arbkit.lifecycle.basis_deployments import basis_controller
    from arbkit.lifecycle.history import DeploymentHistory
    from arbkit.lifecycle.policy import PromotionPolicy
    from arbkit.lifecycle.roles import AccessControl

    config = default_config()
    recorded, trained = trained_champion()
    journal = Journal(tmp_path / "journal.sqlite")
    history = DeploymentHistory(tmp_path / "deployments.sqlite", journal=journal)
    engine = build_engine(config, journal, risk=risk if risk is not None else config.risk)
    controller = basis_controller(
        engine, config, policy=PromotionPolicy.from_toml_dict(tomllib.loads(policy_toml), "test policy"),
        access=AccessControl.from_toml_dict(tomllib.loads(roles_toml), "test roles"), history=history,
        trading_start_ns=trained.cutoff_ns, probe=recorded["features"][0])
    return engine, controller, trained.model, recorded, trained.cutoff_ns
