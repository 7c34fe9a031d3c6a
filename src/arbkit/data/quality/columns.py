"""Numpy views of a :class:`~arbkit.data.schema.TickFrame`'s table, shared by every check.

The checks are vectorised over these arrays; per-instrument work loops over the (few) instruments,
never over rows in Python.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pyarrow as pa

from arbkit.data.schema import F_LAST, F_SNAPSHOT

NUMERIC = ("ts_event", "ts_recv", "kind", "side", "price", "size", "update_id", "flags")


class Columns:
    """The columns of a tick table as numpy arrays (nulls filled with 0), plus derived keys.

    Attributes:
        n: number of rows.
        instrument_ids: instrument id of each code in :attr:`instrument`.
        instrument: int32 code of each row's instrument.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.n = table.num_rows
        for name in NUMERIC:
            column = table.column(name)
            if column.null_count:
                column = column.fill_null(0)
            setattr(self, name, np.ascontiguousarray(column.to_numpy()))
        encoded = table.column("instrument_id").combine_chunks().dictionary_encode()
        self.instrument_ids: list[str] = [str(x) for x in encoded.dictionary.to_pylist()]
        indices = encoded.indices
        if indices.null_count:
            indices = indices.fill_null(-1)
        self.instrument = np.ascontiguousarray(indices.to_numpy()).astype(np.int32, copy=False)

    # declared for type checkers; set in __init__
    ts_event: np.ndarray
    ts_recv: np.ndarray
    kind: np.ndarray
    side: np.ndarray
    price: np.ndarray
    size: np.ndarray
    update_id: np.ndarray
    flags: np.ndarray

    @cached_property
    def is_last(self) -> np.ndarray:
        """True on the last row of a venue message."""
        return (self.flags & F_LAST) > 0

    @cached_property
    def is_snapshot(self) -> np.ndarray:
        """True on rows of a REST/venue snapshot."""
        return (self.flags & F_SNAPSHOT) > 0

    @cached_property
    def message(self) -> np.ndarray:
        """Message number of each row (rows up to one with ``F_LAST`` form one message)."""
        out = np.zeros(self.n, dtype=np.int64)
        if self.n > 1:
            np.cumsum(self.is_last[:-1], out=out[1:])
        return out

    def groups(self) -> list[tuple[str, np.ndarray]]:
        """(instrument id, row indices in frame order) for every instrument."""
        if len(self.instrument_ids) == 1:
            return [(self.instrument_ids[0], np.arange(self.n))]
        order = np.argsort(self.instrument, kind="stable")
        bounds = np.searchsorted(self.instrument[order], np.arange(len(self.instrument_ids) + 1))
        return [(name, order[bounds[i]:bounds[i + 1]]) for i, name in enumerate(self.instrument_ids)]

    def pick(self, *names: str) -> dict[str, np.ndarray]:
        """Named columns for :func:`~arbkit.data.quality.result.examples_at`."""
        return {name: getattr(self, name) for name in names}
