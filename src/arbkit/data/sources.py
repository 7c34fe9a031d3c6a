"""Which reader turns a file into ticks: a registry keyed by file-name pattern.

Every recorded or vendor file arbkit reads has a recognisable name. :func:`reader_for` maps a path
to its :class:`Reader`, whose ``read`` returns a :class:`SourceRead` holding a
:class:`~arbkit.data.schema.TickFrame` (ticks in :data:`~arbkit.data.schema.TICK_SCHEMA`, or
1-minute bars in :data:`~arbkit.data.schema.BAR_SCHEMA`).

Binance collector files (``binance_<spot|usdm|coinm>_<symbol>_<YYYYMMDD>.gz``) are read by the
compiled :func:`~arbkit.adapters.binance.fast_ingest.ingest_binance_file`. A continuation file (one
whose recording carries no REST snapshot) needs the diff-chain position its predecessor ended at:
pass it as ``resume_from`` (the tick store does this for you: it reads one instrument's files in date
order, see :func:`ingest_order`).

Research frames that are not ticks (the daily pairs files) have a reader whose ``skip_reason`` says
why they are not stored.

>>> reader_for("binance_usdm_btcusdt_20240808.gz").name
'binance-collector'
>>> reader_for("fxcm_eurusd_20140505_tick_quote.zip").name
'lean-fx-quotes'
>>> reader_for("arbitragelab_XLF-XLK.csv").skip_reason is not None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa

from arbkit.adapters.binance.sync import ChainPosition
from arbkit.core.errors import ArbkitError
from arbkit.core.instruments import Instrument
from arbkit.data.events import EventTable
from arbkit.data.schema import TICK_SCHEMA, TickFrame

__all__ = ["Reader", "SourceRead", "UnknownSourceError", "READERS", "reader_for", "ingest_order",
           "event_table_to_frame", "binance_collector_key"]


class UnknownSourceError(ArbkitError):
    """No reader is registered for a file name."""


class SourceRead(msgspec.Struct, kw_only=True):
    """What reading one file produced.

    Attributes:
        frame: the normalised ticks (or bars) and their instrument definitions.
        end: for a Binance collector file, the diff-chain position at its end (the next day's file
            resumes from it); None otherwise.
        stats: the reader's own statistics (Binance ``ReadStats``), when it keeps any.
        events: the Binance compiled path's event table (the same rows as ``frame``), else None.
    """

    frame: TickFrame
    end: ChainPosition | None = None
    stats: object | None = None
    events: EventTable | None = None


ReadFunction = Callable[[Path, "ChainPosition | None"], SourceRead]


class Reader(msgspec.Struct, frozen=True, kw_only=True):
    """A file format arbkit reads: its name, the file-name pattern and the function that reads it.

    Attributes:
        name: short identifier (recorded in the store's catalog).
        pattern: regular expression the file name (not the path) must match in full.
        example: an example file name, shown when a file matches no pattern.
        read: ``(path, resume_from) -> SourceRead``; None for a skipped format.
        skip_reason: why files of this format are not stored (research frames, not ticks); None to store.
    """

    name: str
    pattern: str
    example: str
    read: ReadFunction | None = None
    skip_reason: str | None = None

    def matches(self, file_name: str) -> bool:
        """True if ``file_name`` has this reader's pattern."""
        return re.fullmatch(self.pattern, file_name, flags=re.IGNORECASE) is not None


# -- conversion ------------------------------------------------------------------------------------------
def event_table_to_frame(table: EventTable, instrument: Instrument, source: str) -> TickFrame:
    """One instrument's :class:`EventTable` as a TickFrame: venue and id columns added, flags widened to uint16.

    >>> from decimal import Decimal
    >>> from arbkit.core.enums import InstrumentKind
    >>> from arbkit.data.events import COLUMNS
    >>> btc = Instrument(venue="BINANCE_USDM", symbol="BTCUSDT", base="BTC", quote="USDT",
    ...                  kind=InstrumentKind.LINEAR_PERP, tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
    >>> frame = event_table_to_frame(EventTable({n: np.ones(2, dtype=d) for n, d in COLUMNS}), btc, "x.gz")
    >>> frame.table.column("venue").to_pylist(), frame.table.schema.field("flags").type
    (['BINANCE_USDM', 'BINANCE_USDM'], DataType(uint16))
    """
    n = len(table)
    arrays = [
        pa.array(table["ts_event"], type=pa.int64()), pa.array(table["ts_recv"], type=pa.int64()),
        pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([instrument.venue])).cast(pa.string()),
        pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([instrument.id])).cast(pa.string()),
        pa.array(table["kind"], type=pa.uint8()), pa.array(table["side"], type=pa.int8()),
        pa.array(table["price"], type=pa.int64()), pa.array(table["size"], type=pa.int64()),
        pa.array(table["update_id"], type=pa.int64()), pa.array(table["flags"].astype(np.uint16), type=pa.uint16()),
    ]
    return TickFrame(table=pa.Table.from_arrays(arrays, schema=TICK_SCHEMA), instruments={instrument.id: instrument},
                     source=source)


# -- read functions --------------------------------------------------------------------------------------
_BINANCE = r"binance_(?P<market>spot|usdm|coinm)_(?P<symbol>[a-z0-9_]+?)_(?P<day>\d{8})\.gz"


def binance_collector_key(file_name: str) -> tuple[str, str, str] | None:
    """``(market, symbol, YYYYMMDD)`` of a Binance collector file name, or None for another file."""
    match = re.fullmatch(_BINANCE, file_name)
    return (match["market"], match["symbol"], match["day"]) if match else None


def _read_binance(path: Path, resume_from: ChainPosition | None) -> SourceRead:
    from arbkit.adapters.binance.fast_ingest import ingest_binance_file
    from arbkit.adapters.binance.instruments import binance_registry

    registry = binance_registry()
    ingested = ingest_binance_file(path, registry, resume_from=resume_from, errors="raise")
    frame = event_table_to_frame(ingested.table, registry.get(ingested.instrument_id), path.name)
    return SourceRead(frame=frame, end=ingested.end, stats=ingested.stats, events=ingested.table)


def _plain(function: Callable[[Path], TickFrame]) -> ReadFunction:
    def read(path: Path, resume_from: ChainPosition | None) -> SourceRead:
        return SourceRead(frame=function(path))
    read.__name__ = getattr(function, "__name__", "read")
    return read


def _lean_fx(path: Path) -> TickFrame:
    from arbkit.adapters.lean.fx_quotes import read_fx_quotes
    return read_fx_quotes(path)


def _lean_equity(path: Path) -> TickFrame:
    from arbkit.adapters.lean.equity_ticks import read_equity_quotes, read_equity_trades
    return read_equity_quotes(path) if path.name.lower().endswith("_quote.zip") else read_equity_trades(path)


def _lean_bars(path: Path) -> TickFrame:
    from arbkit.adapters.lean.crypto_bars import read_minute_bars
    return read_minute_bars(path)


def _databento(path: Path) -> TickFrame:
    from arbkit.adapters.databento.dbn import read_mbo, read_mbp1
    return read_mbo(path) if ".mbo." in path.name.lower() else read_mbp1(path)


def _tardis(path: Path) -> TickFrame:
    from arbkit.adapters.tardis.csv import read_tardis_csv
    return read_tardis_csv(path)


def _bybit(path: Path) -> TickFrame:
    from arbkit.adapters.bybit.ob500 import read_bybit_ob500
    return read_bybit_ob500(path)


def _binance_depth_csv(path: Path) -> TickFrame:
    from arbkit.adapters.binance.instruments import MARKET_OF_FILE_PREFIX
    from arbkit.adapters.binance_archive.csv_parquet import read_depth_csv
    market = path.name.split("_", 2)[1].lower()
    return read_depth_csv(path, venue=MARKET_OF_FILE_PREFIX[market])


def _binance_quotes_parquet(path: Path) -> TickFrame:
    from arbkit.adapters.binance_archive.csv_parquet import read_quotes_parquet
    return read_quotes_parquet(path)


def _binance_trades_parquet(path: Path) -> TickFrame:
    from arbkit.adapters.binance_archive.csv_parquet import read_trades_parquet
    symbol = path.name.split("_")[2].upper()
    return read_trades_parquet(path, symbol=symbol)


_PAIRS = ("daily pairs research frame (one row per day, decimal columns), not ticks: read it with "
          "arbkit.adapters.pairs.daily, it is not kept in the tick store")

READERS: tuple[Reader, ...] = (
    Reader(name="binance-collector", pattern=_BINANCE, example="binance_usdm_btcusdt_20240808.gz",
           read=_read_binance),
    Reader(name="lean-fx-quotes", pattern=r"[a-z]+_[a-z]{6}_\d{8}_tick_quote\.zip",
           example="fxcm_eurusd_20140505_tick_quote.zip", read=_plain(_lean_fx)),
    Reader(name="lean-equity-ticks", pattern=r"[a-z.]+_\d{8}_tick_(quote|trade)\.zip",
           example="bac_20131008_tick_quote.zip", read=_plain(_lean_equity)),
    Reader(name="lean-crypto-minute-bars", pattern=r"[a-z]+_[a-z]+_[a-z0-9_]+?_\d{8}_minute_(trade|quote)\.zip",
           example="bybit_spot_btcusdt_20221213_minute_quote.zip", read=_plain(_lean_bars)),
    Reader(name="databento-dbn", pattern=r".+\.dbn\.zst", example="esh4-glbx-mdp3-20231225.mbo.dbn.zst",
           read=_plain(_databento)),
    Reader(name="tardis-csv", pattern=r"tardis_.+\.csv(\.gz)?", example="tardis_bitmex_trades_XBTUSD.csv",
           read=_plain(_tardis)),
    Reader(name="bybit-ob500", pattern=r".+_ob500_.+\.data\.zip", example="bybit_linear_xrpusdt_ob500_2024-12-01.data.zip",
           read=_plain(_bybit)),
    Reader(name="binance-depth-csv", pattern=r"binance_(spot|usdm|coinm)_[a-z0-9]+_depth_(snap|update)_.+\.csv",
           example="binance_usdm_btcusdt_depth_update_2022-11-01.csv", read=_plain(_binance_depth_csv)),
    Reader(name="binance-quotes-parquet", pattern=r"binance_spot_[a-z0-9]+_quotes_.+\.parquet",
           example="binance_spot_btcusdt_quotes_2021-01-08.parquet", read=_plain(_binance_quotes_parquet)),
    Reader(name="binance-trades-parquet", pattern=r"binance_spot_[a-z0-9]+_trades_.+\.parquet",
           example="binance_spot_btcusdt_trades_2021-01-08.parquet", read=_plain(_binance_trades_parquet)),
    Reader(name="pairs-daily", pattern=r"(arbitragelab_.+\.csv|arch_.+\.csv(\.gz)?|lean_[a-z]+_(daily\.zip|factor_file\.csv|map_file\.csv))",
           example="arbitragelab_XLF-XLK.csv", skip_reason=_PAIRS),
)
"""Every known format, first match wins (more specific patterns first where two could match)."""


def reader_for(path: str | Path, readers: Sequence[Reader] = READERS) -> Reader:
    """The reader of ``path`` (chosen by its file name).

    Raises:
        UnknownSourceError: no pattern matches; the message lists every known pattern with an example.
    """
    name = Path(path).name
    for reader in readers:
        if reader.matches(name):
            return reader
    known = "\n".join(f"  {r.name:<24} e.g. {r.example}" for r in readers)
    raise UnknownSourceError(f"{name}: no reader for this file name; known file-name patterns "
                             f"(arbkit.data.sources.READERS):\n{known}")


def ingest_order(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` ordered so that each Binance collector file follows its predecessor (same instrument, day before).

    Binance collector files are grouped by (market, symbol) and sorted by day; other files keep
    their order after them (sorted by name, so the result does not depend on directory listing order).
    """
    unique = list(dict.fromkeys(Path(p) for p in paths))
    binance = sorted((p for p in unique if binance_collector_key(p.name)),
                     key=lambda p: binance_collector_key(p.name))  # type: ignore[arg-type,return-value]
    others = sorted((p for p in unique if not binance_collector_key(p.name)), key=lambda p: (p.name, str(p)))
    return binance + others
