"""The flat layout of a compiled model: one contiguous float64 array, the *program*.

Everything a model needs at tick time lives in one array so that a prediction is one compiled call
with two array arguments (the feature vector and the program). Header counts and offsets are float64
values (exact below 2**53); node links are int32 pairs stored in float64 slots and read through an
int32 view of the same memory (little-endian, like every platform numba supports).

Every program starts with a header of :data:`HEADER` slots; slot :data:`H_FAMILY` says which kernel
reads the rest. Offsets are absolute indices into the program.

Tree ensembles (``FAMILY_TREES``) are walked :data:`LANES` trees at a time, each for a fixed number
of steps, with no data-dependent branch, so the processor overlaps the eight walks:

- ``nodes``: 16 bytes (two slots, four int32 *words*) per node: the threshold (float64), the feature
  index (int32) and the left child (int32); the right child is the next node. Nodes are named by
  their *word address*, the index of their first word in an int32 view of the whole program
  (``2 * nodes offset + 4 * node number``), so one step of a walk is
  ``w = words[w + 3] + 4 * (x[words[w + 2]] > program[w // 2])`` with no other arithmetic. A leaf
  has threshold NaN, feature 0 and itself as left child, so it stays put until the walk's steps are
  done. A tree's nodes come parent first, the two children of a node side by side, so every child
  follows its parent;
- ``groups``: per group of :data:`LANES` consecutive trees, ``GROUP_SLOTS`` slots: the number of steps
  (the deepest of its trees), the number of live lanes, and the word address of each lane's root (a
  lane past the last tree points at node 0, a leaf, and is not summed);
- ``values``: one slot per node, the leaf value of node ``i`` at ``values + i`` (0 for split nodes).

A node sends the row left iff ``x[feature] <= threshold``: each exporter rewrites its library's
comparison (float32 casts, strict ``<``, LightGBM's zero band) into that one test. A negative feature
marks a LightGBM *zero-as-missing* node, ``code = -1 - (2 * feature + default_left)``: values in the
zero band go to the default child. A program with such nodes is walked tree by tree instead.

Linear models and MLPs (``FAMILY_LINEAR``, ``FAMILY_MLP``) are laid out by :mod:`.dense`.
"""

from __future__ import annotations

FORMAT_VERSION = 1
"""Version of the saved layout; :func:`~arbkit.models.compiled.model.CompiledModel.from_arrays` refuses others."""

HEADER = 16
"""Header slots at the start of every program."""

# -- header slots common to every family ---------------------------------------------------------------------------
H_FAMILY = 0
H_N_FEATURES = 1
H_LINK = 2
H_BASE = 3  # the starting value of the sum (tree margin base score; linear intercept)
H_DIVISOR = 4  # the sum is divided by this before the link (forest averaging; 1.0 otherwise)
H_LINK_SCALE = 5  # LightGBM's sigmoid parameter (1.0 otherwise)

# -- tree ensembles --------------------------------------------------------------------------------------------------
H_N_TREES = 6
H_N_GROUPS = 7
H_GROUPS = 8  # offset of the groups section
H_NODES = 9  # offset of the nodes section
H_VALUES = 10  # offset of the values section
H_N_NODES = 11
H_ACCUMULATE = 12  # ACC_F64 or ACC_F32
H_ZERO_NODES = 13  # 1.0 if any node is a zero-as-missing node
H_LANES = 14  # LANES, recorded so a program states its own shape

LANES = 8
"""Trees walked side by side."""
GROUP_SLOTS = LANES + 2
G_STEPS, G_LIVE, G_ROOTS = 0, 1, 2
NODE_SLOTS = 2
NODE_WORDS = 4
W_FEATURE, W_LEFT = 2, 3

FAMILY_TREES = 1.0
FAMILY_LINEAR = 2.0
FAMILY_MLP = 3.0
FAMILIES = {FAMILY_TREES: "trees", FAMILY_LINEAR: "linear", FAMILY_MLP: "mlp"}

LINK_IDENTITY = 0.0
LINK_SIGMOID = 1.0  # float64: 1 / (1 + exp(-scale * s))
LINK_SIGMOID_F32 = 2.0  # XGBoost's float32 sigmoid: 1 / (expf(min(-s, 88.7)) + 1 + 1e-16)
LINKS = {LINK_IDENTITY: "identity", LINK_SIGMOID: "sigmoid", LINK_SIGMOID_F32: "sigmoid_f32"}

ACC_F64 = 0.0
ACC_F32 = 1.0

LGBM_ZERO = float.fromhex("0x1.a95a5cp-117")
"""LightGBM's ``kZeroThreshold`` (the float ``1e-35f`` widened to double): ``|x| <= LGBM_ZERO`` reads as 0."""
