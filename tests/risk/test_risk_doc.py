"""The example in docs/risk.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from testkit import REPO_ROOT

DOC = REPO_ROOT / "docs" / "risk.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_risk_doc_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    [toml_text] = blocks("toml")
    [python_text] = blocks("python")
    (tmp_path / "risk.toml").write_text(toml_text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    exec(compile(python_text, str(DOC), "exec"), {"__name__": "risk_doc_example"})
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and re.fullmatch(r"order quantity 0\.60* exceeds max_order_qty 0\.5", out[0])
    assert out[1] == "{'MAX_ORDER_QTY': 1, 'KILL_SWITCH': 1}"
    assert out[2] == "DRAWDOWN {'script:basis': 'REDUCING', 'script:pairs': 'REDUCING'}"
