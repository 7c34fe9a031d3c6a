"""A feature set is declared once, hashed and versioned; a model trained on it refuses any other set."""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest

from arbkit.core.errors import ConfigError
from arbkit.features.declarations import Basis, EwmaZScore, Spread
from arbkit.features.feature_set import FeatureSet
from arbkit.features.presets import spot_perp_feature_set
from arbkit.models.logistic import LogisticModel, ModelMismatchError
from testkit import SPOT_BTC, USDM_BTC

TOML = '''
name = "basis_small"
version = 2
book_levels = 5
max_gap_ns = 30_000_000_000

[instruments]
spot = "BTCUSDT.BINANCE_SPOT"
perp = "BTCUSDT.BINANCE_USDM"

[[features]]
kind = "basis"
name = "basis"
a = "spot"
b = "perp"

[[features]]
kind = "ewma_zscore"
name = "basis_z"
source = "basis.bps"
halflife_ns = 10_000_000_000

[[features]]
kind = "spread"
name = "perp_spread"
instrument = "perp"
'''


def small_set(**changes: object) -> FeatureSet:
    base = FeatureSet(name="basis_small", version=2, max_gap_ns=30_000_000_000,
                      instruments={"spot": SPOT_BTC, "perp": USDM_BTC},
                      features=(Basis(name="basis", a="spot", b="perp"),
                                EwmaZScore(name="basis_z", source="basis.bps", halflife_ns=10_000_000_000),
                                Spread(name="perp_spread", instrument="perp")))
    return msgspec.structs.replace(base, **changes)


def test_toml_declaration_equals_the_code_declaration_and_has_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "features.toml"
    path.write_text(TOML, encoding="utf-8")
    loaded = FeatureSet.from_toml(path)
    assert loaded == small_set()
    assert loaded.digest() == small_set().digest()
    assert loaded.names == ("basis.bps", "basis.ratio", "basis_z.z", "basis_z.dev", "perp_spread.ticks",
                            "perp_spread.bps")
    assert FeatureSet.from_dict(loaded.to_dict()) == loaded


@pytest.mark.parametrize("change", [
    {"version": 3}, {"book_levels": 10}, {"max_gap_ns": 1},
    {"instruments": {"spot": SPOT_BTC, "perp": "BTCUSD_PERP.BINANCE_COINM"}},
])
def test_any_change_of_declaration_changes_the_digest(change: dict[str, object]) -> None:
    assert small_set(**change).digest() != small_set().digest()


def test_a_parameter_or_order_change_changes_the_digest() -> None:
    base = small_set()
    slower = msgspec.structs.replace(base, features=(base.features[0], msgspec.structs.replace(
        base.features[1], halflife_ns=20_000_000_000), base.features[2]))
    reordered = msgspec.structs.replace(base, features=(base.features[0], base.features[2], base.features[1]))
    assert len({base.digest(), slower.digest(), reordered.digest()}) == 3


@pytest.mark.parametrize("mutation,message", [
    ('kind = "spread"', "Invalid value 'spreadx'"),
    ('a = "spot"', "reads instrument alias 'spotx'"),
    ('source = "basis.bps"', "reads 'basis.bpsx', which is not an output of an earlier feature"),
    ("halflife_ns = 10_000_000_000", "halflife_ns 0 must be > 0"),
    ('name = "perp_spread"', "feature name 'basis' declared twice"),
])
def test_bad_toml_declarations_are_config_errors_naming_the_problem(tmp_path: Path, mutation: str,
                                                                   message: str) -> None:
    replacement = {'kind = "spread"': 'kind = "spreadx"', 'a = "spot"': 'a = "spotx"',
                   'source = "basis.bps"': 'source = "basis.bpsx"', "halflife_ns = 10_000_000_000": "halflife_ns = 0",
                   'name = "perp_spread"': 'name = "basis"'}[mutation]
    path = tmp_path / "features.toml"
    path.write_text(TOML.replace(mutation, replacement), encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FeatureSet.from_toml(path)


def test_z_score_source_must_come_earlier_in_the_declaration() -> None:
    with pytest.raises(ConfigError, match="not an output of an earlier feature"):
        FeatureSet(name="x", instruments={"spot": SPOT_BTC, "perp": USDM_BTC},
                   features=(EwmaZScore(name="z", source="basis.bps", halflife_ns=1),
                             Basis(name="basis", a="spot", b="perp")))


def test_model_trained_on_a_feature_set_refuses_to_load_or_run_against_another(tmp_path: Path) -> None:
    features = spot_perp_feature_set(SPOT_BTC, USDM_BTC)
    other = spot_perp_feature_set(SPOT_BTC, USDM_BTC, name="renamed")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(features.names)))
    model = LogisticModel.fit(x, (x[:, 0] > 0).astype(int), features.names, features.digest())
    path = model.save(tmp_path / "model.json")
    assert LogisticModel.load(path, feature_digest=features.digest()).version == model.version
    with pytest.raises(ModelMismatchError, match=f"trained on feature set {features.digest()}, not {other.digest()}"):
        LogisticModel.load(path, feature_digest=other.digest())
    with pytest.raises(ModelMismatchError):
        model.check_features(other.digest())
