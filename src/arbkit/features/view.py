"""What a script sees of its feature set: read-only values with their statuses.

The engine (or the runtime) updates the :class:`~arbkit.features.engine.FeatureEngine`; a script only
reads through this view. :meth:`FeatureView.vector` is None unless every output is READY, so a script
cannot take a NaN for a valid feature.
"""

from __future__ import annotations

import numpy as np

from arbkit.features.engine import FeatureEngine
from arbkit.features.layout import FeatureStatus


class FeatureView:
    """Read-only access to one engine's current outputs."""

    __slots__ = ("_engine",)

    def __init__(self, engine: FeatureEngine) -> None:
        self._engine = engine

    @property
    def names(self) -> tuple[str, ...]:
        """Output names, in column order."""
        return self._engine.names

    @property
    def digest(self) -> str:
        """Digest of the feature set (what a model checks at load)."""
        return self._engine.feature_set.digest()

    def ready(self) -> bool:
        """True when every output is READY."""
        return self._engine.ready()

    def vector(self) -> np.ndarray | None:
        """A copy of all outputs when every one is READY, else None."""
        return self._engine.vector()

    def value(self, name: str) -> float | None:
        """One output when READY, else None."""
        return self._engine.value(name)

    def status_of(self, name: str) -> FeatureStatus:
        """Status of one output."""
        return self._engine.status_of(name)

    def statuses(self) -> np.ndarray:
        """A copy of every output's status code."""
        return self._engine.status.copy()
