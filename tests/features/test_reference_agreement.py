"""The compiled feature kernels agree with an independent pandas reference on the shipped sample.

``bench/features_reference.py`` recomputes all 40 outputs of ``spot_perp_feature_set`` the obvious way
(forward-filled books, ``groupby`` grids, ``rolling`` windows, ``ewm`` in event time). Every output
must match the engine's batch to a relative 1e-9 (absolute 1e-12 near zero) wherever both are READY,
and the two must agree on where that is: so a change to any kernel's arithmetic, warm-up rule or
update rule fails here.

One documented widening: the VWAP deviation (mid − VWAP) / VWAP cancels every digit the two prices
share, so near zero it only resolves the VWAP's own rounding. Its absolute floor is 1e-9 bps, a
relative 1e-13 of the VWAP (the two sides sum thousands of decayed trades in different orders and
differ by up to about 6e-11 bps on this sample).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from arbkit.data.events import EventTable
from arbkit.features.batch_inputs import inputs_from_events
from arbkit.features.declarations import VwapDeviation
from arbkit.features.engine import FeatureEngine, FeatureInputs, FeatureMatrix
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import ASK_TICKS, BID_TICKS, EV_BOOK, EV_TRADE, TRADE_TICKS
from arbkit.features.presets import spot_perp_feature_set
from testkit import SPOT_BTC, USDM_BTC, load_bench, registry, sample_timeline

RTOL = 1e-9
ATOL = 1e-12
VWAP_ATOL_BPS = 1e-9
"""Absolute floor of the VWAP deviation (bps): a relative 1e-13 of the VWAP (see the module docs)."""
MIN_READY_FRACTION = 0.8
"""Every output is READY on both sides for at least this share of the sample's events (the check is not vacuous)."""

FEATURE_SET = spot_perp_feature_set(SPOT_BTC, USDM_BTC)


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return load_bench("features_reference")


@pytest.fixture(scope="module")
def inputs() -> FeatureInputs:
    """Feature events of the shipped spot + USDⓈ-M BTC sample (stream 0 spot, 1 perp)."""
    table = EventTable.from_messages((message for _, message in sample_timeline()), {SPOT_BTC: 0, USDM_BTC: 1})
    return inputs_from_events(table, FEATURE_SET, {0: "spot", 1: "perp"})


@pytest.fixture(scope="module")
def engine_matrix(inputs: FeatureInputs) -> FeatureMatrix:
    return FeatureEngine(FEATURE_SET, registry()).batch(inputs)


@pytest.fixture(scope="module")
def reference_frame(reference: ModuleType, inputs: FeatureInputs) -> pd.DataFrame:
    return reference.reference_features(inputs, FEATURE_SET, registry())


def absolute_floors(feature_set: FeatureSet) -> dict[str, float]:
    """Per-output absolute tolerance: ATOL, widened for the VWAP deviation (see the module docs)."""
    vwap = {name for f in feature_set.features if isinstance(f, VwapDeviation) for name in f.output_names()}
    return {name: VWAP_ATOL_BPS if name in vwap else ATOL for name in feature_set.names}


def largest_gap_ns(ts_ns: np.ndarray) -> int:
    """Largest step of event time over its running maximum (what the engine's gap reset compares)."""
    running = np.maximum.accumulate(ts_ns)
    return int(np.max(ts_ns[1:] - running[:-1])) if len(ts_ns) > 1 else 0


def test_sample_has_no_gap_reset_and_no_bad_input_so_the_reference_covers_it(inputs: FeatureInputs) -> None:
    assert set(np.unique(inputs.kind)) == {EV_BOOK, EV_TRADE}  # no book gaps
    books = inputs.fields[inputs.kind == EV_BOOK]
    assert np.isfinite(books[:, :TRADE_TICKS]).all()
    assert (books[:, BID_TICKS] > 0).all() and (books[:, ASK_TICKS] > books[:, BID_TICKS]).all()
    for index in (0, 1):
        own = inputs.instrument == index
        for rows in (own, own & (inputs.kind == EV_BOOK)):
            assert 0 < largest_gap_ns(inputs.ts_ns[rows]) < FEATURE_SET.max_gap_ns


def test_every_output_is_ready_on_most_of_the_sample(engine_matrix: FeatureMatrix) -> None:
    ready = (engine_matrix.status == 0).mean(axis=0)
    short = {name: round(float(share), 3) for name, share in zip(FEATURE_SET.names, ready) if share < MIN_READY_FRACTION}
    assert not short


@pytest.mark.parametrize("name", FEATURE_SET.names)
def test_output_matches_the_pandas_reference_where_ready_and_is_ready_at_the_same_events(
        name: str, reference: ModuleType, engine_matrix: FeatureMatrix, reference_frame: pd.DataFrame) -> None:
    j = FEATURE_SET.index(name)
    (result,) = reference.agreement([name], engine_matrix.values[:, [j]], engine_matrix.status[:, [j]],
                                    reference_frame, rtol=RTOL, atol=absolute_floors(FEATURE_SET))
    row = result.worst_row
    detail = (f"{name}: READY on one side only at {result.mask_differences} events; worst error {result.worst_error:.3g}"
              f" × tolerance at row {row}: engine {engine_matrix.values[row, j]!r} (status "
              f"{engine_matrix.status[row, j]}), reference {reference_frame[name].iloc[row]!r}")
    assert result.ok, detail


def test_a_change_of_one_part_per_million_or_one_status_is_caught(
        reference: ModuleType, engine_matrix: FeatureMatrix, reference_frame: pd.DataFrame) -> None:
    j = FEATURE_SET.index("cov.corr_spot_perp")
    row = int(np.flatnonzero(engine_matrix.status[:, j] == 0)[-1])
    values, status = engine_matrix.values[:, [j]].copy(), engine_matrix.status[:, [j]].copy()
    values[row, 0] *= 1.0 + 1e-6
    (nudged,) = reference.agreement(["cov.corr_spot_perp"], values, status, reference_frame)
    status[row, 0] = 1
    (flipped,) = reference.agreement(["cov.corr_spot_perp"], engine_matrix.values[:, [j]], status, reference_frame)
    assert not nudged.ok and nudged.worst_row == row and nudged.worst_error > 100.0
    assert not flipped.ok and flipped.mask_differences == 1


def _two_books(gap_ns: int, ask_ticks: float) -> FeatureInputs:
    """Two book events of instrument 0, ``gap_ns`` apart; the second with its best ask at ``ask_ticks``."""
    row = np.full(12, np.nan)
    row[:9] = [100.0, 101.0, 1.0, 1.0, 0.0, 1.0, 1.0, 100.0, 101.0]
    second = row.copy()
    second[ASK_TICKS] = ask_ticks
    return FeatureInputs(ts_ns=np.array([1_000, 1_000 + gap_ns]), instrument=np.array([0, 0]),
                         kind=np.array([EV_BOOK, EV_BOOK]), fields=np.vstack([row, second]))


@pytest.mark.parametrize(("gap_ns", "ask_ticks", "reason"), [(61_000_000_000, 101.0, "max_gap_ns"),
                                                              (1_000, 99.0, "crossed")])
def test_reference_refuses_inputs_that_need_the_gap_reset_or_the_bad_input_path(
        reference: ModuleType, gap_ns: int, ask_ticks: float, reason: str) -> None:
    spot_only = FeatureSet(name="spot_book", instruments=FEATURE_SET.instruments, features=FEATURE_SET.features[:5])
    with pytest.raises(reference.ReferenceScopeError, match=reason):
        reference.reference_features(_two_books(gap_ns, ask_ticks), spot_only, registry())
