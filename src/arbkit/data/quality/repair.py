"""Apply the repairs of the checks whose action is ``repair``: drops first, then the re-order.

Every dropped row is listed by its index in the input frame; every kept row that was changed (moved
by the sort, or given the ``F_LAST`` of a dropped message end) gets ``F_REPAIRED``.
"""

from __future__ import annotations

import msgspec
import numpy as np
import pyarrow as pa

from arbkit.data.quality.columns import Columns
from arbkit.data.schema import F_LAST, F_REPAIRED


class RepairOutcome(msgspec.Struct, kw_only=True):
    """What the repairs did (indices refer to the input frame)."""

    table: pa.Table
    dropped: dict[str, list[int]]
    changed_rows: int
    moved_rows: int
    last_flag_moved: int


def _keep_message_ends(cols: Columns, drop: np.ndarray) -> np.ndarray:
    """Rows to receive ``F_LAST`` because the row that ended their message was dropped."""
    lost_ends = np.flatnonzero(drop & cols.is_last)
    targets = []
    message = cols.message
    for row in lost_ends.tolist():  # one per dropped message end: few
        prev = row - 1
        while prev >= 0 and message[prev] == message[row] and drop[prev]:
            prev -= 1
        if prev >= 0 and message[prev] == message[row] and not cols.is_last[prev]:
            targets.append(prev)
    return np.asarray(targets, dtype=np.int64)


def apply_repairs(cols: Columns, drops: dict[str, np.ndarray], order: np.ndarray | None,
                  moved: np.ndarray | None = None) -> RepairOutcome:
    """Drop the rows of ``drops`` (check name → mask; a row is listed under the first check that drops it),
    then apply ``order`` (a permutation of the input rows, or None), and mark changed rows.

    ``moved`` marks the rows the order moves back (the rows behind the clock): a stable sort keeps the
    relative order of all other rows, so exactly these rows change place among the others.
    """
    drop = np.zeros(cols.n, dtype=bool)
    dropped: dict[str, list[int]] = {}
    for name, mask in drops.items():
        new = mask & ~drop
        dropped[name] = np.flatnonzero(new).tolist()
        drop |= new
    flags = cols.flags.copy()
    end_fix = _keep_message_ends(cols, drop)
    flags[end_fix] |= F_LAST | F_REPAIRED
    sequence = order if order is not None else np.arange(cols.n)
    kept = sequence[~drop[sequence]]
    is_moved = (moved[kept] if moved is not None and order is not None else np.zeros(kept.size, dtype=bool))
    flags_out = flags[kept]
    flags_out[is_moved] |= F_REPAIRED
    table = cols.table.take(pa.array(kept))
    index = table.schema.get_field_index("flags")
    table = table.set_column(index, table.schema.field(index), pa.array(flags_out, type=pa.uint16()))
    changed = int(np.count_nonzero((flags_out & F_REPAIRED) & ~(cols.flags[kept] & F_REPAIRED)))
    return RepairOutcome(table=table, dropped=dropped, changed_rows=changed, moved_rows=int(is_moved.sum()),
                         last_flag_moved=int(end_fix.size))
