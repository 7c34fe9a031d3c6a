"""Backtest config: the embedded default loads; every kind of mistake is a ConfigError naming the key."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from testkit import SPOT_BTC, USDM_BTC, build_engine

from arbkit.audit.journal import Journal
from arbkit.backtest.config import DEFAULT_CONFIG, load_config, parse_config
from arbkit.core.errors import ConfigError

DEFAULT_TEXT = DEFAULT_CONFIG.read_text(encoding="utf-8")


def default_raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_TEXT, parse_float=Decimal)


def changed(path: str, value: Any) -> dict[str, Any]:
    """The default document with ``value`` set at ``path``, keys joined by ``|`` (instrument ids hold dots)."""
    raw = copy.deepcopy(default_raw())
    keys = path.split("|")
    table = raw
    for key in keys[:-1]:
        table = table.setdefault(key, {})
    table[keys[-1]] = value
    return raw


def test_default_config_loads_with_exact_typed_values() -> None:
    config = load_config()
    assert config.name == "btc-spot-perp-basis" and config.source == str(DEFAULT_CONFIG)
    assert config.capital_usd == Decimal("10000") and config.equity_interval_ms == 1000
    assert config.data.streams == []
    raw = default_raw()
    assert config.features.spec().halflife_ns == raw["features"]["halflife_ms"] * 1_000_000
    assert (config.model.horizon_ms, config.model.seed) == (raw["model"]["horizon_ms"], raw["model"]["seed"])
    assert isinstance(config.model.train_fraction, float)
    assert config.strategy.order_qty == Decimal("0.01") and config.strategy.trading_start_ns == 0
    assert config.sim.fees_for("BINANCE_USDM").taker_fee_bps == Decimal("1.7")
    assert set(config.risk.instruments) == {SPOT_BTC, USDM_BTC}
    assert config.risk.instruments[SPOT_BTC].max_position_qty == Decimal("0.02")
    assert config.risk.kill_switch_engaged is False
    assert parse_config(default_raw(), where=str(DEFAULT_CONFIG)) == config


@pytest.mark.parametrize("path", [
    "nmae", "data|stream", "features|halflife_s", "model|seeds", "strategy|entry_zz", "sim|latency_ns",
    "sim|fees|BINANCE_SPOT|maker_fee", "risk|kill_switch", f"risk|instruments|{SPOT_BTC}|max_qty",
])
def test_unknown_key_in_any_section_is_an_error_naming_it(path: str) -> None:
    key = path.split("|")[-1]
    with pytest.raises(ConfigError, match=key):
        parse_config(changed(path, 1))


@pytest.mark.parametrize("capital", ["-1", "0", "abc", "NaN", "Infinity"])
def test_capital_must_be_a_positive_number(capital: str) -> None:
    with pytest.raises(ConfigError, match="capital_usd"):
        parse_config(changed("capital_usd", capital))


@pytest.mark.parametrize("path, value", [
    ("equity_interval_ms", "1000"), ("equity_interval_ms", 0),
    ("features|halflife_ms", "soon"), ("features|halflife_ms", 0), ("features|decision_interval_ms", 0),
    ("features|imbalance_levels", -1),
    ("model|train_fraction", Decimal("1.5")), ("model|horizon_ms", -3000), ("model|seed", "seven"),
    ("strategy|max_layers", "three"), ("strategy|order_qty", "-0.01"), ("strategy|order_qty", "0"),
    ("sim|order_latency_ns", -1), ("sim|fees|BINANCE_SPOT|taker_fee_bps", "lots"),
    ("risk|kill_switch_engaged", "yes"), (f"risk|instruments|{SPOT_BTC}|max_order_qty", "-0.05"),
    (f"risk|instruments|{USDM_BTC}|reference_max_age_ms", Decimal("1.5")),
    ("data|streams", "file.gz"),
])
def test_bad_values_and_types_are_errors_naming_the_key(path: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=path.split("|")[-1]):
        parse_config(changed(path, value))


def test_a_section_that_is_not_a_table_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"\[strategy\]"):
        parse_config(changed("strategy", "basis"))


def test_toml_syntax_error_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(DEFAULT_TEXT.replace('entry_z = 2.0', 'entry_z = = 2.0'), encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "absent.toml")


def test_a_typo_in_a_config_file_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(DEFAULT_TEXT.replace("cooldown_ms = 1000", "cooldown_msec = 1000"), encoding="utf-8")
    with pytest.raises(ConfigError, match="cooldown_msec") as info:
        load_config(path)
    assert "typo.toml" in str(info.value) and "[strategy]" in str(info.value)


def test_risk_limits_for_an_unknown_instrument_are_refused_by_the_composition_root(tmp_path: Path) -> None:
    path = tmp_path / "unknown.toml"
    path.write_text(DEFAULT_TEXT + '\n[risk.instruments."DOGEUSDT.NOWHERE"]\nmax_order_qty = "1"\n'
                    'max_order_notional_usd = "1"\nmax_position_qty = "1"\nprice_collar_bps = "1"\n'
                    "reference_max_age_ms = 1\n", encoding="utf-8")
    config = load_config(path)
    with Journal(tmp_path / "journal.sqlite") as journal, pytest.raises(ConfigError, match="DOGEUSDT.NOWHERE"):
        build_engine(config, journal)


def test_an_incomplete_risk_table_names_the_missing_field() -> None:
    raw = default_raw()
    del raw["risk"]["instruments"][SPOT_BTC]["price_collar_bps"]
    with pytest.raises(ConfigError, match="price_collar_bps"):
        parse_config(raw)
