"""Loading risk limits from TOML: exact decimals, and errors that name the bad field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from arbkit.core.errors import ConfigError
from arbkit.risk.config import InstrumentLimits, RiskConfig, load_risk_config

GOOD = """
kill_switch_engaged = false

[instruments."BTCUSDT.BINANCE_SPOT"]
max_order_qty = "0.5"
max_order_notional_usd = 50000
max_position_qty = 2.1
price_collar_bps = "50"
reference_max_age_ms = 2000
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "risk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_strings_and_numbers_become_exact_decimals(tmp_path: Path) -> None:
    config = load_risk_config(write(tmp_path, GOOD))
    limits = config.instruments["BTCUSDT.BINANCE_SPOT"]
    assert limits == InstrumentLimits(max_order_qty=Decimal("0.5"), max_order_notional_usd=Decimal("50000"),
                                      max_position_qty=Decimal("2.1"), price_collar_bps=Decimal("50"),
                                      reference_max_age_ms=2000)
    assert isinstance(limits.max_position_qty, Decimal) and not config.kill_switch_engaged


def test_python_floats_in_a_dict_become_the_decimal_of_their_text() -> None:
    config = RiskConfig.from_toml_dict({"instruments": {"X.Y": {
        "max_order_qty": 0.1, "max_order_notional_usd": 1e5, "max_position_qty": 0.3,
        "price_collar_bps": 12.5, "reference_max_age_ms": 100}}})
    assert config.instruments["X.Y"].max_order_qty == Decimal("0.1")
    assert config.instruments["X.Y"].max_position_qty == Decimal("0.3")


@pytest.mark.parametrize(("line", "replacement", "field"), [
    ('max_order_qty = "0.5"', 'max_order_qty = "0.5"\nmax_leverage = 3', "max_leverage"),
    ('max_order_qty = "0.5"', 'max_order_qty = "-0.5"', "max_order_qty"),
    ("max_order_notional_usd = 50000", 'max_order_notional_usd = "lots"', "max_order_notional_usd"),
    ("max_position_qty = 2.1", "max_position_qty = 0", "max_position_qty"),
    ('price_collar_bps = "50"', 'price_collar_bps = "NaN"', "price_collar_bps"),
    ("reference_max_age_ms = 2000", "reference_max_age_ms = 1.5", "reference_max_age_ms"),
    ("reference_max_age_ms = 2000", 'reference_max_age_ms = "2000"', "reference_max_age_ms"),
    ("reference_max_age_ms = 2000", "", "reference_max_age_ms"),
    ("kill_switch_engaged = false", 'kill_switch_engaged = "no"', "kill_switch_engaged"),
    ("kill_switch_engaged = false", "bypass = true", "bypass"),
])
def test_malformed_config_raises_config_error_naming_the_field(tmp_path: Path, line: str, replacement: str,
                                                               field: str) -> None:
    assert line in GOOD
    with pytest.raises(ConfigError, match=field) as info:
        load_risk_config(write(tmp_path, GOOD.replace(line, replacement)))
    assert "risk.toml" in str(info.value)


def test_instrument_table_error_names_the_instrument(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"BTCUSDT\.BINANCE_SPOT.*max_order_qty"):
        load_risk_config(write(tmp_path, GOOD.replace('"0.5"', '"abc"')))


def test_invalid_toml_and_missing_file_raise_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_risk_config(write(tmp_path, "[instruments\n"))
    with pytest.raises(ConfigError, match="cannot read risk config"):
        load_risk_config(tmp_path / "absent.toml")


def test_limits_built_in_code_are_validated_too() -> None:
    with pytest.raises(ConfigError, match=r"max_order_notional_usd must be a finite decimal > 0, got Decimal\('-1'\)"):
        InstrumentLimits(max_order_qty=Decimal("1"), max_order_notional_usd=Decimal("-1"),
                         max_position_qty=Decimal("1"), price_collar_bps=Decimal("1"), reference_max_age_ms=1)
