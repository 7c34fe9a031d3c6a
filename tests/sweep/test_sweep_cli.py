"""``arbkit sweep``: a serial grid from the command line writes its ranked table and files; bad keys exit 2."""

from __future__ import annotations

import csv
from pathlib import Path

from sweep_kit import short_config_toml
from typer.testing import CliRunner

from arbkit.cli.main import app

WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}


def test_sweep_run_serial_ranks_the_grid_and_writes_the_results(tmp_path: Path) -> None:
    config = tmp_path / "short.toml"
    config.write_text(short_config_toml(), encoding="utf-8")
    spec = tmp_path / "sweep.toml"
    spec.write_text('[sweep]\nname = "exit"\n[sweep.grid]\n"strategy.exit_z" = [0.25]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", "run", str(config), "--spec", str(spec), "--grid",
                                      "strategy.entry_z=1.5,99", "--serial", "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "exit: 2 of 2 points ran (serial" in result.output
    assert "deflated Sharpe of point" in result.output and "over 2 trials" in result.output
    rows = list(csv.DictReader((out / "points.csv").open()))
    assert len(rows) == 2 and {r["strategy.exit_z"] for r in rows} == {"0.25"}
    assert {r["fills"] for r in rows if r["strategy.entry_z"] == "99"} == {"0"}  # never enters: no fill


def test_sweep_run_with_an_unknown_key_exits_2_naming_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", "run", "--grid", "strategy.entry=1,2", "--serial",
                                      "--out", str(tmp_path)], env=WIDE)
    assert result.exit_code == 2
    assert "strategy.entry" in result.output and "'entry'" in result.output
    assert not (tmp_path / "points.csv").exists()
