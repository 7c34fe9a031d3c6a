"""``arbkit report RUN_DIR | report.json [--out report.html]``: re-render a run's HTML report from its JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from arbkit.core.errors import ArbkitError

console = Console()

REPORT_JSON = "report.json"
"""The JSON document a run writes beside its ``report.html``."""


def resolve_json(path: Path) -> Path:
    """``path`` itself if it is a file, else ``path / report.json`` (a run's output folder)."""
    return path / REPORT_JSON if path.is_dir() else path


def report(source: Path = typer.Argument(..., help="A run's output folder, or its report.json."),
           out: Optional[Path] = typer.Option(None, help="HTML file to write (default: report.html beside the JSON)."),
           ) -> None:
    """Render the HTML report from a run's report.json alone (statistics are recomputed from its data)."""
    from arbkit.report.document import render_json_report

    json_path = resolve_json(source)
    html_path = out if out is not None else json_path.with_suffix(".html")
    try:
        written = render_json_report(json_path, html_path)
    except ArbkitError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    console.print(f"report: {written}")
