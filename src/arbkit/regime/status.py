"""What one online update did, shared by the classifiers, the guard, the feature engine and the monitor.

Every ``update`` of this package takes event time in int ns and never raises on bad market data:
it returns (or exposes as ``status``) one of these codes instead of a number.

>>> UpdateStatus(2).name
'INVALID_INPUT'
"""

from __future__ import annotations

from enum import IntEnum


class UpdateStatus(IntEnum):
    """Outcome of one online update.

    - ``OK``: the input was used and the component is warm; its output is a real label or decision.
    - ``WARMING_UP``: the input was used, but not enough history has been seen since the (re)start;
      classifiers return ``-1``, the monitor reports ``"warming_up"``.
    - ``INVALID_INPUT``: NaN or infinite values, a zero or negative price, a negative spread or depth.
      The input is ignored (state unchanged) and counted.
    - ``TIME_BACKWARDS``: ``ts_ns`` is earlier than the last accepted one. Ignored and counted, like
      ``INVALID_INPUT``. Equal timestamps are accepted.
    - ``GAP_RESET``: more than ``max_gap_ns`` passed since the last accepted input. The state was reset
      and this input starts a new warm-up (classifiers return ``-1`` for it).
    """

    OK = 0
    WARMING_UP = 1
    INVALID_INPUT = 2
    TIME_BACKWARDS = 3
    GAP_RESET = 4


OK = int(UpdateStatus.OK)
WARMING_UP = int(UpdateStatus.WARMING_UP)
INVALID_INPUT = int(UpdateStatus.INVALID_INPUT)
TIME_BACKWARDS = int(UpdateStatus.TIME_BACKWARDS)
GAP_RESET = int(UpdateStatus.GAP_RESET)
"""Plain-int copies of the codes, for the compiled kernels."""
