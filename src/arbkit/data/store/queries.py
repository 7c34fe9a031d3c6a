"""DuckDB over the store: the ``ticks`` / ``bars`` views, range reads and as-of joins across venues.

Views created on every connection (temporary, so the catalog never holds an absolute path):

* ``ticks_raw``: every tick file, hive partitions ``instrument`` and ``date`` added, plus
  ``filename`` and ``file_row_number`` (source order inside a file).
* ``ticks``: ``ticks_raw`` joined with the instrument catalog: ``px`` (price × tick size) and
  ``qty`` (size × lot size) as DECIMAL(38, 12), for humans. Integer ``price``/``size`` stay the truth.
* ``bars`` (same decimal columns on open/high/low/close), and the catalog tables ``sources``,
  ``files``, ``instruments``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from arbkit.core.errors import ArbkitError
from arbkit.data.schema import BAR_SCHEMA, BBO, TICK_SCHEMA
from arbkit.data.store.catalog import CATALOG_FILE
from arbkit.data.store.layout import BARS, TICKS

CLOCKS = ("ts_recv", "ts_event")


class StoreQueryError(ArbkitError):
    """A query over the store failed (bad SQL, unknown instrument, unknown clock)."""


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _empty_select(schema: pa.Schema, extra: str = "") -> str:
    duck = {pa.int64(): "BIGINT", pa.string(): "VARCHAR", pa.uint8(): "UTINYINT", pa.int8(): "TINYINT",
            pa.uint16(): "USMALLINT"}
    cols = ", ".join(f"CAST(NULL AS {duck[f.type]}) AS {f.name}" for f in schema)
    return (f"SELECT {cols}, CAST(NULL AS VARCHAR) AS instrument, CAST(NULL AS DATE) AS date, "
            f"CAST(NULL AS VARCHAR) AS filename, CAST(NULL AS BIGINT) AS file_row_number{extra} WHERE false")


def connect(root: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the store's views (the catalog attached read-only)."""
    con = duckdb.connect()
    catalog = root / CATALOG_FILE
    if catalog.exists():
        con.execute(f"ATTACH {_sql_text(str(catalog))} AS catalog (READ_ONLY)")
        for table in ("sources", "files", "instruments"):
            con.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM catalog.main.{table}")
    else:
        con.execute("CREATE TEMP TABLE instruments (instrument_id VARCHAR, venue VARCHAR, kind VARCHAR, "
                    "tick_size VARCHAR, lot_size VARCHAR, contract_multiplier VARCHAR, definition VARCHAR)")
        con.execute("CREATE TEMP TABLE sources (source VARCHAR, sha256 VARCHAR)")
        con.execute("CREATE TEMP TABLE files (path VARCHAR, source VARCHAR)")
    for dataset, schema in ((TICKS, TICK_SCHEMA), (BARS, BAR_SCHEMA)):
        folder = root / dataset
        has_files = folder.exists() and any(folder.rglob("*.parquet"))
        source = (f"SELECT * FROM read_parquet({_sql_text(str(folder / '**' / '*.parquet'))}, hive_partitioning=true, "
                  "hive_types={'date': DATE}, filename=true, file_row_number=true)" if has_files else _empty_select(schema))
        con.execute(f"CREATE TEMP VIEW {dataset}_raw AS {source}")
    con.execute("""CREATE TEMP VIEW ticks AS SELECT t.*,
        CAST(t.price AS DECIMAL(38, 0)) * CAST(i.tick_size AS DECIMAL(38, 12)) AS px,
        CAST(t.size AS DECIMAL(38, 0)) * CAST(i.lot_size AS DECIMAL(38, 12)) AS qty
        FROM ticks_raw t LEFT JOIN instruments i USING (instrument_id)""")
    con.execute("""CREATE TEMP VIEW bars AS SELECT b.*,
        CAST(b.open AS DECIMAL(38, 0)) * CAST(i.tick_size AS DECIMAL(38, 12)) AS open_px,
        CAST(b.high AS DECIMAL(38, 0)) * CAST(i.tick_size AS DECIMAL(38, 12)) AS high_px,
        CAST(b.low AS DECIMAL(38, 0)) * CAST(i.tick_size AS DECIMAL(38, 12)) AS low_px,
        CAST(b.close AS DECIMAL(38, 0)) * CAST(i.tick_size AS DECIMAL(38, 12)) AS close_px
        FROM bars_raw b LEFT JOIN instruments i USING (instrument_id)""")
    return con


def run_sql(root: Path, sql: str) -> pa.Table:
    """Run ``sql`` over the store's views; the result as an Arrow table."""
    with connect(root) as con:
        try:
            relation = con.sql(sql)
            if relation is None:
                raise StoreQueryError("the statement returned no rows (the store's views are read-only)")
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise StoreQueryError(f"query failed: {exc}") from None


def _check_clock(clock: str) -> None:
    if clock not in CLOCKS:
        raise StoreQueryError(f"clock {clock!r} is not one of {CLOCKS}")


def tick_rows(root: Path, instrument_id: str | None, venue: str | None, start_ns: int | None, end_ns: int | None,
              clock: str = "ts_recv") -> pa.Table:
    """Rows in :data:`TICK_SCHEMA` with ``start_ns <= clock < end_ns``, by instrument then source order."""
    _check_clock(clock)
    where, params = ["true"], []
    if instrument_id is not None:
        where.append("instrument_id = ?")
        params.append(instrument_id)
    if venue is not None:
        where.append("venue = ?")
        params.append(venue)
    if start_ns is not None:
        where.append(f"{clock} >= ?")
        params.append(int(start_ns))
        where.append("date >= CAST(to_timestamp(? / 1e9) AS DATE) - 1")  # partition pruning (a day of slack)
        params.append(int(start_ns))
    if end_ns is not None:
        where.append(f"{clock} < ?")
        params.append(int(end_ns))
        where.append("date <= CAST(to_timestamp(? / 1e9) AS DATE) + 1")
        params.append(int(end_ns))
    columns = ", ".join(TICK_SCHEMA.names)
    sql = (f"SELECT {columns} FROM ticks_raw WHERE {' AND '.join(where)} "
           "ORDER BY instrument_id, date, filename, file_row_number")
    with connect(root) as con:
        table = con.sql(sql, params=params).to_arrow_table()
    return table.cast(TICK_SCHEMA)


def _top_of_book(instrument_id: str, clock: str, where: str) -> str:
    """Per instrument: one row per ``clock`` value with bid and ask ticks (carried forward), mid in decimals."""
    return f"""(
        WITH msg AS (
            SELECT {clock} AS t, update_id,
                   max(price) FILTER (WHERE side = 1) AS bid, max(price) FILTER (WHERE side = -1) AS ask
            FROM ticks_raw WHERE instrument_id = {_sql_text(instrument_id)} AND kind = {BBO} {where}
            GROUP BY t, update_id),
        carried AS (
            SELECT t, update_id,
                   last_value(bid IGNORE NULLS) OVER w AS bid, last_value(ask IGNORE NULLS) OVER w AS ask
            FROM msg WINDOW w AS (ORDER BY t, update_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
        last_per_t AS (
            SELECT * FROM carried QUALIFY row_number() OVER (PARTITION BY t ORDER BY update_id DESC) = 1)
        SELECT t, bid, ask,
               (bid + ask) / 2.0 * CAST((SELECT tick_size FROM instruments
                                         WHERE instrument_id = {_sql_text(instrument_id)}) AS DOUBLE) AS mid
        FROM last_per_t WHERE bid IS NOT NULL AND ask IS NOT NULL)"""


def asof_basis(root: Path, left: str, right: str, clock: str = "ts_recv", start_ns: int | None = None,
               end_ns: int | None = None) -> pa.Table:
    """Cross-venue basis from BBO rows: at every top-of-book change of ``left``, the latest ``right`` quote.

    Columns: ``t`` (the left quote's clock), ``left_mid``, ``right_mid`` (decimal prices as DOUBLE),
    ``basis_bps`` = (right_mid − left_mid) / left_mid × 10⁴. A right quote at the same clock value
    counts (``>=``). One row per clock value per side (the last update id at that time).
    """
    _check_clock(clock)
    where = ""
    if start_ns is not None:
        where += f" AND {clock} >= {int(start_ns)}"
    if end_ns is not None:
        where += f" AND {clock} < {int(end_ns)}"
    sql = f"""
        SELECT l.t, l.mid AS left_mid, r.mid AS right_mid, (r.mid - l.mid) / l.mid * 1e4 AS basis_bps
        FROM {_top_of_book(left, clock, where)} l ASOF JOIN {_top_of_book(right, clock, where)} r ON l.t >= r.t
        ORDER BY l.t"""
    with connect(root) as con:
        for instrument_id in (left, right):
            if not con.sql("SELECT count(*) FROM instruments WHERE instrument_id = ?", params=[instrument_id]).fetchall()[0][0]:
                raise StoreQueryError(f"{instrument_id} is not in the store")
        return con.sql(sql).to_arrow_table()
