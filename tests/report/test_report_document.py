"""report.json: round trip, typed errors for malformed documents, the DSR's trial count, and a property over
random equity curves (never a crash, drawdowns never negative, the JSON always reads back)."""

from __future__ import annotations

import math
from pathlib import Path

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.report.document import SCHEMA, load_report_json, parse_report_json, report_json
from arbkit.report.model import EquityPoint, FillRow, ReportData, ReportInputError
from arbkit.report.summary import compute_report_stats
from arbkit.stats import deflated_sharpe_ratio

T0 = 1_723_161_254_087_000_000  # 2024-08-08T23:54:14.087Z, the shipped sample's last minutes
SEC = 1_000_000_000


def _fill(i: int, side: str, price: str) -> FillRow:
    return FillRow(ts_ns=T0 + i * SEC, instrument_id="BTCUSDT.BINANCE_SPOT", side=side, price=price, qty="0.01",
                   fee="0.0617", liquidity="taker", script_id="basis-btc", model_version="v1",
                   client_order_id=f"O{i}", arrival_mid=price)


def _data(equity: list[float], *, step_ns: int = SEC, fills: list[FillRow] | None = None, n_trials: int = 1,
          trial_sharpes: list[float] | None = None) -> ReportData:
    points = [EquityPoint(ts_ns=T0 + i * step_ns, equity_usd=v, position_usd=abs(v - equity[0]) * 10,
                          marks={"BTCUSDT.BINANCE_SPOT": 61_700.0 + v - equity[0]}) for i, v in enumerate(equity)]
    return ReportData(title="t", subtitle="", started_ns=T0, ended_ns=T0 + max(len(equity) - 1, 0) * step_ns,
                      config={"capital_usd": "10000"}, equity=points, fills=fills or [], rejections=[],
                      instruments=[], models=[], data=[], notes=[], capital_usd=10_000.0, n_trials=n_trials,
                      trial_sharpes=trial_sharpes or [])


WALK = [10_000.0 + x for x in (0.0, 1.5, -2.0, 0.5, 3.0, -1.0, 2.5, 4.0, -0.5, 1.0, 2.0, 5.0)]


def test_document_round_trips_to_the_same_data_and_statistics() -> None:
    data = _data(WALK, fills=[_fill(1, "buy", "61700.5"), _fill(4, "sell", "61703.1")])
    payload = report_json(data, compute_report_stats(data))
    doc = parse_report_json(payload)
    assert doc.schema == SCHEMA and doc.data == data
    assert doc.statistics == msgspec.json.decode(msgspec.json.encode(compute_report_stats(doc.data)))
    assert doc.statistics["trades"]["n_round_trips"] == 1


@pytest.mark.parametrize(("payload", "problem"), [
    (b'{"schema": "arbkit.backtest_report", ', "not valid JSON"),
    (b"[1, 2]", "a report document is a JSON object, got list"),
    (b'{"schema": "arbkit.quality_report", "schema_version": 1}', "schema 'arbkit.quality_report' is not"),
    (b'{"schema": "arbkit.backtest_report", "schema_version": 7}', "schema_version 7 is not supported"),
    (b'{"schema": "arbkit.backtest_report", "schema_version": 1, "statistics": {}}', "missing required field `data`"),
])
def test_malformed_document_raises_a_typed_error_naming_the_problem(payload: bytes, problem: str) -> None:
    with pytest.raises(ReportInputError) as info:
        parse_report_json(payload, "run/report.json")
    assert problem in str(info.value) and str(info.value).startswith("run/report.json: ")


def test_wrong_field_type_is_named_by_its_json_path(tmp_path: Path) -> None:
    data = _data(WALK)
    text = report_json(data, compute_report_stats(data)).decode()
    path = tmp_path / "report.json"
    path.write_text(text.replace('"ts_ns":1723161256087000000', '"ts_ns":"late"', 1), encoding="utf-8")
    with pytest.raises(ReportInputError, match=r"Expected `int`, got `str` - at `\$\.data\.equity\[2\]\.ts_ns`"):
        load_report_json(path)
    with pytest.raises(ReportInputError, match="cannot read report document"):
        load_report_json(tmp_path / "missing.json")


@pytest.mark.parametrize(("data", "problem"), [
    (_data(WALK, fills=[_fill(1, "buy", "61,700")]), "fill 'O1' at 1723161255087000000 ns: price '61,700' is not"),
    (_data(WALK, fills=[_fill(1, "hold", "61700")]), "side 'hold' is neither 'buy' nor 'sell'"),
    (msgspec.structs.replace(_data(WALK), equity=list(reversed(_data(WALK).equity))), "equity times must not"),
    (_data(WALK, n_trials=0), "n_trials must be >= 1, got 0"),
    (_data(WALK, n_trials=3, trial_sharpes=[1.0]), "at least 2 trials, got 1"),
])
def test_inconsistent_data_raises_a_typed_error(data: ReportData, problem: str) -> None:
    with pytest.raises(ReportInputError) as info:
        compute_report_stats(data)
    assert problem in str(info.value)


def test_dsr_counts_the_trials_of_a_sweep() -> None:
    single = compute_report_stats(_data(WALK)).inference
    assert single.n_trials == 1 and single.dsr == single.psr and single.benchmark_sharpe_per_period == 0.0
    trials = [single.sharpe_per_period * math.sqrt(365 * 86_400) * k for k in (0.2, 0.5, 1.0, -0.3, 0.8)]
    swept = compute_report_stats(_data(WALK, n_trials=40, trial_sharpes=trials))
    r = swept.returns
    assert r is not None
    expected = deflated_sharpe_ratio(swept.inference.sharpe_per_period, r.n_periods, skewness=r.skewness,
                                     kurtosis=r.kurtosis, n_trials=40,
                                     trial_sharpes=np.array(trials) / math.sqrt(r.periods_per_year))
    assert swept.inference.dsr == expected.dsr < single.dsr
    assert swept.inference.benchmark_sharpe_per_period > 0.0 and swept.inference.n_trials == 40
    unknown = compute_report_stats(_data(WALK, n_trials=40))
    assert math.isnan(unknown.inference.dsr)  # 40 trials but no idea how their Sharpe ratios spread
    assert b'"dsr":null' in report_json(_data(WALK, n_trials=40), unknown)


curves = st.lists(st.floats(min_value=-10_001.0, max_value=50_000.0, allow_nan=False), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(moves=curves, step_ms=st.integers(0, 5_000), trials=st.integers(1, 500))
def test_random_equity_curves_never_crash_and_drawdown_is_never_negative(moves: list[float], step_ms: int,
                                                                         trials: int) -> None:
    equity = [10_000.0 + m for m in moves]
    data = _data(equity, step_ns=step_ms * 1_000_000, n_trials=trials)
    stats = compute_report_stats(data)
    if stats.returns is not None:
        dd = stats.returns.drawdown
        assert dd.max_drawdown >= 0.0 and dd.max_drawdown_usd >= 0.0 and dd.duration_ns >= 0
        assert math.isclose(stats.returns.pnl_usd, equity[-1] - 10_000.0, abs_tol=1e-6)
    else:
        assert len(set(p.ts_ns for p in data.equity)) < 2 or min(equity) <= 0.0
    doc = parse_report_json(report_json(data, stats))
    assert doc.data == data
