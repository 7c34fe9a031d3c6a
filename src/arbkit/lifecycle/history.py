"""The deployment history: every change of a model version's mode, who made it, why and on what evidence.

Stored append-only in SQLite (triggers refuse UPDATE and DELETE), journaled (kind ``deployment``) and mirrored
to MLflow aliases (:class:`MlflowAliasMirror`). Each change is validated against the version's current mode:

- ``deploy``: a version never deployed (``old_mode`` None) enters ``shadow``, or directly ``canary`` or ``live``
  (an initial champion, or a deliberate canary; the controller requires the ``promote`` permission for those);
  a retired version may be deployed again to ``shadow``.
- ``promote``: shadow → canary, canary → live; ``demote``: canary → shadow, live → shadow;
  ``retire`` and ``rollback``: any running mode → retired (a rollback is the automatic or manual take-out);
- ``restore``: retired → live (:func:`~arbkit.lifecycle.modes.can_restore`), only for the last stable version.

Times are clock int ns; a change older than the script's last change is refused.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal, Protocol, Self

import msgspec

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.lifecycle.modes import DeploymentMode, LifecycleError, can_move, can_restore, parse_mode
from arbkit.lifecycle.summary import ModeInterval

Action = Literal["deploy", "promote", "demote", "retire", "rollback", "restore"]

_RANK = {DeploymentMode.SHADOW: 0, DeploymentMode.CANARY: 1, DeploymentMode.LIVE: 2}


class DeploymentChange(msgspec.Struct, frozen=True, kw_only=True):
    """One change of one version's mode.

    Attributes:
        ts_ns: when, clock int ns. script_id: the base script id. model_name: the registered model name.
        version: the model's version string; registry_version: its MLflow version number (None if unregistered).
        old_mode: the mode it left (None for a first deploy); new_mode: the mode it entered.
        action: deploy, promote, demote, retire, rollback or restore. actor: who (a person, or the guard).
        reason: why, in words. evidence: builtins of the ArmScore / verdict / trigger behind it (may be empty).
    """

    ts_ns: int
    script_id: str
    model_name: str
    version: str
    registry_version: int | None
    old_mode: str | None
    new_mode: str
    action: Action
    actor: str
    reason: str
    evidence: dict[str, Any] = {}


class AliasMirror(Protocol):
    """Told of every recorded change with the script's state after it (version → (mode, since_ns))."""

    def on_change(self, change: DeploymentChange, current: dict[str, tuple[DeploymentMode, int]]) -> None:
        """Bring the mirrored state in line with ``current``."""


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS deployment (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, ts_ns INTEGER NOT NULL, script_id TEXT NOT NULL,
        model_name TEXT NOT NULL, version TEXT NOT NULL, registry_version INTEGER, old_mode TEXT,
        new_mode TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
        evidence TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS deployment_script ON deployment (script_id, seq)",
    """CREATE TRIGGER IF NOT EXISTS deployment_no_update BEFORE UPDATE ON deployment
        BEGIN SELECT RAISE(ABORT, 'deployment history is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS deployment_no_delete BEFORE DELETE ON deployment
        BEGIN SELECT RAISE(ABORT, 'deployment history is append-only: DELETE refused'); END""",
)
_COLUMNS = ("ts_ns, script_id, model_name, version, registry_version, old_mode, new_mode, action, actor, reason, "
            "evidence")


class DeploymentHistory:
    """Append-only history of deployment changes in SQLite (``":memory:"`` allowed).

    Args:
        path: database file (created if absent) or ``":memory:"``.
        journal: where each change is also appended (kind ``deployment``, actor = the change's actor).
        mirror: told of each change (e.g. :class:`MlflowAliasMirror`).
    """

    def __init__(self, path: str | Path, journal: Journal | None = None, mirror: AliasMirror | None = None) -> None:
        self._path = str(path)
        self._journal = journal
        self._mirror = mirror
        self._encoder = msgspec.json.Encoder()
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(self._path, isolation_level=None)
            for statement in _SCHEMA:
                self._conn.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise LifecycleError(f"cannot open deployment history {self._path!r}: {exc}") from None

    @property
    def path(self) -> str:
        """The database path."""
        return self._path

    def attach_mirror(self, mirror: AliasMirror) -> None:
        """Tell ``mirror`` of every later change (for a mirror built from :meth:`changes` of this history)."""
        self._mirror = mirror

    def close(self) -> None:
        """Close the file (twice is allowed)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LifecycleError(f"deployment history {self._path!r} is closed")
        return self._conn

    # -- writing ---------------------------------------------------------------------------------------------------
    def record(self, change: DeploymentChange) -> int:
        """Validate ``change`` against the version's current mode, store it, journal it, tell the mirror; returns
        its sequence number. LifecycleError naming the version, its current mode and the requested one otherwise."""
        db = self._db()
        if not change.actor:
            raise LifecycleError(f"change of version {change.version}: actor must be named")
        new = parse_mode(change.new_mode)
        row = db.execute("SELECT new_mode, ts_ns FROM deployment WHERE script_id = ? AND version = ? "
                         "ORDER BY seq DESC LIMIT 1", (change.script_id, change.version)).fetchone()
        current = None if row is None else DeploymentMode(row[0])
        stated = None if change.old_mode is None else parse_mode(change.old_mode)
        where = (f"version {change.version} of {change.script_id} is "
                 f"{current.value if current else 'not deployed'}; requested {change.action} to {new.value}")
        if stated is not current:
            raise LifecycleError(f"{where}, but the change says it was "
                                 f"{stated.value if stated else 'not deployed'}")
        _check_move(change.action, current, new, where)
        last = db.execute("SELECT MAX(ts_ns) FROM deployment WHERE script_id = ?", (change.script_id,)).fetchone()[0]
        if last is not None and change.ts_ns < last:
            raise LifecycleError(f"{where}: change time {change.ts_ns} ns is before the script's last change at "
                                 f"{last} ns")
        cursor = db.execute(f"INSERT INTO deployment ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (change.ts_ns, change.script_id, change.model_name, change.version,
                             change.registry_version, change.old_mode, change.new_mode, change.action, change.actor,
                             change.reason, self._encoder.encode(change.evidence).decode("utf-8")))
        seq = int(cursor.lastrowid or 0)
        if self._journal is not None:
            self._journal.append(kinds.DEPLOYMENT, ts_ns=change.ts_ns, payload=change, actor=change.actor)
        if self._mirror is not None:
            self._mirror.on_change(change, self.current(change.script_id))
        return seq

    # -- reading ---------------------------------------------------------------------------------------------------
    def changes(self, script_id: str | None = None, version: str | None = None) -> list[DeploymentChange]:
        """Every change (of ``script_id``, of ``version``), in the order recorded."""
        clauses, args = [], []
        if script_id is not None:
            clauses.append("script_id = ?")
            args.append(script_id)
        if version is not None:
            clauses.append("version = ?")
            args.append(version)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db().execute(f"SELECT {_COLUMNS} FROM deployment{where} ORDER BY seq", args).fetchall()
        return [DeploymentChange(ts_ns=r[0], script_id=r[1], model_name=r[2], version=r[3], registry_version=r[4],
                                 old_mode=r[5], new_mode=r[6], action=r[7], actor=r[8], reason=r[9],
                                 evidence=msgspec.json.decode(r[10])) for r in rows]

    def script_ids(self) -> list[str]:
        """The scripts with at least one change, sorted."""
        return [r[0] for r in self._db().execute("SELECT DISTINCT script_id FROM deployment ORDER BY script_id")]

    def current(self, script_id: str) -> dict[str, tuple[DeploymentMode, int]]:
        """Every version of ``script_id`` ever deployed → (its mode now, since when in ns), retired ones included."""
        state: dict[str, tuple[DeploymentMode, int]] = {}
        for version, mode, ts_ns in self._db().execute(
                "SELECT version, new_mode, ts_ns FROM deployment WHERE script_id = ? ORDER BY seq", (script_id,)):
            state[version] = (DeploymentMode(mode), ts_ns)
        return state

    def mode_at(self, script_id: str, version: str, ts_ns: int) -> DeploymentMode | None:
        """The mode ``version`` was in at ``ts_ns`` (the last change at or before it); None before its deploy."""
        row = self._db().execute("SELECT new_mode FROM deployment WHERE script_id = ? AND version = ? AND ts_ns <= ? "
                                 "ORDER BY seq DESC LIMIT 1", (script_id, version, ts_ns)).fetchone()
        return None if row is None else DeploymentMode(row[0])

    def intervals(self, script_id: str | None = None, end_ns: int | None = None) -> list[ModeInterval]:
        """Each version's stays in each mode, in order of start; the open ones end at ``end_ns`` (None: open)."""
        done: list[ModeInterval] = []
        open_: dict[tuple[str, str], ModeInterval] = {}
        for change in self.changes(script_id):
            key = (change.script_id, change.version)
            previous = open_.pop(key, None)
            if previous is not None:
                done.append(msgspec.structs.replace(previous, end_ns=change.ts_ns))
            open_[key] = ModeInterval(script_id=change.script_id, model_name=change.model_name,
                                      version=change.version, mode=change.new_mode, start_ns=change.ts_ns,
                                      end_ns=None, actor=change.actor, reason=change.reason)
        done += [msgspec.structs.replace(i, end_ns=end_ns) if end_ns is not None else i for i in open_.values()]
        return sorted(done, key=lambda i: i.start_ns)

    def last_stable(self, script_id: str, excluding: str) -> str | None:
        """The version to restore after ``excluding`` is rolled back: of the versions now retired (so restorable),
        other than ``excluding``, whose last stay in live ended by a promotion of a successor (retire) or a demotion,
        never by a rollback, the one that left live most recently. None if there is none."""
        last_exit: dict[str, tuple[int, str]] = {}  # version -> (seq of its last exit from live, action)
        rows = self._db().execute("SELECT seq, version, old_mode, action FROM deployment WHERE script_id = ? "
                                  "ORDER BY seq", (script_id,)).fetchall()
        for seq, version, old_mode, action in rows:
            if old_mode == DeploymentMode.LIVE.value:
                last_exit[version] = (seq, action)
        now = self.current(script_id)
        best: tuple[int, str] | None = None
        for version, (seq, action) in last_exit.items():
            if version == excluding or action == "rollback" or now[version][0] is not DeploymentMode.RETIRED:
                continue
            if best is None or seq > best[0]:
                best = (seq, version)
        return None if best is None else best[1]


def _check_move(action: str, old: DeploymentMode | None, new: DeploymentMode, where: str) -> None:
    """LifecycleError (prefixed by ``where``) unless ``action`` may move a version from ``old`` to ``new``."""
    if action == "deploy":
        ok = (old is None and new is not DeploymentMode.RETIRED) or (
            old is DeploymentMode.RETIRED and new is DeploymentMode.SHADOW)
        rule = "a deploy puts a new version in shadow, canary or live, or a retired one back in shadow"
    elif action in ("promote", "demote"):
        ok = old is not None and new in _RANK and old in _RANK and can_move(old, new) and (
            (_RANK[new] > _RANK[old]) == (action == "promote"))
        rule = ("a promotion goes shadow → canary → live" if action == "promote"
                else "a demotion goes from canary or live back to shadow")
    elif action in ("retire", "rollback"):
        ok = old is not None and new is DeploymentMode.RETIRED and can_move(old, new)
        rule = f"a {action} moves a running version to retired"
    elif action == "restore":
        ok = old is not None and can_restore(old, new)
        rule = "a restore moves the last stable version from retired back to live"
    else:
        raise LifecycleError(f"{where}: unknown action {action!r}; actions are deploy, promote, demote, retire, "
                             "rollback, restore")
    if not ok:
        raise LifecycleError(f"{where}: not allowed ({rule})")


class MlflowAliasMirror:
    """Keeps the MLflow aliases ``live``, ``canary`` and ``shadow`` of each model on the versions now in those modes.

    Only changes with a ``registry_version`` are mirrored. The mirror learns version → (model name, registry
    version) from the changes it sees (pass ``known`` the history's past changes when attaching it to an existing
    history). When several versions share a mode (two shadows), the alias names the one that entered it last; when
    none is in a mode, the alias is deleted.

    Args:
        registry: the :class:`~arbkit.models.registry.ModelRegistry` holding the models.
        known: past changes to learn registry versions from.
    """

    MIRRORED = (DeploymentMode.LIVE, DeploymentMode.CANARY, DeploymentMode.SHADOW)

    def __init__(self, registry: Any, known: list[DeploymentChange] | None = None) -> None:
        self._registry = registry
        self._versions: dict[tuple[str, str], tuple[str, int]] = {}
        for change in known or ():
            self._learn(change)

    def _learn(self, change: DeploymentChange) -> None:
        if change.registry_version is not None:
            self._versions[(change.script_id, change.version)] = (change.model_name, change.registry_version)

    def on_change(self, change: DeploymentChange, current: dict[str, tuple[DeploymentMode, int]]) -> None:
        """Set or delete the aliases of ``change.model_name`` to match ``current``."""
        if change.registry_version is None:
            return
        self._learn(change)
        holders: dict[DeploymentMode, tuple[int, int]] = {}  # mode -> (since_ns, registry version)
        for version, (mode, since_ns) in current.items():
            known = self._versions.get((change.script_id, version))
            if known is None or known[0] != change.model_name or mode not in self.MIRRORED:
                continue
            if mode not in holders or since_ns >= holders[mode][0]:
                holders[mode] = (since_ns, known[1])
        existing = self._registry.aliases(change.model_name)
        for mode in self.MIRRORED:
            alias = mode.value
            if mode in holders:
                if existing.get(alias) != holders[mode][1]:
                    self._registry.set_alias(change.model_name, alias, holders[mode][1])
            elif alias in existing:
                self._registry.delete_alias(change.model_name, alias)
