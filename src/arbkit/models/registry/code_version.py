"""The version of the code that trains a model: package version, source hash, git commit."""

from __future__ import annotations

import functools
import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

import arbkit
from arbkit.models.registry.lineage import CodeVersion

_PACKAGE_DIR = Path(arbkit.__file__).resolve().parent
_GIT_TIMEOUT_S = 10.0


def source_tree_sha256(package_dir: Path = _PACKAGE_DIR) -> str:
    """Hex SHA-256 over every ``*.py`` file under ``package_dir``: relative path, then bytes, in path order.

    Byte-identical sources give the same hash wherever the package is installed.
    """
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package_dir).as_posix().encode("utf-8")
        data = path.read_bytes()
        for part in (relative, data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _package_version() -> str:
    try:
        return metadata.version("arbkit")
    except metadata.PackageNotFoundError:
        return arbkit.__version__


@functools.lru_cache(maxsize=1)
def code_version() -> CodeVersion:
    """The running code's version (computed once per process).

    ``git_commit``/``git_dirty`` are set only when the package's folder lies in a git checkout (and
    git can be run); an installed package has only its version and source hash.
    """
    commit = _git(["rev-parse", "HEAD"], _PACKAGE_DIR)
    dirty: bool | None = None
    if commit is not None:
        status = _git(["status", "--porcelain", "--untracked-files=no", "--", "."], _PACKAGE_DIR)
        dirty = None if status is None else bool(status)
    return CodeVersion(package_version=_package_version(), source_sha256=source_tree_sha256(),
                       git_commit=commit, git_dirty=dirty)
