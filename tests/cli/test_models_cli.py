"""``arbkit models`` through typer's runner: train, list, show, compare, retrain, and typed errors as exit code 2."""

from __future__ import annotations

import importlib.util

from pathlib import Path

import pytest
from typer.testing import CliRunner

from arbkit.audit import kinds
from arbkit.audit.journal import Journal
from arbkit.cli.main import app
from arbkit.data.sample import SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC, sample_path
from arbkit.models.registry import ModelRegistry, file_sha256

WIDE = {"COLUMNS": "400"}
SMALL_TOML = """\
name = "basis-gbm"
[model.params]
n_estimators = 20
num_leaves = 7
[data]
max_rows = 800
[validation]
n_splits = 3
"""


def flat(text: str) -> str:
    """Output with table rules dropped and whitespace runs collapsed (rich wraps and pads table cells)."""
    return " ".join(text.replace("│", " ").replace("┃", " ").split())


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={**WIDE, "MLFLOW_TRACKING_URI": "", "RAY_ADDRESS": ""})
    return result.exit_code, flat(result.output)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with basis-gbm@1 (20 trees) and basis-gbm@2 (40 trees), trained through the CLI."""
    folder = tmp_path_factory.mktemp("models-cli")
    config = folder / "small.toml"
    config.write_text(SMALL_TOML)
    root = folder / "registry"
    journal = folder / "journal.sqlite"
    code, out = invoke("models", "train", "--config", str(config), "--registry", str(root), "--actor", "alice",
                       "--journal", str(journal))
    assert code == 0, out
    assert "trained basis-gbm@1" in out and "out-of-sample roc_auc" in out
    config.write_text(SMALL_TOML.replace("n_estimators = 20", "n_estimators = 40"))
    code, out = invoke("models", "train", "--config", str(config), "--registry", str(root), "--actor", "bob")
    assert code == 0, out
    assert "trained basis-gbm@2" in out
    return root


def test_train_journals_the_registration(trained: Path) -> None:
    with Journal(trained.parent / "journal.sqlite") as journal:
        (entry,) = list(journal.entries(kind=kinds.MODEL))
    assert entry.actor == "alice" and entry.payload["name"] == "basis-gbm" and entry.payload["version"] == 1


def test_list_shows_both_versions_with_kind_and_actor(trained: Path) -> None:
    code, out = invoke("models", "list", "--registry", str(trained))
    assert code == 0, out
    assert "basis-gbm@1" in out and "basis-gbm@2" in out
    assert out.count("lightgbm-") == 2 and "alice" in out and "bob" in out and "roc_auc" in out


def test_show_prints_data_hashes_span_feature_set_label_and_code(trained: Path) -> None:
    code, out = invoke("models", "show", "basis-gbm", "--version", "1", "--registry", str(trained))
    assert code == 0, out
    for name in (SAMPLE_SPOT_BTC, SAMPLE_USDM_BTC):
        assert file_sha256(sample_path(name)) in out
    record = ModelRegistry(root=trained).show("basis-gbm", 1)
    assert f"{record.lineage.data.first_event_ns} → {record.lineage.data.last_event_ns}" in out
    assert record.lineage.features.digest in out and "spot_perp_40" in out
    assert "horizon_ns 5000000000" in out
    assert record.lineage.code.source_sha256 in out
    assert "params.n_estimators 20" in out


def test_show_takes_name_at_version(trained: Path) -> None:
    code, out = invoke("models", "show", "basis-gbm@2", "--registry", str(trained))
    assert code == 0, out
    assert "basis-gbm@2" in out and "params.n_estimators 40" in out


def test_compare_highlights_the_changed_hyperparameter(trained: Path) -> None:
    code, out = invoke("models", "compare", "basis-gbm@1", "basis-gbm@2", "--registry", str(trained))
    assert code == 0, out
    assert "basis-gbm@1 vs basis-gbm@2" in out
    assert "≠ params n_estimators 20 40" in out
    assert "data sha256" in out


@pytest.mark.skipif(importlib.util.find_spec("ray") is not None,
                    reason="Ray is installed here: the fall-back to a child process when Ray is absent cannot run")
def test_retrain_runs_in_a_child_registers_v3_and_says_ray_is_absent(trained: Path) -> None:
    registry = ModelRegistry(root=trained)
    before = registry.show("basis-gbm", 2)
    code, out = invoke("models", "retrain", "basis-gbm", "--registry", str(trained), "--actor", "carol",
                       "--ray-address", "ray://127.0.0.1:10001")
    assert code == 0, out
    assert "Ray is not installed" in out and "local child process" in out
    assert "retrained basis-gbm@3 on local process" in out
    assert "previous version basis-gbm@2" in out and "is unchanged" in out
    assert registry.show("basis-gbm", 2) == before
    latest = registry.show("basis-gbm", 3)
    assert latest.lineage.actor == "carol" and latest.lineage.recipe == before.lineage.recipe


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install 'arbkit[sweep]')")
def test_retrain_runs_as_a_task_on_a_local_ray(trained: Path) -> None:
    import ray

    registry = ModelRegistry(root=trained)
    before = registry.show("basis-gbm", 2)
    try:
        code, out = invoke("models", "retrain", "basis-gbm", "--registry", str(trained), "--actor", "dave",
                           "--ray-address", "local")
    finally:
        ray.shutdown()
    assert code == 0, out
    assert "retrained basis-gbm@3 on ray local" in out
    latest = registry.show("basis-gbm", 3)
    assert latest.lineage.actor == "dave" and latest.lineage.recipe == before.lineage.recipe


@pytest.mark.parametrize(("args", "message"), [
    (("models", "show", "nope"), "no registered model named 'nope'; registered: basis-gbm"),
    (("models", "show", "basis-gbm", "--version", "9"), "no version 9; versions: 1, 2"),
    (("models", "compare", "basis-gbm@1", "basis-gbm@9"), "no version 9"),
    (("models", "list", "nope"), "no registered model named 'nope'"),
    (("models", "retrain", "nope"), "no registered model named 'nope'"),
    (("models", "show", "bad name"), "is invalid"),
])
def test_bad_references_exit_2_naming_what_exists(trained: Path, args: tuple[str, ...], message: str) -> None:
    code, out = invoke(*args, "--registry", str(trained))
    assert code == 2, out
    assert "error:" in out and message in out


def test_train_with_an_unknown_kind_or_config_key_exits_2(tmp_path: Path) -> None:
    code, out = invoke("models", "train", "--kind", "prophet", "--registry", str(tmp_path / "r"))
    assert code == 2 and "unknown model kind 'prophet'" in out
    bad = tmp_path / "bad.toml"
    bad.write_text("[data]\nhorizon_s = 5\n")
    code, out = invoke("models", "train", "--config", str(bad), "--registry", str(tmp_path / "r"))
    assert code == 2 and "horizon_s" in out


def test_list_of_an_empty_registry_says_how_to_fill_it(tmp_path: Path) -> None:
    code, out = invoke("models", "list", "--registry", str(tmp_path / "empty"))
    assert code == 0 and "no registered models" in out and "arbkit models train" in out
