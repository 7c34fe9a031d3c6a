"""The HTML report from hand-made rows: sections, escaping, embedded charts, truncation, failures."""

from __future__ import annotations

import base64
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

from arbkit.report.html import MAX_FILL_ROWS, MAX_REJECTION_ROWS, render_report
from arbkit.report.model import (
    DataSummary,
    EquityPoint,
    FillRow,
    InstrumentRow,
    ModelSummary,
    RejectionRow,
    ReportData,
    ScriptFailureRow,
)
from arbkit.report.summary import compute_report_stats

T0 = 1_723_075_200_000_000_000  # 2024-08-08T00:00:00Z
MS = 1_000_000
SECTIONS = ("failures", "summary", "charts", "equity", "drawdown", "pnl-distribution", "fills-on-price", "latency",
            "exposure", "attribution", "instruments", "models", "data", "rejections", "fills", "notes", "config")
N_CHARTS = 6  # equity, drawdown, PnL distribution, fills on price (one instrument), latency, exposure
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _fill(i: int) -> FillRow:
    return FillRow(ts_ns=T0 + i * MS, instrument_id="BTCUSDT.BINANCE_SPOT", side="buy" if i % 2 == 0 else "sell",
                   price="61837.63", qty="0.001", fee="0.06", liquidity="taker", script_id="basis",
                   model_version="v3", client_order_id=f"ord-{i:05d}")


def _rejection(i: int, code: str) -> RejectionRow:
    return RejectionRow(ts_ns=T0 + i * MS, intent_id=f"int-{i:05d}", instrument_id="BTCUSDT.BINANCE_SPOT",
                        side="buy", qty="0.010", price="", reason_code=code, detail="limit 0.005 BTC")


def _data(*, fills: list[FillRow] | None = None, rejections: list[RejectionRow] | None = None,
          notes: list[str] | None = None, equity: list[EquityPoint] | None = None,
          failures: list[ScriptFailureRow] | None = None) -> ReportData:
    if equity is None:
        equity = [EquityPoint(ts_ns=T0 + i * 250 * MS, equity_usd=1_000.0 + (i % 7) - i * 0.1,
                              position_usd=i % 3 * 50.0) for i in range(40)]
    return ReportData(
        title="Basis test run", subtitle="spot vs perp", started_ns=T0, ended_ns=T0 + 10_000 * MS,
        config={"risk.max_position_btc": "0.005", "sim.latency_ns": "2000000"},
        equity=equity, fills=fills or [], rejections=rejections or [],
        instruments=[InstrumentRow(instrument_id="BTCUSDT.BINANCE_SPOT", position="0.001", realized_pnl="-1.25",
                                   unrealized_pnl="0.40", fees="0.12", currency="USDT")],
        models=[ModelSummary(name="basis_lr", version="v3", features=["basis_bps", "imbalance"], train_rows=1000,
                             test_rows=250, metrics={"r2": 0.12, "ic": 0.3})],
        data=[DataSummary(source="binance_spot_btcusdt_20240808.gz", messages=500, book_updates=400, trades=80,
                          bbo=20, gaps=1, first_ts_ns=T0, last_ts_ns=T0 + 9_999 * MS)],
        notes=notes or [], capital_usd=1_000.0, failures=failures or [],
    )


def _render(tmp_path: Path, data: ReportData) -> str:
    stats = compute_report_stats(data)
    out = render_report(data, stats, tmp_path / "out" / "report.html")
    assert out == tmp_path / "out" / "report.html"
    return out.read_text(encoding="utf-8")


class _Collector(HTMLParser):
    """Collects element ids, <img> sources and script/link tags, and checks tags balance."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.forbidden: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag in ("script", "link", "iframe"):
            self.forbidden.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>, open: {self.stack[-3:]}"
        self.stack.pop()


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    c.close()
    return c


def test_report_has_every_section_and_no_external_resource(tmp_path: Path) -> None:
    html = _render(tmp_path, _data(fills=[_fill(i) for i in range(5)]))
    parsed = _parse(html)
    assert set(SECTIONS) <= parsed.ids
    assert parsed.forbidden == [] and parsed.stack == []
    assert "http://" not in html and "https://" not in html
    assert "Basis test run" in html and "spot vs perp" in html
    assert "2024-08-08T00:00:00.000Z" in html and "2024-08-08T00:00:10.000Z" in html
    assert "basis_lr" in html and "basis_bps, imbalance" in html
    assert "binance_spot_btcusdt_20240808.gz" in html and "risk.max_position_btc" in html
    assert "2024-08-08T00:00:00.004Z" in html  # fill 4 at +4 ms: UTC ISO with ms


def test_charts_are_embedded_png_images(tmp_path: Path) -> None:
    parsed = _parse(_render(tmp_path, _data()))
    assert len(parsed.images) == N_CHARTS
    for src in parsed.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        png = base64.b64decode(src[len(prefix):], validate=True)
        assert png[:8] == PNG_MAGIC
        width, height = struct.unpack(">II", png[16:24])  # IHDR
        assert width > 400 and height > 100


def test_rejections_are_counted_by_reason_code_and_listed_up_to_the_limit(tmp_path: Path) -> None:
    rejections = [_rejection(i, "MAX_POSITION") for i in range(230)] + [_rejection(230 + i, "PRICE_COLLAR")
                                                                        for i in range(7)]
    html = _render(tmp_path, _data(rejections=rejections))
    section = re.search(r'<section id="rejections">.*?</section>', html, re.S)
    assert section is not None
    text = section.group(0)
    assert "Risk rejections (237)" in text
    assert re.search(r"MAX_POSITION</td><td class=\"num\">230</td>", text)
    assert re.search(r"PRICE_COLLAR</td><td class=\"num\">7</td>", text)
    assert text.count("int-") == MAX_REJECTION_ROWS
    assert "first 200 of 237 rejections; 37 omitted" in text


def test_fills_table_stops_at_the_limit_and_says_how_many_were_omitted(tmp_path: Path) -> None:
    html = _render(tmp_path, _data(fills=[_fill(i) for i in range(MAX_FILL_ROWS + 123)]))
    assert html.count("ord-") == MAX_FILL_ROWS
    assert f"ord-{MAX_FILL_ROWS - 1:05d}" in html and f"ord-{MAX_FILL_ROWS:05d}" not in html
    assert "123 omitted" in html
    assert "Trades / fills (623)" in html


def test_note_with_script_tag_is_escaped(tmp_path: Path) -> None:
    html = _render(tmp_path, _data(notes=['<script>alert("x")</script> & more']))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert _parse(html).forbidden == []


def test_empty_fills_rejections_and_equity_still_render(tmp_path: Path) -> None:
    html = _render(tmp_path, _data(equity=[]))
    parsed = _parse(html)
    assert set(SECTIONS) <= parsed.ids
    assert "No intent was rejected." in html and "No fill." in html
    assert "Risk rejections (0)" in html
    assert len(parsed.images) == N_CHARTS  # "no data" placeholders, still valid PNG
    assert all(base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC for src in parsed.images)


def test_flat_curve_shows_a_dash_for_sharpe(tmp_path: Path) -> None:
    flat = [EquityPoint(ts_ns=T0 + i * 1_000 * MS, equity_usd=1_000.0, position_usd=0.0) for i in range(5)]
    html = _render(tmp_path, _data(equity=flat))
    assert re.search(r"Sharpe ratio \(annualised, 1s returns\)</th><td class=\"num\">–</td>", html)
    assert re.search(r"Probabilistic Sharpe ratio P\[SR &gt; 0\]</th><td class=\"num\">–</td>", html)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html).lower()
    assert ">nan<" not in text and "inf<" not in text


def test_a_recorded_failure_is_listed_first_with_its_error_and_escaped_traceback(tmp_path: Path) -> None:
    failure = ScriptFailureRow(ts_ns=T0 + 1_234 * MS, script_id="basis-btc", instrument_id="BTCUSDT.BINANCE_SPOT",
                               error_type="ZeroDivisionError", message="model output was <nan>",
                               traceback='Traceback (most recent call last):\n  File "x.py", line 1, in on_book\n')
    html = _render(tmp_path, _data(failures=[failure]))
    section = re.search(r'<section id="failures" class="alert">.*?</section>', html, re.S)
    assert section is not None
    text = section.group(0)
    assert "Script failures (1)" in text and "basis-btc" in text and "2024-08-08T00:00:01.234Z" in text
    assert "ZeroDivisionError" in text and "model output was &lt;nan&gt;" in text and "in on_book" in text
    assert html.index('id="failures"') < html.index('id="summary"'), "failures come before everything else"
    assert re.search(r"Script failures</th><td class=\"num\">1</td>", html)


def test_without_failures_the_section_says_so_quietly(tmp_path: Path) -> None:
    html = _render(tmp_path, _data())
    assert "Script failures (0)" in html and "No script raised." in html and 'class="alert"' not in html
