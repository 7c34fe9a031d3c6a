"""Rich progress bars for the pipeline's named stages."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

STAGE_TITLES = {
    "read": "read + sync recorded data",
    "features": "pass 1: decision points + features",
    "backtest": "pass 2: backtest (risk gate, sim venue)",
    "lifecycle": "pass 3: lifecycle (shadow, canary, rollback)",
}


class StageProgress:
    """A context manager whose instances are a ``progress(stage, advance, total)`` callback (``run_pipeline``,
    ``train_and_register``); ``titles`` maps stage names to the bar labels."""

    def __init__(self, console=None, titles: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
        self._titles = STAGE_TITLES if titles is None else titles
        self._progress = Progress(TextColumn("{task.description:<42}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=console, transient=False)
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> "StageProgress":
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)  # type: ignore[arg-type]

    def __call__(self, stage: str, advance: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._progress.add_task(self._titles.get(stage, stage), total=total or None)
            self._tasks[stage] = task
        if total:
            self._progress.update(task, total=total)
        self._progress.advance(task, advance)
