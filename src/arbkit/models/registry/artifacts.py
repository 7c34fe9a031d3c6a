"""Model folders as stored artifacts: file manifests, integrity checks and the loader that reads them back.

A registered model is the folder its ``save`` wrote, plus ``lineage.json``. The lineage record lists
every file of the folder with its SHA-256; the SHA-256 of ``lineage.json`` itself is an MLflow tag in
the registry's database. Reading back re-hashes everything before the loader sees a byte, so an
altered, truncated or missing file is a :class:`~arbkit.models.errors.ModelArtifactError` naming it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arbkit.core.errors import ArbkitError
from arbkit.models.errors import ModelArtifactError
from arbkit.models.registry.errors import RegistryError
from arbkit.models.registry.lineage import file_sha256

Loader = Callable[..., Any]
"""``loader(folder, feature_digest=...) -> model``: reads a saved model folder back."""


def folder_manifest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative POSIX path) → hex SHA-256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise RegistryError(f"model folder {str(folder)!r} is empty: the model's save() wrote nothing")
    return {p.relative_to(folder).as_posix(): file_sha256(p) for p in files}


def verify_folder(folder: Path, manifest: dict[str, str], where: str) -> None:
    """Raise :class:`ModelArtifactError` unless ``folder`` holds exactly the files of ``manifest``, unaltered."""
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()
    missing = sorted(set(manifest) - found)
    if missing:
        raise ModelArtifactError(f"{where}: artifact file(s) missing: {', '.join(missing)} "
                                 f"(stored: {', '.join(sorted(found)) or 'none'})")
    extra = sorted(found - set(manifest))
    if extra:
        raise ModelArtifactError(f"{where}: unexpected artifact file(s): {', '.join(extra)}")
    for relative, expected in sorted(manifest.items()):
        actual = file_sha256(folder / relative)
        if actual != expected:
            raise ModelArtifactError(f"{where}: artifact {relative!r} is corrupted: sha256 {actual[:16]}… "
                                     f"differs from the registered {expected[:16]}…")


ZOO_LOADER = "arbkit.models.zoo:load_model"
"""The loader of every model of the zoo."""


def loader_name(model: object, loader: str | None) -> str:
    """The loader to record for ``model``: ``loader`` when given, the zoo's for a zoo model, else ``<Class>.load``."""
    if loader is not None:
        resolve_loader(loader)
        return loader
    cls = type(model)
    if cls.__module__.startswith("arbkit.models.zoo."):
        return ZOO_LOADER
    if not callable(getattr(cls, "load", None)):
        raise RegistryError(f"model of type {cls.__module__}.{cls.__qualname__} has no load(); pass loader= "
                            "as 'module:function' taking (folder, feature_digest=...)")
    name = f"{cls.__module__}:{cls.__qualname__}.load"
    resolve_loader(name)
    return name


def resolve_loader(name: str) -> Loader:
    """Import ``module:qualified.name`` and return the callable; :class:`RegistryError` if it cannot be found."""
    module_name, sep, qualname = name.partition(":")
    if not sep or not module_name or not qualname:
        raise RegistryError(f"loader {name!r} is not of the form 'module:qualified.name'")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise RegistryError(f"loader {name!r} cannot be imported: {exc}") from exc
    if not callable(target):
        raise RegistryError(f"loader {name!r} is not callable")
    return target  # type: ignore[no-any-return]


def read_model(loader: str, folder: Path, feature_digest: str, where: str) -> Any:
    """Call the loader on a verified folder; a failure that is not a typed arbkit error becomes ModelArtifactError."""
    function = resolve_loader(loader)
    try:
        return function(folder, feature_digest=feature_digest)
    except ArbkitError:
        raise
    except Exception as exc:  # any library's read error means an unreadable artifact
        raise ModelArtifactError(f"{where}: the loader {loader!r} could not read the model: "
                                 f"{type(exc).__name__}: {exc}") from exc
