"""Decision points and features of a spot–perp pair, shared by training and trading.

The same sampler and streaming feature engine run when recording training data and when trading, so
the model sees in production exactly the features it was trained on.
"""

from __future__ import annotations

import msgspec
import numpy as np

from arbkit.features.basis import BasisFeatureSpec
from arbkit.scripts.context import ScriptContext


class SignalPoint(msgspec.Struct, frozen=True):
    """Features at one decision point; mids in quote currency (USDT)."""

    ts_ns: int
    features: np.ndarray
    spot_mid: float
    perp_mid: float


class BasisSignal:
    """Emits a :class:`SignalPoint` at most every ``decision_interval_ns`` when both books are usable.

    Args:
        spec: the feature set declaration.
        spot_id, perp_id: the two legs.
        decision_interval_ns: minimum event time between decision points, ns.
    """

    def __init__(self, spec: BasisFeatureSpec, spot_id: str, perp_id: str, decision_interval_ns: int) -> None:
        if decision_interval_ns <= 0:
            raise ValueError(f"decision_interval_ns must be > 0, got {decision_interval_ns}")
        self.spec = spec
        self.spot_id = spot_id
        self.perp_id = perp_id
        self.decision_interval_ns = decision_interval_ns
        self._engine = spec.streaming()
        self._last_ns = -decision_interval_ns
        self._tick_sizes: tuple[float, float] | None = None

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> SignalPoint | None:
        """A decision point if one is due now, else None."""
        if instrument_id != self.spot_id and instrument_id != self.perp_id:
            return None
        now = ctx.now_ns()
        if now - self._last_ns < self.decision_interval_ns:
            return None
        spot, perp = ctx.book(self.spot_id), ctx.book(self.perp_id)
        if not (spot.synced and perp.synced):
            return None
        spot_mid_ticks, perp_mid_ticks = spot.mid_ticks(), perp.mid_ticks()
        if spot_mid_ticks is None or perp_mid_ticks is None:
            return None
        if self._tick_sizes is None:
            self._tick_sizes = (float(ctx.instrument(self.spot_id).tick_size), float(ctx.instrument(self.perp_id).tick_size))
        spot_mid = spot_mid_ticks * self._tick_sizes[0]
        perp_mid = perp_mid_ticks * self._tick_sizes[1]
        levels = self.spec.imbalance_levels
        features = self._engine.update(now, spot_mid, perp_mid, spot.imbalance(levels), perp.imbalance(levels)).copy()
        self._last_ns = now
        return SignalPoint(now, features, spot_mid, perp_mid)


class SignalRecorder:
    """A script that only records decision points (for training); it never sends an intent."""

    def __init__(self, signal: BasisSignal, script_id: str = "recorder") -> None:
        self.script_id = script_id
        self.signal = signal
        self.instrument_ids = (signal.spot_id, signal.perp_id)
        self.points: list[SignalPoint] = []

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        """Record a decision point when one is due."""
        point = self.signal.on_book(ctx, instrument_id)
        if point is not None:
            self.points.append(point)

    def arrays(self) -> dict[str, np.ndarray]:
        """Recorded points as arrays: ts_ns, features (n × k), spot_mid, perp_mid."""
        n, k = len(self.points), len(self.signal.spec.names)
        return {
            "ts_ns": np.array([p.ts_ns for p in self.points], dtype=np.int64),
            "features": np.array([p.features for p in self.points]).reshape(n, k),
            "spot_mid": np.array([p.spot_mid for p in self.points]),
            "perp_mid": np.array([p.perp_mid for p in self.points]),
        }
