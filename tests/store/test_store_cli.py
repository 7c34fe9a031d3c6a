"""``arbkit data ingest | info | query | validate`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from arbkit.cli.main import app
from store_helpers import SAMPLE_SPOT, SAMPLE_USDM, parquet_files
from testkit import SAMPLE_DIR, sample_file

runner = CliRunner()
WIDE = {"COLUMNS": "240"}


def test_ingest_info_query_on_the_shipped_sample(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    result = runner.invoke(app, ["data", "ingest", str(SAMPLE_DIR), "--store", store])
    assert result.exit_code == 0, result.output
    assert "ingested" in result.output and "no reader" in result.output  # README and licence left out
    again = runner.invoke(app, ["data", "ingest", str(sample_file(SAMPLE_SPOT)), "--store", store])
    assert again.exit_code == 0 and "already" in again.output
    info = runner.invoke(app, ["data", "info", "--store", store], env=WIDE)
    assert info.exit_code == 0 and "BTCUSDT.BINANCE_SPOT" in info.output and "598,753" in info.output
    query = runner.invoke(app, ["data", "query", "SELECT instrument_id, count(*) AS n FROM ticks GROUP BY 1 ORDER BY 1",
                                "--store", store], env=WIDE)
    assert query.exit_code == 0 and "BTCUSDT.BINANCE_USDM" in query.output and "598753" in query.output


def test_bad_sql_and_unknown_file_exit_2_without_traceback(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["data", "query", "SELECT * FROM nope", "--store", str(tmp_path / "s")])
    assert bad.exit_code == 2 and "query failed" in bad.output and "Traceback" not in bad.output
    unknown = tmp_path / "notes.txt"
    unknown.write_text("x")
    result = runner.invoke(app, ["data", "ingest", str(unknown), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2 and "no reader" in result.output


def test_truncated_file_exits_2_naming_it_and_writes_nothing(tmp_path: Path) -> None:
    truncated = tmp_path / SAMPLE_USDM
    data = sample_file(SAMPLE_USDM).read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, ["data", "ingest", str(truncated), "--store", str(tmp_path / "s")], env=WIDE)
    assert result.exit_code == 2, result.output
    assert SAMPLE_USDM in result.output and "truncated" in result.output
    assert parquet_files(tmp_path / "s") == []


def test_validate_a_file_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "quality.json"
    result = runner.invoke(app, ["data", "validate", str(sample_file(SAMPLE_SPOT)), "--report", str(report)],
                           terminal_width=200)
    assert result.exit_code in (0, 1), result.output  # 1 = a reject check fired (still a report)
    assert "clock_offset" in result.output
    assert report.exists() and SAMPLE_SPOT in report.read_text()
