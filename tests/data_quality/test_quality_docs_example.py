"""The runnable example of docs/data-quality.md runs as written and prints the report it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "data-quality.md"
_BLOCK = re.compile(r"^```python runnable[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def test_data_quality_page_example_runs_and_prints_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "docs/data-quality.md (runnable block)", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out
    assert "dropped rows: [4964] rows out: 598753" in printed
    assert "outlier_prints" in printed and "repair: dropped 1" in printed
