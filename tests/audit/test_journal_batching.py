"""Rows of the open batch are kept in memory and inserted when the batch is committed or before a read: what
the file holds, what this object reads back, and when rows become durable are as if each were inserted at once."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from arbkit.audit.journal import Journal


def rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT seq, ts_ns, kind, actor, payload, prev_hash, hash FROM journal ORDER BY seq").fetchall()


def write(journal: Journal, start: int, count: int) -> None:
    for i in range(start, start + count):
        journal.append("fill" if i % 2 else "intent", ts_ns=i, payload={"i": i, "fee": Decimal("0.5")}, actor=f"s{i % 3}")


def test_reads_between_appends_see_every_row_and_the_file_matches_one_insert_per_append(tmp_path: Path) -> None:
    with Journal(tmp_path / "each.sqlite", commit_every=1) as each:
        write(each, 1, 2_600)
    with Journal(tmp_path / "batched.sqlite", commit_every=1_000) as batched:
        write(batched, 1, 5)
        assert batched.count() == 5 and [e.seq for e in batched.entries()] == [1, 2, 3, 4, 5]
        write(batched, 6, 3)
        assert batched.verify().ok and batched.count("fill") == 4
        assert [e.payload["i"] for e in batched.entries(since_seq=5)] == [6, 7, 8]
        write(batched, 9, 2_592)  # past a commit, and past 1000 rows held since the last read
        assert batched.count() == 2_600 and batched.verify().entries_checked == 2_600
        assert len(rows(tmp_path / "batched.sqlite")) == 2_000  # another connection sees committed rows only
    assert rows(tmp_path / "batched.sqlite") == rows(tmp_path / "each.sqlite")


def test_a_failed_write_keeps_the_batch_for_the_next_flush(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path, commit_every=1_000)
    journal._conn.execute("PRAGMA busy_timeout = 0")  # type: ignore[union-attr]  # fail at once, not after 5 s
    write(journal, 1, 3)
    blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another connection holds the write lock: the batch cannot be written
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        journal.flush()
    blocker.execute("ROLLBACK")
    blocker.close()
    assert journal.last_seq == 3 and journal.count() == 3  # nothing lost, nothing twice
    write(journal, 4, 2)
    journal.close()
    with Journal(path) as reopened:
        assert [e.payload["i"] for e in reopened.entries()] == [1, 2, 3, 4, 5] and reopened.verify().ok
