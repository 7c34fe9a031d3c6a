"""``validate(frame, policy)``: run every check, apply the policy, return the cleaned frame and its report."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

import msgspec
import numpy as np

from arbkit.core.errors import ConfigError
from arbkit.data.quality.checks_frame import ClockOffset, Duplicates, NonPositive, SchemaCheck
from arbkit.data.quality.checks_market import CrossedOrLocked, OutlierPrints
from arbkit.data.quality.checks_time import EventTimeOrder, OutOfOrder, SequenceGaps, StaleQuotes
from arbkit.data.quality.columns import Columns
from arbkit.data.quality.policy import Action, DataQualityError, QualityPolicy
from arbkit.data.quality.repair import apply_repairs
from arbkit.data.quality.report import ActionTaken, ClockOffsetStats, QualityReport
from arbkit.data.quality.result import CheckContext, CheckResult
from arbkit.data.schema import F_REPAIRED, TickFrame


class Check(Protocol):
    """One data-quality rule: a frozen struct of parameters with a ``name`` and a ``run``."""

    name: str

    def run(self, cols: Columns, context: CheckContext) -> CheckResult: ...


def default_checks() -> tuple[Check, ...]:
    """Every check with its default parameters, in report order."""
    return (SchemaCheck(), NonPositive(), Duplicates(), OutOfOrder(), EventTimeOrder(), SequenceGaps(),
            CrossedOrLocked(), StaleQuotes(), OutlierPrints(), ClockOffset())


def _clock_stats(results: Sequence[CheckResult]) -> ClockOffsetStats | None:
    for check in results:
        if check.name == "clock_offset" and "median_ms" in check.stats:
            s = check.stats
            return ClockOffsetStats(rows=int(s["rows"]), median_ms=float(s["median_ms"]), p1_ms=float(s["p1_ms"]),
                                    p99_ms=float(s["p99_ms"]))
    return None


def validate(frame: TickFrame, policy: QualityPolicy | None = None, *, checks: Sequence[Check] | None = None,
             book_gaps: Sequence[object] = (), read_stats: object | None = None) -> tuple[TickFrame, QualityReport]:
    """Check ``frame`` and apply ``policy`` (defaults: :class:`QualityPolicy`).

    Every check runs on the input frame first, so the report is complete even when the frame is
    rejected. Then, if no ``reject`` check found anything, the ``repair`` checks fix the rows (drops,
    then the re-order) and run again on the output (their ``remaining`` count in the report).

    Args:
        frame: the ticks to check.
        policy: check name → action.
        checks: the checks and their parameters (:func:`default_checks` when None).
        book_gaps: update-id chain breaks the reader reported (``BookGap`` events), counted by ``sequence_gaps``.
        read_stats: the reader's ``ReadStats`` (its gap counters go into the ``sequence_gaps`` stats).

    Returns:
        (the frame after repairs — the same object if nothing was repaired —, the report).

    Raises:
        DataQualityError: a ``reject`` check found something; its ``report`` holds every result.
    """
    started = time.perf_counter()
    policy = policy or QualityPolicy()
    checks = tuple(checks) if checks is not None else default_checks()
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise ConfigError(f"validate: checks named twice in {names}")
    for name in names:
        policy.action(name)  # every check must have an action
    context = CheckContext(book_gaps=tuple(book_gaps), read_stats=read_stats)
    cols = Columns(frame.table)
    results = [check.run(cols, context) for check in checks]
    by_name = {check.name: check for check in checks}
    instruments = list(cols.instrument_ids)
    actions = [ActionTaken(check=r.name, action=policy.action(r.name), found=r.count) for r in results if r.failed]
    failing = [(r.name, r.count) for r in results if r.failed and policy.action(r.name) is Action.REJECT]

    def report(table_rows: int, passed: bool, actions: list[ActionTaken], repaired: int = 0) -> QualityReport:
        return QualityReport(source=frame.source, instruments=instruments, rows_in=cols.n, rows_out=table_rows,
                             passed=passed, checks=results, actions=actions, repaired_rows=repaired,
                             dropped_rows=cols.n - table_rows, clock_offset=_clock_stats(results),
                             seconds=round(time.perf_counter() - started, 3))

    if failing:
        raise DataQualityError(frame.source, failing, report(cols.n, False, actions))
    to_repair = [r.name for r in results if r.failed and policy.action(r.name) is Action.REPAIR]
    if not to_repair:
        return frame, report(cols.n, True, actions)

    drops = {name: by_name[name].drop(cols) for name in to_repair if hasattr(by_name[name], "drop")}  # type: ignore[attr-defined]
    table, dropped, changed = frame.table, {name: [] for name in to_repair}, {name: 0 for name in to_repair}
    if drops:
        outcome = apply_repairs(cols, drops, None)
        table = outcome.table
        dropped.update(outcome.dropped)
        if outcome.last_flag_moved:  # message ends given to the row before a dropped last row
            changed[next(iter(drops))] += outcome.last_flag_moved
    sorter = by_name.get("out_of_order")
    if "out_of_order" in to_repair and isinstance(sorter, OutOfOrder):
        dropped_cols = Columns(table)
        moved = sorter.mask(dropped_cols)
        if moved.any():
            outcome = apply_repairs(dropped_cols, {}, sorter.order(dropped_cols), moved)
            table = outcome.table
            changed["out_of_order"] += outcome.moved_rows
    cleaned = TickFrame(table=table, instruments=frame.instruments, source=frame.source, notes=list(frame.notes))
    after = Columns(table)
    remaining = {name: by_name[name].run(after, context).count for name in to_repair}
    actions = [msgspec.structs.replace(a, dropped_rows=dropped.get(a.check, []), changed_rows=changed.get(a.check, 0),
                                       remaining=remaining.get(a.check)) for a in actions]
    repaired = int(np.count_nonzero(after.flags & F_REPAIRED)) - int(np.count_nonzero(cols.flags & F_REPAIRED))
    cleaned.notes.append(f"data quality: repaired by {', '.join(to_repair)}; {cols.n - table.num_rows} rows dropped, "
                         f"{max(repaired, 0)} marked F_REPAIRED")
    return cleaned, report(table.num_rows, True, actions, max(repaired, 0))
