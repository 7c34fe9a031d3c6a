"""Sweep specs: grid expansion, key validation, overrides of a real config, and Ray being optional."""

from __future__ import annotations

import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep_kit import short_config

from arbkit.core.errors import ConfigError
from arbkit.sweep import RayRunner, RayUnavailableError, SweepSpec, apply_overrides, load_spec, parse_grid_options
from arbkit.sweep.runners import import_ray, make_runner
from arbkit.sweep.spec import merge_specs

KEYS = ["strategy.entry_z", "strategy.exit_z", "model.seed", "features.halflife_ms", "sim.order_latency_ns"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=len(KEYS)))
def test_grid_size_is_the_product_of_the_list_lengths_and_every_point_is_distinct(lengths: list[int]) -> None:
    grid = {key: list(range(n)) for key, n in zip(KEYS, lengths)}
    spec = SweepSpec(grid=grid)
    points = spec.points()
    assert spec.size == len(points) == math.prod(lengths)
    assert len({tuple(p.values()) for p in points}) == len(points)
    assert all(list(p) == list(grid) for p in points)


def test_grid_options_parse_numbers_and_the_last_key_varies_fastest() -> None:
    spec = parse_grid_options(["strategy.entry_z=1.5,2", "model.seed=7,8"])
    assert spec.points() == [{"strategy.entry_z": 1.5, "model.seed": 7}, {"strategy.entry_z": 1.5, "model.seed": 8},
                             {"strategy.entry_z": 2, "model.seed": 7}, {"strategy.entry_z": 2, "model.seed": 8}]


@pytest.mark.parametrize(("key", "named"), [
    ("strategy.entry", "'entry'"),
    ("stratgy.entry_z", "'stratgy'"),
    ("strategy", "'strategy'"),
    ("risk.instruments", "table"),
    ('risk.instruments."ETHUSDT.BINANCE_SPOT".max_order_qty', "ETHUSDT.BINANCE_SPOT"),
    ("name", "'name'"),
])
def test_a_key_that_is_not_a_setting_is_a_config_error_naming_it(key: str, named: str) -> None:
    spec = SweepSpec(grid={key: [1, 2]})
    with pytest.raises(ConfigError, match=named) as info:
        spec.validate(short_config())
    assert key in str(info.value)


def test_an_empty_value_list_or_grid_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="'strategy.entry_z' has an empty list"):
        parse_grid_options(["strategy.entry_z="])
    with pytest.raises(ConfigError, match="grid is empty"):
        SweepSpec(grid={})
    with pytest.raises(ConfigError, match="given twice"):
        merge_specs([parse_grid_options(["model.seed=1"]), parse_grid_options(["model.seed=2"])])


def test_a_toml_spec_reads_flat_nested_and_quoted_keys(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_text('[sweep]\nname = "limits"\n[sweep.grid]\n"strategy.entry_z" = [1.5, 2.5]\n'
                    '[sweep.grid.risk.instruments."BTCUSDT.BINANCE_SPOT"]\nmax_position_qty = ["0.01", "0.02"]\n',
                    encoding="utf-8")
    spec = load_spec(path).validate(short_config())
    assert spec.name == "limits" and spec.size == 4
    assert list(spec.grid) == ["strategy.entry_z", 'risk.instruments."BTCUSDT.BINANCE_SPOT".max_position_qty']
    bad = tmp_path / "bad.toml"
    bad.write_text('[sweep.grid]\n"strategy.entry_z" = []\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'strategy.entry_z' has an empty list"):
        load_spec(bad)


def test_overrides_set_the_value_and_revalidate_the_section() -> None:
    base = short_config()
    key = 'risk.instruments."BTCUSDT.BINANCE_SPOT".max_position_qty'
    config = apply_overrides(base, {"strategy.entry_z": 2.5, key: "0.01", "capital_usd": 5000, "data.start": 17})
    assert config.strategy.entry_z == 2.5 and base.strategy.entry_z == 2.0
    assert config.risk.instruments["BTCUSDT.BINANCE_SPOT"].max_position_qty == Decimal("0.01")
    assert config.capital_usd == Decimal(5000) and config.data.start == 17 and config.data.end == base.data.end
    with pytest.raises(ConfigError, match="model.train_fraction"):
        apply_overrides(base, {"model.train_fraction": 0.99})
    with pytest.raises(ConfigError, match="strategy.order_qty"):
        apply_overrides(base, {"strategy.order_qty": "0"})


def test_importing_the_sweep_package_and_the_cli_does_not_import_ray() -> None:
    code = "import sys, arbkit.sweep, arbkit.cli.main; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_asking_for_ray_without_ray_is_a_typed_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without Ray looks like to import
    with pytest.raises(RayUnavailableError, match=r"arbkit\[sweep\]"):
        import_ray()
    with pytest.raises(RayUnavailableError):
        make_runner(serial=False)
    with pytest.raises(RayUnavailableError):
        RayRunner().run(short_config(), [{"model.seed": 1}])
    assert make_runner(serial=True).name == "serial"
