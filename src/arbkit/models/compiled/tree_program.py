"""Building and checking tree-ensemble programs (layout in :mod:`.layout`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from arbkit.models.compiled import layout as L

T = TypeVar("T")


@dataclass(frozen=True)
class Split(Generic[T]):
    """An internal node as an exporter describes it: left iff ``x[feature] <= threshold``.

    ``zero_default_left`` is None for an ordinary split; for a LightGBM zero-as-missing node it says
    where the zero band goes.
    """

    feature: int
    threshold: float
    left: T
    right: T
    zero_default_left: bool | None = None


@dataclass
class TreeProgramBuilder:
    """Collects trees and lays them out as one program."""

    n_features: int
    thresholds: list[float] = field(default_factory=lambda: [math.nan])
    features: list[int] = field(default_factory=lambda: [0])
    lefts: list[int] = field(default_factory=lambda: [0])
    values: list[float] = field(default_factory=lambda: [0.0])
    roots: list[int] = field(default_factory=list)
    depths: list[int] = field(default_factory=list)
    zero_nodes: bool = False
    # node 0 is a leaf of value 0 that idle lanes point at

    @property
    def n_leaves(self) -> int:
        """Leaves laid out so far (not counting the idle lanes' node)."""
        return sum(1 for i, t in enumerate(self.thresholds) if math.isnan(t) and i > 0)

    def _allocate(self, count: int) -> int:
        first = len(self.thresholds)
        self.thresholds.extend([math.nan] * count)
        self.features.extend([0] * count)
        self.lefts.extend(range(first, first + count))
        self.values.extend([0.0] * count)
        return first

    def add_tree(self, root: T, describe: Callable[[T], Split[T] | float]) -> None:
        """Add one tree. ``describe(node)`` returns a :class:`Split` or, for a leaf, its value."""
        top = self._allocate(1)
        deepest = 0
        stack: list[tuple[T, int, int]] = [(root, top, 0)]
        while stack:
            node, at, depth = stack.pop()
            described = describe(node)
            if isinstance(described, Split):
                if not 0 <= described.feature < self.n_features:
                    raise ValueError(f"split on feature {described.feature}, the model takes {self.n_features}")
                if math.isnan(described.threshold):
                    raise ValueError(f"split on feature {described.feature} has a NaN threshold")
                children = self._allocate(2)
                self.thresholds[at] = float(described.threshold)
                self.lefts[at] = children
                if described.zero_default_left is None:
                    self.features[at] = described.feature
                else:
                    self.features[at] = -1 - (2 * described.feature + int(described.zero_default_left))
                    self.zero_nodes = True
                stack.append((described.right, children + 1, depth + 1))
                stack.append((described.left, children, depth + 1))
            else:
                value = float(described)
                if not math.isfinite(value):
                    raise ValueError(f"leaf value {value} is not finite")
                self.values[at] = value
                deepest = max(deepest, depth)
        self.roots.append(top)
        self.depths.append(deepest)

    def program(self, *, link: float, base: float = 0.0, divisor: float = 1.0, link_scale: float = 1.0,
                accumulate: float = L.ACC_F64) -> np.ndarray:
        """The finished program: header, groups, nodes, values."""
        n_trees, n_nodes = len(self.roots), len(self.thresholds)
        n_groups = -(-n_trees // L.LANES)
        groups_at = L.HEADER
        nodes_at = groups_at + n_groups * L.GROUP_SLOTS
        values_at = nodes_at + n_nodes * L.NODE_SLOTS
        program = np.zeros(values_at + n_nodes, dtype=np.float64)
        header = {L.H_FAMILY: L.FAMILY_TREES, L.H_N_FEATURES: self.n_features, L.H_LINK: link, L.H_BASE: base,
                  L.H_DIVISOR: divisor, L.H_LINK_SCALE: link_scale, L.H_N_TREES: n_trees, L.H_N_GROUPS: n_groups,
                  L.H_GROUPS: groups_at, L.H_NODES: nodes_at, L.H_VALUES: values_at, L.H_N_NODES: n_nodes,
                  L.H_ACCUMULATE: accumulate, L.H_ZERO_NODES: float(self.zero_nodes), L.H_LANES: L.LANES}
        for slot, value in header.items():
            program[slot] = value
        if 2 * values_at >= 2**31:
            raise ValueError(f"{n_nodes} nodes do not fit 32-bit word addresses")
        groups = program[groups_at:nodes_at].reshape(n_groups, L.GROUP_SLOTS)
        groups[:, L.G_ROOTS:] = 2 * nodes_at  # idle lanes: node 0
        for g in range(n_groups):
            trees = range(g * L.LANES, min(n_trees, (g + 1) * L.LANES))
            groups[g, L.G_STEPS] = max(self.depths[t] for t in trees)
            groups[g, L.G_LIVE] = len(trees)
            for lane, t in enumerate(trees):
                groups[g, L.G_ROOTS + lane] = 2 * nodes_at + L.NODE_WORDS * self.roots[t]
        nodes = program[nodes_at:values_at].reshape(n_nodes, L.NODE_SLOTS)
        nodes[:, 0] = self.thresholds
        links = np.empty((n_nodes, 2), dtype=np.int32)
        links[:, 0] = self.features
        links[:, 1] = 2 * nodes_at + L.NODE_WORDS * np.asarray(self.lefts, dtype=np.int64)
        nodes[:, 1] = links.reshape(-1).view(np.float64)
        program[values_at:] = self.values
        return program


def _node_numbers(addresses: np.ndarray, nodes_at: int, n_nodes: int, what: str) -> np.ndarray:
    """Node numbers of word addresses; ValueError unless each names a node."""
    number = (addresses - 2 * nodes_at) / L.NODE_WORDS
    bad = ~np.isfinite(number) | (number != np.round(number)) | (number < 0) | (number >= n_nodes)
    if bad.any():
        raise ValueError(f"{what} address {addresses.reshape(-1)[int(np.argmax(bad.reshape(-1)))]!r} names no node")
    return number.astype(np.int64)


def check_trees(program: np.ndarray, n_features: int) -> None:
    """Raise ValueError unless the tree sections of ``program`` are well formed (see :mod:`.checks`)."""
    h = program
    counts = {"trees": h[L.H_N_TREES], "groups": h[L.H_N_GROUPS], "nodes": h[L.H_N_NODES]}
    for what, value in counts.items():
        if value != round(value) or value < 1:
            raise ValueError(f"{what} count {value!r} is not a positive integer")
    n_trees, n_groups, n_nodes = (int(v) for v in counts.values())
    if h[L.H_LANES] != L.LANES or n_groups != -(-n_trees // L.LANES):
        raise ValueError(f"{n_groups} groups of {h[L.H_LANES]!r} lanes for {n_trees} trees; this arbkit walks "
                         f"{L.LANES} lanes")
    groups_at, nodes_at = L.HEADER, L.HEADER + n_groups * L.GROUP_SLOTS
    values_at = nodes_at + n_nodes * L.NODE_SLOTS
    if (h[L.H_GROUPS], h[L.H_NODES], h[L.H_VALUES]) != (groups_at, nodes_at, values_at) \
            or program.shape[0] != values_at + n_nodes:
        raise ValueError(f"offsets {h[L.H_GROUPS]:.0f}/{h[L.H_NODES]:.0f}/{h[L.H_VALUES]:.0f} and length "
                         f"{program.shape[0]} do not agree with {n_groups} groups and {n_nodes} nodes")
    if h[L.H_ACCUMULATE] not in (L.ACC_F64, L.ACC_F32) or h[L.H_ZERO_NODES] not in (0.0, 1.0):
        raise ValueError(f"accumulate {h[L.H_ACCUMULATE]!r} / zero-node flag {h[L.H_ZERO_NODES]!r} not 0 or 1")
    groups = program[groups_at:nodes_at].reshape(n_groups, L.GROUP_SLOTS)
    if not np.isfinite(groups).all() or (groups != np.round(groups)).any():
        raise ValueError("a group slot is not an integer")
    live = groups[:, L.G_LIVE]
    expected = np.minimum(L.LANES, n_trees - L.LANES * np.arange(n_groups))
    if (live != expected).any():
        raise ValueError(f"live lanes {live.tolist()} do not add up to {n_trees} trees")
    roots = _node_numbers(groups[:, L.G_ROOTS:], nodes_at, n_nodes, "root")
    nodes = program[nodes_at:values_at].reshape(n_nodes, L.NODE_SLOTS)
    thresholds = nodes[:, 0]
    links = np.ascontiguousarray(nodes[:, 1]).view(np.int32).reshape(n_nodes, 2)
    features = links[:, 0].astype(np.int64)
    lefts = _node_numbers(links[:, 1].astype(np.float64), nodes_at, n_nodes, "left child")
    index = np.arange(n_nodes)
    leaf = np.isnan(thresholds)
    bad_leaf = leaf & ((lefts != index) | (features != 0))
    if bad_leaf.any():
        i = int(np.argmax(bad_leaf))
        raise ValueError(f"leaf node {i} has feature {features[i]} and left child {lefts[i]}; expected 0 and itself")
    low = -2 * n_features if h[L.H_ZERO_NODES] == 1.0 else 0
    bad = ~leaf & ((features < low) | (features >= n_features) | (lefts <= index) | (lefts + 1 >= n_nodes))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"node {i}: feature {features[i]} (allowed [{low}, {n_features})) or left child {lefts[i]} "
                         f"(must lie in ({i}, {n_nodes - 1})) is out of range")
    values = program[values_at:]
    if not np.isfinite(values).all():
        raise ValueError(f"value of node {int(np.argmin(np.isfinite(values)))} is not finite")
    depth = np.zeros(n_nodes, dtype=np.int64)  # children come after parents: fill from the back
    for i in np.flatnonzero(~leaf)[::-1]:
        depth[i] = 1 + max(depth[lefts[i]], depth[lefts[i] + 1])
    steps = groups[:, L.G_STEPS]
    for g in range(n_groups):
        need = max(int(depth[r]) for r in roots[g, : int(live[g])])
        if steps[g] != need:
            raise ValueError(f"group {g} walks {steps[g]:.0f} steps, its deepest tree needs {need}")
