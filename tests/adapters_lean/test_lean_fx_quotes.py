"""Lean FX tick quotes: row counts, BBO row layout and the FXCM UTC-05:00 time-zone shift, on the real files."""

from __future__ import annotations

import numpy as np
import pytest

from arbkit.adapters.lean.fx_quotes import read_fx_quotes
from arbkit.data.schema import BBO, F_LAST, F_RECV_IS_EVENT, SIZE_UNKNOWN
from testkit import shared_file

FX = "fx_eurusd_fxcm_vs_oanda_tick_2014-05"
ROWS = {"fxcm_eurusd_20140505": 58_143, "fxcm_eurusd_20140506": 102_682, "fxcm_eurusd_20140507": 89_504,
        "oanda_eurusd_20140505": 25_177, "oanda_eurusd_20140506": 44_864, "oanda_eurusd_20140507": 41_367}
PIP_TICKS = 10  # 1 pip = 0.0001 = 10 ticks of 0.00001
MINUTE_NS = 60 * 10**9


@pytest.mark.parametrize("stem", sorted(ROWS))
def test_fx_file_gives_two_bbo_rows_per_readme_quote(stem: str) -> None:
    frame = read_fx_quotes(shared_file(FX, f"{stem}_tick_quote.zip"))
    table = frame.table
    assert table.num_rows == 2 * ROWS[stem]
    venue = stem.split("_")[0].upper()
    assert list(frame.instruments) == [f"EURUSD.{venue}"]
    assert str(frame.instruments[f"EURUSD.{venue}"].tick_size) == "0.00001"
    assert set(table.column("kind").to_pylist()) == {BBO}
    assert table.column("side").to_numpy()[:4].tolist() == [1, -1, 1, -1]
    flags = table.column("flags").to_numpy()
    assert (flags[0::2] == F_RECV_IS_EVENT).all() and (flags[1::2] == F_RECV_IS_EVENT | F_LAST).all()
    assert (table.column("size").to_numpy() == SIZE_UNKNOWN).all()
    assert (table.column("ts_recv").to_numpy() == table.column("ts_event").to_numpy()).all()
    assert any("UTC" in note for note in frame.notes)


def _minute_mids(stem: str, shift_ns: int = 0) -> dict[int, float]:
    table = read_fx_quotes(shared_file(FX, f"{stem}_tick_quote.zip")).table
    ts = table.column("ts_event").to_numpy()[0::2] + shift_ns
    price = table.column("price").to_numpy()
    mid = (price[0::2] + price[1::2]) / 2
    minute = ts // MINUTE_NS
    last = np.r_[minute[1:] != minute[:-1], True]  # last quote of each minute
    return dict(zip(minute[last].tolist(), mid[last].tolist()))


def _agreement(fxcm: dict[int, float], oanda: dict[int, float]) -> tuple[float, float]:
    common = sorted(set(fxcm) & set(oanda))
    a = np.array([fxcm[m] for m in common])
    b = np.array([oanda[m] for m in common])
    changes_a, changes_b = np.diff(a), np.diff(b)
    return float(np.mean(np.abs(a - b))) / PIP_TICKS, float(np.corrcoef(changes_a, changes_b)[0, 1])


def test_fxcm_shifted_five_hours_lines_up_with_oanda_and_unshifted_does_not() -> None:
    fxcm, oanda = {}, {}
    for day in ("20140505", "20140506", "20140507"):
        fxcm.update(_minute_mids(f"fxcm_eurusd_{day}"))
        oanda.update(_minute_mids(f"oanda_eurusd_{day}"))
    mean_pips, corr = _agreement(fxcm, oanda)
    assert mean_pips < 0.5 and corr > 0.9, (mean_pips, corr)

    unshifted = {}
    for day in ("20140505", "20140506", "20140507"):  # undo the reader's +5 h: FXCM wall clock read as UTC
        unshifted.update(_minute_mids(f"fxcm_eurusd_{day}", shift_ns=-5 * 3600 * 10**9))
    _, corr_unshifted = _agreement(unshifted, oanda)
    assert corr_unshifted < 0.3, corr_unshifted
