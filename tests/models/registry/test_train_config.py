"""The training config: embedded default, TOML overrides, typed errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbkit.core.errors import ConfigError
from arbkit.models.train_config import config_from_dict, load_train_config


def test_embedded_default_trains_lightgbm_with_purged_kfold_on_the_sample() -> None:
    config = load_train_config()
    assert (config.model_name, config.model.kind, config.model.task) == ("basis-lightgbm", "lightgbm", "classification")
    assert config.model.params == {"n_estimators": 200, "num_leaves": 15, "learning_rate": 0.05}
    assert (config.data.dataset, config.data.horizon_ns) == ("sample_basis", 5_000_000_000)
    assert (config.validation.scheme, config.validation.n_splits) == ("purged_kfold", 5)


def test_toml_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "train.toml"
    path.write_text('name = "my-model"\n[model.params]\nn_estimators = 50\n[validation]\nn_splits = 3\n')
    config = load_train_config(path)
    assert config.model_name == "my-model"
    assert config.model.params == {"n_estimators": 50}
    assert config.model.kind == "lightgbm" and config.validation.n_splits == 3
    assert config.validation.embargo_ns == 1_000_000_000


def test_another_kind_without_params_drops_the_lightgbm_defaults() -> None:
    config = load_train_config(overrides={"model": {"kind": "logistic"}})
    assert (config.model_name, config.model.params) == ("basis-logistic", {})


def test_recipe_round_trips_through_plain_data() -> None:
    config = load_train_config(overrides={"model": {"kind": "xgboost", "seed": 7}})
    again = config_from_dict(config.to_dict())
    assert again.to_dict() == config.to_dict() and again.model_name == "basis-xgboost"


def test_unknown_key_is_a_config_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "train.toml"
    path.write_text("[data]\nhorizon_s = 5\n")
    with pytest.raises(ConfigError, match=r"train.toml.*horizon_s"):
        load_train_config(path)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"validation": {"n_splits": 1}}, "n_splits must be >= 2, got 1"),
    ({"data": {"horizon_ns": 0}}, "horizon_ns and data.max_rows must be > 0"),
    ({"validation": {"scheme": "random"}}, "scheme"),
])
def test_bad_values_are_config_errors(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_train_config(overrides=overrides)


def test_missing_or_invalid_toml_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_train_config(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[model\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_train_config(bad)
