r"""A pipeline's preprocessing as the first layers of a network (its column map).

:func:`skweights.explain` explains a :class:`~sklearn.pipeline.Pipeline` ending in a
skweights estimator in the pipeline's *input* columns. This module writes the
preprocessing ``pipe[:-1]`` as

.. math::

    \text{transform}(X) = U(X)\, L + c,

where every column of the *local* features :math:`U(X)` depends on one input column
only (its *group*), and :math:`L` is a linear map (``None`` for the identity). The
decision is made from each fitted transformer's own attributes, never from class
names:

- ``Pipeline`` (``steps``), ``ColumnTransformer`` (``transformers_``,
  ``output_indices_``, including ``remainder``, ``"drop"`` and ``"passthrough"``) and
  ``FeatureUnion`` (``transformer_list``) are walked;
- a transformer with ``components_`` (PCA, TruncatedSVD, random projections...) is
  a linear map, read off its ``transform`` at 0 and at the unit vectors and checked
  on the data;
- any other transformer is *column-local* (per-column like ``StandardScaler``,
  ``QuantileTransformer``, or one-to-many like ``OneHotEncoder``,
  ``SplineTransformer``) when ``get_feature_names_out`` traces each output column
  to exactly one input column and a fitted attribute holds one entry per input
  column (``scale_``, ``statistics_``, ``quantiles_``, ``categories_``...); when
  there are rows to vary, changing one input column on the data must change only
  its own outputs (which alone admits a column-wise ``FunctionTransformer``);
- after a linear map, a step is accepted only if it is itself affine (checked on
  the data), as a scaler after a PCA.

Anything else raises a ``ValueError`` that names the step. The explanation then
folds :math:`L` and :math:`c` into the network's first layer. Every input column
then enters layer 0 additively, through its own local features, which is what the
exact Shapley values (``explain(method="exact")``, :mod:`skweights._shapley`) build
on: a coalition of columns moves layer 0's pre-activation by the sum of its
columns' shares. DeepSHAP (``method="deep"``) sums the local features'
attributions back into their input column instead: its rules treat the local
features' differences :math:`U(x) - U(b)` as the carriers of the attribution,
which gives exactly the interventional Shapley values when the explained output is
additive in the input columns (a linear model's raw output, not its
probability).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._pipeline import input_names, is_pipeline, preprocessing

# Each input column gets a name no output name can contain by accident; the
# trailing "__" keeps column 1 from matching inside column 12.
_TOKEN = "__skw_input_{}__"

# Rows used to check a transformer on the data (column-locality, affinity).
_CHECK_ROWS = 50

# Fitted attributes every transformer has; they say nothing about its columns.
_GENERIC_ATTRIBUTES = {"n_features_in_", "feature_names_in_", "n_features_out_"}

SUPPORTED = (
    "per-column transforms (a fitted attribute with one entry per input column, "
    "e.g. StandardScaler, SimpleImputer, QuantileTransformer, PowerTransformer, or "
    "a column-wise FunctionTransformer), one-to-many per-column transforms "
    "(OneHotEncoder, SplineTransformer, KBinsDiscretizer), linear maps exposing "
    "components_ (PCA, TruncatedSVD), and Pipeline, ColumnTransformer and "
    "FeatureUnion around them"
)


@dataclass
class ColumnMap:
    """The preprocessing as ``transform(X) = local(X) @ linear + offset``.

    Parameters
    ----------
    local : callable
        Raw rows to the local features, a float64 array of shape (n, n_local).
    groups : ndarray of shape (n_local,)
        The input column of each local feature.
    n_out : int
        Number of columns of ``transform(X)``.
    linear : ndarray of shape (n_local, n_out) or None, default=None
        The linear map; ``None`` is the identity.
    offset : ndarray of shape (n_out,) or None, default=None
        The constant; ``None`` is zero.
    """

    local: Callable[[Any], np.ndarray]
    groups: np.ndarray
    n_out: int
    linear: np.ndarray | None = None
    offset: np.ndarray | None = None

    def full_linear(self) -> np.ndarray:
        """``linear`` as a matrix (the identity spelled out)."""
        if self.linear is None:
            return np.eye(len(self.groups))
        return self.linear

    def full_offset(self) -> np.ndarray:
        """``offset`` as a vector (zero spelled out)."""
        return np.zeros(self.n_out) if self.offset is None else self.offset

    def grouping(self, n_inputs: int) -> np.ndarray:
        """The 0/1 matrix (n_local, n_inputs) that sums local features by column."""
        G = np.zeros((len(self.groups), n_inputs))
        G[np.arange(len(self.groups)), self.groups] = 1.0
        return G


def group_by_input(model: Any, scores: pd.Series, X: Any = None) -> pd.Series:
    """Per-feature scores of the final step summed into the pipeline's input columns.

    Parameters
    ----------
    model : Pipeline
        A fitted pipeline whose preprocessing maps every feature to one input column.
    scores : pandas.Series
        One score per feature of the final step.
    X : array-like, default=None
        Raw rows, used to check transformers that have no per-column attributes.

    Returns
    -------
    grouped : pandas.Series
        Indexed by the pipeline's input columns.
    """
    prefix = preprocessing(model)
    if prefix is None:
        return scores
    mapping = column_map(prefix, _head(X), "pipeline")
    if mapping.linear is not None:
        raise ValueError(
            "by='input': the preprocessing mixes input columns (a linear map such as "
            "PCA), so per-feature scores cannot be summed back into input columns; "
            "use by='feature'."
        )
    grouped = mapping.grouping(model.n_features_in_).T @ scores.to_numpy()
    return pd.Series(grouped, index=input_names(model), name=scores.name)


def column_groups(preprocessor: Any, X: Any = None) -> list[list[int]]:
    """Groups of transformed columns, one per original input column.

    Every output column of a fitted preprocessor (a ``ColumnTransformer``, a
    ``Pipeline`` of transformers, or a pipeline ending in an estimator, whose
    preprocessing ``pipe[:-1]`` is used) comes from one input column; this
    returns, for each input column in order, the indices of its output columns:
    all the dummies of a one-hot encoded categorical together, a scaled numeric
    column alone. Input columns that produce no output (dropped) have no group.
    The result is what :class:`~skweights.penalties.GroupL1`'s ``groups`` takes,
    so that the group lasso keeps or drops each original column whole.

    Parameters
    ----------
    preprocessor : fitted transformer or Pipeline
        The preprocessing, traced from its fitted attributes as
        :func:`skweights.explain` traces a pipeline (the same transformers are
        supported).
    X : array-like, default=None
        A few raw rows, for steps that need data to be traced (a
        ``"passthrough"`` step, a column-wise ``FunctionTransformer``).

    Returns
    -------
    groups : list of list of int
        Indices of the transformed columns, one list per input column that has
        outputs, in input-column order.

    Raises
    ------
    ValueError
        If a step cannot be traced, or mixes input columns (a linear map such
        as PCA): then no transformed column belongs to one input column.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> from skweights import column_groups
    >>> X = pd.DataFrame({"age": [30.0, 40.0, 50.0], "city": ["a", "b", "c"]})
    >>> ct = make_column_transformer(
    ...     (StandardScaler(), ["age"]), (OneHotEncoder(), ["city"])
    ... ).fit(X)
    >>> column_groups(ct)
    [[0], [1, 2, 3]]
    """
    step = preprocessor
    if is_pipeline(step) and not hasattr(step[-1], "transform"):
        step = preprocessing(step)
        if step is None:
            raise ValueError("column_groups: the pipeline has no preprocessing step.")
    mapping = column_map(step, _head(X), "column_groups")
    owner = mapping.groups
    if mapping.linear is not None:
        # An output column belongs to an input column when only that column's
        # local features feed it.
        feeds = mapping.full_linear() != 0
        owner = np.array(
            [np.unique(mapping.groups[column]) for column in feeds.T], dtype=object
        )
        if any(len(inputs) != 1 for inputs in owner):
            raise ValueError(
                "column_groups: the preprocessing mixes input columns (a linear map "
                "such as PCA), so its output columns do not belong to single input "
                "columns."
            )
        owner = np.array([int(inputs[0]) for inputs in owner], dtype=int)
    return [[int(k) for k in np.flatnonzero(owner == j)] for j in np.unique(owner)]


# -- the column map ------------------------------------------------------------------
def column_map(step: Any, sample: Any, path: str) -> ColumnMap:
    """The :class:`ColumnMap` of a fitted transformer (``path`` names it in errors).

    Parameters
    ----------
    step : transformer, "passthrough" or Pipeline
        Fitted.
    sample : array-like or None
        A few raw rows it takes, for the checks on data.
    path : str
        Where the step sits, for error messages.

    Returns
    -------
    mapping : ColumnMap
    """
    if isinstance(step, str) or step is None:
        if step in (None, "passthrough"):
            return _identity(_n_columns(step, sample))
        raise _unsupported(path, step)
    if hasattr(step, "steps"):
        return _sequence(step, sample, path)
    if hasattr(step, "transformers_") and hasattr(step, "output_indices_"):
        return _columns(step, sample, path)
    if hasattr(step, "transformer_list"):
        return _union(step, sample, path)
    if hasattr(step, "components_"):
        affine = _probe_affine(step, sample)
        if affine is None:
            raise _unsupported(path, step, "its transform is not linear on the data")
        return ColumnMap(_as_float, np.arange(affine[0].shape[0]), *_shape(affine))
    return _column_local(step, sample, path)


def _shape(affine):
    A, c = affine
    return A.shape[1], A, c


def _identity(n: int) -> ColumnMap:
    return ColumnMap(_as_float, np.arange(n), n)


def _n_columns(step: Any, sample: Any) -> int:
    if sample is None:
        raise ValueError("explain: a passthrough step needs data to count its columns.")
    return sample.shape[1]


def _sequence(pipe: Any, sample: Any, path: str) -> ColumnMap:
    current, transforms = None, []
    for name, step in pipe.steps:
        if step is None or step == "passthrough":
            continue
        where = f"{path} > {name}"
        if current is not None and current.linear is not None:
            current = _after_linear(current, step, sample, where)
        else:
            mapping = column_map(step, sample, where)
            current = (
                mapping if current is None else _chain(current, mapping, transforms)
            )
        transforms.append(step.transform)
        sample = None if sample is None else step.transform(sample)
    return current if current is not None else _identity(_n_columns(None, sample))


def _chain(first: ColumnMap, second: ColumnMap, transforms: list) -> ColumnMap:
    """``second`` after column-local steps (``transforms``, in order)."""
    before = list(transforms)

    def local(X):
        for transform in before:
            X = transform(X)
        return second.local(X)

    return ColumnMap(
        local, first.groups[second.groups], second.n_out, second.linear, second.offset
    )


def _after_linear(current: ColumnMap, step: Any, sample: Any, where: str) -> ColumnMap:
    """A step after a linear map: accepted only if it is affine itself."""
    affine = _probe_affine(step, sample)
    if affine is None:
        raise _unsupported(
            where, step, "it follows a linear map (e.g. PCA) and is not itself linear"
        )
    A, c = affine
    return ColumnMap(
        current.local,
        current.groups,
        A.shape[1],
        current.full_linear() @ A,
        current.full_offset() @ A + c,
    )


def _columns(ct: Any, sample: Any, path: str) -> ColumnMap:
    indices = ct._transformer_to_input_indices
    parts = []
    for name, transformer, _ in ct.transformers_:
        columns = np.asarray(indices.get(name, []), dtype=int)
        out = ct.output_indices_[name]
        if transformer == "drop" or columns.size == 0 or out.stop == out.start:
            continue
        sub = None if sample is None else _take(sample, columns)
        mapping = column_map(transformer, sub, f"{path} > {name}")
        parts.append((columns, mapping, out))
    n_out = max((out.stop for _, _, out in parts), default=0)
    return _concatenate(parts, n_out)


def _union(union: Any, sample: Any, path: str) -> ColumnMap:
    weights = union.transformer_weights or {}
    parts, start = [], 0
    for name, transformer in union.transformer_list:
        if transformer == "drop":
            continue
        mapping = column_map(transformer, sample, f"{path} > {name}")
        if name in weights:
            mapping.linear = mapping.full_linear() * weights[name]
            mapping.offset = mapping.full_offset() * weights[name]
        n_columns = _n_inputs(transformer, sample)
        parts.append(
            (np.arange(n_columns), mapping, slice(start, start + mapping.n_out))
        )
        start += mapping.n_out
    return _concatenate(parts, start)


def _concatenate(parts: list, n_out: int) -> ColumnMap:
    """Side-by-side maps, each on its own input columns and output slice."""

    def local(X):
        blocks = [mapping.local(_take(X, columns)) for columns, mapping, _ in parts]
        return np.hstack(blocks) if blocks else np.empty((_n_rows(X), 0))

    groups = np.concatenate(
        [columns[mapping.groups] for columns, mapping, _ in parts] or [np.empty(0, int)]
    ).astype(int)
    starts = [out.start for _, _, out in parts]
    tiled = starts == sorted(starts) and sum(m.n_out for _, m, _ in parts) == n_out
    if tiled and all(m.linear is None and m.offset is None for _, m, _ in parts):
        return ColumnMap(local, groups, n_out)
    linear, offset, row = np.zeros((len(groups), n_out)), np.zeros(n_out), 0
    for _, mapping, out in parts:
        rows = slice(row, row + len(mapping.groups))
        linear[rows, out] = mapping.full_linear()
        offset[out] = mapping.full_offset()
        row = rows.stop
    return ColumnMap(local, groups, n_out, linear, offset)


# -- leaves --------------------------------------------------------------------------
def _column_local(step: Any, sample: Any, path: str) -> ColumnMap:
    n_in = _n_inputs(step, sample)
    groups = _groups_from_names(step, n_in)
    if groups is None and sample is not None:
        out = _dense(step.transform(sample))
        groups = np.arange(n_in) if out.shape[1] == n_in else None
    if n_in == 1 and groups is None and sample is not None:
        groups = np.zeros(_dense(step.transform(sample)).shape[1], dtype=int)
    if groups is None:
        raise _unsupported(path, step, "its output columns cannot be traced")
    if n_in > 1:
        # The fitted attributes decide; the data, when there are rows to vary,
        # must agree (and decide alone for a column-wise FunctionTransformer).
        local = _changes_stay_local(step, sample, groups)
        if local is False or (local is None and not _per_column_attribute(step, n_in)):
            raise _unsupported(path, step, "it mixes its input columns")

    def local(X):
        return _as_float(step.transform(X))

    return ColumnMap(local, groups, len(groups))


def _groups_from_names(step: Any, n_in: int) -> np.ndarray | None:
    """The input column of each output, traced through ``get_feature_names_out``."""
    tokens = [_TOKEN.format(j) for j in range(n_in)]
    probe = copy.copy(step)
    if hasattr(probe, "feature_names_in_"):
        probe.feature_names_in_ = np.asarray(tokens, dtype=object)
    try:
        names = probe.get_feature_names_out(tokens)
    except Exception:  # no names, or names that do not follow the inputs
        return None
    groups = []
    for name in names:
        found = [j for j, token in enumerate(tokens) if token in str(name)]
        if len(found) != 1:
            return None
        groups.append(found[0])
    return np.asarray(groups, dtype=int)


def _per_column_attribute(step: Any, n_in: int) -> bool:
    """Whether a fitted attribute holds one entry per input column."""
    for name, value in vars(step).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if name in _GENERIC_ATTRIBUTES:
            continue
        shape = np.shape(value) if isinstance(value, np.ndarray) else None
        if shape and (shape[0] == n_in or shape[-1] == n_in):
            return True
        if isinstance(value, list) and len(value) == n_in:
            return True
    return False


def _changes_stay_local(step: Any, sample: Any, groups: np.ndarray) -> bool | None:
    """Changing input column j on the data changes no output outside group j.

    ``None`` when there are fewer than two rows to vary.
    """
    if sample is None or _n_rows(sample) < 2:
        return None
    sample = _head(sample)
    reference = _dense(step.transform(sample))
    for j in range(sample.shape[1]):
        rolled = _roll_column(sample, j)
        out = _dense(step.transform(rolled))
        others = groups != j
        if not _same(out[:, others], reference[:, others]):
            return False
    return True


def _probe_affine(step: Any, sample: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``(A, c)`` with ``step.transform(X) = X @ A + c`` on ``sample``, else None."""
    n_in = _n_inputs(step, sample)
    names = getattr(step, "feature_names_in_", None)
    points = np.vstack([np.zeros((1, n_in)), np.eye(n_in)])
    try:
        values = _as_float(step.transform(_frame(points, names)))
        c, A = values[0], values[1:] - values[0]
        if sample is not None:
            sample = _head(sample)
            rows = _as_float(sample)
            expected = _as_float(step.transform(sample))
            scale = 1.0 + np.abs(expected).max(initial=0.0)
            if not np.allclose(rows @ A + c, expected, rtol=0, atol=1e-9 * scale):
                return None
    except Exception:  # inputs it cannot take (e.g. zeros): not a linear map
        return None
    return A, c


def _unsupported(path: str, step: Any, why: str = "") -> ValueError:
    kind = step if isinstance(step, str) else type(step).__name__
    reason = f": {why}" if why else ""
    return ValueError(
        f"explain: cannot trace the pipeline step {path!r} ({kind}) back to its input "
        f"columns{reason}. Supported are {SUPPORTED}. To explain this pipeline "
        "anyway, pass fallback='permutation' (shap's PermutationExplainer over the "
        "input columns: model-agnostic and additive, but much slower)."
    )


# -- array plumbing ------------------------------------------------------------------
def _n_inputs(step: Any, sample: Any) -> int:
    if sample is not None:
        return sample.shape[1]
    return int(step.n_features_in_)


def _n_rows(X: Any) -> int:
    return X.shape[0]


def _head(X: Any) -> Any:
    if X is None:
        return None
    return X.iloc[:_CHECK_ROWS] if hasattr(X, "iloc") else X[:_CHECK_ROWS]


def _take(X: Any, columns: np.ndarray) -> Any:
    return X.iloc[:, columns] if hasattr(X, "iloc") else X[:, columns]


def _roll_column(X: Any, j: int) -> Any:
    if hasattr(X, "iloc"):
        X = X.copy()
        X.iloc[:, j] = np.roll(X.iloc[:, j].to_numpy(), 1)
        return X
    X = X.copy() if not sp.issparse(X) else X.toarray()
    X[:, j] = np.roll(X[:, j], 1)
    return X


def _frame(points: np.ndarray, names: Any) -> Any:
    return points if names is None else pd.DataFrame(points, columns=list(names))


def _dense(X: Any) -> np.ndarray:
    if sp.issparse(X):
        X = X.toarray()
    return X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)


def _as_float(X: Any) -> np.ndarray:
    return np.asarray(_dense(X), dtype=np.float64)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
        return bool(np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True))
    return bool(np.all((a == b) | (pd.isna(a) & pd.isna(b))))
