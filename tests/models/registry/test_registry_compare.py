"""list, show and compare: summaries per version, side-by-side params and metrics with differences marked."""

from __future__ import annotations

import pytest
from registry_kit import fitted_model, lineage_for

from arbkit.models.registry import ModelRegistry


@pytest.fixture
def two_versions(registry: ModelRegistry) -> ModelRegistry:
    for l2 in (0.0, 50.0):
        model = fitted_model(l2=l2)
        registry.register(model, lineage_for(model), actor="alice", name="basis-linear")
    return registry


def test_list_gives_one_summary_per_version_with_metrics(two_versions: ModelRegistry) -> None:
    rows = two_versions.list()
    assert [(r.name, r.version, r.kind, r.feature_set, r.actor) for r in rows] == [
        ("basis-linear", 1, "linear", "spot_perp_40", "alice"), ("basis-linear", 2, "linear", "spot_perp_40", "alice")]
    assert all(set(r.metrics) == {"rmse", "rows"} for r in rows)
    assert rows[0].model_version != rows[1].model_version
    assert two_versions.list("basis-linear") == rows


def test_show_without_version_is_the_latest(two_versions: ModelRegistry) -> None:
    assert two_versions.show("basis-linear").summary.version == 2
    assert two_versions.show("basis-linear", 1).summary.version == 1
    assert two_versions.version("basis-linear", "1").version == 1


def test_compare_marks_the_changed_param_and_metric_and_keeps_equal_rows(two_versions: ModelRegistry) -> None:
    comparison = two_versions.compare("basis-linear@1", "basis-linear@2")
    assert (comparison.a, comparison.b) == ("basis-linear@1", "basis-linear@2")
    by_key = {(row.section, row.key): row for row in comparison.rows}
    assert (by_key["params", "l2"].a, by_key["params", "l2"].b) == ("0", "50")
    assert by_key["params", "l2"].differs
    assert by_key["metrics", "rmse"].differs
    assert not by_key["data", "sha256"].differs
    assert not by_key["data", "feature_digest"].differs
    assert not by_key["label", "horizon_ns"].differs
    assert by_key["model", "model_version"].differs
    sections = {row.section for row in comparison.differences}
    assert sections <= {"model", "params", "metrics"}


def test_compare_accepts_tuples(two_versions: ModelRegistry) -> None:
    assert two_versions.compare(("basis-linear", 1), ("basis-linear", 1)).differences == ()
