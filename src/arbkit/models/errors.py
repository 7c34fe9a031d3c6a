"""Typed errors of the model layer. Each message names the offending value and what was expected."""

from __future__ import annotations

from arbkit.core.errors import ArbkitError


class ModelMismatchError(ArbkitError):
    """A model was loaded or called against a feature set (digest) or input width other than its own."""


class NonFiniteInputError(ArbkitError):
    """A feature vector holds NaN or infinity; the model refuses to predict on it."""


class NonFiniteOutputError(ArbkitError):
    """A model produced NaN or infinity; never passed on as a signal."""


class ModelArtifactError(ArbkitError):
    """A saved model is missing, corrupted, of an unknown format version, or from an incompatible library version."""


class ModelConfigError(ArbkitError):
    """A model specification names an unknown kind or task, or a hyperparameter the library refuses."""


class LabelInputError(ArbkitError, ValueError):
    """A labeller was given unusable input: empty or mismatched arrays, NaN/inf or non-positive prices,
    decreasing or non-integer times, a horizon or barrier width <= 0, or event rows out of range.

    Also a ``ValueError``, so callers that caught ``ValueError`` from the labels keep working.
    """


class CrossValidationError(ArbkitError, ValueError):
    """A splitter or a cross-validation run cannot be set up on the given rows: too few rows for the
    folds, decreasing start times, label intervals that end before they start, NaN features or labels,
    or a fold left without training rows (or with one class only) after purging and embargo.
    """
