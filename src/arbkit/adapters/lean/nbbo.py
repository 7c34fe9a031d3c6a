"""National best bid and offer from the exchange-tagged quote rows of one symbol, vectorised with numpy.

Two rules, for two kinds of feed:

* :func:`nbbo_from_quotes` -- **consolidated feed** (what the Lean/AlgoSeek BAC file is): every
  quote row is one side of the consolidated quote, tagged with the exchange that holds it. The NBBO
  bid is the last bid row, the NBBO ask the last ask row. Evidence on ``bac_20131008``: bid and
  ask rows come in pairs (288,048 each, same ms), and this rule gives 0 crossed states, while
  carrying each exchange's last quote forward gives a crossed NBBO most of the day (stale quotes of
  exchanges that stopped being best are never withdrawn in the file).
* :func:`nbbo_from_venue_books` -- **per-exchange top of book**: each exchange's last bid and ask are
  carried forward; the NBBO bid is the highest, the ask the lowest, and the size on a side is the
  sum of the displayed sizes of every exchange at that best price.

Both leave out rows flagged ``F_SUSPICIOUS``, take the state at the end of each distinct timestamp
(updates in the same ms are one instant) and emit it, as a bid row then an ask row (``F_LAST``),
only when a price or size of either side changed and both sides exist. Locked (bid = ask) and
crossed (bid > ask) states are kept and counted in the notes.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from arbkit.adapters.lean.build import constant_strings, tick_table
from arbkit.core.enums import InstrumentKind
from arbkit.core.errors import ArbkitError
from arbkit.core.instruments import Instrument
from arbkit.data.schema import BBO, F_LAST, F_RECV_IS_EVENT, TickFrame

NBBO_VENUE = "NBBO"
F_SUSPICIOUS = 32  # same bit as arbkit.adapters.lean.equity_ticks.F_SUSPICIOUS
_NO_ASK = np.iinfo(np.int64).max


def _carried(mask: np.ndarray, values: np.ndarray, missing: int) -> np.ndarray:
    """``values`` of the last row where ``mask`` held, at every row (``missing`` before the first)."""
    index = np.where(mask, np.arange(mask.size), -1)
    np.maximum.accumulate(index, out=index)
    return np.where(index >= 0, values[np.maximum(index, 0)], missing)


def _best(side_mask: np.ndarray, venue: np.ndarray, venues: int, price: np.ndarray, size: np.ndarray,
          missing: int, pick: np.ufunc) -> tuple[np.ndarray, np.ndarray]:
    """Best price over venues (``pick`` = maximum for bids, minimum for asks) and the size summed at it."""
    best = np.full(price.size, missing, dtype=np.int64)
    for v in range(venues):
        pick(best, _carried(side_mask & (venue == v), price, missing), out=best)
    total = np.zeros(price.size, dtype=np.int64)
    for v in range(venues):
        mask = side_mask & (venue == v)
        at_best = (_carried(mask, price, missing) == best) & (best != missing)
        total += np.where(at_best, _carried(mask, size, 0), 0)
    return best, total


def nbbo_from_quotes(frame: TickFrame) -> TickFrame:
    """The NBBO of a consolidated feed (``read_equity_quotes``): the last bid row and the last ask row.

    Returns a :class:`TickFrame` of BBO rows of ``<SYMBOL>.NBBO`` (venue ``NBBO``), with the same tick
    and lot as the input instruments; the notes count locked and crossed states.
    """
    return _nbbo(frame, consolidated=True)


def nbbo_from_venue_books(frame: TickFrame) -> TickFrame:
    """The NBBO of per-exchange top-of-book rows: best of every exchange's last bid and ask.

    Same output as :func:`nbbo_from_quotes`; use it for feeds that really carry each exchange's book.
    """
    return _nbbo(frame, consolidated=False)


def _nbbo(frame: TickFrame, *, consolidated: bool) -> TickFrame:
    table = frame.table
    symbols = {instrument.symbol for instrument in frame.instruments.values()}
    if len(symbols) != 1:
        raise ArbkitError(f"{frame.source}: NBBO needs quotes of one symbol, got {sorted(symbols)}")
    template = next(iter(frame.instruments.values()))
    symbol = template.symbol
    kind = table.column("kind").to_numpy()
    if table.num_rows and not (kind == BBO).all():
        raise ArbkitError(f"{frame.source}: NBBO needs BBO rows only")
    encoded = pc.dictionary_encode(table.column("venue")).combine_chunks()
    venue = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    venues = len(encoded.dictionary)
    ts = table.column("ts_event").to_numpy()
    side = table.column("side").to_numpy()
    price = table.column("price").to_numpy()
    size = table.column("size").to_numpy()
    usable = (table.column("flags").to_numpy() & F_SUSPICIOUS) == 0

    if consolidated:
        bid, bid_size = _carried(usable & (side > 0), price, 0), _carried(usable & (side > 0), size, 0)
        ask, ask_size = _carried(usable & (side < 0), price, _NO_ASK), _carried(usable & (side < 0), size, 0)
    else:
        bid, bid_size = _best(usable & (side > 0), venue, venues, price, size, 0, np.maximum)
        ask, ask_size = _best(usable & (side < 0), venue, venues, price, size, _NO_ASK, np.minimum)

    end_of_instant = np.ones(ts.size, dtype=bool)
    end_of_instant[:-1] = ts[1:] != ts[:-1]
    rows = np.flatnonzero(end_of_instant & (bid > 0) & (ask != _NO_ASK))
    state = np.column_stack([bid[rows], bid_size[rows], ask[rows], ask_size[rows]])
    changed = np.ones(rows.size, dtype=bool)
    changed[1:] = (state[1:] != state[:-1]).any(axis=1)
    rows, state = rows[changed], state[changed]

    n = rows.size
    ts2 = np.repeat(ts[rows], 2)
    flags = np.tile(np.array([F_RECV_IS_EVENT, F_RECV_IS_EVENT | F_LAST], dtype=np.uint16), n)
    instrument = Instrument(venue=NBBO_VENUE, symbol=symbol, base=template.base, quote=template.quote,
                            kind=InstrumentKind.SPOT, tick_size=template.tick_size, lot_size=template.lot_size)
    out = tick_table(ts_event=ts2, ts_recv=ts2, venue=constant_strings(NBBO_VENUE, 2 * n),
                     instrument_id=constant_strings(instrument.id, 2 * n), kind=BBO,
                     side=np.tile(np.array([1, -1], dtype=np.int8), n), price=state[:, [0, 2]].ravel(),
                     size=state[:, [1, 3]].ravel(), update_id=-1, flags=flags)
    locked = int(np.count_nonzero(state[:, 0] == state[:, 2]))
    crossed = int(np.count_nonzero(state[:, 0] > state[:, 2]))
    rule = ("consolidated feed: last bid row and last ask row" if consolidated else
            "per-exchange books: best of each venue's last quote, size summed at the best price")
    notes = [f"NBBO ({rule}) over {venues} venues ({', '.join(encoded.dictionary.to_pylist())}): {n} states, "
             f"locked {locked}, crossed {crossed} (kept as computed); suspicious rows left out"]
    return TickFrame(table=out, instruments={instrument.id: instrument}, source=frame.source, notes=notes)
