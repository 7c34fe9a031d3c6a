"""The ``arbkit`` command line through typer's runner: demo, journal listing and verification, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.config import DEFAULT_CONFIG
from arbkit.cli.main import app

WIDE = {"COLUMNS": "240"}


def flat(text: str) -> str:
    """Output with whitespace runs collapsed (rich wraps and pads table cells)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "run"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_writes_the_report_journal_and_model(demo_out: tuple[Path, str]) -> None:
    out, output = demo_out
    for name in ("report.html", "journal.sqlite", "model.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    assert "<html" in (out / "report.html").read_text(encoding="utf-8").lower()
    text = flat(output)
    assert "run summary" in text and "risk rejections" in text and "report.html" in text


def test_journal_verify_says_the_chain_is_ok(demo_out: tuple[Path, str]) -> None:
    out, _ = demo_out
    result = CliRunner().invoke(app, ["journal", str(out / "journal.sqlite"), "--verify"], env=WIDE)
    assert result.exit_code == 0, result.output
    with Journal(out / "journal.sqlite") as journal:
        total = journal.count()
    assert f"chain ok: {total} entries checked" in flat(result.output)


def test_journal_kind_fill_lists_the_fills(demo_out: tuple[Path, str]) -> None:
    out, _ = demo_out
    with Journal(out / "journal.sqlite") as journal:
        fills = list(journal.entries(kind=kinds.FILL, limit=3))
        first_intent = next(journal.entries(kind=kinds.INTENT))
    assert fills
    result = CliRunner().invoke(app, ["journal", str(out / "journal.sqlite"), "--kind", "fill", "--limit", "3"],
                                env=WIDE)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "of kind fill" in text
    for fill in fills:
        assert f"fill_id={fill.payload['fill_id']}" in text
        assert f"client_order_id={fill.payload['client_order_id']}" in text
    assert f"intent_id={first_intent.payload['intent_id']}," not in text  # intents are not listed


def test_journal_on_a_missing_file_exits_2_with_a_message(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sqlite"
    result = CliRunner().invoke(app, ["journal", str(missing)], env=WIDE)
    assert result.exit_code == 2
    assert "no journal at" in flat(result.output)
    assert not missing.exists()  # reading never creates a journal


def test_journal_verify_reports_a_broken_chain_with_exit_1(demo_out: tuple[Path, str], tmp_path: Path) -> None:
    import sqlite3

    out, _ = demo_out
    copy = tmp_path / "copy.sqlite"
    source, target = sqlite3.connect(out / "journal.sqlite"), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TRIGGER journal_no_update")
        conn.execute("UPDATE journal SET payload = replace(payload, 'basis-btc', 'basis-XXX') WHERE seq = "
                     "(SELECT MIN(seq) FROM journal WHERE kind = 'fill')")
    result = CliRunner().invoke(app, ["journal", str(copy), "--verify"], env=WIDE)
    assert result.exit_code == 1
    assert "chain BROKEN" in flat(result.output)


@pytest.mark.parametrize("old, new, named", [
    ("entry_z = 2.0", "entry_zz = 2.0", "entry_zz"),
    ("order_latency_ns = 5000000", "order_latency_ns = -5", "order_latency_ns"),
    ("decision_interval_ms = 100", "decision_interval_ms = 0", "decision_interval_ms"),
    ('[strategy]', '[strategy', "not valid TOML"),
])
def test_backtest_with_a_broken_config_exits_2_naming_the_problem(tmp_path: Path, old: str, new: str,
                                                                   named: str) -> None:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert old in text
    config = tmp_path / "broken.toml"
    config.write_text(text.replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(app, ["backtest", str(config), "--out", str(tmp_path / "out")], env=WIDE)
    assert result.exit_code == 2, result.output
    output = flat(result.output)
    assert "error:" in output and named in output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert not (tmp_path / "out" / "journal.sqlite").exists()


def test_backtest_on_a_missing_config_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["backtest", str(tmp_path / "absent.toml"), "--out", str(tmp_path / "o")],
                                env=WIDE)
    assert result.exit_code == 2
    assert "cannot read config" in flat(result.output)
