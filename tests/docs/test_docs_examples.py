"""The runnable examples in the docs run as written.

A fenced block whose info string is ``python runnable`` is extracted from each page below and
executed in a fresh namespace with the working directory set to a temporary folder. It must run
without error and print something (every example prints the output its page shows). A block that
reads the shared real-data folder beside the checkout (it names ``"shared"``) is skipped, with the
reason, in a clone that has no such folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testkit import SHARED_REAL

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("first-script.md", "features-and-models.md", "features.md", "regimes.md", "regime-gating.md", "validation.md",
         "model-zoo.md", "compiled-inference.md", "model-registry.md",
         "orders.md", "journal.md", "market-data.md", "data-sources-lean.md", "synthetic-data.md", "tick-store.md",
         "data-quality.md", "statistics.md", "simulation.md", "paper-trading.md", "sweeps.md",
         "lifecycle.md")
_BLOCK = re.compile(r"^```python runnable[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def runnable_blocks(page: str) -> list[str]:
    """Source of every ``python runnable`` block of ``docs/<page>``, in page order."""
    return _BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


EXAMPLES = [pytest.param(page, i, code, id=f"{page}[{i}]")
            for page in PAGES for i, code in enumerate(runnable_blocks(page))]


@pytest.mark.parametrize("page", PAGES)
def test_page_has_a_runnable_example(page: str) -> None:
    assert runnable_blocks(page), f"docs/{page} has no ```python runnable block"


@pytest.mark.parametrize(("page", "index", "code"), EXAMPLES)
def test_runnable_example_runs_and_prints(page: str, index: int, code: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if '"shared"' in code and not SHARED_REAL.exists():
        pytest.skip(f"docs/{page} block {index} reads the shared real data, absent at {SHARED_REAL}")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    exec(compile(code, f"docs/{page} (runnable block {index})", "exec"), namespace)
    printed = capsys.readouterr().out
    assert printed.strip(), f"docs/{page} runnable block {index} printed nothing"
