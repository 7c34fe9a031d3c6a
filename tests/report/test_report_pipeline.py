"""The report of a real run on the shipped sample: statistics from arbkit.stats, every chart, report.json,
``arbkit report`` re-rendering the same HTML, a real script failure, and the page in headless Chromium."""

from __future__ import annotations

import base64
import math
import re
import shutil
from pathlib import Path

import msgspec
import numpy as np
import pytest
from testkit import SPOT_BTC, build_engine, default_config, sample_timeline
from typer.testing import CliRunner

from arbkit.adapters.binance.instruments import binance_registry
from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.pipeline import PipelineResult, run_pipeline
from arbkit.backtest.report_builder import build_report_data, write_report
from arbkit.cli.main import app
from arbkit.report import fmt
from arbkit.report.document import SCHEMA, SCHEMA_VERSION, load_report_json, render_json_report, report_json
from arbkit.report.summary import compute_report_stats
from arbkit.scripts.context import ScriptContext
from arbkit.stats import probabilistic_sharpe_ratio, return_stats, trade_records_from_fills, trade_stats

CHART_IDS = ("equity", "drawdown", "pnl-distribution", "fills-on-price", "latency", "exposure")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> PipelineResult:
    return run_pipeline(default_config(), tmp_path_factory.mktemp("report-pipeline"))


@pytest.fixture(scope="module")
def written(result: PipelineResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's report.html (report.json beside it), written once."""
    return write_report(result, binance_registry(), tmp_path_factory.mktemp("report") / "report.html")


def _curve(result: PipelineResult) -> tuple[np.ndarray, np.ndarray]:
    capital = float(result.config.capital_usd)
    by_ts = {p.ts_ns: capital + float(p.equity_usd) for p in result.run.equity}  # last sample of a time wins
    ts = np.array(sorted(by_ts), dtype=np.int64)
    return ts, np.array([by_ts[t] for t in ts.tolist()], dtype=np.float64)


def _arrival_mids(result: PipelineResult) -> dict[str, float]:
    """Mark at the last equity sample at or before each order was sent (what the report documents)."""
    with Journal(result.journal_path) as journal:
        sent = {e.payload["order"]["client_order_id"]: (e.payload["order"]["ts_sent"],
                                                         e.payload["order"]["instrument_id"])
                for e in journal.entries(kind=kinds.ORDER) if e.payload["event"] == "created"}
    mids = {}
    for cid, (ts, instrument_id) in sent.items():
        before = [p for p in result.run.equity if p.ts_ns <= ts and instrument_id in p.marks]
        if before:
            mids[cid] = before[-1].marks[instrument_id]
    return mids


def test_statistics_are_those_of_arbkit_stats_on_the_same_run(result: PipelineResult) -> None:
    data = build_report_data(result, binance_registry())
    stats = compute_report_stats(data)
    capital = float(result.config.capital_usd)
    ts, equity = _curve(result)
    expected_returns = return_stats(ts, equity, capital_usd=capital, period_ns=1_000_000_000)
    assert msgspec.json.encode(stats.returns) == msgspec.json.encode(expected_returns)
    records = trade_records_from_fills(result.path.fills, binance_registry(), arrival_mids=_arrival_mids(result))
    expected_trades = trade_stats(records, capital_usd=capital, marks=result.run.equity[-1].marks)
    assert msgspec.json.encode(stats.trades) == msgspec.json.encode(expected_trades)
    assert stats.trades.n_fills == len(result.path.fills) > 0 and stats.trades.n_round_trips > 0
    assert set(stats.trades.by_venue) == {"BINANCE_SPOT", "BINANCE_USDM"}
    assert stats.trades.n_fills_with_mid == len(result.path.fills)
    r = expected_returns
    per_period = r.sharpe / math.sqrt(r.periods_per_year)
    psr = probabilistic_sharpe_ratio(per_period, r.n_periods, skewness=r.skewness, kurtosis=r.kurtosis)
    assert stats.inference.psr == psr and stats.inference.dsr == psr and stats.inference.n_trials == 1
    latency_us = result.config.sim.order_latency_ns / 1_000
    assert stats.latency.entry.n == len(result.path.oms) and stats.latency.entry.p50_us == latency_us
    assert stats.latency.fill.n == len({f.client_order_id for f in result.path.fills})


def test_report_shows_every_statistic_and_chart_and_writes_json_beside_it(result: PipelineResult,
                                                                          written: Path) -> None:
    html = written.read_text(encoding="utf-8")
    stats = compute_report_stats(load_report_json(written.with_suffix(".json")))
    for anchor in (*CHART_IDS, "summary", "attribution", "failures"):
        assert f'id="{anchor}"' in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    # fills on price: one chart per instrument (spot and perp); the lifecycle section: timeline and PnL by version
    assert len(images) == len(CHART_IDS) + 1 + 2
    assert 'id="lifecycle-timeline-img"' in html and 'id="lifecycle-pnl-img"' in html
    assert all(base64.b64decode(png)[:8] == PNG_MAGIC for png in images)
    for label in ("Total return", "Annualised return", "Volatility", "Sharpe ratio", "Sortino ratio", "Calmar ratio",
                  "Max drawdown (% of peak)", "Max drawdown duration", "Hit rate", "Profit factor", "Turnover",
                  "Average holding time", "Fees paid (USD)", "Slippage vs arrival mid", "Probabilistic Sharpe",
                  "Deflated Sharpe", "Per script", "Per instrument", "Per venue", "Order entry latency"):
        assert label in html, label
    assert fmt.money(stats.returns.pnl_usd, 4) in html and fmt.money(stats.trades.fees_usd, 4) in html
    document = msgspec.json.decode(written.with_suffix(".json").read_bytes())
    assert (document["schema"], document["schema_version"]) == (SCHEMA, SCHEMA_VERSION)
    assert document["statistics"]["trades"]["n_fills"] == len(result.path.fills)
    assert set(document["statistics"]["trades"]["by_instrument"]) == {f.instrument_id for f in result.path.fills}
    assert len(document["data"]["fills"]) == len(result.path.fills)
    assert len(document["data"]["rejections"]) == len(result.path.rejections) > 0
    assert document["data"]["config"]["capital_usd"] == str(result.config.capital_usd)
    assert all(point["marks"] for point in document["data"]["equity"][1:])


def test_json_alone_renders_the_same_html_and_the_same_bytes_twice(result: PipelineResult, written: Path,
                                                                    tmp_path: Path) -> None:
    again = render_json_report(written.with_suffix(".json"), tmp_path / "again.html")
    assert again.read_bytes() == written.read_bytes()
    data = build_report_data(result, binance_registry())  # built again from the same run: the same bytes
    assert report_json(data, compute_report_stats(data)) == written.with_suffix(".json").read_bytes()


def test_arbkit_report_command_renders_a_run_folder_and_refuses_bad_json(written: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli.html"
    ok = runner.invoke(app, ["report", str(written.parent), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert out.read_bytes() == written.read_bytes()
    broken = tmp_path / "report.json"
    text = written.with_suffix(".json").read_text(encoding="utf-8")
    broken.write_text(text.replace('"capital_usd":10000.0', '"capital_usd":"lots"', 1), encoding="utf-8")
    bad = runner.invoke(app, ["report", str(broken)])
    assert bad.exit_code == 2
    assert "Expected `float`" in bad.output and "$.data.capital_usd" in bad.output
    assert not (tmp_path / "report.html").exists()


class _RaisingScript:
    """Does nothing until its ``fail_at``-th book update, where it raises."""

    def __init__(self, fail_at: int) -> None:
        self.script_id = "flaky"
        self.instrument_ids = (SPOT_BTC,)
        self.fail_at = fail_at
        self.calls = 0

    def on_book(self, ctx: ScriptContext, instrument_id: str) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise ValueError("feature vector has 11 columns, the model expects 12")


def test_a_script_that_raised_is_in_the_report(result: PipelineResult, tmp_path: Path) -> None:
    with Journal(":memory:") as journal:
        run = build_engine(default_config(), journal, [lambda: (_RaisingScript(300), "v1")]).run(
            sample_timeline()[:20_000])
    assert len(run.script_failures) == 1
    failed = msgspec.structs.replace(result, run=msgspec.structs.replace(result.run,
                                                                         script_failures=run.script_failures))
    html = write_report(failed, binance_registry(), tmp_path / "report.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="failures" class="alert">.*?</section>', html, re.S)
    assert section is not None
    assert "flaky" in section.group(0) and "ValueError" in section.group(0)
    assert "the model expects 12" in section.group(0) and fmt.utc_ms(run.script_failures[0].ts_ns) in section.group(0)
    (row,) = msgspec.json.decode((tmp_path / "report.json").read_bytes())["data"]["failures"]
    assert (row["script_id"], row["error_type"], row["instrument_id"]) == ("flaky", "ValueError", SPOT_BTC)
    assert "in on_book" in row["traceback"]


def _chromium() -> str | None:
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


def test_report_renders_in_headless_chromium(written: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    executable = _chromium()
    if executable is None:
        pytest.skip("no system Chromium (install the chromium package)")
    stats = compute_report_stats(load_report_json(written.with_suffix(".json")))
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(written.resolve().as_uri())
            widths = page.evaluate("Array.from(document.images).map(img => img.complete ? img.naturalWidth : 0)")
            summary = page.inner_text("#summary")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert len(widths) == len(CHART_IDS) + 1 + 2 and all(w > 0 for w in widths), widths  # + the lifecycle charts
    assert fmt.money(stats.returns.pnl_usd, 4) in summary
    assert fmt.integer(stats.trades.n_fills) in summary and fmt.ratio(stats.inference.psr, 4) in summary
    assert (tmp_path / "report.png").read_bytes()[:8] == PNG_MAGIC
