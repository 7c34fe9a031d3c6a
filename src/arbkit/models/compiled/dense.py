"""Linear models and MLPs as programs: layout, checks and kernels.

Both families may start with a folded-in ``StandardScaler``: ``z = (x - mean) / scale`` element by
element, exactly as its ``transform`` does (no algebraic merging, which would change the rounding).

Linear (``FAMILY_LINEAR``): ``link(dot(z, coef) + intercept)``. The dot product is BLAS ``ddot``
(numba's ``np.dot`` of two vectors), the routine numpy runs for scikit-learn's one-row
``X @ coef_.T``; a hand-written loop would sum in another order and differ in the last bits.

MLP (``FAMILY_MLP``): per layer ``a = act(a @ W + b)`` with BLAS ``gemv`` (numba's
``np.dot(vector, matrix, out)``), or ``ddot`` for a one-unit layer, as numpy runs scikit-learn's
one-row forward pass; hidden activations relu,
tanh, logistic or identity; the output layer is the link (logistic for a binary classifier, identity
for a regressor). ``math.tanh`` is the C library's, numpy's ``tanh`` is its own vectorised one; they
differ in the last bit for about a quarter of inputs, so a tanh network matches to about 1e-15, not
bit for bit.

Layout after the common header (offsets absolute):

====  ==================  ===========================================================
slot  linear              MLP
====  ==================  ===========================================================
6     scaled (0/1)        scaled (0/1)
7     mean offset         mean offset
8     scale offset        scale offset
9     coef offset         layer count
10    scratch offset      layer table offset (4 slots a layer: in, out, W, b offsets)
11    —                   hidden activation code
12    —                   scratch offset (``z``, then two buffers of the widest layer)
13    —                   widest layer
====  ==================  ===========================================================
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from arbkit.features.jit import kernel
from arbkit.models.compiled import layout as L
from arbkit.models.compiled.kernels import MANY_SIG, ONE_SIG, _first_bad, _link, entry

D_SCALED, D_MEAN, D_SCALE = 6, 7, 8
LIN_COEF, LIN_SCRATCH = 9, 10
MLP_N_LAYERS, MLP_LAYERS, MLP_ACT, MLP_SCRATCH, MLP_WIDTH = 9, 10, 11, 12, 13
LAYER_SLOTS = 4

ACT_IDENTITY, ACT_RELU, ACT_TANH, ACT_LOGISTIC = 0.0, 1.0, 2.0, 3.0
ACTIVATIONS = {"identity": ACT_IDENTITY, "relu": ACT_RELU, "tanh": ACT_TANH, "logistic": ACT_LOGISTIC}

_N_FEATURES, _BASE = L.H_N_FEATURES, L.H_BASE
_RELU, _TANH, _LOGISTIC = ACT_RELU, ACT_TANH, ACT_LOGISTIC


def _scaler_block(k: int, mean: np.ndarray | None, scale: np.ndarray | None) -> tuple[float, np.ndarray, np.ndarray]:
    scaled = mean is not None or scale is not None
    m = np.zeros(k) if mean is None else np.asarray(mean, dtype=np.float64)
    s = np.ones(k) if scale is None else np.asarray(scale, dtype=np.float64)
    if m.shape != (k,) or s.shape != (k,):
        raise ValueError(f"scaler of widths {m.shape}/{s.shape} for {k} features")
    return float(scaled), m, s


def linear_program(coef: np.ndarray, intercept: float, *, link: float, mean: np.ndarray | None = None,
                   scale: np.ndarray | None = None) -> np.ndarray:
    """Program of ``link(dot((x - mean) / scale, coef) + intercept)`` (no scaler when both are None)."""
    coef = np.asarray(coef, dtype=np.float64)
    k = coef.shape[0]
    scaled, m, s = _scaler_block(k, mean, scale)
    program = np.zeros(L.HEADER + 4 * k)
    at = L.HEADER
    for slot, value in {L.H_FAMILY: L.FAMILY_LINEAR, L.H_N_FEATURES: k, L.H_LINK: link, L.H_BASE: intercept,
                        L.H_DIVISOR: 1.0, L.H_LINK_SCALE: 1.0, D_SCALED: scaled, D_MEAN: at, D_SCALE: at + k,
                        LIN_COEF: at + 2 * k, LIN_SCRATCH: at + 3 * k}.items():
        program[slot] = value
    program[at: at + k], program[at + k: at + 2 * k], program[at + 2 * k: at + 3 * k] = m, s, coef
    return program


def mlp_program(weights: list[np.ndarray], biases: list[np.ndarray], *, hidden: float, link: float,
                mean: np.ndarray | None = None, scale: np.ndarray | None = None) -> np.ndarray:
    """Program of an MLP: ``weights[l]`` is (in, out) as scikit-learn's ``coefs_``; one output."""
    k = weights[0].shape[0]
    scaled, m, s = _scaler_block(k, mean, scale)
    n_layers = len(weights)
    width = max(w.shape[1] for w in weights)
    table_at = L.HEADER + 2 * k
    params_at = table_at + LAYER_SLOTS * n_layers
    size = params_at + sum(w.size + b.size for w, b in zip(weights, biases, strict=True))
    scratch_at = size
    program = np.zeros(scratch_at + k + 2 * width)
    for slot, value in {L.H_FAMILY: L.FAMILY_MLP, L.H_N_FEATURES: k, L.H_LINK: link, L.H_BASE: 0.0,
                        L.H_DIVISOR: 1.0, L.H_LINK_SCALE: 1.0, D_SCALED: scaled, D_MEAN: L.HEADER,
                        D_SCALE: L.HEADER + k, MLP_N_LAYERS: n_layers, MLP_LAYERS: table_at, MLP_ACT: hidden,
                        MLP_SCRATCH: scratch_at, MLP_WIDTH: width}.items():
        program[slot] = value
    program[L.HEADER: L.HEADER + k], program[L.HEADER + k: table_at] = m, s
    at = params_at
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        w = np.ascontiguousarray(w, dtype=np.float64)
        program[table_at + LAYER_SLOTS * i: table_at + LAYER_SLOTS * (i + 1)] = (w.shape[0], w.shape[1], at,
                                                                                at + w.size)
        program[at: at + w.size] = w.reshape(-1)
        program[at + w.size: at + w.size + b.size] = b
        at += w.size + b.size
    return program


def scratch(program: np.ndarray) -> slice | None:
    """The part of a linear or MLP program that calls write to (zeroed when saved); None for other families."""
    if program[L.H_FAMILY] == L.FAMILY_LINEAR:
        return slice(int(program[LIN_SCRATCH]), program.shape[0])
    if program[L.H_FAMILY] == L.FAMILY_MLP:
        return slice(int(program[MLP_SCRATCH]), program.shape[0])
    return None


def _finite(program: np.ndarray, start: int, stop: int, what: str) -> None:
    part = program[start:stop]
    if not np.isfinite(part).all():
        raise ValueError(f"{what}: slot {start + int(np.argmin(np.isfinite(part)))} is not finite")


def check_dense(program: np.ndarray, n_features: int) -> None:
    """Raise ValueError unless ``program`` is a well-formed linear or MLP program."""
    k, n = n_features, program.shape[0]
    if program[D_SCALED] not in (0.0, 1.0) or program[D_MEAN] != L.HEADER or program[D_SCALE] != L.HEADER + k:
        raise ValueError(f"scaler slots {program[D_SCALED:D_SCALE + 1].tolist()} do not fit {k} features")
    _finite(program, L.HEADER, L.HEADER + 2 * k, "scaler")
    if (program[L.HEADER + k: L.HEADER + 2 * k] == 0.0).any():
        raise ValueError("a scaler scale is 0")
    if program[L.H_FAMILY] == L.FAMILY_LINEAR:
        if (program[LIN_COEF], program[LIN_SCRATCH], n) != (L.HEADER + 2 * k, L.HEADER + 3 * k, L.HEADER + 4 * k):
            raise ValueError(f"linear offsets {program[LIN_COEF]:.0f}/{program[LIN_SCRATCH]:.0f} and length {n} do not "
                             f"fit {k} features")
        _finite(program, L.HEADER + 2 * k, L.HEADER + 3 * k, "coefficients")
        return
    n_layers, table_at, width = program[MLP_N_LAYERS], program[MLP_LAYERS], program[MLP_WIDTH]
    if program[MLP_ACT] not in ACTIVATIONS.values():
        raise ValueError(f"unknown hidden activation code {program[MLP_ACT]!r}")
    if n_layers < 1 or n_layers != round(n_layers) or table_at != L.HEADER + 2 * k:
        raise ValueError(f"{n_layers!r} layers with a layer table at {table_at!r}")
    table = program[int(table_at): int(table_at) + LAYER_SLOTS * int(n_layers)].reshape(-1, LAYER_SLOTS)
    at, fan_in = int(table_at) + table.size, k
    for i, (n_in, n_out, w_at, b_at) in enumerate(table):
        if (n_in, w_at, b_at) != (fan_in, at, at + n_in * n_out) or not 1 <= n_out <= width:
            raise ValueError(f"layer {i} ({n_in!r} → {n_out!r} at {w_at!r}/{b_at!r}) does not follow layer {i - 1}")
        at, fan_in = at + int(n_in * n_out + n_out), int(n_out)
    if fan_in != 1:
        raise ValueError(f"the last layer has {fan_in} outputs; one is supported")
    if program[MLP_SCRATCH] != at or n != at + k + 2 * int(width):
        raise ValueError(f"MLP scratch at {program[MLP_SCRATCH]!r} and length {n} do not fit the layers")
    _finite(program, int(table_at) + table.size, at, "weights")


# -- kernels ----------------------------------------------------------------------------------------------------------


@kernel
def _linear_row(x, p):  # type: ignore[no-untyped-def]
    k = x.shape[0]
    coef = p[int(p[LIN_COEF]): int(p[LIN_COEF]) + k]
    if p[D_SCALED] != 0.0:
        z = p[int(p[LIN_SCRATCH]): int(p[LIN_SCRATCH]) + k]
        m, sc = int(p[D_MEAN]), int(p[D_SCALE])
        for i in range(k):
            z[i] = (x[i] - p[m + i]) / p[sc + i]
        s = np.dot(z, coef)
    else:
        s = np.dot(x, coef)
    return _link(s + p[_BASE], p)


@entry(ONE_SIG)
def linear_one(x, p):  # type: ignore[no-untyped-def]
    """One row through a linear model; NaN if ``x`` has the wrong length or a non-finite value."""
    if x.shape[0] != int(p[_N_FEATURES]) or _first_bad(x) >= 0:
        return math.nan
    return _linear_row(x, p)


@entry(MANY_SIG)
def linear_many(rows, p, out):  # type: ignore[no-untyped-def]
    """Rows through a linear model into ``out``; -1, or the flat index of the first non-finite input."""
    for i in range(rows.shape[0]):
        bad = _first_bad(rows[i])
        if bad >= 0:
            return i * rows.shape[1] + bad
        out[i] = _linear_row(rows[i], p)
    return -1


@njit(cache=True)
def _mlp_row(x, p):  # type: ignore[no-untyped-def]
    k = x.shape[0]
    scratch, width = int(p[MLP_SCRATCH]), int(p[MLP_WIDTH])
    a = p[scratch: scratch + k]
    if p[D_SCALED] != 0.0:
        m, sc = int(p[D_MEAN]), int(p[D_SCALE])
        for i in range(k):
            a[i] = (x[i] - p[m + i]) / p[sc + i]
    else:
        a[:] = x
    n_layers, table, act = int(p[MLP_N_LAYERS]), int(p[MLP_LAYERS]), p[MLP_ACT]
    buffers = scratch + k
    for layer in range(n_layers):
        o = table + LAYER_SLOTS * layer
        n_in, n_out, w_at, b_at = int(p[o]), int(p[o + 1]), int(p[o + 2]), int(p[o + 3])
        out = p[buffers + (layer % 2) * width: buffers + (layer % 2) * width + n_out]
        if n_out == 1:  # numpy's matmul takes ddot for a (1, n) @ (n, 1) product
            out[0] = np.dot(a, p[w_at: w_at + n_in])
        else:
            np.dot(a, p[w_at: w_at + n_in * n_out].reshape((n_in, n_out)), out)
        hidden = layer < n_layers - 1
        for j in range(n_out):
            v = out[j] + p[b_at + j]
            if hidden:
                if act == _RELU:
                    v = max(v, 0.0)
                elif act == _TANH:
                    v = math.tanh(v)
                elif act == _LOGISTIC:
                    v = 1.0 / (1.0 + math.exp(-v))
            out[j] = v
        a = out
    return _link(a[0], p)


@entry(ONE_SIG, refcount=True)
def mlp_one(x, p):  # type: ignore[no-untyped-def]
    """One row through an MLP; NaN if ``x`` has the wrong length or a non-finite value."""
    if x.shape[0] != int(p[_N_FEATURES]) or _first_bad(x) >= 0:
        return math.nan
    return _mlp_row(x, p)


@entry(MANY_SIG, refcount=True)
def mlp_many(rows, p, out):  # type: ignore[no-untyped-def]
    """Rows through an MLP into ``out``; -1, or the flat index of the first non-finite input."""
    for i in range(rows.shape[0]):
        bad = _first_bad(rows[i])
        if bad >= 0:
            return i * rows.shape[1] + bad
        out[i] = _mlp_row(rows[i], p)
    return -1
