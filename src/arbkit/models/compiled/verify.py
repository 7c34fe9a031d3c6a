"""The compile-time check: a compiled model must reproduce its library's own predict on probe rows.

Every ``compile_*`` function runs it before returning, so a library release that changes its
arithmetic (a new base-score rule, a different comparison) fails at compile time with
:class:`~arbkit.models.errors.ModelArtifactError` instead of trading on a silently different model.

Probe rows for trees put every feature at or just past one of the model's own split thresholds, the
values where a float32 cast or a ``<`` against ``<=`` would show. Dense models get standard normal
rows. Callers may add their own rows (e.g. a sample of the training data).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from arbkit.models.compiled import layout as L
from arbkit.models.compiled.model import CompiledModel
from arbkit.models.errors import ModelArtifactError, ModelMismatchError

_F32_MAX = float(np.finfo(np.float32).max)
TREE_PROBES = 256
DENSE_PROBES = 32
TANH_TOLERANCE = 1e-12
"""Largest relative difference accepted for a tanh MLP (the C library's tanh against numpy's)."""


def tree_thresholds(program: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(feature, threshold) of every split node of a tree program; zero-as-missing nodes decoded."""
    nodes_at, values_at = int(program[L.H_NODES]), int(program[L.H_VALUES])  # layout: see .layout
    nodes = program[nodes_at:values_at].reshape(-1, L.NODE_SLOTS)
    links = np.ascontiguousarray(nodes[:, 1]).view(np.int32).reshape(-1, 2)
    split = ~np.isnan(nodes[:, 0])
    codes = links[split, 0].astype(np.int64)
    features = np.where(codes >= 0, codes, (-1 - codes) >> 1)
    return features, nodes[split, 0]


def probe_rows(model: CompiledModel, program: np.ndarray, seed: int = 0) -> np.ndarray:
    """Deterministic rows that exercise ``model`` (see module docs)."""
    rng = np.random.default_rng(seed)
    k = model.n_features
    if program[L.H_FAMILY] != L.FAMILY_TREES:
        return rng.standard_normal((DENSE_PROBES, k))
    rows = rng.standard_normal((TREE_PROBES, k))
    features, thresholds = tree_thresholds(program)
    with np.errstate(invalid="ignore"):
        candidates = np.concatenate([thresholds, np.nextafter(thresholds, np.inf)])
    owners = np.concatenate([features, features])
    keep = np.isfinite(candidates) & (np.abs(candidates) <= _F32_MAX)
    if program[L.H_ZERO_NODES] == 1.0:
        band = np.array([0.0, L.LGBM_ZERO, -L.LGBM_ZERO, np.nextafter(L.LGBM_ZERO, 1.0)])
        candidates = np.concatenate([candidates[keep], np.tile(band, k)])
        owners = np.concatenate([owners[keep], np.repeat(np.arange(k), band.size)])
    else:
        candidates, owners = candidates[keep], owners[keep]
    for j in range(k):
        pool = candidates[owners == j]
        if pool.size:
            rows[:, j] = rng.choice(pool, size=TREE_PROBES)
    return rows


def verify(model: CompiledModel, library: Callable[[np.ndarray], np.ndarray], *, one_row_at_a_time: bool = False,
           tolerance: float = 0.0, extra_rows: np.ndarray | None = None) -> CompiledModel:
    """Compare ``model`` with ``library(rows) -> outputs``; raise :class:`ModelArtifactError` on a difference.

    ``one_row_at_a_time`` calls the library once per row (its one-row path, the tick comparison for
    linear models and MLPs); ``tolerance`` is relative (0: bit for bit). Returns ``model``.
    """
    program = model.to_arrays()[0]["program"]
    rows = probe_rows(model, program)
    if extra_rows is not None:
        if not isinstance(extra_rows, np.ndarray) or extra_rows.ndim != 2 or extra_rows.shape[1] != model.n_features:
            raise ModelMismatchError(f"{model.name}: check_rows must be an (n, {model.n_features}) array, got "
                                     f"{getattr(extra_rows, 'shape', type(extra_rows).__name__)}")
        rows = np.concatenate([rows, np.asarray(extra_rows, dtype=np.float64)])
    ours = model.predict_many(rows)
    if one_row_at_a_time:
        theirs = np.array([np.ravel(library(rows[i: i + 1]))[0] for i in range(rows.shape[0])], dtype=np.float64)
    else:
        theirs = np.asarray(library(rows), dtype=np.float64).reshape(-1)
    off = np.abs(ours - theirs) > tolerance * np.maximum(1.0, np.abs(theirs))
    if tolerance == 0.0:
        off = ours != theirs
    if off.any():
        i = int(np.argmax(off))
        raise ModelArtifactError(
            f"{model.name}: compiled output {ours[i]!r} differs from {model.meta.library} "
            f"{model.meta.library_version}'s own {theirs[i]!r} on probe row {i} ({int(off.sum())} of {len(rows)} rows "
            f"differ, tolerance {tolerance}); this library version computes differently from what the compiler "
            "expects")
    return model
