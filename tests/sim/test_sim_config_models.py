"""Model choices in SimVenueConfig: defaults, TOML tables under [sim], malformed values as ConfigErrors."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from arbkit.backtest.config import parse_config
from arbkit.core.errors import ConfigError
from arbkit.sim import (
    ActivityLatency,
    ConstantLatency,
    EmpiricalLatency,
    LatencyConfig,
    ProbQueue,
    SimVenueConfig,
    ThroughOnlyQueue,
    load_sim_config,
    venue_models,
)
from arbkit.sim.config import sim_config_from_dict
from testkit import registry


def test_defaults_keep_the_old_behaviour() -> None:
    config = SimVenueConfig()
    assert (config.order_latency_ns, config.response_latency_ns) == (5_000_000, 0)
    assert (config.queue_model, config.queue_power) == ("through_only", 2.0)
    models = venue_models(config, registry())
    assert isinstance(models.queue, ThroughOnlyQueue)
    assert models.order_latency.latency_ns(0) == 5_000_000 and models.response_latency.latency_ns(0) == 0


def test_a_toml_file_chooses_every_model(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text(
        'queue_model = "probabilistic"\nqueue_power = 3.0\n'
        '[order_latency]\nmodel = "empirical"\nrecording = "binance_usdm_btcusdt_20240808.gz"\nseed = 5\n'
        '[response_latency]\nmodel = "activity"\nbase_ns = 200000\nns_per_message = 1000\nwindow_ns = 1000000000\n'
        '[fees.BINANCE_USDM]\nmaker_fee_bps = "-0.5"\ntaker_fee_bps = "4"\n')
    config = load_sim_config(path)
    models = venue_models(config, registry())
    assert isinstance(models.queue, ProbQueue) and models.queue.power == 3.0
    assert isinstance(models.order_latency, EmpiricalLatency) and models.order_latency.samples_ns.size > 90_000
    assert isinstance(models.response_latency, ActivityLatency) and models.response_latency.base_ns == 200_000
    again = venue_models(config, registry()).order_latency
    assert [models.order_latency.latency_ns(0) for _ in range(20)] == [again.latency_ns(0) for _ in range(20)]


def test_the_backtest_config_parses_the_sim_section_with_model_tables() -> None:
    config = parse_config({"sim": {"response_latency_ns": 3_000_000, "queue_model": "risk_averse",
                                   "order_latency": {"model": "constant", "ns": 250_000}}})
    assert config.sim.response_latency_ns == 3_000_000 and config.sim.queue_model == "risk_averse"
    models = venue_models(config.sim, registry())
    assert isinstance(models.order_latency, ConstantLatency) and models.order_latency.ns == 250_000
    with pytest.raises(ConfigError, match=r"\[sim\] queue_model 'fifo' is not one of"):
        parse_config({"sim": {"queue_model": "fifo"}})
    with pytest.raises(ConfigError, match=r"\[sim\].*response_latency_ns.*2\.5"):
        parse_config({"sim": {"response_latency_ns": 2.5}})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"response_latency_ns": -1}, "response_latency_ns -1"),
        ({"order_latency_ns": -5}, "order_latency_ns -5"),
        ({"order_latency_ns": 1.5}, r"order_latency_ns.*\(got 1\.5\)"),
        ({"response_latency_ns": "fast"}, r"response_latency_ns.*\(got 'fast'\)"),
        ({"queue_model": "fifo"}, "queue_model 'fifo'"),
        ({"queue_power": 0}, "queue_power 0"),
        ({"queue_power": -2.0}, "queue_power -2.0"),
        ({"queue_power": float("nan")}, "queue_power nan"),
        ({"queue_modle": "risk_averse"}, "queue_modle"),
        ({"order_latency": {"model": "gaussian"}}, "order_latency.model 'gaussian'"),
        ({"order_latency": {"model": "constant", "ns": -3}}, "order_latency.ns -3"),
        ({"response_latency": {"model": "empirical", "samples_ns": [10, -4]}}, "response_latency.samples_ns value -4"),
        ({"response_latency": {"model": "empirical"}}, "exactly one of samples_ns"),
        ({"order_latency": {"model": "empirical", "samples_ns": [1], "recording": "x.gz"}}, "exactly one of"),
        ({"order_latency": {"model": "activity", "window_ns": 0}}, "order_latency.window_ns 0"),
        ({"order_latency": {"model": "activity", "base_ns": 10, "max_ns": 5}}, "order_latency.max_ns 5"),
        ({"order_latency": {"model": "constant", "nanos": 5}}, "nanos"),
        ({"order_latency": {"model": "constant", "ns": 2.5}}, r"order_latency\.ns.*\(got 2\.5\)"),
    ],
)
def test_malformed_sim_config_is_a_config_error_naming_the_field_and_value(raw: dict[str, object],
                                                                           message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        sim_config_from_dict(raw)


def test_constructing_the_config_in_code_checks_the_same_way() -> None:
    with pytest.raises(ConfigError, match="order_latency_ns 1.5"):
        SimVenueConfig(order_latency_ns=1.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="response_latency.ns -1"):
        SimVenueConfig(response_latency=LatencyConfig(model="constant", ns=-1))


def test_a_missing_recording_is_named(tmp_path: Path) -> None:
    config = sim_config_from_dict({"order_latency": {"model": "empirical", "recording": str(tmp_path / "no.gz")}})
    with pytest.raises(ConfigError, match="no.gz"):
        venue_models(config, registry())


def test_load_sim_config_names_the_file_and_refuses_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_text('queue_model = "lifo"\n')
    with pytest.raises(ConfigError, match=r"sim\.toml: queue_model 'lifo'"):
        load_sim_config(path)
    path.write_text("queue_model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sim_config(path)


def test_config_round_trips_through_msgspec() -> None:
    config = SimVenueConfig(queue_model="probabilistic", response_latency=LatencyConfig(model="constant", ns=7))
    assert msgspec.json.decode(msgspec.json.encode(config), type=SimVenueConfig) == config
