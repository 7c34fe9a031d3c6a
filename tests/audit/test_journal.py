"""The hash-chained journal on a real SQLite file."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from arbkit.audit import kinds
from arbkit.audit.errors import JournalError
from arbkit.audit.journal import GENESIS_HASH, Journal, entry_hash
from arbkit.core.enums import OrderType, Side
from arbkit.core.messages import OrderIntent


def an_intent(n: int) -> OrderIntent:
    return OrderIntent(intent_id=f"i{n}", script_id="basis", model_version="m1", instrument_id="BTCUSDT.BINANCE_SPOT",
                       side=Side.BUY, order_type=OrderType.LIMIT, qty_lots=10, price_ticks=6_000_000, ts_created=n)


def fill_journal(journal: Journal, n: int) -> None:
    for i in range(1, n + 1):
        kind = kinds.INTENT if i % 2 else kinds.FILL
        journal.append(kind, ts_ns=1_000 + i, payload={"i": i, "fee": Decimal("0.0125")}, actor=f"s{i % 3}")


def test_append_returns_consecutive_sequence_numbers_and_reads_back(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.append(kinds.INTENT, ts_ns=5, payload=an_intent(1), actor="basis") == 1
        assert journal.append(kinds.CONFIG, ts_ns=6, payload={"limit": Decimal("0.50")}) == 2
        first, second = journal.entries()
    assert (first.seq, first.ts_ns, first.kind, first.actor) == (1, 5, "intent", "basis")
    assert first.payload["intent_id"] == "i1" and first.payload["side"] == 1 and first.payload["type"] == "intent"
    assert second.payload == {"limit": "0.50"} and second.actor == "system"  # Decimal kept exact as text
    assert msgspec.convert(first.payload, OrderIntent) == an_intent(1)


def test_hash_chains_each_row_to_the_previous(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        fill_journal(journal, 3)
        rows = list(journal.entries())
    raw = sqlite3.connect(tmp_path / "j.sqlite").execute(
        "SELECT prev_hash, payload FROM journal ORDER BY seq").fetchall()
    assert raw[0][0] == GENESIS_HASH
    assert [r[0] for r in raw[1:]] == [e.hash for e in rows[:-1]]
    assert rows[0].hash == entry_hash(GENESIS_HASH, 1, rows[0].ts_ns, rows[0].kind, rows[0].actor, raw[0][1].encode())


def test_entries_filter_by_kind_resume_after_seq_and_limit(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        fill_journal(journal, 2_500)
        assert journal.count() == 2_500 and journal.count(kinds.FILL) == 1_250 and journal.count("model") == 0
        assert [e.seq for e in journal.entries(kind=kinds.FILL, limit=3)] == [2, 4, 6]
        assert [e.seq for e in journal.entries(since_seq=2_497)] == [2_498, 2_499, 2_500]
        assert len(list(journal.entries(kind=kinds.INTENT, since_seq=1_000, limit=1_200))) == 750
        assert list(journal.entries(limit=0)) == []


def test_verify_detects_a_row_edited_with_raw_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        fill_journal(journal, 20)
        assert journal.verify().ok and journal.verify().entries_checked == 20
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE journal SET payload = '{\"i\":7,\"fee\":\"0\"}' WHERE seq = 7")
    raw.execute("DROP TRIGGER journal_no_update")  # someone with raw access removes the guard ...
    raw.execute("UPDATE journal SET payload = '{\"i\":7,\"fee\":\"0\"}' WHERE seq = 7")
    raw.commit()
    raw.close()
    with Journal(path) as journal:
        check = journal.verify()
    assert not check.ok and check.first_bad_seq == 7 and check.entries_checked == 7
    assert "does not match its hash" in check.reason


def test_verify_detects_a_deleted_row_and_a_truncated_tail(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        fill_journal(journal, 10)
        head = journal.head_hash
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER journal_no_delete")
    raw.execute("DELETE FROM journal WHERE seq = 10")
    raw.commit()
    with Journal(path) as journal:
        truncated = journal.verify(expected_head=head)
        assert not truncated.ok and truncated.first_bad_seq == 10 and "expected head" in truncated.reason
    raw.execute("DROP TRIGGER journal_no_delete")  # reopening the journal restored the guard
    raw.execute("DELETE FROM journal WHERE seq = 4")
    raw.commit()
    with Journal(path) as journal:
        gap = journal.verify()
    assert not gap.ok and gap.first_bad_seq == 5 and "sequence gap" in gap.reason


def test_reopening_a_file_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        fill_journal(journal, 5)
    with Journal(path) as journal:
        assert journal.last_seq == 5
        assert journal.append(kinds.MODEL, ts_ns=9, payload={"version": "v2"}, actor="alice") == 6
        check = journal.verify()
    assert check.ok and check.entries_checked == 6


def test_appends_are_committed_in_batches_and_on_flush(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path, commit_every=100)
    fill_journal(journal, 150)
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 100
    journal.flush()
    assert reader.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 150
    fill_journal(journal, 7)
    journal.close()
    assert reader.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 157
    assert journal.closed


def test_many_appends_verify_and_read_back(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        for i in range(20_000):
            journal.append(kinds.FILL, ts_ns=i, payload={"i": i})
        assert journal.verify().ok
        assert sum(1 for _ in journal.entries()) == 20_000


def test_in_memory_journal_works() -> None:
    with Journal(":memory:") as journal:
        fill_journal(journal, 3)
        assert journal.verify().ok and journal.count() == 3


@pytest.mark.parametrize(("kind", "ts_ns", "payload", "actor", "message"), [
    ("", 1, {}, "a", "kind must be a non-empty str"),
    ("fill", 1.5, {}, "a", "ts_ns must be int ns"),
    ("fill", -1, {}, "a", "ts_ns must be int ns"),
    ("fill", True, {}, "a", "ts_ns must be int ns"),
    ("fill", 1, [1, 2], "a", "payload must be a msgspec Struct or a Mapping, got list"),
    ("fill", 1, {"x": object()}, "a", "cannot be encoded"),
    ("fill", 1, {}, "", "actor must be a non-empty str"),
])
def test_bad_append_raises_journal_error_naming_the_value(kind: str, ts_ns: int, payload: object, actor: str,
                                                          message: str) -> None:
    with Journal(":memory:") as journal:
        with pytest.raises(JournalError, match=message):
            journal.append(kind, ts_ns=ts_ns, payload=payload, actor=actor)  # type: ignore[arg-type]
        assert journal.count() == 0 and journal.verify().ok


def test_closed_journal_refuses_use(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.close()
    journal.close()
    with pytest.raises(JournalError, match="is closed"):
        journal.append(kinds.FILL, ts_ns=1, payload={})


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError, match="cannot open journal"):
        Journal(path)


def test_kinds_are_the_documented_strings() -> None:
    assert kinds.ALL_KINDS == ("intent", "risk_decision", "order", "fill", "book_gap", "kill_switch", "config",
                               "model", "backtest", "regime_change", "alert", "script_failure", "deployment",
                               "lifecycle_score", "lifecycle_refusal", "rollback", "shadow_intent", "shadow_fill",
                               "ab_route")
