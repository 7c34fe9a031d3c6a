"""Bad input to the labellers is refused with LabelInputError naming the value, never labelled silently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from arbkit.core.errors import ArbkitError
from arbkit.models.errors import LabelInputError
from arbkit.models.labels import forward_return, reversion_label, reversion_labels, triple_barrier

S = 1_000_000_000
TS = np.arange(5, dtype=np.int64) * S
PRICE = np.array([100.0, 101.0, 102.0, 101.0, 100.0])


def fwd(**kw: object) -> object:
    args: dict[str, Any] = {"ts_ns": TS, "price": PRICE, "horizon_ns": S, **kw}
    return forward_return(**args)


def tb(**kw: object) -> object:
    args: dict[str, Any] = {"ts_ns": TS, "price": PRICE, "pt_mult": 1.0, "sl_mult": 1.0, "vertical_ns": S,
                               "volatility_bps": 10.0, **kw}
    ts, price = args.pop("ts_ns"), args.pop("price")
    return triple_barrier(ts, price, **args)


def rev(**kw: object) -> object:
    args: dict[str, Any] = {"ts_ns": TS, "basis_bps": PRICE - 101.0, "mean_bps": np.zeros(5), "horizon_ns": S, **kw}
    return reversion_labels(**args)


CASES: list[tuple[str, Callable[[], object], str]] = [
    ("empty", lambda: fwd(ts_ns=np.array([], dtype=np.int64), price=np.array([])), "empty"),
    ("empty triple barrier", lambda: tb(ts_ns=np.array([], dtype=np.int64), price=np.array([])), "empty"),
    ("empty reversion", lambda: rev(ts_ns=np.array([], dtype=np.int64), basis_bps=np.array([]),
                                    mean_bps=np.array([])), "empty"),
    ("nan price", lambda: fwd(price=np.array([100.0, np.nan, 1, 1, 1])), r"price\[1\] is nan"),
    ("inf price", lambda: tb(price=np.array([100.0, 1, 1, np.inf, 1])), r"price\[3\] is inf"),
    ("zero price", lambda: fwd(price=np.array([100.0, 1, 0.0, 1, 1])), r"price\[2\] is 0.0.*> 0"),
    ("negative price", lambda: tb(price=-PRICE), r"price\[0\] is -100.0"),
    ("short price", lambda: fwd(price=PRICE[:3]), r"shape \(3,\); expected \(5,\)"),
    ("unsorted time", lambda: fwd(ts_ns=TS[[0, 2, 1, 3, 4]]), "non-decreasing: row 2 is 1000000000 ns"),
    ("unsorted time, barrier", lambda: tb(ts_ns=TS[::-1].copy()), "non-decreasing: row 1"),
    ("float time", lambda: fwd(ts_ns=TS / 1e9), "integer ns.*float64"),
    ("zero horizon", lambda: fwd(horizon_ns=0), "horizon_ns must be > 0 ns, got 0"),
    ("negative horizon", lambda: fwd(horizon_ns=-S), "horizon_ns must be > 0 ns, got -1000000000"),
    ("float horizon", lambda: fwd(horizon_ns=1.5), "horizon_ns must be an int number of ns, got 1.5"),
    ("zero vertical", lambda: tb(vertical_ns=0), "vertical_ns must be > 0"),
    ("negative pt_mult", lambda: tb(pt_mult=-1.0), "pt_mult must be finite and >= 0.*-1.0"),
    ("nan sl_mult", lambda: tb(sl_mult=float("nan")), "sl_mult must be finite"),
    ("nan target at an event", lambda: tb(volatility_bps=np.array([1.0, np.nan, 1, 1, 1])),
     r"volatility_bps at the events\[1\] is nan"),
    ("zero target", lambda: tb(volatility_bps=0.0), "volatility_bps.*> 0"),
    ("target length", lambda: tb(volatility_bps=np.ones(3)), r"volatility_bps has shape \(3,\)"),
    ("side zero at an event", lambda: tb(side=np.array([1.0, 0.0, 1, 1, 1])), "side at event row 1 is 0.0"),
    ("side nan", lambda: tb(side=np.array([1.0, 1, 1, 1, np.nan])), "side at event row 4 is nan"),
    ("bad vertical label", lambda: tb(vertical_label="drop"), "vertical_label must be 'sign' or 'zero'"),
    ("event out of range", lambda: tb(events_idx=np.array([1, 5])), r"row 5 is outside \[0, 5\)"),
    ("events unsorted", lambda: fwd(events_idx=np.array([3, 1])), "strictly increasing"),
    ("events repeated", lambda: tb(events_idx=np.array([1, 1])), "strictly increasing"),
    ("events empty", lambda: fwd(events_idx=np.array([], dtype=np.int64)), "non-empty"),
    ("nan basis", lambda: rev(basis_bps=np.array([1.0, np.nan, 1, 1, 1])), r"basis_bps\[1\] is nan"),
    ("nan mean, legacy", lambda: reversion_label(TS, PRICE, np.array([0.0, 0, 0, 0, np.nan]), S),
     r"mean_bps\[4\] is nan"),
    ("zero horizon, reversion", lambda: rev(horizon_ns=0), "horizon_ns must be > 0"),
    ("bad fraction, reversion", lambda: rev(revert_fraction=0.0), r"revert_fraction must be in \(0, 1\]"),
]


@pytest.mark.parametrize(("call", "match"), [pytest.param(c, m, id=name) for name, c, m in CASES])
def test_bad_input_raises_label_input_error_naming_the_value(call: Callable[[], object], match: str) -> None:
    with pytest.raises(LabelInputError, match=match) as caught:
        call()
    assert isinstance(caught.value, ArbkitError) and isinstance(caught.value, ValueError)


def test_undefined_rows_are_nan_not_a_class() -> None:
    labels = forward_return(TS, PRICE, 10 * S)
    assert np.isnan(labels.label).all() and np.isnan(labels.value).all() and len(labels.defined_only()) == 0
