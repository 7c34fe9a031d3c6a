"""`arbkit demo`'s lifecycle pass: shadow -> canary -> live for the retrained version, a rollback of the broken one."""
# The demo's story is a property of the shipped sample and the embedded policy (both fixed), so it is
# reproducible; these tests pin it so that a change of the platform that breaks the story is seen.

from __future__ import annotations


import pytest
from typer.testing import CliRunner

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.backtest.pipeline import run_pipeline
from arbkit.cli.main import app
from testkit import default_config


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("demo")
    return run_pipeline(default_config(), out), out


def modes_by_version(result) -> dict[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    modes: dict[str, list[tuple[str, str]]] = {}
    for interval in result.lifecycle.intervals:
        modes.setdefault(interval.version, []).append((interval.mode, interval.actor))
    return modes


def test_the_retrained_version_goes_shadow_canary_live_and_the_champion_retires(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, _ = demo_run
    champion = result.trained.model.version
    modes = modes_by_version(result)
    assert [m for m, _ in modes[champion]] == ["live", "retired"]
    retrained = [v for v, m in modes.items() if m[0] == ("shadow", "retrain-bot")]
    assert len(retrained) == 1, modes
    assert modes[retrained[0]] == [("shadow", "retrain-bot"), ("canary", "alice"), ("live", "alice")]


def test_the_broken_version_is_rolled_back_and_bob_is_refused(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, out = demo_run
    broken = f"{result.trained.model.version}-broken"
    modes = modes_by_version(result)
    assert modes[broken] == [("canary", "alice"), ("retired", "rollback-guard")]
    [rollback] = result.lifecycle.rollbacks
    assert rollback.version == broken and rollback.trigger == "max_error_rate" and rollback.value > rollback.limit
    assert any("'bob'" in refusal and "promote" in refusal for refusal in result.lifecycle.refusals)
    with Journal(out / "lifecycle" / "journal.sqlite") as journal:
        assert journal.verify().ok
        assert journal.count(kinds.ROLLBACK) == 1 and journal.count(kinds.LIFECYCLE_REFUSAL) >= 1
        assert journal.count(kinds.LIFECYCLE_SCORE) > 10 and journal.count(kinds.SHADOW_INTENT) > 0


def test_the_lifecycle_is_in_the_report_and_the_history_command(demo_run) -> None:  # type: ignore[no-untyped-def]
    result, out = demo_run
    from arbkit.adapters.binance.instruments import binance_registry
    from arbkit.backtest.report_builder import write_report

    html = write_report(result, binance_registry(), out / "report.html").read_text()
    assert 'id="lifecycle"' in html and f"{result.trained.model.version}-broken" in html
    runner = CliRunner()
    shown = runner.invoke(app, ["lifecycle", "history", str(out / "lifecycle")], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "rollback" in shown.output and "retrain-bot" in shown.output
