"""Gradient-boosted trees: LightGBM and XGBoost, trained single-threaded under the spec's seed.

Both are saved as the library's own model file (LightGBM model text ``lightgbm.txt``, XGBoost JSON
``xgboost.json``) and compiled again into a flat tree program on load; ``predict_one`` and
``predict_many`` run that program (see :mod:`arbkit.models.zoo.compiled_family`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from arbkit.models.errors import ModelArtifactError
from arbkit.models.zoo.compiled_family import CompiledFamily
from arbkit.models.zoo.contract import ModelSpec, Task
from arbkit.models.zoo.params import SEED_REASON, TASK_REASON, THREADS_REASON, check_choice, estimator_params

LIGHTGBM_EXTRA = {"max_bin": 255, "min_data_in_bin": 3, "extra_trees": False, "path_smooth": 0.0,
                  "max_delta_step": 0.0, "feature_fraction_bynode": 1.0}
"""LightGBM parameters outside the scikit-learn constructor that the zoo passes through, with defaults."""


class LightGbmModel(CompiledFamily):
    """``LGBMClassifier`` (objective ``binary``) or ``LGBMRegressor`` (``regression``), deterministic."""

    kind: ClassVar[str] = "lightgbm"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")
    library_name: ClassVar[str] = "lightgbm"
    stores_program: ClassVar[bool] = False

    @staticmethod
    def _factory(task: Task) -> Any:
        import lightgbm

        return lightgbm.LGBMClassifier if task == "classification" else lightgbm.LGBMRegressor

    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        return {**estimator_params(cls._factory(task)), **LIGHTGBM_EXTRA}

    @classmethod
    def reserved_params(cls) -> dict[str, str]:
        return {"random_state": SEED_REASON, "seed": SEED_REASON, "n_jobs": THREADS_REASON,
                "num_threads": THREADS_REASON, "deterministic": "always on in the zoo", "objective": TASK_REASON,
                "verbose": "fixed by the zoo (quiet)"}

    @classmethod
    def check_param_values(cls, spec: ModelSpec) -> None:
        check_choice(cls.kind, spec.params, "boosting_type", ("gbdt", "dart", "rf"))

    @classmethod
    def library_version(cls) -> str:
        import lightgbm

        return str(lightgbm.__version__)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        factory = self._factory(self.spec.task)
        model = factory(**self.spec.params, random_state=self.spec.seed, n_jobs=1, deterministic=True,
                        force_row_wise=True, verbose=-1)
        model.fit(x, y.astype(np.int64) if self.spec.task == "classification" else y)
        self.booster_ = model.booster_
        self._compile(self.booster_, self.feature_names_, x)

    def native_predict_many(self, x: np.ndarray) -> np.ndarray | None:
        """LightGBM's own ``Booster.predict`` (P(class 1) or the value)."""
        return np.asarray(self.booster_.predict(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def _native_files(self) -> dict[str, bytes]:
        return {"lightgbm.txt": self.booster_.model_to_string().encode()}

    def _restore_native(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        import lightgbm

        try:
            self.booster_ = lightgbm.Booster(model_str=files["lightgbm.txt"].decode())
        except (lightgbm.basic.LightGBMError, UnicodeDecodeError) as exc:
            raise ModelArtifactError(f"{where}/lightgbm.txt: LightGBM cannot read it: {exc}") from None
        check_width(where / "lightgbm.txt", self.booster_.num_feature(), self.feature_names_)
        self._compile(self.booster_, self.feature_names_)


class XgBoostModel(CompiledFamily):
    """``XGBClassifier`` (``binary:logistic``) or ``XGBRegressor`` (``reg:squarederror``), one thread."""

    kind: ClassVar[str] = "xgboost"
    tasks: ClassVar[tuple[Task, ...]] = ("classification", "regression")
    library_name: ClassVar[str] = "xgboost"
    stores_program: ClassVar[bool] = False

    @staticmethod
    def _factory(task: Task) -> Any:
        import xgboost

        return xgboost.XGBClassifier if task == "classification" else xgboost.XGBRegressor

    @classmethod
    def allowed_params(cls, task: Task) -> dict[str, Any]:
        return estimator_params(cls._factory(task))

    @classmethod
    def reserved_params(cls) -> dict[str, str]:
        categorical = "not served: the zoo's features are numeric"
        return {"random_state": SEED_REASON, "seed": SEED_REASON, "n_jobs": THREADS_REASON,
                "nthread": THREADS_REASON, "objective": TASK_REASON, "verbosity": "fixed by the zoo (quiet)",
                "device": "fixed by the zoo to the CPU", "callbacks": "not stored in an artifact",
                "early_stopping_rounds": "not supported: fit takes no evaluation set",
                "enable_categorical": categorical, "feature_types": categorical, "max_cat_to_onehot": categorical,
                "max_cat_threshold": categorical, "multi_strategy": "binary and scalar targets only",
                "missing": "not needed: NaN input is refused, so no value stands for a missing one"}

    @classmethod
    def check_param_values(cls, spec: ModelSpec) -> None:
        check_choice(cls.kind, spec.params, "booster", ("gbtree",))
        check_choice(cls.kind, spec.params, "tree_method", ("hist", "approx", "exact", "auto"))

    @classmethod
    def library_version(cls) -> str:
        import xgboost

        return str(xgboost.__version__)

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        factory = self._factory(self.spec.task)
        model = factory(**self.spec.params, random_state=self.spec.seed, n_jobs=1, verbosity=0, device="cpu")
        model.fit(x, y.astype(np.int64) if self.spec.task == "classification" else y)
        self.booster_ = model.get_booster()
        self._compile(self.booster_, self.feature_names_, x)

    def native_predict_many(self, x: np.ndarray) -> np.ndarray | None:
        """XGBoost's own ``Booster.inplace_predict`` (P(class 1) or the value)."""
        return np.asarray(self.booster_.inplace_predict(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def _native_files(self) -> dict[str, bytes]:
        return {"xgboost.json": bytes(self.booster_.save_raw(raw_format="json"))}

    def _restore_native(self, files: dict[str, bytes], details: dict[str, Any], where: Path) -> None:
        import xgboost

        booster = xgboost.Booster()
        try:
            booster.load_model(bytearray(files["xgboost.json"]))
        except xgboost.core.XGBoostError as exc:
            raise ModelArtifactError(f"{where}/xgboost.json: XGBoost cannot read it: {exc}") from None
        booster.set_param({"nthread": 1})
        self.booster_ = booster
        check_width(where / "xgboost.json", booster.num_features(), self.feature_names_)
        self._compile(booster, self.feature_names_)


def check_width(path: Path, width: int, names: tuple[str, ...]) -> None:
    """Refuse a native model whose input width differs from the feature names recorded beside it."""
    if width != len(names):
        raise ModelArtifactError(f"{path}: the model takes {width} features, model.json names {len(names)}")
