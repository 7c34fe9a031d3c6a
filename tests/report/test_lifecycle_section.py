"""The report's lifecycle section: timeline and PnL charts, score/rollback/A-B tables, escaping, the empty case,
determinism, the report.json round trip, and the section in headless Chromium."""

from __future__ import annotations

import base64
import re
import shutil
import struct
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbkit.lifecycle.evidence import ArmScore
from arbkit.lifecycle.summary import ABComparison, LifecycleSummary, ModeInterval, RollbackRecord
from arbkit.report import fmt
from arbkit.report.lifecycle_section import lifecycle_document, lifecycle_from_document, lifecycle_section_html
from arbkit.report.model import ReportInputError

T0 = 1_723_075_200_000_000_000  # 2024-08-08T00:00:00Z
MIN = 60_000_000_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVIL = "v<script>alert(1)</script>"


def _iv(version: str, mode: str, start_min: int, end_min: int | None, reason: str = "policy") -> ModeInterval:
    return ModeInterval(script_id=f"basis@{version}", model_name="basis_lr", version=version, mode=mode,
                        start_ns=T0 + start_min * MIN, end_ns=None if end_min is None else T0 + end_min * MIN,
                        actor="lifecycle-controller", reason=reason)


def _score(version: str, mode: str, since_min: int, **kw: object) -> ArmScore:
    return ArmScore(script_id=f"basis@{version}", model_name="basis_lr", version=version, mode=mode,
                    since_ns=T0 + since_min * MIN, ts_ns=T0 + 60 * MIN, **kw)  # type: ignore[arg-type]


ROLLBACK = RollbackRecord(ts_ns=T0 + 50 * MIN, script_id="basis", version="v3", mode="canary", restored_version="v2",
                          trigger="min_pnl_usd", value=-12.3456, limit=-5.0, gross_exposure_usd=1234.5,
                          detail="canary PnL below the floor")
AB = ABComparison(version_a="v2", version_b="v3", split="hash(intent_id) % 2", signals_a=40, signals_b=38,
                  trades_a=12, trades_b=11, pnl_a_usd=8.5, pnl_b_usd=-12.3456, hit_rate_a=0.58, hit_rate_b=0.27,
                  slippage_a_bps=1.25, slippage_b_bps=1.5, latency_p99_a_us=210.0, latency_p99_b_us=None,
                  diff_mean_usd=1.83, welch_ci=(0.41, 3.25), welch_p_value=0.0123, bootstrap_ci=(0.5, 3.1),
                  confidence=0.95, decision="a", decision_reason="CI of A − B above 0 after 23 trades")


def _summary(v3_name: str = "v3") -> LifecycleSummary:
    rb = msgspec.structs.replace(ROLLBACK, version=v3_name)
    return LifecycleSummary(
        intervals=[_iv("v1", "live", 0, 30), _iv("v2", "shadow", 0, 10), _iv("v2", "canary", 10, 30),
                   _iv("v1", "retired", 30, None, reason="replaced by v2"), _iv("v2", "live", 30, None),
                   _iv(v3_name, "shadow", 20, 40), _iv(v3_name, "canary", 40, 50),
                   _iv(v3_name, "retired", 50, None, reason="rollback: min_pnl_usd")],
        final_scores=[
            _score("v1", "retired", 30, calls=100, positive_calls=40, precision=0.55, recall=0.5, f1=0.5238,
                   trades=20, hit_rate=0.55, pnl_usd=4.25, sharpe=1.1, max_drawdown_usd=2.0,
                   max_gross_exposure_usd=1500.0, latency_p99_us=180.0, error_rate=0.0, psi=0.04),
            _score("v2", "live", 30, calls=120, trades=25, hit_rate=0.6, pnl_usd=9.75, sharpe=1.9,
                   latency_p99_us=210.0, psi=0.06),
            _score(v3_name, "retired", 50, calls=30, trades=11, hit_rate=0.27, pnl_usd=-12.3456, error_rate=0.02),
        ],
        score_series={
            "v1": [(T0 + m * MIN, 0.2 * m, "live") for m in range(0, 31, 5)],
            "v2": [(T0 + m * MIN, 0.3 * m - 1.0, "shadow" if m < 10 else ("canary" if m < 30 else "live"))
                   for m in range(0, 61, 5)],
            v3_name: [(T0 + m * MIN, -0.4 * (m - 20), "shadow" if m < 40 else "canary") for m in range(20, 51, 5)],
        },
        rollbacks=[rb],
        refusals=["operator asked to promote v3 to live at 00:45: canary trades 4 < 10 required"],
        ab=msgspec.structs.replace(AB, version_b=v3_name),
        shadow_vs_live=[("v2", "v1", "hit_rate", 0.6, 0.55), ("v2", "v1", "psi", None, 0.04)],
    )


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _row(html: str, table_id: str, first_cell: str) -> str:
    table = re.search(rf'<table id="{table_id}">.*?</table>', html, re.DOTALL)
    assert table is not None, table_id
    rows = [r for r in re.findall(r"<tr[^>]*>.*?</tr>", table.group(0), re.DOTALL) if f">{first_cell}</td>" in r]
    assert len(rows) == 1, (table_id, first_cell, rows)
    return rows[0]


class _Balance(HTMLParser):
    VOID = frozenset({"img", "br", "hr", "meta"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()


def test_section_has_the_timeline_and_pnl_charts_as_real_pngs() -> None:
    html = lifecycle_section_html(_summary())
    assert html.startswith('<section id="lifecycle">') and html.endswith("</section>")
    assert 'id="lifecycle-timeline-img"' in html and 'id="lifecycle-pnl-img"' in html
    images = _images(html)
    assert len(images) == 2
    for png in images:
        width, height = _png_size(png)
        assert width >= 800 and height >= 150 and len(png) > 10_000
    assert _images(lifecycle_section_html(_summary()))[0] != _images(
        lifecycle_section_html(LifecycleSummary(intervals=[_iv("v1", "live", 0, None)])))[0]


def test_every_version_has_a_score_row_with_its_figures() -> None:
    html = lifecycle_section_html(_summary())
    v1 = _row(html, "lifecycle-scores", "v1")
    assert ">retired<" in v1 and ">0.550<" in v1 and ">0.524<" in v1 and ">55.0%<" in v1
    assert ">4.2500<" in v1 and ">1,500.00<" in v1 and ">180.0<" in v1 and ">0.040<" in v1
    v2 = _row(html, "lifecycle-scores", "v2")
    assert ">live<" in v2 and ">9.7500<" in v2 and ">210.0<" in v2 and ">30m 00.0s<" in v2
    assert v2.count(f">{fmt.MISSING}<") == 3  # precision, recall, F1 undefined
    v3 = _row(html, "lifecycle-scores", "v3")
    assert ">-12.3456<" in v3 and ">2.00%<" in v3
    for header in ("PnL (USD)", "Latency p99 (µs)", "Max gross exposure (USD)", "Hit rate (%)", "PSI"):
        assert f">{header}</th>" in html


def test_rollback_row_names_trigger_value_limit_and_restored_version_in_red() -> None:
    html = lifecycle_section_html(_summary())
    row = _row(html, "lifecycle-rollbacks", fmt.utc_ms(T0 + 50 * MIN))
    assert row.startswith('<tr class="rollback">')
    for cell in ("v3", "canary", "min_pnl_usd", "-12.3456", "-5.0000", "v2", "1,234.50", "50.00",
                 "canary PnL below the floor"):
        assert f">{cell}</td>" in row, cell
    assert row.count("color:#a93226") == 10
    assert 'id="lifecycle-rollback-alert"' in html and "min_pnl_usd -12.3456 vs limit -5.0000" in html


def test_ab_comparison_shadow_vs_live_refusals_and_mode_changes_are_listed() -> None:
    html = lifecycle_section_html(_summary())
    arm_a = _row(html, "lifecycle-ab-arms", "A")
    assert all(f">{c}</td>" in arm_a for c in ("v2", "40", "12", "8.5000", "58.0%", "1.250", "210.0"))
    assert f">{fmt.MISSING}</td>" in _row(html, "lifecycle-ab-arms", "B")  # no latency for arm B
    ab = re.search(r'<table class="kv" id="lifecycle-ab">.*?</table>', html, re.DOTALL)
    assert ab is not None
    for text in ("Welch 95% confidence interval (USD)", "[0.4100, 3.2500]", "0.0123", "[0.5000, 3.1000]", "1.8300",
                 "hash(intent_id) % 2", "CI of A − B above 0 after 23 trades"):
        assert text in ab.group(0), text
    hit = _row(html, "lifecycle-shadow-vs-live", "hit_rate")
    assert ">v2</td>" in hit and ">0.6000<" in hit and ">0.5500<" in hit and ">0.0500<" in hit
    psi = _row(html, "lifecycle-shadow-vs-live", "psi")
    assert psi.count(f">{fmt.MISSING}</td>") == 2 and ">0.0400<" in psi  # no shadow PSI: no difference either
    assert "canary trades 4 &lt; 10 required" in html
    assert ">rollback: min_pnl_usd</td>" in html and ">replaced by v2</td>" in html and ">still in it</td>" in html


def test_a_version_name_with_a_script_tag_is_escaped_everywhere() -> None:
    html = lifecycle_section_html(_summary(EVIL))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.scripts == 0 and parser.stack == []
    assert len(_images(html)) == 2


def test_an_empty_summary_says_there_was_no_lifecycle_and_draws_no_chart() -> None:
    html = lifecycle_section_html(LifecycleSummary())
    assert html.startswith('<section id="lifecycle">') and "No lifecycle in this run" in html
    assert _images(html) == []


def test_a_run_without_rollback_ab_or_refusal_says_so() -> None:
    summary = LifecycleSummary(intervals=[_iv("v1", "shadow", 0, 5), _iv("v1", "live", 5, None)])
    html = lifecycle_section_html(summary)
    assert "No automatic rollback." in html and "No A/B split ran." in html and "No promotion was refused." in html
    assert "lifecycle-rollback-alert" not in html and "No version was scored." in html
    assert len(_images(html)) == 2


def test_two_renders_are_byte_identical() -> None:
    assert lifecycle_section_html(_summary()) == lifecycle_section_html(_summary())


def test_document_round_trips_and_renders_the_same_section() -> None:
    summary = _summary()
    doc = lifecycle_document(summary)
    decoded = msgspec.json.decode(msgspec.json.encode(doc, order="deterministic"))
    assert decoded["rollbacks"][0]["trigger"] == "min_pnl_usd" and decoded["ab"]["welch_ci"] == [0.41, 3.25]
    back = lifecycle_from_document(decoded)
    assert back == summary
    assert lifecycle_section_html(back) == lifecycle_section_html(summary)


def test_a_malformed_document_is_refused_with_the_field_path() -> None:
    doc = lifecycle_document(_summary())
    doc["rollbacks"][0]["value"] = "high"
    with pytest.raises(ReportInputError, match=r"report.json lifecycle: Expected `float`, got `str` - at "
                                               r"`\$.rollbacks\[0\].value`"):
        lifecycle_from_document(doc)


@settings(max_examples=15, deadline=None)
@given(name=st.text(min_size=1, max_size=20), trigger=st.text(max_size=20),
       refusal=st.text(max_size=30))
def test_any_text_in_names_triggers_and_refusals_renders_escaped(name: str, trigger: str, refusal: str) -> None:
    summary = LifecycleSummary(
        intervals=[_iv(name, "canary", 0, 3), _iv(name, "retired", 3, None)],
        score_series={name: [(T0, 0.0, "canary"), (T0 + 3 * MIN, -1.0, "canary")]},
        rollbacks=[msgspec.structs.replace(ROLLBACK, ts_ns=T0 + 3 * MIN, version=name, trigger=trigger)],
        refusals=[refusal])
    html = lifecycle_section_html(summary)
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.scripts == 0 and parser.stack == []
    assert len(_images(html)) == 2
    assert escape(name, quote=True) in html and escape(refusal, quote=True) in html


def _chromium() -> str | None:
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


def test_lifecycle_section_renders_in_headless_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    executable = _chromium()
    if executable is None:
        pytest.skip("no system Chromium (install the chromium package)")
    page_path = tmp_path / "lifecycle.html"
    page_path.write_text('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>lifecycle</title></head>'
                         f"<body><main>{lifecycle_section_html(_summary(EVIL))}</main></body></html>\n",
                         encoding="utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(page_path.resolve().as_uri())
            visible = page.is_visible("#lifecycle")
            widths = page.evaluate("Array.from(document.querySelectorAll('#lifecycle img'))"
                                   ".map(img => img.complete ? img.naturalWidth : 0)")
            text = page.inner_text("#lifecycle-rollbacks")
            colour = page.evaluate("getComputedStyle(document.querySelector('#lifecycle-rollbacks td')).color")
        finally:
            browser.close()
    assert visible and len(widths) == 2 and all(w > 0 for w in widths), widths
    assert "min_pnl_usd" in text and "-12.3456" in text and EVIL in text
    assert colour == "rgb(169, 50, 38)" and dialogs == []
