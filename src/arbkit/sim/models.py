"""Build the venue's swappable models (order latency, response latency, queue) from a :class:`SimVenueConfig`.

>>> from arbkit.adapters.binance.instruments import binance_registry
>>> models = venue_models(SimVenueConfig(order_latency_ns=1_000, queue_model="risk_averse"), binance_registry())
>>> models.order_latency, models.response_latency, models.queue
(ConstantLatency(ns=1000), ConstantLatency(ns=0), RiskAverseQueue())
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from arbkit.core.errors import ConfigError
from arbkit.core.instruments import InstrumentRegistry
from arbkit.sim.config import LatencyConfig, SimVenueConfig
from arbkit.sim.latency import ActivityLatency, ConstantLatency, EmpiricalLatency, LatencyModel
from arbkit.sim.latency_samples import recording_latencies_ns
from arbkit.sim.queue import QueueModel, queue_model


class VenueModels(NamedTuple):
    """The models a :class:`~arbkit.sim.venue.SimulatedVenue` composes."""

    order_latency: LatencyModel
    response_latency: LatencyModel
    queue: QueueModel


def _recording_path(name: str) -> Path:
    """``name`` as a path; a bare file name of the shipped sample resolves to the sample."""
    path = Path(name)
    if not path.exists() and path.name == name:
        from arbkit.data.sample import SAMPLE_DIR

        if (SAMPLE_DIR / name).exists():
            return SAMPLE_DIR / name
    if not path.exists():
        raise ConfigError(f"latency recording {name!r} does not exist (a path, or a file name of the shipped sample)")
    return path


def latency_from_config(table: LatencyConfig | None, constant_ns: int, instruments: InstrumentRegistry,
                        where: str = "latency") -> LatencyModel:
    """The model a latency table describes, or ``ConstantLatency(constant_ns)`` when there is no table."""
    if table is None:
        return ConstantLatency(constant_ns)
    table.check(where)
    if table.model == "constant":
        return ConstantLatency(table.ns)
    if table.model == "empirical":
        samples = table.samples_ns or recording_latencies_ns(_recording_path(table.recording), instruments,
                                                             table.clock_offset_ns)
        return EmpiricalLatency(samples, seed=table.seed)
    return ActivityLatency(table.base_ns, table.ns_per_message, table.window_ns, table.max_ns)


def venue_models(config: SimVenueConfig, instruments: InstrumentRegistry) -> VenueModels:
    """Order-entry latency, response latency and queue model as ``config`` describes them."""
    return VenueModels(
        order_latency=latency_from_config(config.order_latency, config.order_latency_ns, instruments,
                                          "order_latency"),
        response_latency=latency_from_config(config.response_latency, config.response_latency_ns, instruments,
                                             "response_latency"),
        queue=queue_model(config.queue_model, config.queue_power),
    )
