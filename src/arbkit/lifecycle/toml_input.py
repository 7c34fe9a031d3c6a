"""Reading a lifecycle TOML file (a promotion policy, a roles file), every failure a LifecycleError."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from arbkit.lifecycle.modes import LifecycleError


def read_lifecycle_toml(path: str | Path, what: str) -> dict[str, Any]:
    """Parse ``path`` (floats stay floats: thresholds, not money); ``what`` names the file in errors.

    Raises:
        LifecycleError: ``cannot read <what> '<path>': ...`` or ``<what> '<path>' is not valid TOML: ...``.
    """
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LifecycleError(f"cannot read {what} {str(path)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LifecycleError(f"{what} {str(path)!r} is not valid TOML: {exc}") from None
