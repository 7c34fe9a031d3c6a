"""Flash-crash / dislocation guard: trips on the same event that shows a jump or a liquidity collapse.

Per event (a tick, or a bar close) the guard gets the mid in quote currency and, optionally, the
spread in bps and a depth figure. With ``m = ln(mid)`` and event time ``t`` (int ns), it fires when
any of these holds, using only the state **before** the event:

- **jump**: for some earlier event ``i`` in the last ``window_ns`` (the previous event always counts,
  however old), ``|m_t − m_i| × 10⁴ > jump_sigmas × max(σ_i, sigma_floor_bps)`` where
  ``σ_i = 10⁴ √(v × max(t − t_i, window_ns))`` bps is the diffusion scale over that horizon;
- **wide spread**: ``spread_bps > max_spread_bps``;
- **thin depth**: ``depth < depth_collapse_fraction × EWMA(depth)`` (half-life ``depth_halflife_ns``).

``v`` is the event-time EWMA realised variance rate of log returns per ns: returns are added to a
decayed sum ``S ← S·exp(−λΔt) + r²`` (``λ = ln 2 / vol_halflife_ns``) and ``v = λS / (1 − exp(−λ·T))``,
``T`` the time since the (re)start, which makes ``v`` the plain realised variance per ns early on.
Every return counts, bid-ask noise included, which raises ``σ`` and makes the guard more conservative.

Once fired the guard stays **tripped** until the first valid event at or after ``last firing +
cooldown_ns`` on which no condition holds; then it clears. It cannot fire while warming up: until
``warmup_ns`` of event time and ``warmup_events`` events have passed since the (re)start. A gap of
more than ``max_gap_ns`` between events resets it (tripped or not) and starts a new warm-up. Bad
input (NaN or infinite mid, mid <= 0, NaN or negative spread or depth, time going backwards) changes
nothing but a counter (status ``INVALID_INPUT`` or ``TIME_BACKWARDS``).

>>> guard = DislocationGuard(GuardConfig(warmup_ns=1_000_000_000, warmup_events=5))
>>> mids = [100.0, 100.001, 99.999, 100.0, 100.002, 100.001, 99.0]   # 1 % drop on the last event
>>> [guard.update(t * 200_000_000, m).name for t, m in enumerate(mids)][-3:], guard.tripped
(['WARMING_UP', 'OK', 'OK'], True)
>>> guard.explain()
'jump: mid moved 100.6 bps in 200 ms (limit 6.0 x max(sigma 0.14 bps, floor 1.00 bps) = 6.00 bps)'
"""

from __future__ import annotations

import math
from enum import IntFlag

import msgspec
import numpy as np
from numba import njit

from arbkit.core.errors import ConfigError
from arbkit.regime.status import GAP_RESET, INVALID_INPUT, OK, TIME_BACKWARDS, WARMING_UP, UpdateStatus

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


class GuardCause(IntFlag):
    """Which conditions held on an event (a bit mask)."""

    NONE = 0
    JUMP = 1
    WIDE_SPREAD = 2
    THIN_DEPTH = 4


class GuardConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters of a :class:`DislocationGuard` (see module docs for the rule).

    Attributes:
        jump_sigmas: ``k``, the move in diffusion standard deviations that fires the guard.
        window_ns: look-back of the jump test and the shortest horizon ``σ`` is scaled to, ns.
        vol_halflife_ns: half-life of the realised-variance EWMA, ns of event time.
        sigma_floor_bps: floor of ``σ`` in bps, so a quiet market does not fire on one tick.
        max_spread_bps: a spread wider than this fires the guard (only when a spread is passed).
        depth_collapse_fraction: depth below this fraction of its EWMA fires (only when depth is passed;
            0 disables the depth test).
        depth_halflife_ns: half-life of the depth EWMA, ns.
        cooldown_ns: the guard stays tripped at least this long after the last event that fired, ns.
        warmup_ns, warmup_events: event time (ns) and events after a (re)start before it may fire.
        max_gap_ns: a gap longer than this between valid events resets the guard, ns.
        window_capacity: events kept for the jump test; in a window holding more, the oldest are not compared.
    """

    jump_sigmas: float = 6.0
    window_ns: int = 100 * NS_PER_MS
    vol_halflife_ns: int = 60 * NS_PER_S
    sigma_floor_bps: float = 1.0
    max_spread_bps: float = 25.0
    depth_collapse_fraction: float = 0.05
    depth_halflife_ns: int = 10 * NS_PER_S
    cooldown_ns: int = 5 * NS_PER_S
    warmup_ns: int = 10 * NS_PER_S
    warmup_events: int = 20
    max_gap_ns: int = 5 * NS_PER_S
    window_capacity: int = 4096

    def __post_init__(self) -> None:
        checks = [
            (self.jump_sigmas > 0 and math.isfinite(self.jump_sigmas), f"jump_sigmas {self.jump_sigmas} must be > 0"),
            (self.window_ns > 0, f"window_ns {self.window_ns} must be > 0"),
            (self.vol_halflife_ns > 0, f"vol_halflife_ns {self.vol_halflife_ns} must be > 0"),
            (self.sigma_floor_bps >= 0 and math.isfinite(self.sigma_floor_bps),
             f"sigma_floor_bps {self.sigma_floor_bps} must be >= 0 and finite"),
            (self.max_spread_bps > 0, f"max_spread_bps {self.max_spread_bps} must be > 0 (inf disables it)"),
            (0.0 <= self.depth_collapse_fraction < 1.0,
             f"depth_collapse_fraction {self.depth_collapse_fraction} must be in [0, 1)"),
            (self.depth_halflife_ns > 0, f"depth_halflife_ns {self.depth_halflife_ns} must be > 0"),
            (self.cooldown_ns >= 0, f"cooldown_ns {self.cooldown_ns} must be >= 0"),
            (self.warmup_ns >= 0, f"warmup_ns {self.warmup_ns} must be >= 0"),
            (self.warmup_events >= 2, f"warmup_events {self.warmup_events} must be >= 2 (one return at least)"),
            (self.max_gap_ns > 0, f"max_gap_ns {self.max_gap_ns} must be > 0"),
            (self.window_capacity >= 2, f"window_capacity {self.window_capacity} must be >= 2"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"dislocation guard: {message}")

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        cf = np.array([self.jump_sigmas, self.sigma_floor_bps, self.max_spread_bps, self.depth_collapse_fraction,
                       math.log(2.0) / self.vol_halflife_ns, math.log(2.0) / self.depth_halflife_ns])
        ci = np.array([self.window_ns, self.cooldown_ns, self.warmup_ns, self.warmup_events, self.max_gap_ns],
                      dtype=np.int64)
        return cf, ci


# istate slots
G_LAST_TS, G_HAS_TS, G_START_TS, G_EVENTS, G_TRIPPED, G_UNTIL, G_INVALID, G_GAPS = range(8)
G_FIRES, G_TRIPS, G_CAUSE_NOW, G_CHANGE_NOW, G_HEAD, G_COUNT, G_DEPTH_TS, G_HAS_DEPTH = range(8, 16)
G_STATUS, G_HORIZON_NS, G_LAST_FIRE_TS, G_WARM = 16, 17, 18, 19
G_SIZE = 20
# fstate slots
F_VAR_SUM, F_LAST_LM, F_DEPTH_EWMA, F_MOVE_BPS, F_LIMIT_BPS, F_SIGMA_BPS, F_SPREAD_BPS, F_DEPTH_RATIO = range(8)
F_SIZE = 8
# G_CHANGE_NOW values
TRIPPED_NOW = 1
CLEARED_NOW = -1
RESET_NOW = -2


@njit(cache=True)
def _jump_test(cf, ci, istate, fstate, ring_ts, ring_lm, ts, lm, v):  # type: ignore[no-untyped-def]
    """Largest move / limit ratio over the window; records the numbers of the worst reference event."""
    cap = ring_ts.shape[0]
    best = -1.0
    for n in range(istate[G_COUNT]):
        j = (istate[G_HEAD] - 1 - n) % cap
        age = ts - ring_ts[j]
        if n > 0 and age > ci[0]:
            break
        horizon = max(age, ci[0])
        sigma_bps = 1e4 * math.sqrt(v * horizon)
        limit = cf[0] * max(sigma_bps, cf[1])
        move = 1e4 * abs(lm - ring_lm[j])
        ratio = move / limit if limit > 0.0 else (math.inf if move > 0.0 else 0.0)
        if ratio > best:
            best = ratio
            fstate[F_MOVE_BPS] = move
            fstate[F_LIMIT_BPS] = limit
            fstate[F_SIGMA_BPS] = sigma_bps
            istate[G_HORIZON_NS] = age
    return best


@njit(cache=True)
def guard_step(cf, ci, istate, fstate, ring_ts, ring_lm, ts, mid, spread_bps, depth,  # type: ignore[no-untyped-def]
               has_spread, has_depth):
    """Fold one event into the guard (see module docs); returns an UpdateStatus code."""
    istate[G_CAUSE_NOW] = 0
    istate[G_CHANGE_NOW] = 0
    valid = math.isfinite(mid) and mid > 0.0
    if has_spread and not (math.isfinite(spread_bps) and spread_bps >= 0.0):
        valid = False
    if has_depth and not (math.isfinite(depth) and depth >= 0.0):
        valid = False
    if not valid:
        istate[G_INVALID] += 1
        istate[G_STATUS] = INVALID_INPUT
        return INVALID_INPUT
    if istate[G_HAS_TS] == 1 and ts < istate[G_LAST_TS]:
        istate[G_INVALID] += 1
        istate[G_STATUS] = TIME_BACKWARDS
        return TIME_BACKWARDS
    lm = math.log(mid)
    cap = ring_ts.shape[0]
    status = OK
    if istate[G_HAS_TS] == 1 and ts - istate[G_LAST_TS] > ci[4]:
        if istate[G_TRIPPED] == 1:
            istate[G_CHANGE_NOW] = RESET_NOW
        istate[G_TRIPPED] = 0
        istate[G_UNTIL] = 0
        istate[G_HAS_TS] = 0
        istate[G_GAPS] += 1
        status = GAP_RESET
    if istate[G_HAS_TS] == 0:
        istate[G_START_TS] = ts
        istate[G_EVENTS] = 1
        istate[G_COUNT] = 0
        istate[G_HAS_DEPTH] = 0
        istate[G_WARM] = 0
        fstate[F_VAR_SUM] = 0.0
        if status == OK:
            status = WARMING_UP
    else:
        dt = ts - istate[G_LAST_TS]
        elapsed = ts - istate[G_START_TS]
        s = fstate[F_VAR_SUM] * math.exp(-cf[4] * dt)
        denom = -math.expm1(-cf[4] * elapsed)
        v = cf[4] * s / denom if denom > 0.0 else 0.0
        cause = 0
        istate[G_WARM] = 1 if elapsed >= ci[2] and istate[G_EVENTS] >= ci[3] else 0
        if istate[G_WARM] == 1:
            if _jump_test(cf, ci, istate, fstate, ring_ts, ring_lm, ts, lm, v) > 1.0:
                cause |= 1
            if has_spread and spread_bps > cf[2]:
                cause |= 2
                fstate[F_SPREAD_BPS] = spread_bps
            if has_depth and istate[G_HAS_DEPTH] == 1 and depth < cf[3] * fstate[F_DEPTH_EWMA]:
                cause |= 4
                fstate[F_DEPTH_RATIO] = depth / fstate[F_DEPTH_EWMA]
        else:
            status = WARMING_UP
        r = lm - fstate[F_LAST_LM]
        fstate[F_VAR_SUM] = s + r * r
        istate[G_EVENTS] += 1
        if cause != 0:
            istate[G_CAUSE_NOW] = cause
            istate[G_FIRES] += 1
            istate[G_LAST_FIRE_TS] = ts
            istate[G_UNTIL] = ts + ci[1]
            if istate[G_TRIPPED] == 0:
                istate[G_TRIPPED] = 1
                istate[G_TRIPS] += 1
                istate[G_CHANGE_NOW] = TRIPPED_NOW
        elif istate[G_TRIPPED] == 1 and ts >= istate[G_UNTIL]:
            istate[G_TRIPPED] = 0
            istate[G_CHANGE_NOW] = CLEARED_NOW
    if has_depth:
        if istate[G_HAS_DEPTH] == 1:
            alpha = -math.expm1(-cf[5] * (ts - istate[G_DEPTH_TS]))
            fstate[F_DEPTH_EWMA] += alpha * (depth - fstate[F_DEPTH_EWMA])
        else:
            fstate[F_DEPTH_EWMA] = depth
            istate[G_HAS_DEPTH] = 1
        istate[G_DEPTH_TS] = ts
    head = istate[G_HEAD]
    ring_ts[head] = ts
    ring_lm[head] = lm
    istate[G_HEAD] = (head + 1) % cap
    istate[G_COUNT] = min(istate[G_COUNT] + 1, cap)
    istate[G_LAST_TS] = ts
    istate[G_HAS_TS] = 1
    fstate[F_LAST_LM] = lm
    istate[G_STATUS] = status
    return status


@njit(cache=True)
def guard_batch(cf, ci, istate, fstate, ring_ts, ring_lm, ts, mid, spread_bps, depth, has_spread,  # type: ignore[no-untyped-def]
                has_depth, out_status, out_tripped, out_cause):
    """Batch twin of :func:`guard_step` over arrays (``spread_bps``/``depth`` ignored unless ``has_*``)."""
    for i in range(ts.shape[0]):
        out_status[i] = guard_step(cf, ci, istate, fstate, ring_ts, ring_lm, ts[i], mid[i],
                                   spread_bps[i] if has_spread else 0.0, depth[i] if has_depth else 0.0,
                                   has_spread, has_depth)
        out_tripped[i] = istate[G_TRIPPED] == 1
        out_cause[i] = istate[G_CAUSE_NOW]


class GuardTrace(msgspec.Struct, kw_only=True):
    """Per event of :meth:`DislocationGuard.update_many`: status code, tripped after it, causes that held on it."""

    status: np.ndarray
    tripped: np.ndarray
    cause: np.ndarray

    def first_fire(self) -> int:
        """Index of the first event on which a condition held, or -1."""
        hits = np.flatnonzero(self.cause)
        return int(hits[0]) if len(hits) else -1


def _ms(ns: float) -> str:
    return f"{ns / NS_PER_MS:.0f} ms" if ns < 10 * NS_PER_S else f"{ns / NS_PER_S:.1f} s"


class DislocationGuard:
    """Streaming dislocation guard (see module docs); ``update`` per event, ``update_many`` for a batch."""

    def __init__(self, config: GuardConfig | None = None) -> None:
        self.config = config or GuardConfig()
        self._cf, self._ci = self.config._arrays()
        self._istate = np.zeros(G_SIZE, dtype=np.int64)
        self._fstate = np.zeros(F_SIZE)
        self._ring_ts = np.zeros(self.config.window_capacity, dtype=np.int64)
        self._ring_lm = np.zeros(self.config.window_capacity)
        self.reset()

    def reset(self) -> None:
        """Forget everything, counters included; the next event starts a warm-up."""
        self._istate[:] = 0
        self._istate[G_STATUS] = UpdateStatus.WARMING_UP
        self._fstate[:] = 0.0

    def update(self, ts_ns: int, mid: float, spread_bps: float | None = None, depth: float | None = None,
               ) -> UpdateStatus:
        """Fold one event: ``mid`` in quote currency, ``spread_bps`` in bps, ``depth`` in the caller's unit."""
        return UpdateStatus(guard_step(self._cf, self._ci, self._istate, self._fstate, self._ring_ts, self._ring_lm,
                                       np.int64(ts_ns), float(mid), 0.0 if spread_bps is None else float(spread_bps),
                                       0.0 if depth is None else float(depth), spread_bps is not None,
                                       depth is not None))

    def update_many(self, ts_ns: np.ndarray, mid: np.ndarray, spread_bps: np.ndarray | None = None,
                    depth: np.ndarray | None = None) -> GuardTrace:
        """Fold arrays of events in one compiled loop, continuing from the current state."""
        ts = np.ascontiguousarray(ts_ns, dtype=np.int64)
        n = ts.shape[0]
        mids = np.ascontiguousarray(mid, dtype=np.float64)
        spread = np.ascontiguousarray(spread_bps if spread_bps is not None else np.zeros(n), dtype=np.float64)
        dep = np.ascontiguousarray(depth if depth is not None else np.zeros(n), dtype=np.float64)
        if not (mids.shape == spread.shape == dep.shape == (n,)):
            raise ConfigError(f"dislocation guard: arrays of lengths ts {n}, mid {mids.shape}, spread {spread.shape}, "
                              f"depth {dep.shape} must match")
        trace = GuardTrace(status=np.empty(n, dtype=np.int64), tripped=np.empty(n, dtype=np.bool_),
                           cause=np.empty(n, dtype=np.int64))
        guard_batch(self._cf, self._ci, self._istate, self._fstate, self._ring_ts, self._ring_lm, ts, mids, spread,
                    dep, spread_bps is not None, depth is not None, trace.status, trace.tripped, trace.cause)
        return trace

    # -- what happened ----------------------------------------------------------------------------------

    @property
    def tripped(self) -> bool:
        """True while the guard is tripped."""
        return bool(self._istate[G_TRIPPED])

    @property
    def warm(self) -> bool:
        """True once the warm-up since the last (re)start is over (the guard can fire)."""
        return bool(self._istate[G_WARM])

    @property
    def status(self) -> UpdateStatus:
        """What the last update did."""
        return UpdateStatus(int(self._istate[G_STATUS]))

    @property
    def cause(self) -> GuardCause:
        """Conditions that held on the last update (``NONE`` if none or if it was refused)."""
        return GuardCause(int(self._istate[G_CAUSE_NOW]))

    @property
    def change(self) -> int:
        """What the last update did to the trip: 1 tripped, -1 cleared (cooldown over), -2 reset by a gap, 0 none."""
        return int(self._istate[G_CHANGE_NOW])

    @property
    def invalid_count(self) -> int:
        """Events refused (bad values or time going backwards)."""
        return int(self._istate[G_INVALID])

    @property
    def gap_resets(self) -> int:
        """Resets caused by gaps longer than ``max_gap_ns``."""
        return int(self._istate[G_GAPS])

    @property
    def trips(self) -> int:
        """Times the guard went from clear to tripped."""
        return int(self._istate[G_TRIPS])

    @property
    def fires(self) -> int:
        """Events on which a condition held (a trip plus every event that extended it)."""
        return int(self._istate[G_FIRES])

    @property
    def tripped_until_ns(self) -> int:
        """Earliest event time at which a tripped guard may clear (last firing + cooldown_ns)."""
        return int(self._istate[G_UNTIL])

    def explain(self, cause: GuardCause | None = None) -> str:
        """The numbers behind ``cause`` (default: the last update's), with units."""
        cause = self.cause if cause is None else cause
        c, f = self.config, self._fstate
        parts = []
        if cause & GuardCause.JUMP:
            parts.append(f"jump: mid moved {f[F_MOVE_BPS]:.1f} bps in {_ms(self._istate[G_HORIZON_NS])} (limit "
                         f"{c.jump_sigmas:.1f} x max(sigma {f[F_SIGMA_BPS]:.2f} bps, floor {c.sigma_floor_bps:.2f} bps) "
                         f"= {f[F_LIMIT_BPS]:.2f} bps)")
        if cause & GuardCause.WIDE_SPREAD:
            parts.append(f"wide spread: {f[F_SPREAD_BPS]:.1f} bps > limit {c.max_spread_bps:.1f} bps")
        if cause & GuardCause.THIN_DEPTH:
            parts.append(f"thin depth: {100 * f[F_DEPTH_RATIO]:.1f} % of its EWMA < "
                         f"{100 * c.depth_collapse_fraction:.1f} %")
        return "; ".join(parts) if parts else "no condition held"
