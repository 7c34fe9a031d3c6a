"""Compile a :class:`~arbkit.features.feature_set.FeatureSet` into the two flat buffers the kernels read.

See :mod:`arbkit.features.layout` for the slots. The instrument blocks come first in ``f64`` (block
``k`` at ``k * IB``), then the parameters, the state, the output values and a scratch input row; ``i64`` ends with
scratch slots for reading book levels.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from arbkit.core.errors import ConfigError
from arbkit.features.feature_set import FeatureSet
from arbkit.features.layout import (F_A, F_B, F_KIND, F_MASK, F_NEEDS_BOOK, F_NOUT, F_NSTATE, F_OUT, F_PARAM,
                                    F_SRC_FEATURE, F_SRC_OUT, F_STATE, FREC, H_BOOK_LEVELS, H_MAX_GAP_NS,
                                    H_N_FEATURES, H_N_INSTRUMENTS, H_N_OUTPUTS, H_PARAM_OFF, H_ROW_OFF,
                                    H_I64_SIZE, H_SCRATCH_OFF, H_STATE_OFF,
                                    H_STATUS_OFF, H_VALUE_OFF, HDR, I_LOT, I_STATUS, I_TICK, IB, N_FIELDS, NO_INPUT)


class Program:
    """The compiled buffers of one feature set, in their initial state.

    Attributes:
        i64, f64: the buffers (see :mod:`arbkit.features.layout`); copy both to get an independent engine.
        n_outputs: number of output columns.
    """

    def __init__(self, feature_set: FeatureSet, units: dict[str, tuple[Decimal, Decimal]]) -> None:
        aliases = list(feature_set.instruments)
        missing = [a for a in aliases if a not in units]
        if missing:
            raise ConfigError(f"feature set {feature_set.name!r}: no tick/lot size for instrument aliases {missing}")
        alias_index = {alias: i for i, alias in enumerate(aliases)}
        features = feature_set.features
        names = feature_set.names
        n_out = len(names)
        params: list[float] = []
        n_state = 0
        records = np.zeros((len(features), FREC), dtype=np.int64)
        out = 0
        feature_of_output: dict[str, int] = {}
        for f, feature in enumerate(features):
            rec = records[f]
            rec[F_KIND] = feature.code
            rec[F_OUT] = out
            rec[F_NOUT] = len(feature.output_names())
            rec[F_PARAM] = len(params)
            params.extend(feature.params(alias_index))
            rec[F_STATE] = n_state
            rec[F_NSTATE] = feature.state_size()
            n_state += feature.state_size()
            used = feature.instrument_aliases()
            mask = 0
            for alias in used:
                mask |= 1 << alias_index[alias]
            rec[F_MASK] = mask
            rec[F_A] = alias_index[used[0]] if used else -1
            rec[F_B] = alias_index[used[1]] if len(used) > 1 else -1
            source = feature.source_name()
            rec[F_SRC_OUT] = names.index(source) if source is not None else -1
            rec[F_SRC_FEATURE] = feature_of_output[source] if source is not None else -1
            rec[F_NEEDS_BOOK] = 1 if feature.needs_book else 0
            for name in feature.output_names():
                feature_of_output[name] = f
            out += len(feature.output_names())

        n_inst = len(aliases)
        param_off = n_inst * IB
        state_off = param_off + len(params)
        value_off = state_off + n_state
        row_off = value_off + n_out
        self.f64 = np.zeros(row_off + N_FIELDS, dtype=np.float64)
        for alias, k in alias_index.items():
            tick, lot = units[alias]
            self.f64[k * IB + I_TICK] = float(tick)
            self.f64[k * IB + I_LOT] = float(lot)
            self.f64[k * IB + I_STATUS] = NO_INPUT
        self.f64[param_off:state_off] = params
        self.f64[value_off:] = np.nan

        status_off = HDR + len(features) * FREC
        scratch_off = status_off + n_out
        self.i64 = np.zeros(scratch_off + 2 * feature_set.book_levels, dtype=np.int64)
        header = {H_N_FEATURES: len(features), H_N_OUTPUTS: n_out, H_N_INSTRUMENTS: n_inst,
                  H_MAX_GAP_NS: feature_set.max_gap_ns, H_STATUS_OFF: status_off, H_PARAM_OFF: param_off,
                  H_STATE_OFF: state_off, H_VALUE_OFF: value_off, H_BOOK_LEVELS: feature_set.book_levels,
                  H_ROW_OFF: row_off, H_SCRATCH_OFF: scratch_off, H_I64_SIZE: scratch_off + 2 * feature_set.book_levels}
        for slot, value in header.items():
            self.i64[slot] = value
        self.i64[HDR:status_off] = records.ravel()
        self.i64[status_off:scratch_off] = NO_INPUT  # nothing seen yet
        self.n_outputs = n_out
        self.alias_index = alias_index
        self.status_off = status_off
        self.value_off = value_off

    def packed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A fresh copy of the initial state as one int64 array, and its ``i64`` and ``f64`` views."""
        n = len(self.i64)
        mem = np.empty(n + len(self.f64), dtype=np.int64)
        mem[:n] = self.i64
        mem[n:] = self.f64.view(np.int64)
        return mem, mem[:n], mem[n:].view(np.float64)
