"""Example script: spot–perpetual basis arbitrage on one asset (BTC spot vs USDⓈ-M perp).

When the basis (perp − spot, in bps) is stretched from its EWMA mean (|z| ≥ ``entry_z``) and the
model gives at least ``min_revert_probability`` that it reverts within its horizon, the script sells
the rich leg and buys the cheap one in equal base quantity, with marketable IOC limit orders at the
touch. It exits when |z| ≤ ``exit_z`` or after ``max_hold_ms``, re-hedges a leg that did not fill,
and may add layers up to ``max_layers`` (the risk gate's position limit has the last word).

Spot sells assume a margin account (short spot is allowed).

Regime gating is opt-in: ``allowed_regimes`` (constructor argument) names the regimes in which the
script may open or add; outside them the risk gate refuses its risk-increasing intents (``REGIME``)
while exits still pass. The gate judges each leg on its own, so a re-hedge that grows one leg is
refused as well: the script then waits, and its exit rule flattens both legs.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from arbkit.core.enums import OrderType, Side, TimeInForce
from arbkit.core.errors import ConfigError
from arbkit.models.base import TickModel
from arbkit.scripts.basis_signal import BasisSignal, SignalPoint
from arbkit.scripts.context import ScriptContext

Z_COLUMN = 1  # basis_z in arbkit.features.basis.FEATURE_NAMES


class BasisArbConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters of :class:`SpotPerpBasisScript`.

    Attributes:
        spot_instrument, perp_instrument: instrument ids of the two legs.
        entry_z: |z| of the basis at or above which a position may open.
        exit_z: |z| at or below which an open position closes.
        min_revert_probability: least model probability of reversion to open or add.
        order_qty: base quantity per leg per layer (BTC), exact decimal text.
        max_layers: most layers the script itself will stack.
        max_hold_ms: longest holding time before a forced exit, ms.
        cooldown_ms: after the risk gate rejects one of its intents, no new entry for this long, ms.
        trading_start_ns: no intents before this event time, ns; the pipeline raises it to the end of
            the model's training period, so the script never trades on data the model was fitted on.
    """

    spot_instrument: str = "BTCUSDT.BINANCE_SPOT"
    perp_instrument: str = "BTCUSDT.BINANCE_USDM"
    entry_z: float = 2.0
    exit_z: float = 0.5
    min_revert_probability: float = 0.55
    order_qty: Decimal = Decimal("0.01")
    max_layers: int = 3
    max_hold_ms: int = 60_000
    cooldown_ms: int = 1_000
    trading_start_ns: int = 0

    def __post_init__(self) -> None:
        if not self.order_qty > 0:
            raise ConfigError(f"strategy.order_qty {self.order_qty} must be > 0 (the signal sets each leg's side)")


class SpotPerpBasisScript:
    """See module docs. Receives its signal and model; never touches a venue."""

    def __init__(self, script_id: str, config: BasisArbConfig, signal: BasisSignal, model: TickModel,
                 allowed_regimes: frozenset[str] | None = None) -> None:
        model.check_features(signal.spec.digest())
        self.script_id = script_id
        self.allowed_regimes = allowed_regimes
        """Regimes in which this script may increase risk (None: not regime-gated); the risk gate enforces it."""
        self.config = config
        self.signal = signal
        self.model = model
        self.instrument_ids = (config.spot_instrument, config.perp_instrument)
        self.entry_ns: int | None = None
        self.cooldown_until_ns = 0
        self.decisions = 0
        self.predictions: list[tuple[int, float, float]] = []
        """(ts_ns, basis z, probability) at every decision point after ``trading_start_ns``."""

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        """Sample the signal; when a decision point is due, predict and act."""
        point = self.signal.on_book(ctx, instrument_id)
        if point is None or point.ts_ns < self.config.trading_start_ns:
            return
        probability = self.model.predict_one(point.features)
        self.predictions.append((point.ts_ns, float(point.features[Z_COLUMN]), probability))
        self.decisions += 1
        if ctx.open_orders():
            return  # wait for in-flight orders to resolve before deciding again
        self._decide(ctx, point, probability)

    # -- decision logic -----------------------------------------------------------------------
    def _decide(self, ctx: ScriptContext, point: SignalPoint, probability: float) -> None:
        cfg = self.config
        spot = ctx.instrument(cfg.spot_instrument)
        perp = ctx.instrument(cfg.perp_instrument)
        spot_qty = spot.lots_to_size(ctx.position_lots(cfg.spot_instrument))
        perp_qty = perp.lots_to_size(ctx.position_lots(cfg.perp_instrument))
        z = float(point.features[Z_COLUMN])

        hedge_gap = spot_qty + perp_qty  # legs should offset: long spot / short perp or the reverse
        if hedge_gap != 0:
            self._trade(ctx, cfg.spot_instrument, -hedge_gap, "rehedge")
            return
        if perp_qty != 0:
            held_ns = point.ts_ns - (self.entry_ns or point.ts_ns)
            if abs(z) <= cfg.exit_z or held_ns >= cfg.max_hold_ms * 1_000_000:
                self._trade(ctx, cfg.perp_instrument, -perp_qty, "exit")
                self._trade(ctx, cfg.spot_instrument, -spot_qty, "exit")
                self.entry_ns = None
                return
        if abs(z) < cfg.entry_z or probability < cfg.min_revert_probability:
            return
        direction = -1 if z > 0 else 1  # basis rich (z > 0): sell perp, buy spot
        layers = abs(perp_qty) / cfg.order_qty
        if perp_qty != 0 and (perp_qty > 0) != (direction > 0):
            return  # opposite signal while positioned: let the exit rule handle it
        if layers >= cfg.max_layers or point.ts_ns < self.cooldown_until_ns:
            return
        if not self._trade(ctx, cfg.perp_instrument, direction * cfg.order_qty, "entry"):
            return  # first leg refused: do not open the other one unhedged
        self._trade(ctx, cfg.spot_instrument, -direction * cfg.order_qty, "entry")
        if self.entry_ns is None:
            self.entry_ns = point.ts_ns

    def _trade(self, ctx: ScriptContext, instrument_id: str, qty: Decimal, tag: str) -> bool:
        """Marketable IOC limit at the opposite touch for signed base quantity ``qty``; True if sent."""
        if qty == 0:
            return False
        instrument = ctx.instrument(instrument_id)
        book = ctx.book(instrument_id)
        side = Side.BUY if qty > 0 else Side.SELL
        touch = book.best_ask() if side is Side.BUY else book.best_bid()
        if touch is None:
            return False
        decision = ctx.submit(instrument_id, side, instrument.size_to_lots(abs(qty)), price_ticks=touch[0],
                              order_type=OrderType.LIMIT, time_in_force=TimeInForce.IOC, tag=tag)
        if not decision.approved:
            self.cooldown_until_ns = ctx.now_ns() + self.config.cooldown_ms * 1_000_000
        return decision.approved
