"""Structural checks of a program before any compiled code reads it.

The kernels index without bounds checks, so a program is checked once, when it is built or loaded:
offsets agree with the array length, every pointer is an integer in range, every child pointer is
greater than its parent's index (so each walk ends), and every number a kernel reads is finite where
it must be. A program that fails raises ``ValueError`` naming the slot; callers turn it into their
typed error.
"""

from __future__ import annotations

import numpy as np

from arbkit.models.compiled import layout as L
from arbkit.models.compiled.dense import check_dense
from arbkit.models.compiled.tree_program import check_trees


def check_program(program: np.ndarray, n_features: int) -> None:
    """Raise ValueError unless ``program`` is a well-formed program of a known family for ``n_features`` inputs."""
    if not isinstance(program, np.ndarray) or program.dtype != np.float64 or program.ndim != 1:
        raise ValueError("a program must be a float64 1-D array")
    if not program.flags.c_contiguous:
        raise ValueError("a program must be C-contiguous")
    if program.shape[0] < L.HEADER:
        raise ValueError(f"program of {program.shape[0]} slots is shorter than its {L.HEADER}-slot header")
    header = program[: L.HEADER]
    if not np.isfinite(header).all():
        raise ValueError(f"header slot {int(np.argmin(np.isfinite(header)))} is not finite")
    if header[L.H_N_FEATURES] != n_features or n_features < 1:
        raise ValueError(f"program takes {header[L.H_N_FEATURES]!r} features, its metadata says {n_features}")
    if header[L.H_LINK] not in L.LINKS:
        raise ValueError(f"unknown link code {header[L.H_LINK]!r} (known: {sorted(L.LINKS)})")
    if header[L.H_DIVISOR] == 0.0:
        raise ValueError("divisor is 0")
    family = header[L.H_FAMILY]
    if family == L.FAMILY_TREES:
        check_trees(program, n_features)
    elif family in (L.FAMILY_LINEAR, L.FAMILY_MLP):
        check_dense(program, n_features)
    else:
        raise ValueError(f"unknown family code {family!r} (known: {sorted(L.FAMILIES)})")
