"""Typed errors of the model registry. Each message names the offending value and what exists.

The registry also raises the model layer's :class:`~arbkit.models.errors.ModelMismatchError` (a
feature digest other than the model's) and :class:`~arbkit.models.errors.ModelArtifactError` (a
stored artifact that is missing, altered or cannot be read back).
"""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class UnknownModelError(ArbkitError):
    """No registered model of that name, or no version (or alias) of that number under the name."""


class RegistryError(ArbkitError):
    """The registry backend refused an operation, or a registry argument is invalid."""


class JobError(ArbkitError):
    """A training or retraining job failed (the message carries the child's error or the end of its stderr)."""
