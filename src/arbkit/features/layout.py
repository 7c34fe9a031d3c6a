"""Memory layout shared by the compiled feature kernels: status codes, input fields, buffer slots.

A compiled feature set lives in two flat buffers so that one event costs one compiled call with few
arguments (numba's per-argument unboxing dominates the call cost otherwise):

- ``i64`` (int64): a header, one record of ``FREC`` slots per feature, then one status code per output;
- ``f64`` (float64): one block of ``IB`` slots per instrument, then parameters, state and output values.

The streaming engine keeps both in one int64 array (``i64`` then the bytes of ``f64``), so a per-event
call passes a single array; the compiled entry points split it again without copying.

Units: prices in the input fields are in ticks and sizes in lots of the instrument (exact integers
held in float64); the instrument block converts them with the tick and lot size. Times are int ns.
"""

from __future__ import annotations

from enum import IntEnum


class FeatureStatus(IntEnum):
    """State of one feature output. Only ``READY`` carries a number; every other state has value NaN.

    >>> FeatureStatus(2).name
    'NO_INPUT'
    """

    READY = 0
    """The value is valid."""
    WARMING_UP = 1
    """Not enough history yet (after start, a reset or a time gap longer than ``max_gap_ns``)."""
    NO_INPUT = 2
    """An input is missing: no book yet, a side of the book is empty, or the book is out of sync."""
    INVALID_INPUT = 3
    """The last input was unusable (NaN, infinite, zero or negative price, crossed quotes)."""


READY = 0
WARMING_UP = 1
NO_INPUT = 2
INVALID_INPUT = 3

# -- event kinds -----------------------------------------------------------------------------------------------------
EV_BOOK = 1
"""The instrument's book changed (a whole venue message applied); fields hold the new top of book."""
EV_TRADE = 2
"""A trade printed; fields hold price, quantity and aggressor side."""
EV_GAP = 3
"""The instrument's book went out of sync (sequence gap); its book features report ``NO_INPUT``."""

# -- input fields of one event (float64 row) ------------------------------------------------------------------------
BID_TICKS = 0
ASK_TICKS = 1
BID_LOTS = 2
ASK_LOTS = 3
IMB_N = 4
"""Depth-weighted imbalance of the top ``book_levels`` (level i weighs 1 / (i + 1)), in [-1, 1]."""
BID_DEPTH_LOTS = 5
"""Sum of sizes of the top ``book_levels`` bids."""
ASK_DEPTH_LOTS = 6
BID_FAR_TICKS = 7
"""Price of the deepest of the top ``book_levels`` bids."""
ASK_FAR_TICKS = 8
TRADE_TICKS = 9
TRADE_LOTS = 10
TRADE_SIDE = 11
"""+1 buy aggressor, -1 sell aggressor."""
N_FIELDS = 12

# -- instrument block (float64, IB slots per instrument) -----------------------------------------------------------
I_TICK = 0
"""Tick size, quote currency per tick."""
I_LOT = 1
"""Lot size, base units per lot."""
I_OK = 2
"""1.0 when the book fields below are usable."""
I_STATUS = 3
"""Status code of the book (READY, NO_INPUT, INVALID_INPUT)."""
I_FIELDS = 4
"""Start of a copy of the last book's fields BID_TICKS..ASK_FAR_TICKS."""
I_MID_TICKS = I_FIELDS + 9
I_LOG_MID = I_MID_TICKS + 1
"""Natural log of the mid in quote currency."""
I_MID = I_LOG_MID + 1
"""Mid in quote currency."""
IB = 16

# -- i64 header ------------------------------------------------------------------------------------------------------
H_N_FEATURES = 0
H_N_OUTPUTS = 1
H_N_INSTRUMENTS = 2
H_MAX_GAP_NS = 3
H_STATUS_OFF = 4
H_PARAM_OFF = 5
H_STATE_OFF = 6
H_VALUE_OFF = 7
H_EVENTS = 8
H_BAD_BOOK = 9
H_BAD_TRADE = 10
H_BOOK_LEVELS = 11
H_ROW_OFF = 12
"""f64 offset of a scratch input row (N_FIELDS slots) for the streaming calls."""
H_SCRATCH_OFF = 13
"""i64 offset of 2 × book_levels scratch slots for reading book levels."""
H_I64_SIZE = 14
"""Length of ``i64``: in the packed form (one int64 array) ``f64`` is the rest, viewed as float64."""
HDR = 16

# -- feature record (int64, FREC slots per feature, from HDR) -------------------------------------------------------
F_KIND = 0
F_OUT = 1
"""Index of the first output."""
F_NOUT = 2
F_PARAM = 3
"""Offset of the parameters, relative to the parameter area."""
F_STATE = 4
"""Offset of the state, relative to the state area."""
F_NSTATE = 5
F_MASK = 6
"""Bit i set: the feature reads instrument i (updated on its events)."""
F_A = 7
F_B = 8
F_SRC_OUT = 9
"""Output read by a derived feature (z-scores), or -1."""
F_SRC_FEATURE = 10
F_LAST_TS = 11
F_FIRST_TS = 12
F_COUNT = 13
"""Updates since start or the last reset."""
F_TOUCHED = 14
"""1 when the feature was updated by the current event."""
F_NEEDS_BOOK = 15
FREC = 16
