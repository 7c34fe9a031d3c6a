"""``arbkit data``: ingest files into the tick store, validate them, query the store, show what it holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arbkit.core.errors import ArbkitError

data_app = typer.Typer(add_completion=False, no_args_is_help=True,
                       help="Tick store: ingest recorded files, validate them, query with SQL, show what is stored.")


def _console() -> Console:
    """A console sized when the command runs (so ``COLUMNS`` set by the caller applies)."""
    return Console()


DEFAULT_STORE = Path("arbkit-store")
STORE_OPTION = typer.Option(DEFAULT_STORE, "--store", help="Store folder (created on first ingest).")


def _fail(message: str) -> typer.Exit:
    _console().print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(2)


def _files(paths: list[Path]) -> list[Path]:
    """Files named (each must have a reader), and the files with a reader under the folders named."""
    from arbkit.data.sources import UnknownSourceError, reader_for

    found: list[Path] = []
    ignored = 0
    for path in paths:
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                try:
                    reader_for(candidate)
                except UnknownSourceError:
                    ignored += 1
                    continue
                found.append(candidate)
        elif path.exists():
            try:
                reader_for(path)
            except UnknownSourceError as exc:
                raise _fail(str(exc)) from None
            found.append(path)
        else:
            raise _fail(f"{path}: no such file or folder")
    if ignored:
        _console().print(f"{ignored} file(s) in the folders have no reader and were left out (README, licences, ...)")
    return found


def _when(ns: Optional[int]) -> str:
    if ns is None:
        return "-"
    return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@data_app.command("ingest")
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders (walked) to ingest."),
           store: Path = STORE_OPTION) -> None:
    """Ingest files into the store (re-ingesting the same bytes does nothing)."""
    from arbkit.data.store import TickStore

    files = _files(paths)
    records = []
    with Progress(TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=_console()) as progress:
        task = progress.add_task("ingest", total=len(files))

        def on_file(path: Path, record: object) -> None:
            if record is None:
                progress.update(task, description=f"ingest {path.name[:41]}")
            else:
                progress.advance(task)

        try:
            records = TickStore(store).ingest(files, progress=on_file)
        except ArbkitError as exc:
            raise _fail(str(exc)) from None
        except (OSError, ValueError) as exc:
            raise _fail(f"{type(exc).__name__}: {exc}") from None
    table = Table(title=f"ingest into {store}")
    for column, justify in (("source", "left"), ("status", "left"), ("rows", "right"), ("instruments", "left"),
                            ("clock offset ms", "right"), ("s", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in records:
        offset = "-" if r.clock_offset_ns is None else f"{r.clock_offset_ns / 1e6:.1f}"
        table.add_row(r.source, r.status if not r.message or r.status == "ingested" else f"{r.status}: {r.message}",
                      f"{r.rows:,}", ", ".join(r.instruments), offset, f"{r.seconds:.2f}")
    _console().print(table)


@data_app.command("info")
def info(store: Path = STORE_OPTION) -> None:
    """Per instrument: rows, first and last time, dates, sources, clock offset."""
    from arbkit.data.store import TickStore

    try:
        rows = TickStore(store).info()
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    if not rows:
        _console().print(f"store {store} is empty (arbkit data ingest FILES --store {store})")
        return
    table = Table(title=f"store {store}")
    for column in ("instrument", "dataset", "rows", "first (UTC)", "last (UTC)", "dates", "clock offset ms", "sources"):
        table.add_column(column, overflow="fold")
    for i in rows:
        offset = "-" if i.clock_offset_ns is None else f"{i.clock_offset_ns / 1e6:.1f}"
        table.add_row(i.instrument_id, i.dataset, f"{i.rows:,}", _when(i.first_ns), _when(i.last_ns),
                      ", ".join(i.dates), offset, ", ".join(i.sources))
    _console().print(table)


@data_app.command("query")
def query(sql: str = typer.Argument(..., help="SQL over the views ticks, ticks_raw, bars, sources, files, instruments."),
          store: Path = STORE_OPTION, limit: int = typer.Option(50, help="Most rows to print.")) -> None:
    """Run SQL on the store (DuckDB) and print the first rows."""
    from arbkit.data.store import TickStore

    try:
        result = TickStore(store).query(sql)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"{result.num_rows:,} rows" + (f" (first {limit})" if result.num_rows > limit else ""))
    for name in result.column_names:
        table.add_column(name, overflow="fold")
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*("NULL" if v is None else str(v) for v in row.values()))
    _console().print(table)


def _frames(paths: list[Path], store: Optional[Path]) -> Iterator[tuple[object, object]]:
    """(frame, read stats) of each file, or of each instrument in the store."""
    if store is not None:
        from arbkit.data.store import TickStore

        tick_store = TickStore(store)
        for info in tick_store.info():
            if info.dataset == "ticks":
                yield tick_store.frame(info.instrument_id), None
        return
    from arbkit.data.sources import ingest_order, reader_for

    ends: dict[str, object] = {}
    for path in ingest_order(_files(paths)):
        reader = reader_for(path)
        if reader.read is None:
            _console().print(f"skipped {path.name}: {reader.skip_reason}")
            continue
        from arbkit.adapters.binance.reader import predecessor_name

        previous = predecessor_name(path)
        read = reader.read(path, ends.get(previous) if previous else None)  # type: ignore[arg-type]
        ends[path.name] = read.end
        if "ts_recv" not in read.frame.table.schema.names:
            _console().print(f"skipped {path.name}: bars are not validated (tick checks only)")
            continue
        yield read.frame, read.stats


@data_app.command("validate")
def validate(paths: Optional[list[Path]] = typer.Argument(None, help="Files or folders to validate."),
             store: Optional[Path] = typer.Option(None, "--store", help="Validate every instrument in this store instead."),
             report: Path = typer.Option(Path("quality-report.html"), help="Report file (.html or .json).")) -> None:
    """Run the data-quality checks on files (or a store) and write the quality report."""
    try:
        from arbkit.data.quality import DataQualityError, to_rich_table, validate as run_checks, write_report
    except ImportError:
        raise _fail("the data-quality module (arbkit.data.quality) is not available in this installation") from None
    if not paths and store is None:
        raise _fail("name files or folders to validate, or --store DIR")
    reports = []
    failed = False
    try:
        for frame, stats in _frames(list(paths or []), store):
            try:
                _, result = run_checks(frame, read_stats=stats)  # type: ignore[arg-type]
            except DataQualityError as exc:
                result, failed = exc.report, True
            _console().print(to_rich_table(result))
            reports.append(result)
    except ArbkitError as exc:
        raise _fail(str(exc)) from None
    if not reports:
        raise _fail("nothing to validate (no tick files, or an empty store)")
    try:
        written = write_report(reports, report)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _console().print(f"report: {written}")
    if failed:
        raise typer.Exit(1)
