"""Compiled kernels of the tick path: the tree-ensemble walk here, linear models and MLPs in :mod:`.dense`.

Each family has a ``*_one(x, program) -> float`` entry (one tick) and a ``*_many(rows, program, out)
-> int`` entry (a batch, written into ``out``). Both run the same row function, so a batch equals the
ticks one by one, bit for bit. Entries are compiled for exactly one signature (float64, C-contiguous),
so any other dtype or layout fails in the dispatcher instead of compiling a new specialisation on the
tick path.

Validation is inside the call: ``*_one`` returns NaN when ``x`` has the wrong length or holds NaN/inf
(its caller then finds out which, off the hot path); ``*_many`` returns the flat index of the first
non-finite input, or -1. A non-finite output is returned as is for the caller to refuse.

Tree and linear kernels are compiled without reference counting (see :mod:`arbkit.features.jit`):
they allocate nothing and borrow both arrays from the caller. The MLP kernel keeps numba's reference
counting because it calls BLAS ``gemv`` through ``np.dot(vector, matrix, out)`` (numba offers that
form only with it), which is what makes it equal scikit-learn's own forward pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from arbkit.features.jit import kernel
from arbkit.models.compiled import layout as L

ONE_SIG = "float64(float64[::1], float64[::1])"
MANY_SIG = "int64(float64[:, ::1], float64[::1], float64[::1])"

_K = L.LGBM_ZERO
assert L.LANES == 8 and L.G_ROOTS == 2, "_group_leaves is written out for eight lanes"
_F32_CLAMP = np.float32(88.7)
_F32_ONE = np.float32(1.0)
_F32_EPS = np.float32(1e-16)
_U1, _U2, _U3 = np.uint64(1), np.uint64(2), np.uint64(3)

# header slots and shapes as plain ints: numba freezes module globals as compile-time constants
_N_FEATURES, _LINK, _BASE, _DIVISOR, _SCALE = L.H_N_FEATURES, L.H_LINK, L.H_BASE, L.H_DIVISOR, L.H_LINK_SCALE
_N_TREES, _N_GROUPS, _GROUPS, _NODES, _VALUES = L.H_N_TREES, L.H_N_GROUPS, L.H_GROUPS, L.H_NODES, L.H_VALUES
_ACC, _ZERO, _GROUP_SLOTS = L.H_ACCUMULATE, L.H_ZERO_NODES, L.GROUP_SLOTS
_SIGMOID, _SIGMOID_F32, _ACC_F32 = L.LINK_SIGMOID, L.LINK_SIGMOID_F32, L.ACC_F32


def entry(signature: str, *, refcount: bool = False) -> Callable[[Callable[..., Any]], Any]:
    """Compile for exactly ``signature``, cached; without reference counting unless ``refcount``."""
    return njit(signature, cache=True, _nrt=refcount)  # type: ignore[no-any-return]


# -- shared pieces ----------------------------------------------------------------------------------------------------


@kernel
def _first_bad(x):  # type: ignore[no-untyped-def]
    """Index of the first non-finite value of a flat array, or -1."""
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            return i
    return -1


@kernel
def _link(s, p):  # type: ignore[no-untyped-def]
    link = p[_LINK]
    if link == _SIGMOID:
        return 1.0 / (1.0 + math.exp(-(p[_SCALE] * s)))
    if link == _SIGMOID_F32:  # XGBoost's common::Sigmoid, in float32 throughout
        v = min(-np.float32(s), _F32_CLAMP)
        d = np.float32(np.float32(math.exp(v)) + _F32_ONE)
        d = np.float32(d + _F32_EPS)
        return float(np.float32(_F32_ONE / d))
    return s


# -- tree ensembles ---------------------------------------------------------------------------------------------------


@kernel
def _group_leaves(x, p, pi, o):  # type: ignore[no-untyped-def]
    """Walk the eight trees of the group at offset ``o`` side by side; returns the word addresses reached.

    One step of a lane is ``w = words[w + 3] + 4 * (x[words[w + 2]] > threshold)``: three loads, a
    compare and an add, no branch on the data, so the processor runs the eight chains in parallel.
    Addresses are unsigned so that indexing needs no negative-index wraparound.
    """
    w0 = np.uint64(p[o + 2])
    w1 = np.uint64(p[o + 3])
    w2 = np.uint64(p[o + 4])
    w3 = np.uint64(p[o + 5])
    w4 = np.uint64(p[o + 6])
    w5 = np.uint64(p[o + 7])
    w6 = np.uint64(p[o + 8])
    w7 = np.uint64(p[o + 9])
    for _ in range(int(p[o])):
        w0 = np.uint64(pi[w0 + _U3]) + (np.uint64(x[np.uint64(pi[w0 + _U2])] > p[w0 >> _U1]) << _U2)
        w1 = np.uint64(pi[w1 + _U3]) + (np.uint64(x[np.uint64(pi[w1 + _U2])] > p[w1 >> _U1]) << _U2)
        w2 = np.uint64(pi[w2 + _U3]) + (np.uint64(x[np.uint64(pi[w2 + _U2])] > p[w2 >> _U1]) << _U2)
        w3 = np.uint64(pi[w3 + _U3]) + (np.uint64(x[np.uint64(pi[w3 + _U2])] > p[w3 >> _U1]) << _U2)
        w4 = np.uint64(pi[w4 + _U3]) + (np.uint64(x[np.uint64(pi[w4 + _U2])] > p[w4 >> _U1]) << _U2)
        w5 = np.uint64(pi[w5 + _U3]) + (np.uint64(x[np.uint64(pi[w5 + _U2])] > p[w5 >> _U1]) << _U2)
        w6 = np.uint64(pi[w6 + _U3]) + (np.uint64(x[np.uint64(pi[w6 + _U2])] > p[w6 >> _U1]) << _U2)
        w7 = np.uint64(pi[w7 + _U3]) + (np.uint64(x[np.uint64(pi[w7 + _U2])] > p[w7 >> _U1]) << _U2)
    return w0, w1, w2, w3, w4, w5, w6, w7


@kernel
def _walk_zero(x, p, pi, w):  # type: ignore[no-untyped-def]
    """One tree, branch by branch, with LightGBM zero-as-missing nodes (negative feature code)."""
    while True:
        left = int(pi[w + 3])
        if left == w:
            return w
        code = int(pi[w + 2])
        if code < 0:
            c = -1 - code
            v = x[c >> 1]
            if -_K <= v <= _K:
                w = left if (c & 1) == 1 else left + 4
                continue
        else:
            v = x[code]
        w = left if v <= p[w >> 1] else left + 4


@kernel
def _value(p, w, first, values):  # type: ignore[no-untyped-def]
    """Leaf value of the node at word address ``w`` (``first``: the address of node 0)."""
    return p[values + int((np.uint64(w) - first) >> _U2)]


@kernel
def _trees_row(x, p):  # type: ignore[no-untyped-def]
    """Margin of the ensemble (trees summed in their order, as the library sums them), then the link."""
    pi = p.view(np.int32)
    first = np.uint64(2 * int(p[_NODES]))
    values = int(p[_VALUES])
    groups = int(p[_GROUPS])
    f32 = p[_ACC] == _ACC_F32  # XGBoost: base + tree 0 + tree 1 + ..., each sum rounded to float32
    s = p[_BASE]
    s32 = np.float32(p[_BASE])
    if p[_ZERO] != 0.0:
        for t in range(int(p[_N_TREES])):
            root = int(p[groups + (t // 8) * _GROUP_SLOTS + 2 + t % 8])
            v = _value(p, _walk_zero(x, p, pi, root), first, values)
            if f32:
                s32 = np.float32(s32 + np.float32(v))
            else:
                s += v
    else:
        for g in range(int(p[_N_GROUPS])):
            o = groups + g * _GROUP_SLOTS
            w0, w1, w2, w3, w4, w5, w6, w7 = _group_leaves(x, p, pi, o)
            live = int(p[o + 1])
            if f32:
                s32 = np.float32(s32 + np.float32(_value(p, w0, first, values)))
                if live > 1:
                    s32 = np.float32(s32 + np.float32(_value(p, w1, first, values)))
                if live > 2:
                    s32 = np.float32(s32 + np.float32(_value(p, w2, first, values)))
                if live > 3:
                    s32 = np.float32(s32 + np.float32(_value(p, w3, first, values)))
                if live > 4:
                    s32 = np.float32(s32 + np.float32(_value(p, w4, first, values)))
                if live > 5:
                    s32 = np.float32(s32 + np.float32(_value(p, w5, first, values)))
                if live > 6:
                    s32 = np.float32(s32 + np.float32(_value(p, w6, first, values)))
                if live > 7:
                    s32 = np.float32(s32 + np.float32(_value(p, w7, first, values)))
            else:
                s += _value(p, w0, first, values)
                if live > 1:
                    s += _value(p, w1, first, values)
                if live > 2:
                    s += _value(p, w2, first, values)
                if live > 3:
                    s += _value(p, w3, first, values)
                if live > 4:
                    s += _value(p, w4, first, values)
                if live > 5:
                    s += _value(p, w5, first, values)
                if live > 6:
                    s += _value(p, w6, first, values)
                if live > 7:
                    s += _value(p, w7, first, values)
    if f32:
        return _link(float(s32), p)
    return _link(s / p[_DIVISOR], p)


@entry(ONE_SIG)
def trees_one(x, p):  # type: ignore[no-untyped-def]
    """One row through a tree ensemble; NaN if ``x`` has the wrong length or a non-finite value."""
    if x.shape[0] != int(p[_N_FEATURES]) or _first_bad(x) >= 0:
        return math.nan
    return _trees_row(x, p)


@entry(MANY_SIG)
def trees_many(rows, p, out):  # type: ignore[no-untyped-def]
    """Rows through a tree ensemble into ``out``; -1, or the flat index of the first non-finite input."""
    for i in range(rows.shape[0]):
        bad = _first_bad(rows[i])
        if bad >= 0:
            return i * rows.shape[1] + bad
        out[i] = _trees_row(rows[i], p)
    return -1
