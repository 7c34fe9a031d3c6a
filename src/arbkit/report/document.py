"""``report.json``: the machine-readable report beside ``report.html``, and the HTML re-rendered from it.

The document is one JSON object (schema in docs/backtest.md, "The report")::

    {"schema": "arbkit.backtest_report", "schema_version": 1,
     "data": {...ReportData: config, equity samples with marks, fills, rejections, orders, failures, ...},
     "statistics": {...ReportStats: returns, trades with attribution, inference (PSR, DSR), latency, ...}}

``data`` is everything the report is drawn from; ``statistics`` is what :func:`compute_report_stats`
made of it, for readers that only want the numbers (undefined statistics are ``null``). The HTML is a
function of ``data`` alone, so :func:`render_json_report` re-renders the same HTML from the file (the
statistics are recomputed, never trusted from the file). Output is deterministic: object fields in
their declared order, map keys (config, marks, attribution groups) sorted, no wall-clock time; the
same run gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

from arbkit.report.model import ReportData, ReportInputError
from arbkit.report.summary import ReportStats, compute_report_stats

SCHEMA = "arbkit.backtest_report"
"""Value of the document's ``schema`` field."""
SCHEMA_VERSION = 1
"""Version of the document layout; bumped when a field changes meaning or is removed."""


class ReportDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The parsed ``report.json``; ``statistics`` is kept as plain JSON values (read-only output)."""

    schema: str
    schema_version: int
    data: ReportData
    statistics: dict[str, Any]


def report_json(data: ReportData, stats: ReportStats) -> bytes:
    """The document as UTF-8 JSON bytes (map keys sorted, NaN and infinities as ``null``), ending in a newline."""
    body = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "data": data, "statistics": stats}
    return msgspec.json.encode(body, order="deterministic") + b"\n"


def _write_atomic(path: Path, payload: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(payload)
    os.replace(tmp, path)
    return path


def write_report_files(data: ReportData, html_path: Path, json_path: Path | None = None) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.json`` (default: beside the HTML); return both paths."""
    from arbkit.report.html import render_report

    html_path = Path(html_path)
    json_path = html_path.with_suffix(".json") if json_path is None else Path(json_path)
    stats = compute_report_stats(data)
    _write_atomic(json_path, report_json(data, stats))
    render_report(data, stats, html_path)
    return html_path, json_path


def parse_report_json(payload: bytes, source: str = "report.json") -> ReportDocument:
    """Decode and check a report document; ``source`` names it in errors.

    Raises:
        ReportInputError: not JSON, not an object, another schema or version, or a field of the wrong
            type (the message gives its JSON path, e.g. ``$.data.equity[3].ts_ns``).
    """
    try:
        head = msgspec.json.decode(payload)
    except msgspec.DecodeError as exc:
        raise ReportInputError(f"{source}: not valid JSON: {exc}") from None
    if not isinstance(head, dict):
        raise ReportInputError(f"{source}: a report document is a JSON object, got {type(head).__name__}")
    if head.get("schema") != SCHEMA:
        raise ReportInputError(f"{source}: schema {head.get('schema')!r} is not {SCHEMA!r}")
    if head.get("schema_version") != SCHEMA_VERSION:
        raise ReportInputError(f"{source}: schema_version {head.get('schema_version')!r} is not supported "
                               f"(this arbkit reads version {SCHEMA_VERSION})")
    try:
        return msgspec.json.decode(payload, type=ReportDocument)
    except msgspec.ValidationError as exc:
        raise ReportInputError(f"{source}: {exc}") from None


def load_report_json(path: Path) -> ReportData:
    """The :class:`ReportData` of a ``report.json`` file (see :func:`parse_report_json` for the errors)."""
    path = Path(path)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise ReportInputError(f"cannot read report document {path}: {exc.strerror or exc}") from None
    return parse_report_json(payload, str(path)).data


def render_json_report(json_path: Path, html_path: Path) -> Path:
    """Render ``html_path`` from a ``report.json`` alone; return ``html_path``."""
    from arbkit.report.html import render_report

    data = load_report_json(json_path)
    return render_report(data, compute_report_stats(data), html_path)
