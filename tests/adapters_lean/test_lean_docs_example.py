"""The runnable example of docs/data-sources-lean.md runs and prints the output the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testkit import shared_file

PAGE = Path(__file__).resolve().parents[2] / "docs" / "data-sources-lean.md"
_BLOCK = re.compile(r"^```python runnable[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_OUTPUT = re.compile(r"^Output:\n\n```\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_lean_docs_example_prints_the_output_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    shared_file("pairs_daily", "arbitragelab_rb.csv")  # skips when the shared data is absent
    text = PAGE.read_text(encoding="utf-8")
    (code,) = _BLOCK.findall(text)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/data-sources-lean.md (runnable block)", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out == _OUTPUT.search(text).group(1)
