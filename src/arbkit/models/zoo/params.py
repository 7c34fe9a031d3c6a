"""Hyperparameter checks: an unknown or reserved name is a :class:`ModelConfigError` naming the allowed ones.

>>> check_params("tree", {"max_depth": 3}, {"max_depth", "min_samples_leaf"}, {"random_state": "use the seed"})
>>> try:
...     check_params("tree", {"max_dept": 3}, {"max_depth", "min_samples_leaf"}, {})
... except ModelConfigError as exc:
...     print(exc)
kind 'tree': unknown hyperparameter 'max_dept'; allowed: max_depth, min_samples_leaf
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from arbkit.models.errors import ModelConfigError

SEED_REASON = "set by the zoo from ModelSpec.seed"
THREADS_REASON = "fixed by the zoo to one thread, so that fits are deterministic"
TASK_REASON = "set by the zoo from ModelSpec.task"


def check_params(kind: str, params: dict[str, Any], allowed: set[str], reserved: dict[str, str]) -> None:
    """Refuse a hyperparameter that is reserved (named with the reason) or unknown (named with the allowed ones)."""
    for name in params:
        if name in reserved:
            raise ModelConfigError(f"kind {kind!r}: hyperparameter {name!r} is {reserved[name]}; do not pass it in "
                                   "ModelSpec.params")
        if name not in allowed:
            choices = ", ".join(sorted(allowed - set(reserved)))
            raise ModelConfigError(f"kind {kind!r}: unknown hyperparameter {name!r}; allowed: {choices}")


def check_choice(kind: str, params: dict[str, Any], name: str, choices: Iterable[Any]) -> None:
    """Refuse ``params[name]`` (when present) outside ``choices``."""
    options = tuple(choices)
    if name in params and params[name] not in options:
        raise ModelConfigError(f"kind {kind!r}: {name}={params[name]!r} is not served by the zoo; choose one of "
                               f"{', '.join(map(repr, options))}")


def json_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as they read back from JSON (tuples become lists); refuses values JSON cannot hold."""
    try:
        return msgspec.json.decode(msgspec.json.encode(params))  # type: ignore[no-any-return]
    except (TypeError, msgspec.EncodeError) as exc:
        raise ModelConfigError(f"kind {kind!r}: hyperparameters must be JSON values (numbers, strings, lists, "
                               f"maps): {exc}") from None


def estimator_params(factory: Any) -> dict[str, Any]:
    """Constructor hyperparameters of a scikit-learn-style estimator class, with their defaults."""
    return dict(factory().get_params(deep=False))
