"""Append-only, hash-chained event journal in SQLite.

Every order, fill, risk decision, kill-switch change and configuration change is appended as one row.
Each row's hash covers the previous row's hash, so editing, deleting or reordering a row breaks the
chain and :meth:`Journal.verify` finds the first bad sequence number.

Row hash (hex SHA-256) over the length-prefixed fields (8-byte big-endian length, then the bytes)::

    prev_hash (hex ascii) | seq (decimal ascii) | ts_ns (decimal ascii) | kind (utf-8) | actor (utf-8)
    | payload (JSON utf-8)

The first row's ``prev_hash`` is :data:`GENESIS_HASH` (64 zeros).

>>> from arbkit.core.enums import Side
>>> with Journal(":memory:") as journal:
...     journal.append("config", ts_ns=1_000, payload={"max_order_qty": "0.5"}, actor="alice")
...     journal.append("kill_switch", ts_ns=2_000, payload={"engaged": True}, actor="bob")
...     [(e.seq, e.kind, e.actor, e.payload) for e in journal.entries(kind="config")]
...     journal.verify().ok
1
2
[(1, 'config', 'alice', {'max_order_qty': '0.5'})]
True
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import msgspec

from arbkit.audit.errors import JournalError

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first row of every journal."""

SCHEMA_VERSION = 1
"""Stored in SQLite's ``user_version``; a file with another non-zero version is refused."""

_INT64_MAX = 2**63 - 1
_PAGE_ROWS = 1_000
_INSERT = "INSERT INTO journal (seq, ts_ns, kind, actor, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
_LEN = struct.Struct(">Q").pack  # the 8-byte big-endian length prefix of each hashed field
_sha256 = hashlib.sha256

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS journal (
        seq INTEGER PRIMARY KEY,
        ts_ns INTEGER NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS journal_kind_seq ON journal (kind, seq)",
    """CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'journal is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'journal is append-only: DELETE refused'); END""",
)


class JournalEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One journal row as read back.

    Attributes:
        seq: 1-based sequence number, contiguous.
        ts_ns: time the writer gave for the event, int ns since the Unix epoch (UTC).
        kind: entry kind (see :mod:`arbkit.audit.kinds`).
        actor: who caused it (a person, a script id, or ``"system"``).
        payload: the decoded JSON payload (Decimals come back as strings).
        hash: this row's hex SHA-256.
    """

    seq: int
    ts_ns: int
    kind: str
    actor: str
    payload: dict[str, Any]
    hash: str


class ChainCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Result of :meth:`Journal.verify`.

    Attributes:
        ok: True if every row checked is intact and chained to its predecessor.
        entries_checked: rows read (up to and including the first bad one).
        first_bad_seq: sequence number of the first bad row, or None when ok.
        reason: why that row is bad ("" when ok).
    """

    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def entry_hash(prev_hash: str, seq: int, ts_ns: int, kind: str, actor: str, payload: bytes) -> str:
    """Hex SHA-256 of one row, as described in the module docstring."""
    p = prev_hash.encode("ascii")
    s = str(seq).encode("ascii")
    t = str(ts_ns).encode("ascii")
    k = kind.encode("utf-8")
    a = actor.encode("utf-8")
    return _sha256(b"".join((_LEN(len(p)), p, _LEN(len(s)), s, _LEN(len(t)), t, _LEN(len(k)), k,
                             _LEN(len(a)), a, _LEN(len(payload)), payload))).hexdigest()


class Journal:
    """Append-only, hash-chained journal stored in one SQLite file.

    Appends are batched: a transaction is committed every ``commit_every`` appends, on :meth:`flush`
    and on :meth:`close`. Rows not yet committed are visible to this object's reads but are lost if
    the process dies, so a live composition root may choose ``commit_every=1``. One writer per file.

    An append numbers and hashes its row at once (``last_seq`` and ``head_hash`` move with it) and keeps
    it in memory; the rows of the open batch are inserted in one ``executemany`` when it is committed, or
    into the open transaction before a read, or every 1000 rows, whichever comes first. What is committed,
    and when, is the same as inserting each row on its own.

    Args:
        path: database file, or ``":memory:"``. Reopening an existing file continues its chain.
        commit_every: number of appends per committed transaction (>= 1).
    """

    def __init__(self, path: str | Path, commit_every: int = 1_000) -> None:
        if not isinstance(commit_every, int) or commit_every < 1:
            raise JournalError(f"commit_every must be an int >= 1, got {commit_every!r}")
        self._path = str(path)
        self._commit_every = commit_every
        self._pending = 0
        self._rows: list[tuple[int, int, str, str, str, str, str]] = []  # appended, not yet committed
        self._written = 0  # how many of ``_rows`` are already inserted in the open transaction
        self._in_txn = False
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder(dict[str, Any])
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(self._path, isolation_level=None)
            self._open_schema(self._conn)
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot open journal {self._path!r}: {exc}") from exc
        row = self._conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        self._last_seq: int = row[0] if row else 0
        self._last_hash: str = row[1] if row else GENESIS_HASH

    @staticmethod
    def _open_schema(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise JournalError(f"journal schema version {version} is not supported (expected {SCHEMA_VERSION})")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- context manager -------------------------------------------------------------------
    def __enter__(self) -> Journal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def path(self) -> str:
        """The database path this journal was opened with."""
        return self._path

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._conn is None

    @property
    def last_seq(self) -> int:
        """Sequence number of the last row (0 if empty)."""
        return self._last_seq

    @property
    def head_hash(self) -> str:
        """Hash of the last row (:data:`GENESIS_HASH` if empty); keep it elsewhere to detect truncation."""
        return self._last_hash

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(f"journal {self._path!r} is closed")
        return self._conn

    # -- writing ---------------------------------------------------------------------------
    def append(self, kind: str, ts_ns: int, payload: msgspec.Struct | Mapping[str, Any], actor: str = "system") -> int:
        """Append one event and return its sequence number.

        Args:
            kind: entry kind, a non-empty string (see :mod:`arbkit.audit.kinds`).
            ts_ns: event time, int ns since the Unix epoch (UTC), 0 <= ts_ns < 2**63.
            payload: a msgspec Struct or a mapping; encoded with ``msgspec.json`` (Decimals as strings).
            actor: who caused the event (person, script id or ``"system"``), non-empty.
        """
        if self._conn is None:
            raise JournalError(f"journal {self._path!r} is closed")
        if not isinstance(kind, str) or not kind:
            raise JournalError(f"kind must be a non-empty str, got {kind!r}")
        if not isinstance(actor, str) or not actor:
            raise JournalError(f"actor must be a non-empty str, got {actor!r} (kind {kind!r})")
        if isinstance(ts_ns, bool) or not isinstance(ts_ns, int) or not 0 <= ts_ns <= _INT64_MAX:
            raise JournalError(f"ts_ns must be int ns in [0, 2**63), got {ts_ns!r} (kind {kind!r})")
        if not isinstance(payload, (msgspec.Struct, Mapping)):
            raise JournalError(f"payload must be a msgspec Struct or a Mapping, got {type(payload).__name__} "
                               f"(kind {kind!r})")
        try:
            data = self._encoder.encode(payload if isinstance(payload, msgspec.Struct) else dict(payload))
        except (TypeError, msgspec.EncodeError) as exc:
            raise JournalError(f"payload of kind {kind!r} cannot be encoded as JSON: {exc}") from exc
        if not data.startswith(b"{"):
            raise JournalError(f"payload of kind {kind!r} must encode to a JSON object, got {data[:40]!r}")
        seq = self._last_seq + 1
        prev_hash = self._last_hash
        row_hash = entry_hash(prev_hash, seq, ts_ns, kind, actor, data)
        rows = self._rows
        rows.append((seq, ts_ns, kind, actor, data.decode("utf-8"), prev_hash, row_hash))
        self._last_seq = seq
        self._last_hash = row_hash
        self._pending += 1
        if self._pending >= self._commit_every:
            self.flush()
        elif len(rows) - self._written >= _PAGE_ROWS:
            self._write_rows(self._conn)
        return seq

    def _write_rows(self, conn: sqlite3.Connection) -> None:
        """Insert the appended rows not yet inserted into the open transaction (begun if none is)."""
        rows = self._rows
        if self._written == len(rows):
            return
        try:
            if not self._in_txn:
                conn.execute("BEGIN")
                self._in_txn = True
            conn.executemany(_INSERT, rows[self._written:] if self._written else rows)
        except BaseException:
            self._abandon(conn)
            raise
        self._written = len(rows)

    def _abandon(self, conn: sqlite3.Connection) -> None:
        """After a failed insert or commit: roll the transaction back; every uncommitted row stays appended
        in memory and is inserted again by the next flush (none is lost or inserted twice)."""
        if self._in_txn and conn.in_transaction:
            conn.execute("ROLLBACK")
        self._in_txn = False
        self._written = 0

    def flush(self) -> None:
        """Commit appends not yet committed."""
        conn = self._connection()
        if self._pending:
            self._write_rows(conn)
            try:
                conn.execute("COMMIT")
            except BaseException:
                self._abandon(conn)
                raise
            self._in_txn = False
            self._rows.clear()
            self._written = 0
            self._pending = 0

    def close(self) -> None:
        """Commit pending appends and close the file. Closing twice is allowed."""
        if self._conn is None:
            return
        try:
            self.flush()
        finally:
            self._conn.close()
            self._conn = None

    # -- reading ---------------------------------------------------------------------------
    def entries(self, kind: str | None = None, since_seq: int = 0, limit: int | None = None) -> Iterator[JournalEntry]:
        """Rows in sequence order.

        Args:
            kind: only rows of this kind (all kinds if None).
            since_seq: only rows with ``seq > since_seq`` (exclusive), so a reader can resume.
            limit: at most this many rows (all if None).
        """
        conn = self._connection()
        if limit is not None and limit < 0:
            raise JournalError(f"limit must be >= 0 or None, got {limit}")
        remaining = limit
        after = since_seq
        while remaining is None or remaining > 0:
            page = _PAGE_ROWS if remaining is None else min(_PAGE_ROWS, remaining)
            self._write_rows(conn)
            if kind is None:
                rows = conn.execute("SELECT seq, ts_ns, kind, actor, payload, hash FROM journal WHERE seq > ? "
                                    "ORDER BY seq LIMIT ?", (after, page)).fetchall()
            else:
                rows = conn.execute("SELECT seq, ts_ns, kind, actor, payload, hash FROM journal "
                                    "WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?", (kind, after, page)).fetchall()
            for seq, ts_ns, row_kind, actor, payload, row_hash in rows:
                yield JournalEntry(seq=seq, ts_ns=ts_ns, kind=row_kind, actor=actor,
                                   payload=self._decoder.decode(payload), hash=row_hash)
            if len(rows) < page:
                return
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)

    def count(self, kind: str | None = None) -> int:
        """Number of rows, or of rows of ``kind``."""
        conn = self._connection()
        self._write_rows(conn)
        if kind is None:
            return int(conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])
        return int(conn.execute("SELECT COUNT(*) FROM journal WHERE kind = ?", (kind,)).fetchone()[0])

    def verify(self, expected_head: str | None = None) -> ChainCheck:
        """Re-hash every row and check the chain.

        Detects edited rows, deleted or inserted rows (a gap or break in ``seq``/``prev_hash``) and, when
        ``expected_head`` (a previously saved :attr:`head_hash`; by default the head this object last
        wrote or read on opening) differs from the last row's hash, a truncated tail.
        """
        if expected_head is None:
            expected_head = self._last_hash
        conn = self._connection()
        self._write_rows(conn)
        prev_hash = GENESIS_HASH
        expected_seq = 1
        checked = 0
        while True:
            rows = conn.execute("SELECT seq, ts_ns, kind, actor, payload, prev_hash, hash FROM journal "
                                "WHERE seq >= ? ORDER BY seq LIMIT ?", (expected_seq, _PAGE_ROWS)).fetchall()
            for seq, ts_ns, kind, actor, payload, stored_prev, stored_hash in rows:
                checked += 1
                if seq != expected_seq:
                    return ChainCheck(ok=False, entries_checked=checked, first_bad_seq=seq,
                                      reason=f"sequence gap: expected seq {expected_seq}, found {seq}")
                if stored_prev != prev_hash:
                    return ChainCheck(ok=False, entries_checked=checked, first_bad_seq=seq,
                                      reason=f"prev_hash {stored_prev[:12]}… does not match the hash "
                                             f"{prev_hash[:12]}… of seq {seq - 1}")
                payload_bytes = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
                recomputed = entry_hash(stored_prev, seq, ts_ns, kind, actor, payload_bytes)
                if recomputed != stored_hash:
                    return ChainCheck(ok=False, entries_checked=checked, first_bad_seq=seq,
                                      reason=f"row content does not match its hash: stored {stored_hash[:12]}…, "
                                             f"recomputed {recomputed[:12]}…")
                prev_hash = stored_hash
                expected_seq += 1
            if len(rows) < _PAGE_ROWS:
                break
        if prev_hash != expected_head:
            return ChainCheck(ok=False, entries_checked=checked, first_bad_seq=expected_seq,
                              reason=f"head hash {prev_hash[:12]}… after seq {expected_seq - 1} differs from the "
                                     f"expected head {expected_head[:12]}… (rows removed from the end?)")
        return ChainCheck(ok=True, entries_checked=checked)
