"""Read one headerless Lean CSV (zipped or plain) into string columns, with row-exact error reporting.

Lean stores each day as a zip holding one CSV. This module only splits the text: every cell stays a
string so that :mod:`arbkit.adapters.lean.columns` can convert it exactly (never through ``float``)
and name the first bad row. Row numbers are 1-based data rows; a headerless file's data row is its
line. A problem with the file as a whole (not a zip, truncated, several members) is reported as
row 0.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from arbkit.core.errors import MalformedMessageError


def read_lean_bytes(path: Path) -> tuple[bytes, str]:
    """The CSV bytes of ``path`` and the name of the member they came from.

    A ``.zip`` must hold exactly one member; any other file is read as plain text.

    Raises:
        MalformedMessageError: (row 0) the zip is unreadable, truncated, fails its CRC or does not
            hold exactly one member.
    """
    source = path.name
    if path.suffix.lower() != ".zip":
        return path.read_bytes(), path.name
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            if len(names) != 1:
                raise MalformedMessageError(source, 0, f"expected one CSV in the zip, found {len(names)}: {names[:5]}")
            return archive.read(names[0]), names[0]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise MalformedMessageError(source, 0, f"unreadable zip ({type(exc).__name__}: {exc})") from exc


class RawColumns:
    """The cells of a headerless CSV as Arrow string columns, plus what is needed to name a bad row.

    Attributes:
        source: file name used in error messages.
        names: column names, in file order.
        num_rows: number of data rows.
    """

    def __init__(self, table: pa.Table, source: str) -> None:
        self._table = table
        self.source = source
        self.names: tuple[str, ...] = tuple(table.column_names)
        self.num_rows = table.num_rows

    def column(self, name: str) -> pa.StringArray:
        """Column ``name`` as one contiguous string array."""
        return self._table.column(name).combine_chunks()

    def row_text(self, index: int) -> str:
        """The cells of data row ``index`` (0-based) joined by commas, for error excerpts."""
        return ",".join(str(self._table.column(name)[index].as_py()) for name in self.names)

    def fail_first(self, bad: np.ndarray, reason: str) -> None:
        """Raise :class:`MalformedMessageError` at the first ``True`` of ``bad`` (one bool per row).

        ``reason`` may contain ``{value}``, replaced by the offending row's text.
        """
        hits = np.flatnonzero(bad)
        if hits.size:
            index = int(hits[0])
            text = self.row_text(index)
            raise MalformedMessageError(self.source, index + 1, reason.format(value=text), text)


def split_csv(data: bytes, names: Sequence[str], source: str) -> RawColumns:
    """Split headerless CSV ``data`` into string columns named ``names``.

    Raises:
        MalformedMessageError: at the first row with a column count other than ``len(names)`` (an
            empty line counts as a row), or the first line with a non-ASCII byte.
    """
    if not data.isascii():
        position = next(i for i, byte in enumerate(data) if byte > 127)
        line = data.count(b"\n", 0, position) + 1
        raise MalformedMessageError(source, line, "non-ASCII byte in a numeric CSV")
    wrong: list[tuple[int, int, str]] = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        wrong.append((row.number or 0, row.actual_columns, row.text))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=list(names), use_threads=False),
            parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in names},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:  # defensive: the handler above takes every row-shape problem
        raise MalformedMessageError(source, 0, f"CSV could not be split: {exc}") from exc
    if wrong:
        line, count, text = min(wrong)
        raise MalformedMessageError(source, line, f"expected {len(names)} columns ({', '.join(names)}), got {count}",
                                    text)
    return RawColumns(table, source)
