"""The compiled feature kernels agree with an independent pandas reference on the shipped sample.

Two datasets: the sample's feature events as they are, and the same events with a 25 s window cut out
of every minute, so that whole grid buckets and bars go empty (the sample alone never leaves a 1 s
bucket without a book event, so the empty-bucket paths would go untested).

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

from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from testkit import SPOT_BTC, USDM_BTC, load_bench, registry, sample_timeline

from arbkit.data.events import EventTable
from arbkit.features.batch_inputs import inputs_from_events
from arbkit.features.declarations import VwapDeviation
from arbkit.features.engine import FeatureEngine, FeatureInputs, FeatureMatrix
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import ASK_TICKS, BID_TICKS, EV_BOOK, EV_TRADE, TRADE_TICKS
from arbkit.features.presets import spot_perp_feature_set

RTOL = 1e-9
ATOL = 1e-12
VWAP_ATOL_BPS = 1e-9
"""Absolute floor of the VWAP deviation (bps): a relative 1e-13 of the VWAP (see the module docs)."""
MIN_READY_FRACTION = 0.8
"""Every output is READY on both sides for at least this share of the sample's events (the check is not vacuous)."""

S = 1_000_000_000
HOLE_EVERY_NS, HOLE_AT_NS, HOLE_NS = 60 * S, 30 * S, 25 * S
"""Cut: every event whose time since the first event, modulo a minute, lies in [30 s, 55 s)."""
DATASETS = ("sample", "sample_with_holes")

FEATURE_SET = spot_perp_feature_set(SPOT_BTC, USDM_BTC)


@dataclass(frozen=True)
class Case:
    """One dataset: its feature events, the engine's batch over them, and the reference's frame."""

    inputs: FeatureInputs
    matrix: FeatureMatrix
    frame: pd.DataFrame


def with_holes(inputs: FeatureInputs) -> FeatureInputs:
    """``inputs`` without the events of a 25 s window in every minute (each book event carries the whole top of
    book, so the events after a hole read the right book)."""
    phase = (inputs.ts_ns - inputs.ts_ns.min()) % HOLE_EVERY_NS
    keep = (phase < HOLE_AT_NS) | (phase >= HOLE_AT_NS + HOLE_NS)
    return FeatureInputs(ts_ns=inputs.ts_ns[keep], instrument=inputs.instrument[keep], kind=inputs.kind[keep],
                         fields=inputs.fields[keep])


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return load_bench("features_reference")


@pytest.fixture(scope="module")
def cases(reference: ModuleType) -> dict[str, Case]:
    """Both datasets, built from the shipped spot + USDⓈ-M BTC sample (stream 0 spot, 1 perp)."""
    table = EventTable.from_messages((message for _, message in sample_timeline()), {SPOT_BTC: 0, USDM_BTC: 1})
    sample = inputs_from_events(table, FEATURE_SET, {0: "spot", 1: "perp"})
    engine = FeatureEngine(FEATURE_SET, registry())
    return {name: Case(inputs, engine.batch(inputs), reference.reference_features(inputs, FEATURE_SET, registry()))
            for name, inputs in zip(DATASETS, (sample, with_holes(sample)), strict=True)}


def absolute_floors(feature_set: FeatureSet) -> dict[str, float]:
    """Per-output absolute tolerance: ATOL, widened for the VWAP deviation (see the module docs)."""
    vwap = {name for f in feature_set.features if isinstance(f, VwapDeviation) for name in f.output_names()}
    return {name: VWAP_ATOL_BPS if name in vwap else ATOL for name in feature_set.names}


def largest_gap_ns(ts_ns: np.ndarray) -> int:
    """Largest step of event time over its running maximum (what the engine's gap reset compares)."""
    running = np.maximum.accumulate(ts_ns)
    return int(np.max(ts_ns[1:] - running[:-1])) if len(ts_ns) > 1 else 0


@pytest.mark.parametrize("dataset", DATASETS)
def test_dataset_has_no_gap_reset_and_no_bad_input_so_the_reference_covers_it(
        dataset: str, cases: dict[str, Case]) -> None:
    inputs = cases[dataset].inputs
    assert set(np.unique(inputs.kind)) == {EV_BOOK, EV_TRADE}  # no book gaps
    books = inputs.fields[inputs.kind == EV_BOOK]
    assert np.isfinite(books[:, :TRADE_TICKS]).all()
    assert (books[:, BID_TICKS] > 0).all() and (books[:, ASK_TICKS] > books[:, BID_TICKS]).all()
    for index in (0, 1):
        own = inputs.instrument == index
        for rows in (own, own & (inputs.kind == EV_BOOK)):
            assert 0 < largest_gap_ns(inputs.ts_ns[rows]) < FEATURE_SET.max_gap_ns


def test_holes_leave_whole_one_second_buckets_and_ten_second_bars_without_events(cases: dict[str, Case]) -> None:
    for dataset, empty_expected in zip(DATASETS, (False, True), strict=True):
        ts = cases[dataset].inputs.ts_ns
        buckets, bars = np.unique(ts // S), np.unique(ts // (10 * S))
        assert (np.diff(buckets).max() > 1) == empty_expected, dataset
        assert (np.diff(bars).max() > 1) == empty_expected, dataset


def test_every_output_is_ready_on_most_of_the_sample(cases: dict[str, Case]) -> None:
    ready = (cases["sample"].matrix.status == 0).mean(axis=0)
    short = {name: round(float(share), 3) for name, share in zip(FEATURE_SET.names, ready, strict=True)
             if share < MIN_READY_FRACTION}
    assert not short


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", FEATURE_SET.names)
def test_output_matches_the_pandas_reference_where_ready_and_is_ready_at_the_same_events(
        name: str, dataset: str, reference: ModuleType, cases: dict[str, Case]) -> None:
    case = cases[dataset]
    j = FEATURE_SET.index(name)
    values, status = case.matrix.values[:, [j]], case.matrix.status[:, [j]]
    (result,) = reference.agreement([name], values, status, case.frame, rtol=RTOL, atol=absolute_floors(FEATURE_SET))
    row = result.worst_row
    detail = (f"{name} on {dataset}: READY on one side only at {result.mask_differences} events; worst error "
              f"{result.worst_error:.3g} × tolerance at row {row}: engine {values[row, 0]!r} (status "
              f"{status[row, 0]}), reference {case.frame[name].iloc[row]!r}")
    assert result.ok, detail


def test_a_change_of_one_part_per_million_or_one_status_is_caught(reference: ModuleType,
                                                                  cases: dict[str, Case]) -> None:
    case = cases["sample"]
    name = "cov.corr_spot_perp"
    j = FEATURE_SET.index(name)
    row = int(np.flatnonzero(case.matrix.status[:, j] == 0)[-1])
    values, status = case.matrix.values[:, [j]].copy(), case.matrix.status[:, [j]].copy()
    values[row, 0] *= 1.0 + 1e-6
    (nudged,) = reference.agreement([name], values, status, case.frame)
    status[row, 0] = 1
    (flipped,) = reference.agreement([name], case.matrix.values[:, [j]], status, case.frame)
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
