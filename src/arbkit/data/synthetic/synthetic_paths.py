"""Latent (unrounded) price paths of a synthetic market on its regular time grid. SYNTHETIC DATA ONLY.

The leader's log-mid is a Gaussian random walk whose volatility switches regime, overlaid with a
flash crash; the follower is the leader shifted by the lead-lag; the perp is the leader times
``exp(basis)``, the basis an exact discretisation of an Ornstein-Uhlenbeck process.

>>> import numpy as np
>>> from arbkit.data.synthetic.synthetic_config import NS_PER_S, SyntheticConfig
>>> paths = latent_paths(SyntheticConfig.for_duration(10 * NS_PER_S), np.random.default_rng(7))
>>> len(paths.times_ns), float(paths.crash_profile.max())
(10000, 1.0)
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
from numba import njit

from arbkit.data.synthetic.synthetic_config import NS_PER_S, SyntheticConfig

BPS = 1e-4


class LatentPaths(msgspec.Struct, frozen=True, kw_only=True):
    """Grid times and latent log-mids (natural log of the price in quote currency) of the three venues."""

    times_ns: np.ndarray
    leader_log_mid: np.ndarray
    follower_log_mid: np.ndarray
    perp_log_mid: np.ndarray
    basis_bps: np.ndarray
    crash_profile: np.ndarray
    """``p(t)`` in [0, 1]: the leader's price is multiplied by ``1 - drop * p(t)``."""


@njit(cache=True)
def _ar1(mean, phi, innovation_scale, start, shocks):  # type: ignore[no-untyped-def]
    """``x[0] = start``, ``x[k] = mean + phi (x[k-1] - mean) + innovation_scale * shocks[k]``."""
    out = np.empty(shocks.shape[0], dtype=np.float64)
    x = start
    out[0] = x
    for k in range(1, shocks.shape[0]):
        x = mean + phi * (x - mean) + innovation_scale * shocks[k]
        out[k] = x
    return out


def crash_profile(offsets_ns: np.ndarray, start_ns: int, fall_ns: int, recovery_ns: int) -> np.ndarray:
    """``p(t)``: 0 before ``start_ns``, linear up to 1 over ``fall_ns``, linear back to 0 over ``recovery_ns``."""
    since = (offsets_ns - start_ns).astype(np.float64)
    falling = np.clip(since / fall_ns, 0.0, 1.0)
    recovering = np.clip((since - fall_ns) / recovery_ns, 0.0, 1.0)
    return np.where(since < fall_ns, falling, 1.0 - recovering)


def latent_paths(config: SyntheticConfig, rng: np.random.Generator) -> LatentPaths:
    """Draw the latent paths of ``config`` with ``rng`` (vectorised; one numba loop for the OU basis)."""
    n = config.n_steps
    offsets = np.arange(n, dtype=np.int64) * config.step_ns
    dt_s = config.step_ns / NS_PER_S

    step_vol = config.vol_bps_per_sqrt_s * BPS * math.sqrt(dt_s)
    vol = np.where(offsets >= config.regime_switch_offset_ns, step_vol * config.regime_vol_multiplier, step_vol)
    increments = vol * rng.standard_normal(n)
    increments[0] = 0.0
    walk = math.log(float(config.initial_mid)) + np.cumsum(increments)

    profile = crash_profile(offsets, config.flash_crash_offset_ns, config.flash_crash_fall_ns,
                            config.flash_crash_recovery_ns)
    leader = walk + np.log1p(-config.flash_crash_drop_pct / 100.0 * profile)

    lag = config.lead_lag_ns // config.step_ns
    follower = np.empty(n, dtype=np.float64)
    follower[lag:] = leader[: n - lag]
    follower[:lag] = leader[0]
    follower += config.follower_noise_bps * BPS * rng.standard_normal(n)

    kappa = math.log(2.0) / (config.basis_half_life_ns / NS_PER_S)
    phi = math.exp(-kappa * dt_s)
    scale = config.basis_stationary_std_bps * math.sqrt(1.0 - phi * phi)
    basis = _ar1(config.basis_mean_bps, phi, scale, config.basis_mean_bps, rng.standard_normal(n))
    perp = leader + basis * BPS

    return LatentPaths(times_ns=config.start_ns + offsets, leader_log_mid=leader, follower_log_mid=follower,
                       perp_log_mid=perp, basis_bps=basis, crash_profile=profile)
