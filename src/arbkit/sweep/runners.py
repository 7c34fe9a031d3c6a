"""Runners: the same points run one after the other here (:class:`SerialRunner`) or as Ray tasks
(:class:`RayRunner`, local when no cluster address is given). Both return results in grid order and
call ``progress("points", 1, total)`` as each point finishes.

Ray is optional: this module imports it only when a :class:`RayRunner` runs, and raises
:class:`RayUnavailableError` ("install arbkit[sweep]") when it is missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from arbkit.backtest.config import BacktestConfig
from arbkit.sweep.errors import RayUnavailableError, SweepError
from arbkit.sweep.point import PointResult, failed_point, run_point

Progress = Callable[[str, int, int], None]
"""``progress(stage, advance, total)``, as :class:`arbkit.cli.progress.StageProgress` takes it."""

STAGE = "points"
"""The progress stage name runners report."""


class Runner(Protocol):
    """Runs sweep points; results come back in the order of ``points``."""

    def run(self, base: BacktestConfig, points: Sequence[Mapping[str, Any]], *,
            artifacts_dir: str | None = None, progress: Progress | None = None) -> list[PointResult]: ...


def _noop(stage: str, advance: int, total: int) -> None:
    return None


class SerialRunner:
    """Every point in this process, one after the other (the baseline, and the runner without Ray)."""

    name = "serial"

    def run(self, base: BacktestConfig, points: Sequence[Mapping[str, Any]], *,
            artifacts_dir: str | None = None, progress: Progress | None = None) -> list[PointResult]:
        report = progress or _noop
        report(STAGE, 0, len(points))
        results = []
        for index, params in enumerate(points):
            results.append(run_point(base, index, params, artifacts_dir))
            report(STAGE, 1, len(points))
        return results


def import_ray() -> Any:
    """The ``ray`` module, or :class:`RayUnavailableError` saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailableError(
            f"the Ray runner needs Ray, which is not importable ({exc}): install arbkit[sweep] "
            "(pip install 'arbkit[sweep]'), or run the sweep serially") from None
    return ray


class RayRunner:
    """Each point is a Ray remote task; results are collected with ``ray.wait`` as they finish.

    Args:
        address: a Ray cluster address (``"ray://head:10001"`` or ``"auto"``); None starts Ray locally.
        num_cpus: CPUs a local Ray may use (None: all); ignored when connecting to a cluster.
        cpus_per_task: CPUs each point reserves (1: one pipeline run is single-threaded).
        init_options: further keyword arguments for ``ray.init`` (e.g. ``runtime_env`` for a cluster).

    If Ray is already initialised (a notebook, a test fixture) the runner uses that session and leaves
    it running; a session it starts itself it shuts down after the run.
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None, cpus_per_task: float = 1.0,
                 init_options: Mapping[str, Any] | None = None) -> None:
        if num_cpus is not None and num_cpus < 1:
            raise SweepError(f"num_cpus {num_cpus} must be >= 1")
        if not cpus_per_task > 0:
            raise SweepError(f"cpus_per_task {cpus_per_task} must be > 0")
        self.address = address
        self.num_cpus = num_cpus
        self.cpus_per_task = cpus_per_task
        self.init_options = dict(init_options or {})

    def _init(self, ray: Any) -> bool:
        """Start or join Ray; True when this call started the session."""
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, **self.init_options}
        if self.address:
            ray.init(address=self.address, **options)
        else:
            ray.init(num_cpus=self.num_cpus, **options)
        return True

    def run(self, base: BacktestConfig, points: Sequence[Mapping[str, Any]], *,
            artifacts_dir: str | None = None, progress: Progress | None = None) -> list[PointResult]:
        ray = import_ray()
        report = progress or _noop
        report(STAGE, 0, len(points))
        started = self._init(ray)
        try:
            task = ray.remote(num_cpus=self.cpus_per_task, max_retries=0)(run_point)
            base_ref = ray.put(base)
            submitted = time.perf_counter()
            pending = {task.remote(base_ref, i, dict(p), artifacts_dir): i for i, p in enumerate(points)}
            results: dict[int, PointResult] = {}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    index = pending.pop(ref)
                    try:
                        results[index] = ray.get(ref)
                    except Exception as exc:  # noqa: BLE001 - the task died (worker lost, unpicklable result)
                        results[index] = failed_point(index, points[index], f"{type(exc).__name__}: {exc}",
                                                      time.perf_counter() - submitted)
                    report(STAGE, 1, len(points))
            return [results[i] for i in range(len(points))]
        finally:
            if started:
                ray.shutdown()


def make_runner(*, serial: bool = False, address: str | None = None, num_cpus: int | None = None) -> Runner:
    """The serial runner when ``serial``, else a :class:`RayRunner` (raises if Ray is missing)."""
    if serial:
        return SerialRunner()
    import_ray()
    return RayRunner(address=address, num_cpus=num_cpus)
