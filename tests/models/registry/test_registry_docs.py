"""The runnable example of docs/model-registry.md runs as written, from a temporary folder, and prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "model-registry.md"
SHARED_DOCS_TEST = Path(__file__).resolve().parents[2] / "docs" / "test_docs_examples.py"
_BLOCK = re.compile(r"^```python runnable[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def test_model_registry_page_example_trains_registers_loads_and_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if '"model-registry.md"' in SHARED_DOCS_TEST.read_text(encoding="utf-8"):
        pytest.skip("tests/docs/test_docs_examples.py runs this page's examples")
    blocks = _BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert blocks, "docs/model-registry.md has no ```python runnable block"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for index, code in enumerate(blocks):
        exec(compile(code, f"docs/model-registry.md (runnable block {index})", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out
    assert "basis-gbm@1 lightgbm-" in printed
    assert "refused:" in printed and "0000000000000000" in printed
    assert (tmp_path / "arbkit-models" / "mlflow.db").is_file()
