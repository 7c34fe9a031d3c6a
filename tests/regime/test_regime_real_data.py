"""Real recorded data: an HMM fitted on the shipped 2024-08-08 BTC sample, and real dislocation episodes.

The shipped sample (``binance_*_btcusdt_20240808.gz``) is always present; the other files come from
the shared real-data folder and skip with a reason when it is absent. Run with ``-s`` to see the
episodes found (file, UTC time, move in bps and in sigmas, guard result).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from regime_kit import NS_PER_MS, NS_PER_S, binance_bbo, k_sigma_ratio, largest_window_move, utc
from testkit import sample_file, shared_file

from arbkit.regime.fit import fit_hmm
from arbkit.regime.guard import DislocationGuard, GuardConfig
from arbkit.regime.model import RegimeModel
from arbkit.regime.vol_features import ORDER_BY, BarVolSpec

SPEC = BarVolSpec(bar_ns=5 * NS_PER_S, sample_ns=500 * NS_PER_MS, halflife_ns=30 * NS_PER_S,
                  floor_bps_per_sqrt_s=0.1, warmup_ns=15 * NS_PER_S, ewma_column=True)
"""In these 6 minutes the BTC mid often stands still for seconds: a quarter of 5-s bars show no move at 500 ms
samples, so ``log_rv`` alone is half a point mass at the floor (an HMM then splits 'no move' from 'move').
The EWMA column smooths that; on 5-s bars of 500 ms returns the fit is the same from any seed."""
GUARD = GuardConfig()
SPOT_SAMPLE = "binance_spot_btcusdt_20240808.gz"
USDM_SAMPLE = "binance_usdm_btcusdt_20240808.gz"
MINUTE_NS = 60 * NS_PER_S


def fitted(path: Path, seed: int) -> tuple[RegimeModel, np.ndarray, np.ndarray, np.ndarray]:
    bbo = binance_bbo([path])
    bars = SPEC.batch(bbo.ts_ns, bbo.mid)
    model = fit_hmm(bars.rows, feature_names=SPEC.names, feature_digest=SPEC.digest(), order_by=ORDER_BY, seed=seed)
    return model, bbo.ts_ns[bars.event_index], bars.rows, bars.bar_end_ns


@pytest.mark.parametrize("name", [USDM_SAMPLE, SPOT_SAMPLE])
def test_hmm_fitted_on_the_real_btc_sample_classifies_online_deterministically(name: str, tmp_path: Path) -> None:
    model, row_ts, rows, bar_end = fitted(sample_file(name), seed=0)
    other_seed, _, _, _ = fitted(sample_file(name), seed=10)
    labels, post, _ = model.classify_many(row_ts, rows)
    clf = model.online()
    streamed = [clf.update(int(t), r) for t, r in zip(row_ts, rows)]
    reloaded = RegimeModel.load(model.save(tmp_path / "btc.json"), feature_digest=SPEC.digest())

    np.testing.assert_array_equal(streamed, labels)
    np.testing.assert_array_equal(model.classify_many(row_ts, rows)[1], post)
    np.testing.assert_array_equal(reloaded.classify_many(row_ts, rows)[0], labels)
    np.testing.assert_array_equal(other_seed.classify_many(row_ts, rows)[0], labels)
    assert model.regimes == ("calm", "volatile") and set(labels) == {0, 1}

    vol = np.exp(np.array(model.params.means)[:, 0])
    first_volatile = int(bar_end[np.flatnonzero(labels == 1)[0]])
    guard = DislocationGuard(GUARD)
    bbo = binance_bbo([sample_file(name)])
    first_trip = int(bbo.ts_ns[guard.update_many(bbo.ts_ns, bbo.mid, bbo.spread_bps).first_fire()])
    print(f"\n{name}: {model.version}, bar vol calm {vol[0]:.2f} / volatile {vol[1]:.2f} bps/sqrt(s); volatile from "
          f"the bar closing {utc(first_volatile)}, {int((labels == 1).sum())} of {len(labels)} bars; guard first "
          f"trip {utc(first_trip)}")
    assert vol[1] > 1.5 * vol[0]
    assert abs(first_volatile - first_trip) <= 2 * SPEC.bar_ns, "the two detectors see the same real episode"


def test_guard_trips_on_the_real_btc_sell_sweep_in_the_shipped_spot_sample() -> None:
    bbo = binance_bbo([sample_file(SPOT_SAMPLE)])
    trace = DislocationGuard(GUARD).update_many(bbo.ts_ns, bbo.mid, bbo.spread_bps)
    ratio, sigma_bps = k_sigma_ratio(bbo.ts_ns, bbo.mid, GUARD)
    worst, move_bps = largest_window_move(bbo.ts_ns, bbo.mid, GUARD.window_ns)
    sigma = float(sigma_bps[worst])

    print(f"\n{SPOT_SAMPLE}: largest {GUARD.window_ns // NS_PER_MS} ms move {move_bps:.2f} bps at {utc(bbo.ts_ns[worst])}"
          f" UTC (mid {bbo.mid[worst]:.2f} USDT, spread {bbo.spread_bps[worst]:.2f} bps) = {move_bps / sigma:.0f} sigma "
          f"(sigma {sigma:.3f} bps per {GUARD.window_ns // NS_PER_MS} ms) = {move_bps / GUARD.sigma_floor_bps:.1f} x the "
          f"floor; guard tripped: {bool(trace.tripped[worst])}, first fire {utc(bbo.ts_ns[trace.first_fire()])}; "
          f"{int(np.count_nonzero(np.diff(trace.tripped.astype(int)) == 1))} trips in the file")
    assert trace.first_fire() == int(np.flatnonzero(ratio > 1.0)[0]), "fires on the first real k-sigma event"
    assert trace.tripped[worst]
    fired_in_window = np.flatnonzero(trace.cause[: worst + 1])
    assert bbo.ts_ns[worst] - bbo.ts_ns[fired_in_window[-1]] <= GUARD.window_ns
    assert move_bps > 10.0 and move_bps / sigma > 30


@pytest.mark.parametrize(("folder", "names", "trips"), [
    ("binance_spot_usdm_coinm_2024-08-08", ["binance_coinm_btcusd_perp_20240808.gz",
                                            "binance_coinm_btcusd_perp_20240809.gz"], True),
    ("binance_usdm_btc_eth_2024-07-18", ["binance_usdm_btcusdt_20240718.gz", "binance_usdm_btcusdt_20240719.gz"],
     False),
])
def test_guard_on_shared_btc_tick_files_fires_on_the_first_k_sigma_event_or_not_at_all(
        folder: str, names: list[str], trips: bool) -> None:
    bbo = binance_bbo([shared_file(folder, name) for name in names])
    trace = DislocationGuard(GUARD).update_many(bbo.ts_ns, bbo.mid, bbo.spread_bps)
    ratio, _ = k_sigma_ratio(bbo.ts_ns, bbo.mid, GUARD)
    worst, move_bps = largest_window_move(bbo.ts_ns, bbo.mid, GUARD.window_ns)
    over = np.flatnonzero(ratio > 1.0)

    print(f"\n{folder}: largest {GUARD.window_ns // NS_PER_MS} ms move {move_bps:.2f} bps at {utc(bbo.ts_ns[worst])} "
          f"UTC (event clock); guard trips {int(np.count_nonzero(np.diff(trace.tripped.astype(int)) == 1))}")
    assert trace.first_fire() == (int(over[0]) if len(over) else -1)
    assert (trace.first_fire() >= 0) == trips


def test_guard_on_real_minute_bars_fires_on_the_us_cpi_release_of_2022_12_13() -> None:
    from arbkit.adapters.lean.crypto_bars import read_minute_bars

    frame = read_minute_bars(shared_file("crypto_btc_minute_multi_venue_2022-12-13",
                                         "binance_spot_btcbusd_20221213_minute_trade.zip"))
    (instrument,) = frame.instruments.values()
    table = frame.table
    closes_at = table.column("ts_event").to_numpy() + table.column("interval_ns").to_numpy()  # a bar is known at its close
    close = table.column("close").to_numpy() * float(instrument.tick_size)
    config = GuardConfig(window_ns=MINUTE_NS, vol_halflife_ns=60 * MINUTE_NS, cooldown_ns=5 * MINUTE_NS,
                         warmup_ns=30 * MINUTE_NS, warmup_events=30, max_gap_ns=10 * MINUTE_NS)
    guard = DislocationGuard(config)
    fired_at, explained = [], []
    for t, c in zip(closes_at.tolist(), close.tolist()):
        guard.update(t, c)
        if guard.cause:
            fired_at.append(t)
            explained.append(guard.explain())
    release_close = int(np.datetime64("2022-12-13T13:31:00", "ns").astype(np.int64))  # the 13:30 UTC bar
    worst, move_bps = largest_window_move(closes_at, close, config.window_ns)

    print(f"\nCPI 2022-12-13, Binance BTCBUSD minute closes: largest 1-minute move {move_bps:.1f} bps at "
          f"{utc(closes_at[worst])} UTC; guard fired at {[utc(t)[11:16] for t in fired_at]}; at the release: "
          f"{explained[fired_at.index(release_close)] if release_close in fired_at else 'not fired'}")
    assert closes_at[worst] == release_close and move_bps > 150
    assert release_close in fired_at
