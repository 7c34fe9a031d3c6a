"""sim layer: a simulated venue that fills orders against replayed L2 books, with latency and fees."""

from arbkit.sim.config import FeeSchedule, SimVenueConfig, binance_default_fees, load_sim_config
from arbkit.sim.events import (
    CancelRejected,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    VenueEvent,
    VenueReason,
)
from arbkit.sim.latency import ConstantLatency, LatencyModel
from arbkit.sim.venue import SimulatedVenue

__all__ = [
    "CancelRejected", "ConstantLatency", "FeeSchedule", "LatencyModel", "OrderAccepted", "OrderCanceled",
    "OrderFilled", "OrderRejected", "SimVenueConfig", "SimulatedVenue", "VenueEvent", "VenueReason",
    "binance_default_fees", "load_sim_config",
]
