"""The ``arbkit`` command line: demo, backtest, report, journal, and the data, models and sweep groups."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arbkit.cli.data_cmd import data_app
from arbkit.cli.lifecycle_cmd import lifecycle_app
from arbkit.cli import report_cmd
from arbkit.cli.models_cmd import models_app
from arbkit.cli.sweep_cmd import sweep_app
from arbkit.core.errors import ArbkitError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="arbkit: ML arbitrage scripts from recorded data to a risk-checked venue.")
console = Console()
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(sweep_app, name="sweep")
app.add_typer(lifecycle_app, name="lifecycle")
app.command(name="report")(report_cmd.report)


def _run(config_path: Optional[Path], out_dir: Path) -> None:
    """Run the pipeline and the report; an arbkit error becomes a message and exit code 2."""
    try:
        _run_pipeline(config_path, out_dir)
    except ArbkitError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _run_pipeline(config_path: Optional[Path], out_dir: Path) -> None:
    from arbkit.adapters.binance.instruments import binance_registry
    from arbkit.backtest.config import load_config
    from arbkit.backtest.pipeline import run_pipeline
    from arbkit.backtest.report_builder import write_report
    from arbkit.cli.progress import StageProgress

    config = load_config(config_path)
    console.print(f"[bold]arbkit[/bold] {config.name}: config {config.source}")
    with StageProgress(console) as progress:
        result = run_pipeline(config, out_dir, progress)
    report_path = write_report(result, binance_registry(), out_dir / "report.html")
    _summary(result)
    console.print(f"report:  {report_path}  (JSON: {report_path.with_suffix('.json')})")
    console.print(f"journal: {result.journal_path}  (arbkit journal {result.journal_path})")
    console.print(f"model:   {out_dir / 'model.json'}")
    if result.lifecycle is not None:
        _lifecycle_summary(result)


def _lifecycle_summary(result) -> None:  # type: ignore[no-untyped-def]
    summary = result.lifecycle
    table = Table(title="model lifecycle (out-of-sample replay)")
    for column in ("version", "modes", "PnL in last mode (USD)", "trades"):
        table.add_column(column)
    modes: dict[str, list[str]] = {}
    for interval in summary.intervals:
        modes.setdefault(interval.version, []).append(interval.mode)
    for score in summary.final_scores:
        table.add_row(escape(score.version), " -> ".join(modes.get(score.version, [score.mode])),
                      f"{score.pnl_usd:.4f}", str(score.trades))
    console.print(table)
    for rollback in summary.rollbacks:
        console.print(f"[red]rollback[/red] {escape(rollback.version)} ({rollback.mode}): {escape(rollback.detail)}"
                      + (f"; {escape(rollback.restored_version)} restored" if rollback.restored_version else ""))
    for refusal in summary.refusals:
        console.print(f"[yellow]refused[/yellow] {escape(refusal)}")
    console.print(f"lifecycle: {result.lifecycle_dir}  (arbkit lifecycle history {result.lifecycle_dir})")


def _summary(result) -> None:  # type: ignore[no-untyped-def]
    trained = result.trained
    table = Table(title="run summary", show_header=False)
    table.add_row("messages replayed", f"{result.messages:,}")
    table.add_row("decision points", f"{result.decision_points:,}")
    table.add_row("model", f"{trained.model.version} (train {trained.train_rows}, test {trained.test_rows} rows)")
    for key in ("accuracy", "precision", "recall", "roc_auc"):
        if key in trained.test_metrics:
            table.add_row(f"out-of-sample {key}", f"{trained.test_metrics[key]:.3f}")
    table.add_row("intents / fills", f"{result.path.intents} / {len(result.path.fills)}")
    reasons = result.path.gate.rejections_by_reason()
    table.add_row("risk rejections", ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none")
    if result.run.equity:
        table.add_row("PnL (USD, net of fees)", f"{result.run.equity[-1].equity_usd:.4f}")
    console.print(table)


@app.command()
def demo(out: Path = typer.Option(Path("arbkit-out/demo"), help="Folder for the report, journal and model.")) -> None:
    """Run the whole path on the shipped real sample with the embedded default config."""
    _run(None, out)


@app.command()
def backtest(config: Path = typer.Argument(..., help="TOML config (see docs/backtest.md)."),
             out: Path = typer.Option(Path("arbkit-out/backtest"), help="Output folder.")) -> None:
    """Run a backtest from a TOML config."""
    _run(config, out)


@app.command()
def journal(path: Path = typer.Argument(..., help="journal.sqlite written by a run."),
            kind: Optional[str] = typer.Option(None, help="Only this kind (intent, risk_decision, order, fill, ...)."),
            limit: int = typer.Option(50, help="Most entries to print."),
            verify: bool = typer.Option(False, help="Check the hash chain instead of listing.")) -> None:
    """Read back a run's journal (or verify its hash chain)."""
    from arbkit.audit import kinds
    from arbkit.audit.journal import Journal

    if not path.exists():
        console.print(f"[red]error:[/red] no journal at {path}")
        raise typer.Exit(2)
    with Journal(path) as store:
        if verify:
            check = store.verify()
            colour = "green" if check.ok else "red"
            console.print(f"[{colour}]chain {'ok' if check.ok else 'BROKEN'}[/{colour}]: "
                          f"{check.entries_checked} entries checked"
                          + ("" if check.ok else f"; first bad seq {check.first_bad_seq}: {check.reason}"))
            raise typer.Exit(0 if check.ok else 1)
        counts = Table(title=f"{path}: entries by kind")
        counts.add_column("kind")
        counts.add_column("count", justify="right")
        for name in kinds.ALL_KINDS:
            n = store.count(name)
            if n:
                counts.add_row(name, str(n))
        console.print(counts)
        rows = Table(title=f"first {limit} entries" + (f" of kind {kind}" if kind else ""))
        for column in ("seq", "ts_ns", "kind", "actor", "payload"):
            rows.add_column(column, overflow="fold")
        for entry in store.entries(kind=kind, limit=limit):
            payload = ", ".join(f"{k}={v}" for k, v in list(entry.payload.items())[:8])
            rows.add_row(str(entry.seq), str(entry.ts_ns), entry.kind, entry.actor, payload)
        console.print(rows)


if __name__ == "__main__":  # pragma: no cover
    app()
