"""Databento DBN readers on the real CME ES files, plus a known-answer MBO → L2 sequence."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import databento_dbn as dbn
import pytest

from arbkit.adapters.databento.dbn import cme_future, decode_dbn, read_mbo, read_mbp1
from arbkit.book.order_book import OrderBook
from arbkit.core.errors import MalformedMessageError
from arbkit.data.schema import BBO, DELTA, F_CLEAR, F_LAST, F_SNAPSHOT, TRADE
from testkit import shared_file

FOLDER = "cme_es_futures_databento"
MBO = "esh4-glbx-mdp3-20231225.mbo.dbn.zst"
MBP1 = "esu4-glbx-mdp3_mbp-1_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"


@pytest.fixture(scope="module")
def mbo_frame():
    return read_mbo(shared_file(FOLDER, MBO))


def test_mbo_file_has_the_readme_record_and_action_counts():
    _, records = decode_dbn(shared_file(FOLDER, MBO))
    assert len(records) == 68_792
    assert Counter(r.action.value for r in records) == {"A": 29_216, "C": 17_999, "M": 12_233, "T": 2_973, "F": 6_371}
    assert sum(1 for r in records if r.flags & dbn.F_SNAPSHOT) == 8_725


def test_mbo_reader_emits_every_trade_and_flags_the_snapshot(mbo_frame):
    table = mbo_frame.table.to_pydict()
    kinds = Counter(table["kind"])
    assert kinds[TRADE] == 2_973
    assert set(mbo_frame.instruments) == {"ESH4.GLBX"}
    snapshot_rows = [i for i, f in enumerate(table["flags"]) if f & F_SNAPSHOT]
    assert len(snapshot_rows) == 8_725  # one level row per snapshot order (no partial or repeated levels)
    assert table["flags"][snapshot_rows[0]] & F_CLEAR and table["flags"][snapshot_rows[-1]] & F_LAST
    first_trade = table["kind"].index(TRADE)
    assert mbo_frame.instruments["ESH4.GLBX"].ticks_to_price(table["price"][first_trade]) == 4800.25
    assert table["side"][first_trade] == 0  # the opening auction trade has no aggressor


def test_mbo_deltas_rebuild_a_book_that_never_crosses_in_continuous_trading(mbo_frame):
    table = mbo_frame.table.to_pydict()
    levels: dict[tuple[int, int], int] = {}
    first_trade_price = None
    book: OrderBook | None = None
    pending_bids: list[tuple[int, int]] = []
    pending_asks: list[tuple[int, int]] = []
    events = 0
    for kind, side, price, size, flags in zip(table["kind"], table["side"], table["price"], table["size"],
                                              table["flags"], strict=True):
        if kind == TRADE and first_trade_price is None:
            first_trade_price = price
        if kind == DELTA:
            if flags & F_CLEAR:
                levels.clear()
            if size:
                levels[(side, price)] = size
            else:
                levels.pop((side, price), None)
            if book is not None:
                (pending_bids if side == 1 else pending_asks).append((price, size))
        if not flags & F_LAST or first_trade_price is None:
            continue
        if book is None:  # end of the opening event: continuous trading starts from this book
            book = OrderBook("ESH4.GLBX")
            book.apply_snapshot([(p, s) for (sd, p), s in levels.items() if sd == 1],
                                [(p, s) for (sd, p), s in levels.items() if sd == -1])
            best_bid, best_ask = book.best_bid(), book.best_ask()
            assert best_bid is not None and best_ask is not None
            assert best_bid[0] <= first_trade_price <= best_ask[0]
            continue
        assert book.apply(pending_bids, pending_asks) == 0
        pending_bids, pending_asks = [], []
        assert not book.is_crossed()
        events += 1
    assert book is not None and events > 40_000 and book.crossed_levels_pruned == 0


def test_mbp1_file_gives_bbo_per_record_and_the_readme_trades():
    frame = read_mbp1(shared_file(FOLDER, MBP1))
    table = frame.table.to_pydict()
    kinds = Counter(table["kind"])
    assert kinds[TRADE] == 120 and kinds[BBO] == 2 * 2_288
    assert set(frame.instruments) == {"ESU4.GLBX"}
    assert frame.instruments["ESU4.GLBX"].tick_size == cme_future("ESU4").tick_size
    assert sum(1 for f in table["flags"] if f & F_LAST) == 2_288
    assert table["kind"][:3] == [TRADE, BBO, BBO] and table["side"][:3] == [1, 1, -1]  # first record: buy trade
    bids = [p for k, s, p in zip(table["kind"], table["side"], table["price"], strict=True) if k == BBO and s == 1]
    asks = [p for k, s, p in zip(table["kind"], table["side"], table["price"], strict=True) if k == BBO and s == -1]
    assert all(b < a for b, a in zip(bids, asks, strict=True))


def _mbo(ts: int, order_id: int, price: float, size: int, action: str, side: str, flags: int, seq: int) -> bytes:
    return bytes(dbn.MBOMsg(publisher_id=1, instrument_id=7, ts_event=ts, order_id=order_id,
                            price=int(round(price * 4)) * 250_000_000, size=size, action=dbn.Action(action),
                            side=dbn.Side(side), ts_recv=ts + 5, flags=flags, sequence=seq))


def test_synthetic_mbo_add_add_modify_cancel_trade_gives_the_known_deltas(tmp_path: Path):
    last = dbn.F_LAST
    metadata = dbn.Metadata(dataset="GLBX.MDP3", start=0, stype_in=dbn.SType.RAW_SYMBOL,
                            stype_out=dbn.SType.INSTRUMENT_ID, schema=dbn.Schema.MBO, symbols=["ESH4"], mappings=[])
    body = b"".join([
        _mbo(1, 1, 4800.00, 5, "A", "B", last, 1),
        _mbo(2, 2, 4800.00, 3, "A", "B", last, 2),
        _mbo(3, 1, 4799.75, 4, "M", "B", last, 3),  # order 1 moves down a tick and shrinks to 4
        _mbo(4, 2, 4800.00, 3, "C", "B", last, 4),  # order 2 leaves: level 4800.00 is empty
        _mbo(5, 0, 4799.75, 2, "T", "A", 0, 5),  # a seller hits order 1 for 2 ...
        _mbo(5, 1, 4799.75, 2, "F", "B", 0, 5),  # ... the fill does not change the book ...
        _mbo(5, 1, 4799.75, 2, "C", "B", last, 5),  # ... the cancel that follows does
    ])
    path = tmp_path / "esh4-synthetic.mbo.dbn"
    path.write_bytes(metadata.encode() + body)
    table = read_mbo(path).table.to_pydict()
    got = list(zip(table["kind"], table["side"], table["price"], table["size"], table["flags"], table["ts_event"],
                   strict=True))
    assert got == [
        (DELTA, 1, 19200, 5, F_LAST, 1),
        (DELTA, 1, 19200, 8, F_LAST, 2),
        (DELTA, 1, 19200, 3, 0, 3),
        (DELTA, 1, 19199, 4, F_LAST, 3),
        (DELTA, 1, 19200, 0, F_LAST, 4),
        (TRADE, -1, 19199, 2, 0, 5),
        (DELTA, 1, 19199, 2, F_LAST, 5),
    ]


def test_mbo_cancel_of_an_unknown_order_is_a_malformed_message(tmp_path: Path):
    metadata = dbn.Metadata(dataset="GLBX.MDP3", start=0, stype_in=dbn.SType.RAW_SYMBOL,
                            stype_out=dbn.SType.INSTRUMENT_ID, schema=dbn.Schema.MBO, symbols=["ESH4"], mappings=[])
    path = tmp_path / "esh4-bad.mbo.dbn"
    path.write_bytes(metadata.encode() + _mbo(1, 99, 4800.0, 1, "C", "B", dbn.F_LAST, 1))
    with pytest.raises(MalformedMessageError, match=r"esh4-bad.mbo.dbn:1: cancel of order 99"):
        read_mbo(path)


def test_mbo_price_off_the_quarter_point_grid_is_rejected(tmp_path: Path):
    metadata = dbn.Metadata(dataset="GLBX.MDP3", start=0, stype_in=dbn.SType.RAW_SYMBOL,
                            stype_out=dbn.SType.INSTRUMENT_ID, schema=dbn.Schema.MBO, symbols=["ESH4"], mappings=[])
    record = dbn.MBOMsg(publisher_id=1, instrument_id=7, ts_event=1, order_id=1, price=4800_100_000_000, size=1,
                        action=dbn.Action.ADD, side=dbn.Side.BID, ts_recv=2, flags=dbn.F_LAST, sequence=1)
    path = tmp_path / "esh4-offgrid.mbo.dbn"
    path.write_bytes(metadata.encode() + bytes(record))
    with pytest.raises(MalformedMessageError, match="not a positive multiple of the tick size 0.25"):
        read_mbo(path)
