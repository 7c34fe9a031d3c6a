"""Loading the flow-control sections of the risk config: optional, typed, errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbkit.backtest.config import load_config, parse_config
from arbkit.core.errors import ConfigError
from arbkit.risk.config import load_risk_config
from arbkit.risk.flow_config import (
    DuplicatesConfig,
    FillThrottle,
    InstrumentPermissions,
    MessageLimit,
    MessagesConfig,
    RestrictionsConfig,
    ThrottleConfig,
)

FLOW = """
[instruments."BTCUSDT.BINANCE_SPOT"]
max_order_qty = "0.5"
max_order_notional_usd = 50000
max_position_qty = 2
price_collar_bps = 50
reference_max_age_ms = 2000

[restrictions]
restricted_instruments = ["ETHUSDT.BINANCE_SPOT"]

[restrictions.instruments."BTCUSDT.BINANCE_SPOT"]
scripts = ["basis"]
venues = ["BINANCE_SPOT"]

[duplicates]
duplicate_window_ms = 200

[messages.default_script]
max_messages = 20
message_window_ms = 1000

[messages.venues.BINANCE_SPOT]
max_messages = 50
message_window_ms = 1000

[throttle.scripts.basis]
max_fills = 10
fill_window_ms = 60000
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "risk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_flow_sections_load_into_typed_structs(tmp_path: Path) -> None:
    config = load_risk_config(write(tmp_path, FLOW))
    assert config.restrictions == RestrictionsConfig(
        restricted_instruments=["ETHUSDT.BINANCE_SPOT"],
        instruments={"BTCUSDT.BINANCE_SPOT": InstrumentPermissions(scripts=["basis"], venues=["BINANCE_SPOT"])})
    assert config.duplicates == DuplicatesConfig(duplicate_window_ms=200)
    assert config.messages.for_script("any") == MessageLimit(max_messages=20, message_window_ms=1000)
    assert config.messages.for_venue("BINANCE_SPOT") == MessageLimit(max_messages=50, message_window_ms=1000)
    assert config.messages.for_venue("BINANCE_USDM") == MessagesConfig().default_venue
    assert config.throttle.for_script("basis") == FillThrottle(max_fills=10, fill_window_ms=60000)
    assert config.throttle.for_script("other") == ThrottleConfig().default


def test_absent_sections_take_the_documented_defaults(tmp_path: Path) -> None:
    config = load_risk_config(write(tmp_path, FLOW.split("[restrictions]")[0]))
    assert config.restrictions == RestrictionsConfig()
    assert config.duplicates.duplicate_window_ms == 50
    assert config.messages.default_script == MessageLimit(max_messages=100, message_window_ms=1_000)
    assert config.messages.default_venue == MessageLimit(max_messages=300, message_window_ms=1_000)
    assert config.throttle.default == FillThrottle(max_fills=1_000, fill_window_ms=60_000)


def test_the_demo_config_loads_with_the_defaults() -> None:
    risk = load_config().risk
    assert risk.duplicates == DuplicatesConfig() and risk.messages == MessagesConfig()


@pytest.mark.parametrize(("old", "new", "field"), [
    ("duplicate_window_ms = 200", "duplicate_window_ms = 0", "duplicate_window_ms"),
    ("duplicate_window_ms = 200", "duplicate_window_ms = 2.5", "duplicate_window_ms"),
    ("duplicate_window_ms = 200", "duplicate_windows_ms = 200", "duplicate_windows_ms"),
    ("max_messages = 20", "max_messages = -1", "max_messages"),
    ("max_messages = 50", 'max_messages = "50"', "max_messages"),
    ("message_window_ms = 1000\n\n[messages.venues", "message_window_ms = 0\n\n[messages.venues", "message_window_ms"),
    ("max_fills = 10", "max_fills = 0", "max_fills"),
    ("fill_window_ms = 60000", "fill_window_ms = true", "fill_window_ms"),
    ('scripts = ["basis"]', 'scripts = "basis"', "scripts"),
    ('restricted_instruments = ["ETHUSDT.BINANCE_SPOT"]', "restricted_instruments = [1]", "restricted_instruments"),
    ("[duplicates]", "[duplicate]", "duplicate"),
])
def test_bad_flow_values_raise_config_error_naming_the_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in FLOW
    with pytest.raises(ConfigError, match=field) as info:
        load_risk_config(write(tmp_path, FLOW.replace(old, new)))
    assert "risk.toml" in str(info.value)


def test_bad_flow_value_in_a_backtest_config_names_the_risk_section() -> None:
    with pytest.raises(ConfigError, match=r"\[risk\].*throttle.*max_fills"):
        parse_config({"risk": {"throttle": {"default": {"max_fills": 0, "fill_window_ms": 1}}}})


def test_flow_structs_built_in_code_are_validated_too() -> None:
    with pytest.raises(ConfigError, match="max_messages must be an int > 0, got 0"):
        MessageLimit(max_messages=0, message_window_ms=1)
