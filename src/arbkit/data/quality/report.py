"""The per-source data-quality report: what each check found and what the policy did about it.

Rendered as a rich table for the terminal, and written as JSON (msgspec) or one self-contained HTML page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import msgspec

from arbkit.data.quality.policy import Action
from arbkit.data.quality.result import CheckResult, Severity


class ClockOffsetStats(msgspec.Struct, frozen=True, kw_only=True):
    """``ts_recv - ts_event`` over the rows with two clocks, in ms."""

    rows: int
    median_ms: float
    p1_ms: float
    p99_ms: float


class ActionTaken(msgspec.Struct, frozen=True, kw_only=True):
    """What the policy did for one check that found something.

    Attributes:
        check: the check's name.
        action: reject, repair or flag.
        dropped_rows: input-frame indices of the rows this repair dropped (all of them).
        changed_rows: rows kept but changed (marked ``F_REPAIRED``).
        remaining: the check's count on the output frame (0 after a successful repair).
    """

    check: str
    action: Action
    found: int
    dropped_rows: list[int] = msgspec.field(default_factory=list)
    changed_rows: int = 0
    remaining: int | None = None


class QualityReport(msgspec.Struct, kw_only=True):
    """Data quality of one source (one :class:`~arbkit.data.schema.TickFrame`).

    Attributes:
        source: the frame's source.
        instruments: instrument ids in the frame.
        rows_in, rows_out: rows before and after the repairs.
        passed: False if a ``reject`` check found something (the frame was rejected).
        checks: every check's result, on the input frame.
        actions: what the policy did, for each check that found something.
        repaired_rows: rows marked ``F_REPAIRED``; dropped_rows: rows dropped (= rows_in - rows_out).
        clock_offset: the receive − event time distribution (None without two-clock rows).
        seconds: time the validation took.
    """

    source: str
    instruments: list[str]
    rows_in: int
    rows_out: int
    passed: bool
    checks: list[CheckResult]
    actions: list[ActionTaken]
    repaired_rows: int = 0
    dropped_rows: int = 0
    clock_offset: ClockOffsetStats | None = None
    seconds: float = 0.0

    def result(self, name: str) -> CheckResult:
        """The result of check ``name``; raises KeyError naming the checks run."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check {name!r} in the report of {self.source}; ran: {[c.name for c in self.checks]}")

    def counts(self) -> dict[str, int]:
        """Check name → count."""
        return {check.name: check.count for check in self.checks}

    def dropped_indices(self) -> list[int]:
        """Every dropped row's index in the input frame, sorted."""
        return sorted(row for action in self.actions for row in action.dropped_rows)

    def to_json(self) -> bytes:
        """The report as JSON (msgspec)."""
        return msgspec.json.format(msgspec.json.encode(self), indent=2)

    @classmethod
    def from_json(cls, data: bytes | str) -> "QualityReport":
        """Read a report written by :meth:`to_json`."""
        return msgspec.json.decode(data, type=cls)


_STYLE = {Severity.OK: "green", Severity.INFO: "cyan", Severity.WARNING: "yellow", Severity.ERROR: "red"}


def _action_text(report: QualityReport, name: str) -> str:
    for action in report.actions:
        if action.check == name:
            text = action.action.value
            if action.dropped_rows:
                text += f": dropped {len(action.dropped_rows)}"
            if action.changed_rows:
                text += f", marked {action.changed_rows}" if action.dropped_rows else f": marked {action.changed_rows}"
            return text
    return "-"


def _examples_text(check: CheckResult, limit: int = 3) -> str:
    return ", ".join(str(example.row) for example in check.examples[:limit] if example.row >= 0)


def to_rich_table(report: QualityReport):  # type: ignore[no-untyped-def]
    """The report as a :class:`rich.table.Table`."""
    from rich.table import Table

    verdict = "[green]passed[/]" if report.passed else "[red]REJECTED[/]"
    caption = (f"{report.rows_in} rows in, {report.rows_out} out; {report.dropped_rows} dropped, "
               f"{report.repaired_rows} marked F_REPAIRED")
    if report.clock_offset is not None:
        c = report.clock_offset
        caption += f"; clock offset median {c.median_ms:.1f} ms (p1 {c.p1_ms:.1f}, p99 {c.p99_ms:.1f})"
    table = Table(title=f"data quality: {report.source} ({', '.join(report.instruments)}) {verdict}", caption=caption)
    for column, justify in (("check", "left"), ("severity", "left"), ("count", "right"), ("action", "left"),
                            ("first rows", "left"), ("detail", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for check in report.checks:
        style = _STYLE[check.severity]
        table.add_row(check.name, f"[{style}]{check.severity.value}[/]", str(check.count), _action_text(report, check.name),
                      _examples_text(check), check.detail)
    return table


def render(report: QualityReport, console=None) -> None:  # type: ignore[no-untyped-def]
    """Print the report's table to ``console`` (a new :class:`rich.console.Console` if None)."""
    from rich.console import Console

    (console or Console()).print(to_rich_table(report))


def to_html(reports: Sequence[QualityReport]) -> str:
    """A small self-contained HTML page with one table per source."""
    colours = {Severity.OK: "#2e7d32", Severity.INFO: "#0277bd", Severity.WARNING: "#ef6c00", Severity.ERROR: "#c62828"}
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>data quality</title><style>",
             "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}",
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eee}",
             "td.n{text-align:right}</style></head><body>"]
    for report in reports:
        esc = html.escape
        verdict = "passed" if report.passed else "REJECTED"
        parts.append(f"<h2>{esc(report.source)} ({esc(', '.join(report.instruments))}): {verdict}</h2>")
        line = f"{report.rows_in} rows in, {report.rows_out} out; {report.dropped_rows} dropped, {report.repaired_rows} marked F_REPAIRED"
        if report.clock_offset is not None:
            c = report.clock_offset
            line += f"; clock offset median {c.median_ms:.1f} ms, p1 {c.p1_ms:.1f} ms, p99 {c.p99_ms:.1f} ms"
        parts.append(f"<p>{esc(line)}</p><table><tr><th>check</th><th>severity</th><th>count</th><th>action</th>"
                     "<th>first rows</th><th>detail</th></tr>")
        for check in report.checks:
            parts.append(f"<tr><td>{esc(check.name)}</td><td style='color:{colours[check.severity]}'>{check.severity.value}</td>"
                         f"<td class='n'>{check.count}</td><td>{esc(_action_text(report, check.name))}</td>"
                         f"<td>{esc(_examples_text(check))}</td><td>{esc(check.detail)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(reports: QualityReport | Sequence[QualityReport], path: str | Path) -> Path:
    """Write one or more reports to ``path``: ``.json`` (a list of reports) or ``.html``; returns the path."""
    path = Path(path)
    many = [reports] if isinstance(reports, QualityReport) else list(reports)
    if path.suffix == ".json":
        path.write_bytes(msgspec.json.format(msgspec.json.encode(many), indent=2))
    elif path.suffix in (".html", ".htm"):
        path.write_text(to_html(many), encoding="utf-8")
    else:
        raise ValueError(f"{path}: write a quality report to a .json or .html file, not {path.suffix or 'no suffix'!r}")
    return path


def read_reports(path: str | Path) -> list[QualityReport]:
    """Reports written by :func:`write_report` as JSON."""
    return msgspec.json.decode(Path(path).read_bytes(), type=list[QualityReport])
