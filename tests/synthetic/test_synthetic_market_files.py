"""Determinism, synthetic labelling, config validation and the Parquet + truth.json round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pyarrow.parquet as pq
import pytest

from arbkit.core.errors import ConfigError
from arbkit.data.schema import TICK_SCHEMA
from arbkit.data.synthetic.synthetic_config import (NS_PER_MS, NS_PER_S, SYNTHETIC_NOTE, PlantedTruth, SyntheticConfig,
                                                    SyntheticVenueConfig)
from arbkit.data.synthetic.synthetic_market import (TRUTH_FILE, generate_market, read_market, read_truth,
                                                    write_market)

SMALL = SyntheticConfig.for_duration(10 * NS_PER_S)
DOC_PAGE = Path(__file__).resolve().parents[2] / "docs" / "synthetic-data.md"


def test_same_seed_gives_identical_tables_and_truth() -> None:
    first, second = generate_market(SMALL, 5), generate_market(SMALL, 5)
    assert first.truth == second.truth
    for venue, frame in first.frames.items():
        assert frame.table.equals(second.frames[venue].table), venue


def test_different_seeds_give_different_tables_with_the_same_planted_parameters() -> None:
    first, second = generate_market(SMALL, 5), generate_market(SMALL, 6)
    assert all(not frame.table.equals(second.frames[venue].table) for venue, frame in first.frames.items())
    assert first.truth.lead_lag == second.truth.lead_lag and first.truth.flash_crash == second.truth.flash_crash
    assert (first.truth.seed, second.truth.seed) == (5, 6)


def test_every_frame_and_instrument_is_labelled_synthetic() -> None:
    market = generate_market(SMALL, 1)
    assert market.truth.synthetic is True and "not market data" in market.truth.notice
    for venue, frame in market.frames.items():
        assert venue.startswith("SYN_")
        assert SYNTHETIC_NOTE in frame.notes
        assert set(frame.table.column("venue").unique().to_pylist()) == {venue}
        assert all(instrument.venue.startswith("SYN_") for instrument in frame.instruments.values())
        assert frame.table.schema == TICK_SCHEMA


def test_venue_without_the_synthetic_prefix_is_rejected() -> None:
    with pytest.raises(ConfigError, match="'BINANCE_SPOT' must start with 'SYN_'"):
        SyntheticVenueConfig(venue="BINANCE_SPOT")


@pytest.mark.parametrize(("changes", "message"), [
    ({"lead_lag_ns": 1_500_000}, "lead_lag_ns 1500000 must be a multiple of step_ns 1000000"),
    ({"flash_crash_offset_ns": 9 * NS_PER_S}, "must end inside duration_ns"),
    ({"flash_crash_drop_pct": 60.0}, "flash_crash_drop_pct 60.0 must be in"),
    ({"regime_switch_offset_ns": 0}, "regime_switch_offset_ns 0 must be inside"),
    ({"basis_half_life_ns": 10}, "basis_half_life_ns 10 must be at least one step"),
])
def test_inconsistent_config_is_rejected_with_the_value_and_the_limit(changes: dict[str, int], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        SyntheticConfig.for_duration(10 * NS_PER_S, **changes)


def test_config_rejects_unknown_fields_when_decoded() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.json.decode(b'{"duration_ms": 5}', type=SyntheticConfig)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_seed_must_be_a_non_negative_int(seed: object) -> None:
    with pytest.raises(ConfigError, match="must be a non-negative int"):
        generate_market(SMALL, seed)  # type: ignore[arg-type]


def test_write_market_round_trips_parquet_and_truth_json(tmp_path: Path) -> None:
    market = generate_market(SMALL, 3)
    paths = write_market(market, tmp_path / "syn")
    assert sorted(p.name for p in paths) == sorted([f"{v}.parquet" for v in market.frames] + [TRUTH_FILE])

    truth_json = json.loads((tmp_path / "syn" / TRUTH_FILE).read_text())
    assert truth_json["synthetic"] is True and truth_json["lead_lag"]["lag_ns"] == market.truth.lead_lag.lag_ns
    assert read_truth(tmp_path / "syn") == market.truth
    assert isinstance(read_truth(tmp_path / "syn" / TRUTH_FILE), PlantedTruth)

    for venue, frame in market.frames.items():
        metadata = pq.read_schema(tmp_path / "syn" / f"{venue}.parquet").metadata
        assert metadata[b"arbkit.synthetic"] == b"true"
    back = read_market(tmp_path / "syn")
    assert back.truth == market.truth
    for venue, frame in market.frames.items():
        assert back.frames[venue].table.equals(frame.table)
        assert back.frames[venue].notes == frame.notes
        assert back.frames[venue].instruments == frame.instruments


def test_read_market_refuses_a_parquet_file_without_the_synthetic_flag(tmp_path: Path) -> None:
    market = generate_market(SMALL, 3)
    write_market(market, tmp_path)
    venue, frame = next(iter(market.frames.items()))
    pq.write_table(frame.table, tmp_path / f"{venue}.parquet")
    with pytest.raises(ConfigError, match="not a synthetic market file"):
        read_market(tmp_path)


def test_planted_times_are_absolute_and_inside_the_data() -> None:
    config = SyntheticConfig.for_duration(10 * NS_PER_S, lead_lag_ns=20 * NS_PER_MS)
    truth = generate_market(config, 2).truth
    assert truth.start_ns == config.start_ns and truth.end_ns == config.start_ns + config.duration_ns
    assert truth.regime_switch.at_ns == config.start_ns + 5 * NS_PER_S
    assert truth.flash_crash.start_ns == config.start_ns + 7_500 * NS_PER_MS
    assert truth.flash_crash.follower_start_ns == truth.flash_crash.start_ns + 20 * NS_PER_MS
    assert truth.flash_crash.end_ns <= truth.end_ns
    assert [v.rows for v in truth.venues] == [generate_market(config, 2).frames[v.venue].table.num_rows
                                             for v in truth.venues]


def test_docs_example_runs_and_prints_the_truth_and_row_counts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"^```python runnable[ \t]*\n(.*?)^```[ \t]*$", DOC_PAGE.read_text(encoding="utf-8"),
                        re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1, "docs/synthetic-data.md should hold one runnable example"
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "docs/synthetic-data.md (runnable block)", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out
    assert "lag_ns" in printed and "SYN_SPOT_A" in printed and "rows" in printed
