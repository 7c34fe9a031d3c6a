"""docs/model-zoo.md names every kind of the zoo (its runnable example runs in tests/docs)."""

from __future__ import annotations

from pathlib import Path

from arbkit.models.zoo import KINDS

PAGE = Path(__file__).resolve().parents[3] / "docs" / "model-zoo.md"


def test_model_zoo_page_documents_every_kind() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind}`" in text, f"docs/model-zoo.md has no row for kind {kind!r}"
