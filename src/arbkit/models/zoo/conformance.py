"""The one conformance check every model of the zoo passes (river ``checks``, scikit-learn ``check_estimator``).

:func:`check_conformance` trains the spec on the given rows and runs every check, recording each
outcome in a :class:`ConformanceReport` (it does not stop at the first failure):

- ``clone``: a clone of the fitted model is unfitted and has an equal spec;
- ``determinism``: a second fit under the same seed gives identical predictions and the same version;
- ``one_equals_many``: ``predict_one(x[i]) == predict_many(x)[i]`` for every row, bit for bit;
- ``outputs``: predictions are finite, and in [0, 1] for a classifier;
- ``save_load``: save → load gives identical predictions (both paths), version, spec and feature set;
- ``wrong_digest``: loading against another feature digest raises ModelMismatchError;
- ``corrupted_file``: loading after one byte of a model file changed raises ModelArtifactError;
- ``non_finite_input``: NaN and inf in a row raise NonFiniteInputError (``predict_one`` and ``predict_many``);
- ``wrong_width``: a row one feature short raises ModelMismatchError (both paths);
- ``native_agreement``: the served predictions match the training library's own within
  ``native_tolerance`` (skipped where the model keeps no library estimator, e.g. the LSTM).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from arbkit.models.errors import ModelArtifactError, ModelMismatchError, NonFiniteInputError
from arbkit.models.zoo.catalog import build_model, load_model
from arbkit.models.zoo.contract import ModelSpec

SKIPPED = "skipped:"


class CheckResult(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of one check: ``passed``, or not with what went wrong; ``skipped`` with the reason."""

    name: str
    passed: bool
    detail: str = ""
    skipped: bool = False


class ConformanceReport(msgspec.Struct, frozen=True, kw_only=True):
    """Every check's outcome for one spec on one data set.

    Attributes:
        kind, task: the spec's.
        version: version of the first fit ("" if fitting failed).
        rows, features: shape of the data.
        native_max_abs_diff: largest |served − library| prediction (None if not measured).
        checks: one :class:`CheckResult` per check, in order.
    """

    kind: str
    task: str
    version: str
    rows: int
    features: int
    native_max_abs_diff: float | None
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """True when no check failed (skipped checks do not fail)."""
        return all(check.passed or check.skipped for check in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if not (check.passed or check.skipped))

    def summary(self) -> str:
        """One line per check: ``ok``, ``skipped`` or ``FAILED``, with the detail."""
        lines = [f"{self.kind}/{self.task} {self.version or '(unfitted)'} on {self.rows}×{self.features}"]
        for check in self.checks:
            state = "skipped" if check.skipped else ("ok" if check.passed else "FAILED")
            lines.append(f"  {check.name}: {state}{': ' + check.detail if check.detail else ''}")
        return "\n".join(lines)


class _Failed(Exception):
    """A check's expectation did not hold."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise _Failed(message)


def _raises(error: type[Exception], call: Callable[[], Any], what: str) -> str:
    try:
        call()
    except error as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - the wrong error type is the finding
        raise _Failed(f"{what}: raised {type(exc).__name__} ({exc}), expected {error.__name__}") from None
    raise _Failed(f"{what}: returned a prediction, expected {error.__name__}")


def _same(expected: np.ndarray, got: np.ndarray, what: str) -> None:
    """Fail unless the arrays are equal bit for bit, naming the first differing row."""
    if np.array_equal(expected, got):
        return
    if expected.shape != got.shape:
        raise _Failed(f"{what}: shapes {expected.shape} and {got.shape}")
    row = int(np.flatnonzero(expected != got)[0])
    raise _Failed(f"{what}: row {row}: {expected[row]!r} vs {got[row]!r} ({int((expected != got).sum())} rows "
                  "differ)")


def _one_by_one(model: Any, x: np.ndarray) -> np.ndarray:
    return np.array([model.predict_one(x[i]) for i in range(x.shape[0])], dtype=np.float64)


def check_conformance(spec: ModelSpec, x: np.ndarray, y: np.ndarray, feature_names: tuple[str, ...],
                      feature_digest: str, tmp_dir: str | Path, native_tolerance: float = 1e-9, *,
                      build: Callable[[ModelSpec], Any] = build_model,
                      load: Callable[..., Any] = load_model) -> ConformanceReport:
    """Fit ``spec`` on ``x`` (n × k float64), ``y`` and run every check; files go under ``tmp_dir``.

    Args:
        spec: what to train.
        x, y: training rows and targets (0/1 for classification); predictions are checked on ``x``.
        feature_names, feature_digest: the feature set of ``x``.
        tmp_dir: a writable folder for the artifacts (sub-folders are created).
        native_tolerance: largest accepted |served − library| prediction difference.
        build: spec → unfitted model (default :func:`~arbkit.models.zoo.build_model`; for a family of
            your own, its class).
        load: ``(folder, feature_digest=...)`` → model (default :func:`~arbkit.models.zoo.load_model`;
            for a family of your own, its ``load``).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    names = tuple(feature_names)
    tmp = Path(tmp_dir)
    results: list[CheckResult] = []
    state: dict[str, Any] = {}

    def run(name: str, check: Callable[[], str | None]) -> None:
        try:
            detail = check()
        except _Failed as exc:
            results.append(CheckResult(name=name, passed=False, detail=str(exc)))
        except Exception as exc:  # noqa: BLE001 - any error fails the check, named in the report
            results.append(CheckResult(name=name, passed=False, detail=f"{type(exc).__name__}: {exc}"))
        else:
            skipped = detail is not None and detail.startswith(SKIPPED)
            text = (detail or "").removeprefix(SKIPPED).strip()
            results.append(CheckResult(name=name, passed=not skipped, skipped=skipped, detail=text))

    def fit() -> None:
        model = build(spec)
        _expect(model.spec.kind == spec.kind and model.spec.task == spec.task, "the built model has another spec")
        state["model"] = model.fit(x, y, feature_names=names, feature_digest=feature_digest)
        state["many"] = state["model"].predict_many(x)

    run("fit", fit)
    if "model" not in state:
        return ConformanceReport(kind=spec.kind, task=spec.task, version="", rows=x.shape[0], features=x.shape[1],
                                 native_max_abs_diff=None, checks=tuple(results))
    model, many = state["model"], state["many"]

    def clone() -> None:
        twin = model.clone()
        _expect(twin.spec == model.spec, f"clone has spec {twin.spec}, not {model.spec}")
        _raises(ModelMismatchError, lambda: twin.version, "version of an unfitted clone")
        _raises(ModelMismatchError, lambda: twin.predict_many(x[:1]), "predict_many of an unfitted clone")

    def determinism() -> str:
        again = model.clone().fit(x, y, feature_names=names, feature_digest=feature_digest)
        _expect(again.version == model.version, f"versions {model.version} and {again.version} for the same seed")
        other = again.predict_many(x)
        _same(many, other, "predictions for the same seed")
        return f"refit gives {again.version}"

    def one_equals_many() -> str:
        one = _one_by_one(model, x)
        _same(many, one, "predict_one against predict_many")
        return f"{len(one)} rows bit-identical"

    def outputs() -> None:
        _expect(bool(np.isfinite(many).all()), "non-finite prediction")
        if spec.task == "classification":
            _expect(bool(((many >= 0.0) & (many <= 1.0)).all()),
                    f"probabilities outside [0, 1]: min {many.min()!r}, max {many.max()!r}")

    folder = tmp / f"{spec.kind}-{spec.task}-{spec.seed}"

    def save_load() -> str:
        if folder.exists():
            shutil.rmtree(folder)
        model.save(folder)
        loaded = load(folder, feature_digest=feature_digest)
        _expect(loaded.version == model.version, f"version {model.version} became {loaded.version}")
        _expect(loaded.spec == model.spec, f"spec {model.spec} became {loaded.spec}")
        _expect(loaded.feature_names == names and loaded.feature_digest == feature_digest, "feature set changed")
        again = loaded.predict_many(x)
        _same(many, again, "predict_many after load")
        one = _one_by_one(loaded, x)
        _same(many, one, "predict_one after load")
        return ", ".join(sorted(p.name for p in folder.iterdir()))

    def wrong_digest() -> str:
        return _raises(ModelMismatchError, lambda: load(folder, feature_digest="0" * 16), "load, other digest")

    def corrupted_file() -> str:
        broken = tmp / f"{folder.name}-corrupted"
        if broken.exists():
            shutil.rmtree(broken)
        shutil.copytree(folder, broken)
        target = min(p for p in broken.iterdir() if p.name != "model.json")
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        message = _raises(ModelArtifactError, lambda: load(broken, feature_digest=feature_digest),
                          f"load with {target.name} corrupted")
        _expect(target.name in message, f"the error does not name {target.name}: {message}")
        return message

    def non_finite_input() -> None:
        for bad in (np.nan, np.inf, -np.inf):
            row = x[0].copy()
            row[-1] = bad
            _raises(NonFiniteInputError, lambda row=row: model.predict_one(row), f"predict_one with {bad}")
            rows = x[:3].copy()
            rows[1, 0] = bad
            _raises(NonFiniteInputError, lambda rows=rows: model.predict_many(rows), f"predict_many with {bad}")

    def wrong_width() -> None:
        _raises(ModelMismatchError, lambda: model.predict_one(x[0, :-1].copy()), "predict_one, one feature short")
        _raises(ModelMismatchError, lambda: model.predict_many(x[:3, :-1].copy()), "predict_many, one feature short")

    def native_agreement() -> str:
        native = model.native_predict_many(x)
        if native is None:
            return f"{SKIPPED} the served prediction is the library's own (no separate estimator to compare with)"
        diff = float(np.max(np.abs(native - many)))
        state["native"] = diff
        _expect(diff <= native_tolerance, f"served predictions differ from the library's by up to {diff!r} "
                                          f"(tolerance {native_tolerance!r})")
        return f"max |served − library| = {diff!r}"

    for name, check in (("clone", clone), ("determinism", determinism), ("one_equals_many", one_equals_many),
                        ("outputs", outputs), ("save_load", save_load), ("wrong_digest", wrong_digest),
                        ("corrupted_file", corrupted_file), ("non_finite_input", non_finite_input),
                        ("wrong_width", wrong_width), ("native_agreement", native_agreement)):
        run(name, check)
    return ConformanceReport(kind=spec.kind, task=spec.task, version=model.version, rows=x.shape[0],
                             features=x.shape[1], native_max_abs_diff=state.get("native"), checks=tuple(results))
