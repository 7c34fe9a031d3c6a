"""``arbkit sweep``: parameter grids and walk-forward folds, run as Ray tasks or serially (docs/sweeps.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arbkit.core.errors import ArbkitError

sweep_app = typer.Typer(no_args_is_help=True, help="Parameter sweeps and walk-forward folds (Ray or serial).")
console = Console()

_CONFIG = typer.Argument(None, help="Backtest TOML config (default: the embedded demo config).")
_ADDRESS = typer.Option(None, "--address", help="Ray cluster address (ray://head:10001 or auto); "
                                                "none: Ray runs locally.")
_NUM_CPUS = typer.Option(None, "--num-cpus", help="CPUs a local Ray may use (default: all).")
_SERIAL = typer.Option(False, "--serial", help="Run the points one after the other here, without Ray.")
_KEEP = typer.Option(False, "--keep-artifacts", help="Keep each point's journal and model under OUT/points/.")


def _runner(serial: bool, address: str | None, num_cpus: int | None):  # type: ignore[no-untyped-def]
    from arbkit.sweep.runners import make_runner

    return make_runner(serial=serial, address=address, num_cpus=num_cpus)


def _fail(exc: ArbkitError) -> None:
    console.print(f"[red]error:[/red] {escape(str(exc))}")
    raise typer.Exit(2) from None


@sweep_app.command("run")
def run(config: Path | None = _CONFIG,
        spec: Path | None = typer.Option(None, "--spec", help="Sweep spec TOML file (a sweep table with its "
                                         "grid, see docs/sweeps.md)."),
        grid: list[str] | None = typer.Option(None, "--grid", help="KEY=V1,V2,... (repeat for more keys), "
                                                 "e.g. strategy.entry_z=1.5,2,2.5."),
        address: str | None = _ADDRESS, num_cpus: int | None = _NUM_CPUS, serial: bool = _SERIAL,
        out: Path = typer.Option(Path("arbkit-out/sweep"), help="Folder for sweep.json, points.csv, returns.json."),
        keep_artifacts: bool = _KEEP,
        top: int = typer.Option(20, help="Rows of the results table to print (all are in points.csv).")) -> None:
    """Run every point of a parameter grid and rank them by Sharpe, with the deflated Sharpe and the PBO."""
    from arbkit.backtest.config import load_config
    from arbkit.cli.progress import StageProgress
    from arbkit.sweep.run import run_sweep
    from arbkit.sweep.spec import load_spec, merge_specs, parse_grid_options
    from arbkit.sweep.table import results_table, statistics_lines

    try:
        base = load_config(config)
        specs = ([load_spec(spec)] if spec is not None else []) + ([parse_grid_options(grid)] if grid else [])
        if not specs:
            raise ArbkitError("give a grid: --grid KEY=V1,V2,... or --spec SWEEP.toml")
        sweep = merge_specs(specs).validate(base)
        runner = _runner(serial, address, num_cpus)
        console.print(f"[bold]arbkit sweep[/bold] {sweep.name}: {sweep.size} points of {base.name} "
                      f"({runner.name}{' at ' + address if address else ''})")
        with StageProgress(console, titles={"points": f"points ({runner.name})"}) as progress:
            summary = run_sweep(base, sweep, runner, out_dir=out, keep_artifacts=keep_artifacts, progress=progress)
    except ArbkitError as exc:
        _fail(exc)
        return
    console.print(results_table(summary, limit=top))
    for line in statistics_lines(summary):
        console.print(line)
    console.print(f"results: {out / 'sweep.json'}, {out / 'points.csv'}, {out / 'returns.json'}")


@sweep_app.command("walk-forward")
def walk_forward(config: Path | None = _CONFIG,
                 folds: int = typer.Option(4, "--folds", help="Number of folds (test windows)."),
                 mode: str = typer.Option("rolling", "--mode", help="rolling (fixed-length training window) or "
                                          "anchored (training from the start of the data)."),
                 address: str | None = _ADDRESS, num_cpus: int | None = _NUM_CPUS, serial: bool = _SERIAL,
                 out: Path = typer.Option(Path("arbkit-out/walk-forward"), help="Output folder."),
                 keep_artifacts: bool = _KEEP) -> None:
    """Run the config on walk-forward folds of its data range and aggregate the out-of-sample folds."""
    from arbkit.backtest.config import load_config
    from arbkit.cli.progress import StageProgress
    from arbkit.sweep.run import run_walk_forward

    try:
        base = load_config(config)
        runner = _runner(serial, address, num_cpus)
        console.print(f"[bold]arbkit sweep walk-forward[/bold] {base.name}: {folds} {mode} folds ({runner.name})")
        with StageProgress(console, titles={"points": f"folds ({runner.name})"}) as progress:
            summary = run_walk_forward(base, folds, runner, mode=mode, out_dir=out,  # type: ignore[arg-type]
                                       keep_artifacts=keep_artifacts, progress=progress)
    except ArbkitError as exc:
        _fail(exc)
        return
    table = Table(title=f"{summary.name}: {summary.mode}, {len(summary.folds)} folds ({summary.wall_s:.1f} s)")
    for column in ("fold", "train start → test start → end (UTC)", "PnL USD", "Sharpe", "fills", "error"):
        table.add_column(column)
    for fold, point in zip(summary.folds, summary.points, strict=True):
        table.add_row(str(fold.index), fold.label(), f"{point.total_pnl_usd:.4f}", f"{point.sharpe:.2f}",
                      str(point.fills), point.error[:100])
    console.print(table)
    if summary.stats is not None:
        agg = summary.stats.aggregate
        console.print(f"out of sample, folds concatenated: total return {agg.total_return:.4%}, Sharpe "
                      f"{agg.sharpe:.2f}, max drawdown {agg.max_drawdown:.4%}, profitable folds "
                      f"{summary.stats.positive_folds:.0%}, PSR {summary.stats.psr:.3f}")
    for note in summary.notes:
        console.print(note)
    console.print(f"results: {out / 'walk_forward.json'}, {out / 'points.csv'}")
