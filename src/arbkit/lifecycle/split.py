"""Deterministic routing of intents between the two arms of an A/B test.

Three rules, each reproducible from its description alone (no clock, no random state):

- :meth:`SplitRule.hash`: ``u = blake2b(salt + signal_id)`` read as a uniform number in [0, 1); arm ``a``
  when ``u < share_a``. The same signal id goes to the same arm in every process, on every machine, in
  every replay; a different salt gives an independent split.
- :meth:`SplitRule.alternate`: a, b, a, b, ... in call order (state: a counter, :meth:`SplitRule.reset`).
- :meth:`SplitRule.by_instrument`: arm ``a`` for the listed instruments, ``b`` for every other one.

>>> rule = SplitRule.hash(0.5, salt="exp-1")
>>> rule.assign("sig-42", "BTCUSDT.BINANCE_USDM") == SplitRule.hash(0.5, salt="exp-1").assign("sig-42", "X")
True
>>> alt = SplitRule.alternate()
>>> [alt.assign(str(i), "X") for i in range(4)], alt.counts()
(['a', 'b', 'a', 'b'], {'a': 2, 'b': 2})
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from typing import Any, Literal

from arbkit.lifecycle.modes import LifecycleError

__all__ = ["Arm", "SplitError", "SplitRule", "hash_unit"]

Arm = Literal["a", "b"]

_HASH_BYTES = 8
_HASH_SCALE = float(2 ** (8 * _HASH_BYTES))


class SplitError(LifecycleError, ValueError):
    """A split rule with a bad parameter (share outside (0, 1), no instruments) or a bad id to route."""


def hash_unit(text: str) -> float:
    """``text``'s blake2b digest (8 bytes, big-endian) as a number in [0, 1); the same on every machine."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=_HASH_BYTES).digest()
    return int.from_bytes(digest, "big") / _HASH_SCALE


class SplitRule:
    """Routes each intent to arm ``"a"`` or ``"b"``; build with :meth:`hash`, :meth:`alternate` or
    :meth:`by_instrument`. Counts the assignments per arm (:meth:`counts`)."""

    def __init__(self, kind: Literal["hash", "alternate", "instrument"], *, share_a: float = 0.5, salt: str = "",
                 instruments_a: frozenset[str] = frozenset()) -> None:
        self.kind = kind
        self.share_a = share_a
        self.salt = salt
        self.instruments_a = instruments_a
        self._calls = 0
        self._counts = {"a": 0, "b": 0}

    @classmethod
    def hash(cls, share_a: float, salt: str = "") -> SplitRule:
        """Arm ``a`` for the signal ids whose hash with ``salt`` falls below ``share_a`` (a share in (0, 1)).

        Raises:
            SplitError: ``share_a`` not a number in (0, 1) (NaN included), or a salt that is not a str.
        """
        if isinstance(share_a, bool) or not isinstance(share_a, (int, float)):
            raise SplitError(f"share_a must be a number in (0, 1), got {share_a!r}")
        share = float(share_a)
        if math.isnan(share) or not 0.0 < share < 1.0:
            raise SplitError(f"share_a must be in (0, 1) (both arms get flow), got {share_a!r}")
        if not isinstance(salt, str):
            raise SplitError(f"salt must be a str, got {salt!r}")
        return cls("hash", share_a=share, salt=salt)

    @classmethod
    def alternate(cls) -> SplitRule:
        """a, b, a, b, ... in the order :meth:`assign` is called."""
        return cls("alternate")

    @classmethod
    def by_instrument(cls, instruments_a: Iterable[str]) -> SplitRule:
        """Arm ``a`` for the intents on ``instruments_a``, arm ``b`` for all others.

        Raises:
            SplitError: no instrument, or an instrument id that is not a non-empty str.
        """
        ids = list(instruments_a) if not isinstance(instruments_a, str) else [instruments_a]
        bad = [i for i in ids if not isinstance(i, str) or not i]
        if bad:
            raise SplitError(f"instrument ids must be non-empty strings, got {bad[0]!r}")
        if not ids:
            raise SplitError("by_instrument needs at least one instrument for arm a")
        return cls("instrument", instruments_a=frozenset(ids))

    def assign(self, signal_id: str, instrument_id: str) -> Arm:
        """The arm of one intent (and count it).

        Args:
            signal_id: the id of the signal that produced the intent (the hash rule's key).
            instrument_id: the intent's instrument (the instrument rule's key).

        Raises:
            SplitError: a ``signal_id`` or ``instrument_id`` that is not a str.
        """
        if not isinstance(signal_id, str) or not isinstance(instrument_id, str):
            raise SplitError(f"signal_id and instrument_id must be str, got {signal_id!r} and {instrument_id!r}")
        arm: Arm
        if self.kind == "hash":
            arm = "a" if hash_unit(self.salt + signal_id) < self.share_a else "b"
        elif self.kind == "alternate":
            arm = "a" if self._calls % 2 == 0 else "b"
        else:
            arm = "a" if instrument_id in self.instruments_a else "b"
        self._calls += 1
        self._counts[arm] += 1
        return arm

    def counts(self) -> dict[str, int]:
        """Assignments per arm since construction or the last :meth:`reset`."""
        return dict(self._counts)

    def reset(self) -> None:
        """Zero the counts; the alternate rule starts again with ``a``."""
        self._calls = 0
        self._counts = {"a": 0, "b": 0}

    def describe(self) -> dict[str, Any]:
        """The rule as a JSON-able dict (for the journal): enough to rebuild the same split."""
        if self.kind == "hash":
            return {"kind": "hash", "share_a": self.share_a, "salt": self.salt}
        if self.kind == "instrument":
            return {"kind": "instrument", "instruments_a": sorted(self.instruments_a)}
        return {"kind": "alternate"}

    @classmethod
    def from_description(cls, data: dict[str, Any]) -> SplitRule:
        """The rule :meth:`describe` wrote (with zero counts).

        Raises:
            SplitError: an unknown kind or the parameter errors of the constructors.
        """
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind == "hash":
            return cls.hash(data.get("share_a", float("nan")), data.get("salt", ""))
        if kind == "instrument":
            return cls.by_instrument(data.get("instruments_a", []))
        if kind == "alternate":
            return cls.alternate()
        raise SplitError(f"unknown split kind {kind!r}; use hash, alternate or instrument")
