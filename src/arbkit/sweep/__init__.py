"""Parameter sweeps and walk-forward folds, run serially or as Ray tasks (see docs/sweeps.md).

- :mod:`.keys`: dotted config keys and overrides of a :class:`~arbkit.backtest.config.BacktestConfig`;
- :mod:`.spec`: the grid (:class:`SweepSpec`) from TOML or ``KEY=V1,V2`` options;
- :mod:`.folds`: walk-forward fold plans over a recording's time range;
- :mod:`.point`: one point run and reduced to a :class:`PointResult`;
- :mod:`.runners`: :class:`SerialRunner` and :class:`RayRunner` (Ray is imported only when it runs);
- :mod:`.summary`: ranking, deflated Sharpe over the trials run, PBO; :mod:`.outputs`: JSON/CSV;
- :mod:`.table`: the rich results table; :mod:`.run`: :func:`run_sweep`, :func:`run_walk_forward`.

Importing this package never imports Ray.
"""

from arbkit.sweep.errors import RayUnavailableError, SweepError
from arbkit.sweep.folds import Fold, plan_folds
from arbkit.sweep.keys import apply_overrides, check_key
from arbkit.sweep.point import PointResult, run_point
from arbkit.sweep.run import WalkForwardSummary, run_sweep, run_walk_forward
from arbkit.sweep.runners import RayRunner, SerialRunner, make_runner
from arbkit.sweep.spec import SweepSpec, load_spec, parse_grid_options
from arbkit.sweep.summary import SweepSummary

__all__ = [
    "Fold", "PointResult", "RayRunner", "RayUnavailableError", "SerialRunner", "SweepError", "SweepSpec",
    "SweepSummary", "WalkForwardSummary", "apply_overrides", "check_key", "load_spec", "make_runner",
    "parse_grid_options", "plan_folds", "run_point", "run_sweep", "run_walk_forward",
]
