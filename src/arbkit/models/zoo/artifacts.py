"""The on-disk form of a zoo model: a folder with ``model.json`` and the library's own files.

``model.json`` (:class:`ArtifactMeta`) records the format version, kind, task, spec, feature names and
digest, the training library and its version, the training row count, the sha256 of every other file
and a content hash over all of that. Nothing is pickled: arrays are ``.npz`` written byte-for-byte
reproducibly (fixed zip timestamps), so the same model always gives the same bytes and version.

Loading refuses, with :class:`~arbkit.models.errors.ModelArtifactError` naming what is wrong: a missing
or unreadable ``model.json``, an unknown format version, a file whose sha256 differs from the recorded
one (corrupted or replaced), an edited ``model.json`` (content hash), and a library whose major
version differs from the one that wrote the files (see :func:`check_library_version`).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from arbkit.models.errors import ModelArtifactError, ModelMismatchError
from arbkit.models.zoo.contract import ModelSpec, Task

FORMAT_VERSION = 1
"""Version of the folder layout and of ``model.json``; a loader refuses any other."""
META_FILE = "model.json"


class LibraryVersion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The library that trained the model (``name`` as imported, ``version`` as it reports it)."""

    name: str
    version: str


class ArtifactMeta(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Contents of ``model.json``.

    Attributes:
        format_version: :data:`FORMAT_VERSION` of the writer.
        kind, task, spec: what was trained (``spec`` is the :class:`ModelSpec` as given).
        feature_names, feature_digest: the feature set the model takes.
        library: training library and version.
        train_rows: number of training rows.
        details: small kind-specific settings needed to rebuild the model (e.g. the LSTM's window).
        files: sha256 (hex) of every other file in the folder, by file name.
        content_sha256: sha256 of this record with ``content_sha256`` empty (sorted keys); the model's
            version is ``<kind>-`` and its first 8 hex digits.
    """

    format_version: int
    kind: str
    task: Task
    spec: ModelSpec
    feature_names: tuple[str, ...]
    feature_digest: str
    library: LibraryVersion
    train_rows: int
    details: dict[str, Any]
    files: dict[str, str]
    content_sha256: str = ""


def sha256(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def content_hash(meta: ArtifactMeta) -> str:
    """sha256 of ``meta`` with an empty ``content_sha256``, keys sorted (independent of dict order)."""
    blank = msgspec.structs.replace(meta, content_sha256="")
    return sha256(msgspec.json.encode(blank, order="sorted"))


def seal(meta: ArtifactMeta) -> ArtifactMeta:
    """``meta`` with its content hash filled in."""
    return msgspec.structs.replace(meta, content_sha256=content_hash(meta))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A ``.npz`` of ``arrays`` (names sorted), identical bytes for identical arrays; ``np.load`` reads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            array = np.asarray(arrays[name])
            if array.dtype == object:
                raise ModelArtifactError(f"array {name!r} has dtype object, which would need pickle")
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(info, payload.getvalue())
    return buffer.getvalue()


def npz_arrays(data: bytes, where: str) -> dict[str, np.ndarray]:
    """Arrays of a ``.npz`` written by :func:`npz_bytes` (pickle refused); ModelArtifactError naming ``where``."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ModelArtifactError(f"{where}: not a readable array archive: {exc}") from None


def major(version: str) -> str:
    """Major component of a version string: ``"4.7.0"`` → ``"4"``."""
    return version.split(".", 1)[0]


def check_library_version(folder: Path, saved: LibraryVersion, installed: str) -> None:
    """Refuse a model written by another major version of its library (formats change across majors).

    A minor or patch difference is accepted: the libraries of the zoo keep their model files readable
    within a major version, and the predictions are then checked against the stored arrays by the
    conformance tests of the release.
    """
    if major(saved.version) != major(installed):
        raise ModelArtifactError(f"{folder}: written by {saved.name} {saved.version}, but {saved.name} {installed} is "
                                 f"installed; a model is loaded only by the same major version "
                                 f"({major(saved.version)}.x)")


def write_folder(folder: str | Path, meta: ArtifactMeta, files: dict[str, bytes]) -> Path:
    """Write ``files`` and ``model.json`` into ``folder`` (created); refuses a folder holding another model."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    if META_FILE in files:
        raise ModelArtifactError(f"a model file may not be named {META_FILE}")
    for name, data in sorted(files.items()):
        (path / name).write_bytes(data)
    (path / META_FILE).write_bytes(msgspec.json.format(msgspec.json.encode(meta, order="sorted")))
    return path


def read_folder(folder: str | Path) -> tuple[ArtifactMeta, dict[str, bytes]]:
    """Read and verify a model folder: format version, every file's sha256, the content hash."""
    path = Path(folder)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ModelArtifactError(f"{path}: no {META_FILE}; not a saved zoo model")
    raw = meta_path.read_bytes()
    try:
        version = msgspec.json.decode(raw, type=dict).get("format_version")
    except msgspec.DecodeError as exc:
        raise ModelArtifactError(f"{meta_path}: not valid JSON ({exc}); the file is corrupted") from None
    if version != FORMAT_VERSION:
        raise ModelArtifactError(f"{meta_path}: format version {version!r}; this arbkit reads version "
                                 f"{FORMAT_VERSION} only")
    try:
        meta = msgspec.json.decode(raw, type=ArtifactMeta)
    except msgspec.ValidationError as exc:
        raise ModelArtifactError(f"{meta_path}: {exc}; the file is corrupted") from None
    files = {}
    for name, expected in sorted(meta.files.items()):
        file_path = path / name
        if Path(name).name != name or not file_path.is_file():
            raise ModelArtifactError(f"{path}: file {name!r} listed in {META_FILE} is missing")
        data = file_path.read_bytes()
        got = sha256(data)
        if got != expected:
            raise ModelArtifactError(f"{file_path}: sha256 {got[:16]}… differs from {expected[:16]}… recorded in "
                                     f"{META_FILE}; the file is corrupted or was replaced")
        files[name] = data
    got = content_hash(meta)
    if got != meta.content_sha256:
        raise ModelArtifactError(f"{meta_path}: content hash {got[:16]}… differs from {meta.content_sha256[:16]}… "
                                 "recorded in it; the file was edited or is corrupted")
    return meta, files


def check_digest(folder: Path, meta: ArtifactMeta, feature_digest: str | None) -> None:
    """Refuse a model trained on another feature set than ``feature_digest`` (None: no check), naming both."""
    if feature_digest is not None and feature_digest != meta.feature_digest:
        raise ModelMismatchError(f"{folder}: model {meta.kind}-{meta.content_sha256[:8]} was trained on feature set "
                                 f"{meta.feature_digest}, not {feature_digest}")
