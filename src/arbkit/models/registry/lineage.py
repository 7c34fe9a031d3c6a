"""What a registered model was made from: data, features, label, recipe, validation and code.

A :class:`Lineage` is what the trainer knows (the data it read, the feature set, the label, the
validation report, the training recipe). :meth:`ModelRegistry.register
<arbkit.models.registry.registry.ModelRegistry.register>` completes it into a :class:`LineageRecord`
with what the registry knows (the model's spec and content version, the code version, when and who)
and stores that record as ``lineage.json`` beside the model, and its key fields as MLflow tags.

>>> import numpy as np, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "part.bin").write_bytes(b"abc")
3
>>> data = TrainingData.from_files([folder / "part.bin"], event_ns=np.array([5, 1, 9]), description="toy")
>>> data.files[0].sha256[:12], data.first_event_ns, data.last_event_ns, data.rows
('ba7816bf8f01', 1, 9, 3)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from arbkit.models.registry.errors import RegistryError

LINEAGE_FORMAT = 1
"""Format version of ``lineage.json``; a record of another version is refused on reading."""

_CHUNK_BYTES = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
                digest.update(chunk)
    except OSError as exc:
        raise RegistryError(f"cannot hash file {str(path)!r}: {exc}") from exc
    return digest.hexdigest()


class DataFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One file the training data was read from.

    Attributes:
        path: the path as resolved when training (absolute).
        sha256: hex SHA-256 of its bytes.
        size_bytes: its size in bytes.
    """

    path: str
    sha256: str
    size_bytes: int


class TrainingData(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Identity of the training data: the files (or tick-store files) read, their hashes, the span.

    Attributes:
        description: what the rows are, in words (e.g. "BTCUSDT spot-perp basis, shipped sample").
        files: every file read, sorted by path.
        first_event_ns: event time of the first row, int ns since the Unix epoch (UTC).
        last_event_ns: event time of the last row, int ns since the Unix epoch (UTC).
        rows: number of training rows (after labelling).
        store: the tick-store folder the files belong to, when they were read from one.
    """

    description: str
    files: tuple[DataFile, ...]
    first_event_ns: int
    last_event_ns: int
    rows: int
    store: str | None = None

    @property
    def sha256(self) -> str:
        """One hex SHA-256 over the files' hashes in path order (the data set's identity)."""
        digest = hashlib.sha256()
        for item in self.files:
            digest.update(item.sha256.encode("ascii"))
        return digest.hexdigest()

    @classmethod
    def from_files(cls, paths: Iterable[str | Path], event_ns: np.ndarray | Sequence[int], description: str,
                   store: str | Path | None = None) -> TrainingData:
        """Hash ``paths`` and take the span and row count from the rows' event times.

        Args:
            paths: files the rows were read from (each is hashed; duplicates are dropped).
            event_ns: event time of each training row, int ns since the Unix epoch (UTC).
            description: what the rows are.
            store: tick-store folder, when the files are that store's.
        """
        times = np.asarray(event_ns, dtype=np.int64)
        if times.size == 0:
            raise RegistryError(f"training data {description!r} has no rows")
        resolved = sorted({str(Path(p).resolve()) for p in paths})
        if not resolved:
            raise RegistryError(f"training data {description!r} names no files")
        files = tuple(DataFile(path=p, sha256=file_sha256(p), size_bytes=Path(p).stat().st_size) for p in resolved)
        return cls(description=description, files=files, first_event_ns=int(times.min()),
                   last_event_ns=int(times.max()), rows=int(times.size),
                   store=None if store is None else str(Path(store).resolve()))


class FeatureSetRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The feature set a model consumes.

    Attributes:
        name: the set's name.
        digest: :meth:`arbkit.features.feature_set.FeatureSet.digest` (or the dataset's digest).
        names: input column names, in order.
        declaration: the set's declaration as JSON-able data, when there is one.
    """

    name: str
    digest: str
    names: tuple[str, ...]
    declaration: dict[str, Any] | None = None


class CodeVersion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The code that trained a model.

    Attributes:
        package_version: the installed ``arbkit`` version.
        source_sha256: hex SHA-256 over the ``arbkit`` package's Python sources (paths and bytes).
        git_commit: the commit checked out, when the package runs from a git checkout.
        git_dirty: True when that checkout had uncommitted changes (None outside a checkout).
    """

    package_version: str
    source_sha256: str
    git_commit: str | None = None
    git_dirty: bool | None = None


class Lineage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the trainer knows about a model it hands to the registry.

    Attributes:
        data: identity of the training data.
        features: the feature set.
        label: the labeller's definition (horizon, threshold, ... as the labeller reports it).
        validation: the validation report as plain data (``msgspec.to_builtins``), or None.
        recipe: the training configuration, as plain data, so a retrain can repeat it.
        code: the code version; None lets the registry take the running code's.
    """

    data: TrainingData
    features: FeatureSetRecord
    label: dict[str, Any]
    validation: dict[str, Any] | None = None
    recipe: dict[str, Any] | None = None
    code: CodeVersion | None = None


class LineageRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The full record stored with a registered version (``lineage.json``).

    Attributes:
        name: registered model name.
        model_version: the model's content version (``<kind>-<8 hex>``).
        spec: the model spec (kind, task, params, seed) as plain data.
        loader: ``module:qualified.name`` of the callable that reads the saved folder back.
        data, features, label, validation, recipe: as in :class:`Lineage`.
        code: the code version that trained it.
        files: model artifact files (path relative to the model folder) → hex SHA-256.
        created_ns: registration time, int ns since the Unix epoch (UTC).
        actor: who registered it (person, job or ``"system"``).
        format: :data:`LINEAGE_FORMAT`.
    """

    name: str
    model_version: str
    spec: dict[str, Any]
    loader: str
    data: TrainingData
    features: FeatureSetRecord
    label: dict[str, Any]
    validation: dict[str, Any] | None
    recipe: dict[str, Any] | None
    code: CodeVersion
    files: dict[str, str]
    created_ns: int
    actor: str
    format: int = LINEAGE_FORMAT


def encode_record(record: LineageRecord) -> bytes:
    """``lineage.json`` bytes (sorted keys, so the same record gives the same bytes)."""
    return msgspec.json.format(msgspec.json.encode(record, order="sorted"), indent=2)


def decode_record(data: bytes, where: str) -> LineageRecord:
    """Read ``lineage.json`` bytes; raises :class:`RegistryError` naming ``where`` when unreadable."""
    try:
        record = msgspec.json.decode(data, type=LineageRecord)
    except msgspec.DecodeError as exc:
        raise RegistryError(f"{where}: lineage record unreadable: {exc}") from exc
    if record.format != LINEAGE_FORMAT:
        raise RegistryError(f"{where}: lineage format {record.format} is not supported (expected {LINEAGE_FORMAT})")
    return record
