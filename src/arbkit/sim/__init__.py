"""sim layer: a simulated venue that fills orders against replayed L2 books, composed of swappable models.

Models: order-entry and response latency (:mod:`arbkit.sim.latency`), queue position of resting orders
(:mod:`arbkit.sim.queue`), fees per venue (:mod:`arbkit.sim.fees`); :mod:`arbkit.sim.models` builds them
from a :class:`SimVenueConfig`.
"""

from arbkit.sim.config import FeeSchedule, LatencyConfig, SimVenueConfig, binance_default_fees, load_sim_config
from arbkit.sim.events import (
    CancelRejected,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    VenueEvent,
    VenueReason,
)
from arbkit.sim.latency import ActivityLatency, ConstantLatency, EmpiricalLatency, LatencyModel
from arbkit.sim.latency_samples import recorded_latencies_ns, recording_latencies_ns
from arbkit.sim.models import VenueModels, venue_models
from arbkit.sim.queue import ProbQueue, QueueModel, QueuePosition, RiskAverseQueue, ThroughOnlyQueue, queue_model
from arbkit.sim.venue import SimulatedVenue

__all__ = [
    "ActivityLatency", "CancelRejected", "ConstantLatency", "EmpiricalLatency", "FeeSchedule", "LatencyConfig",
    "LatencyModel", "OrderAccepted", "OrderCanceled", "OrderFilled", "OrderRejected", "ProbQueue", "QueueModel",
    "QueuePosition", "RiskAverseQueue", "SimVenueConfig", "SimulatedVenue", "ThroughOnlyQueue", "VenueEvent",
    "VenueModels", "VenueReason", "binance_default_fees", "load_sim_config", "queue_model", "recorded_latencies_ns",
    "recording_latencies_ns", "venue_models",
]
