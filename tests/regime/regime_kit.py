"""Shared builders for the regime tests: cached synthetic markets and real series, and independent references.

The references here re-derive what the package computes with plain numpy, from the documented
formulas, without calling the compiled kernels they check.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from arbkit.data.synthetic.synthetic_config import SyntheticConfig
from arbkit.data.synthetic.synthetic_market import SyntheticMarket, generate_market
from arbkit.regime.bbo import BboSeries, bbo_of_table
from arbkit.regime.guard import GuardConfig

KNOWN_ANSWER_SEEDS = (11, 2024, 777)
CALIBRATION_SEED = 1_011
NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000


@functools.lru_cache(maxsize=4)
def market(seed: int) -> SyntheticMarket:
    """The default 300 s synthetic market for ``seed``, generated once per test process."""
    return generate_market(SyntheticConfig(), seed)


@functools.lru_cache(maxsize=4)
def known_answer(seed: int, kind: str = "hmm"):  # type: ignore[no-untyped-def]
    """:func:`run_known_answer` on the cached markets (test market ``seed``, the shared calibration market)."""
    from arbkit.regime.known_answer import KnownAnswerConfig, run_known_answer

    config = KnownAnswerConfig(seed=seed, calibration_seed=CALIBRATION_SEED, kind=kind)
    return run_known_answer(config, market=market(seed), calibration=market(CALIBRATION_SEED))


def binance_bbo(paths: list, clock: str = "ts_event") -> BboSeries:  # type: ignore[type-arg]
    """BBO series of consecutive recorded Binance files of one instrument (diff chain carried across files)."""
    from testkit import registry

    from arbkit.adapters.binance.fast_ingest import ingest_binance_file

    reg, end, parts = registry(), None, []
    for path in paths:
        ingested = ingest_binance_file(path, reg, resume_from=end)
        end = ingested.end
        parts.append(bbo_of_table(ingested.table, float(reg.get(ingested.instrument_id).tick_size), clock))
    return BboSeries(**{name: np.concatenate([getattr(p, name) for p in parts])
                        for name in ("ts_ns", "mid", "spread_bps", "depth")})


# -- independent references ---------------------------------------------------------------------------------------


def forward_filter(log_lik: np.ndarray, startprob: np.ndarray, transmat: np.ndarray) -> np.ndarray:
    """Filtered posteriors P(state_t | rows 0..t) by the textbook scaled forward recursion (plain numpy)."""
    out = np.empty_like(log_lik)
    alpha = startprob * np.exp(log_lik[0] - log_lik[0].max())
    out[0] = alpha / alpha.sum()
    for t in range(1, len(log_lik)):
        alpha = (out[t - 1] @ transmat) * np.exp(log_lik[t] - log_lik[t].max())
        out[t] = alpha / alpha.sum()
    return out


def _range_tables(values: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    highs, lows = [values], [values]
    span = 1
    while 2 * span <= len(values):
        highs.append(np.maximum(highs[-1][:-span], highs[-1][span:]))
        lows.append(np.minimum(lows[-1][:-span], lows[-1][span:]))
        span *= 2
    return highs, lows


def range_max_min(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Max and min of ``values[lo_i .. hi_i]`` (inclusive) for every query (sparse table)."""
    highs, lows = _range_tables(values)
    level = np.floor(np.log2(hi - lo + 1)).astype(np.int64)
    out_hi, out_lo = np.empty(len(lo)), np.empty(len(lo))
    for k in np.unique(level):
        q = level == k
        a, b = lo[q], hi[q] - (1 << k) + 1
        out_hi[q] = np.maximum(highs[k][a], highs[k][b])
        out_lo[q] = np.minimum(lows[k][a], lows[k][b])
    return out_hi, out_lo


def k_sigma_ratio(ts: np.ndarray, mid: np.ndarray, config: GuardConfig) -> tuple[np.ndarray, np.ndarray]:
    """The guard's documented jump statistic per event: (move / limit, sigma in bps), recomputed with numpy.

    ``sigma`` is the diffusion scale over the horizon before the floor; the limit is
    ``jump_sigmas × max(sigma, sigma_floor_bps)``.

    The ratio is 0 while warming up.

    ``v`` is the decayed sum of squared log returns before each event times ``λ / (1 − exp(−λ T))``; the
    move is the largest |Δ ln mid| × 10⁴ against the events of the last ``window_ns`` (and always the
    previous one); the limit ``jump_sigmas × max(10⁴ √(v × max(age, window_ns)), sigma_floor_bps)``.
    Assumes one run without gaps and a window that fits ``window_capacity``.
    """
    lm = np.log(mid)
    rel = (ts - ts[0]).astype(np.float64)
    lam = math.log(2.0) / config.vol_halflife_ns
    r2 = np.zeros(len(lm))
    r2[1:] = np.diff(lm) ** 2
    assert lam * rel[-1] < 600, "the plain-numpy reference would overflow; use a shorter series"
    before = np.concatenate([[0.0], np.cumsum(r2 * np.exp(lam * rel))[:-1]]) * np.exp(-lam * rel)
    denom = -np.expm1(-lam * rel)
    v = np.divide(lam * before, denom, out=np.zeros_like(before), where=denom > 0)

    idx = np.arange(len(lm))
    prev = np.maximum(idx - 1, 0)
    first_in_window = np.minimum(np.searchsorted(ts, ts - config.window_ns, side="left"), prev)
    high, low = range_max_min(lm, first_in_window, prev)
    move = 1e4 * np.maximum(lm - low, high - lm)
    horizon = np.maximum(ts - ts[prev], config.window_ns).astype(np.float64)
    sigma = 1e4 * np.sqrt(v * horizon)
    limit = config.jump_sigmas * np.maximum(sigma, config.sigma_floor_bps)
    warm = (rel >= config.warmup_ns) & (idx >= config.warmup_events)
    return np.where(warm, move / limit, 0.0), sigma


def largest_window_move(ts: np.ndarray, mid: np.ndarray, window_ns: int) -> tuple[int, float]:
    """The event whose mid is farthest (in bps of log mid) from a mid of the preceding ``window_ns``: (index, bps)."""
    lm = np.log(mid)
    idx = np.arange(len(lm))
    lo = np.minimum(np.searchsorted(ts, ts - window_ns, side="left"), np.maximum(idx - 1, 0))
    high, low = range_max_min(lm, lo, np.maximum(idx - 1, 0))
    move = 1e4 * np.maximum(lm - low, high - lm)
    best = int(np.argmax(move))
    return best, float(move[best])


def utc(ts_ns: int) -> str:
    """``2024-08-08T23:58:34.063308692`` (UTC)."""
    return str(np.datetime64(int(ts_ns), "ns"))
