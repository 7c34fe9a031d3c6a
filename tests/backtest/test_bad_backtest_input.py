"""Bad backtest input is a clear error before the run starts, never a silently wrong result."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.backtest.config import DEFAULT_CONFIG, parse_config
from arbkit.backtest.pipeline import run_pipeline
from arbkit.core.errors import ConfigError
from arbkit.core.toml_file import read_toml


def _raw(**sections: Any) -> dict[str, Any]:
    raw = copy.deepcopy(read_toml(DEFAULT_CONFIG, "default"))
    for key, value in sections.items():
        raw[key] = value
    return raw


def _run(raw: dict[str, Any], out: Path) -> None:
    run_pipeline(parse_config(raw, where="bad.toml"), out)


def test_unknown_instrument_is_refused_before_any_data_is_read(tmp_path: Path) -> None:
    raw = _raw()
    raw["strategy"]["perp_instrument"] = "BTCUSDT.BINANCE_NOPE"
    with pytest.raises(ConfigError, match="BTCUSDT.BINANCE_NOPE"):
        _run(raw, tmp_path)
    assert not (tmp_path / "journal.sqlite").exists()


def test_unknown_venue_in_fees_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    raw["sim"]["fees"]["KRAKEN"] = {"maker_fee_bps": "1", "taker_fee_bps": "2"}
    with pytest.raises(ConfigError, match=r"unknown venue 'KRAKEN' \(known: BINANCE_COINM, BINANCE_SPOT, BINANCE_USDM\)"):
        _run(raw, tmp_path)
    assert not (tmp_path / "journal.sqlite").exists()


@pytest.mark.parametrize("sim", [
    {"order_latency_ns": -1},
    {"response_latency_ns": -250},
    {"order_latency": {"model": "empirical", "samples_ns": [1000, -5]}},
])
def test_negative_latency_is_refused(sim: dict[str, Any]) -> None:
    raw = _raw()
    raw["sim"].update(sim)
    with pytest.raises(ConfigError, match=r"\[sim\].*-\d+"):
        parse_config(raw)


def test_empty_range_is_refused_when_parsed() -> None:
    with pytest.raises(ConfigError, match="data range is empty"):
        parse_config(_raw(data={"start": "2024-08-08T00:05:00Z", "end": "2024-08-08T00:05:00Z"}))


def test_range_outside_the_recording_is_refused_before_the_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no message: the recording runs from"):
        _run(_raw(data={"start": "2030-01-01T00:00:00Z"}), tmp_path)
    assert not (tmp_path / "journal.sqlite").exists()


@given(st.text(min_size=1, max_size=30).filter(lambda t: not t.strip().isdigit()))
@settings(max_examples=60, deadline=None)
def test_any_time_text_is_a_time_or_a_config_error(text: str) -> None:
    try:
        config = parse_config(_raw(data={"start": text}))
    except ConfigError as exc:
        assert "data" in str(exc)
    else:
        start, _ = config.data.range_ns()
        assert start is None or start >= 0
