r"""Penalties on weight matrices: value, (sub)gradient and proximal operator.

Every penalty is a special case of the elastic net,

.. math::

    R(W) = \alpha \left( \rho \lVert W \rVert_1
    + \frac{1 - \rho}{2} \lVert W \rVert_2^2 \right),

with :math:`\alpha` = ``alpha`` :math:`\ge 0` and :math:`\rho` = ``l1_ratio``
:math:`\in [0, 1]`: :class:`L1` is :math:`\rho = 1`, :class:`L2` is :math:`\rho = 0`
and :class:`NoPenalty` is :math:`\alpha = 0`. Each penalty exposes

- ``smooth``: whether :math:`R` is differentiable (no L1 part); the engine adds
  ``grad(W)`` to the gradient of a smooth penalty, and applies ``prox`` after each
  optimizer step for a non-smooth one (proximal gradient);
- ``l1_strength`` :math:`= \alpha \rho` and ``l2_strength`` :math:`= \alpha (1 -
  \rho)`;
- ``value(W) -> float``, ``grad(W) -> ndarray`` (a subgradient: 0 at 0 for the L1
  part), and ``prox(W, step, out=None)``, the exact proximal operator of
  ``step * R``, with a scalar ``step`` or an array of per-coordinate steps.
- ``separable``: whether :math:`R` is a sum of one term per weight (True for the
  elastic-net family): coordinate descent and L-BFGS's split variables need it.

:class:`GroupL1`, the group lasso over the rows of a weight matrix (one row = every
weight leaving one input), is the one non-separable penalty: on a network's input
layer it selects input features.

Penalties apply to weights only: biases (intercepts) are never penalized, and leaving
them out is the caller's job. Arguments are stored unchanged and validated when used.
Everything keeps the dtype of ``W`` (float32 stays float32).

Examples
--------
>>> import numpy as np
>>> from skweights import penalties
>>> pen = penalties.get("l1", alpha=0.5)
>>> pen.prox(np.array([-2.0, 0.3, 1.0]), step=1.0)
array([-1.5,  0. ,  0.5])
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from skweights._registry import Component, Registry
from skweights._validation import as_float as _as_float
from skweights._validation import check_real

__all__ = [
    "REGISTRY",
    "L1",
    "L2",
    "ElasticNet",
    "GroupL1",
    "NoPenalty",
    "NonNegative",
    "Penalty",
    "block_soft_threshold",
    "get",
    "soft_threshold",
]


def _as_scale(value: Any, dtype: np.dtype) -> float | np.ndarray:
    """A scalar as a Python float, an array in ``dtype``: neither upcasts ``W``."""
    if np.ndim(value) == 0:
        return float(value)
    return np.asarray(value, dtype=dtype)


def soft_threshold(W: Any, threshold: Any, out: np.ndarray | None = None) -> np.ndarray:
    r"""Soft-thresholding, the proximal operator of :math:`t \lVert \cdot \rVert_1`.

    .. math::

        S_t(w) = \operatorname{sign}(w) \max(|w| - t, 0)

    Computed as :math:`w - \operatorname{clip}(w, -t, t)`, so every :math:`|w| \le t`
    gives an exact zero.

    Parameters
    ----------
    W : array-like
        The input.
    threshold : float or array-like
        Non-negative threshold :math:`t`, a scalar or an array broadcastable to
        ``W`` (element-wise thresholds).
    out : ndarray, optional
        Where to write the result (``out=W`` works in place). By default a new array.

    Returns
    -------
    S : ndarray
        :math:`S_t(W)`, of ``W``'s shape and dtype.

    Raises
    ------
    ValueError
        If a scalar ``threshold`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import soft_threshold
    >>> soft_threshold(np.array([-3.0, -1.0, 0.5, 2.0]), 1.0)
    array([-2.,  0.,  0.,  1.])
    """
    W = _as_float(W)
    t = _as_scale(threshold, W.dtype)
    if isinstance(t, float):
        if not t >= 0:
            raise ValueError(f"threshold must be non-negative, got {threshold!r}.")
        clipped = np.clip(W, -t, t)
    else:
        clipped = np.clip(W, np.negative(t), t)
    if out is None:
        return np.subtract(W, clipped, out=clipped)
    return np.subtract(W, clipped, out=out)


class Penalty(Component):
    r"""Base class of penalties, the elastic net :math:`R(W)` with strengths.

    .. math::

        R(W) = \lambda_1 \lVert W \rVert_1 + \frac{\lambda_2}{2} \lVert W \rVert_2^2,
        \qquad \lambda_1 = \alpha \rho, \quad \lambda_2 = \alpha (1 - \rho).

    Subclasses provide ``alpha`` and ``l1_ratio`` (as constructor arguments or
    read-only properties); everything else is computed from them here.

    Examples
    --------
    >>> from skweights.penalties import L2, Penalty
    >>> isinstance(L2(), Penalty)
    True
    """

    alpha: Any
    l1_ratio: Any
    #: The penalty is a sum of one term per weight, so coordinate-wise solvers
    #: (coordinate descent, L-BFGS on split variables) can use ``l1_strength`` and
    #: ``l2_strength``; :class:`GroupL1` is not.
    separable = True

    def _validated(self) -> tuple[float, float]:
        """``(alpha, l1_ratio)``, checked."""
        return self._alpha(), self._l1_ratio()

    def _alpha(self) -> float:
        return check_real(type(self).__name__, "alpha", self.alpha, 0.0)

    def _l1_ratio(self) -> float:
        return check_real(type(self).__name__, "l1_ratio", self.l1_ratio, 0.0, 1.0)

    @property
    def l1_strength(self) -> float:
        r"""The L1 coefficient :math:`\lambda_1 = \alpha \rho` (validated)."""
        alpha, l1_ratio = self._validated()
        return alpha * l1_ratio

    @property
    def l2_strength(self) -> float:
        r"""The L2 coefficient :math:`\lambda_2 = \alpha (1 - \rho)` (validated)."""
        alpha, l1_ratio = self._validated()
        return alpha * (1.0 - l1_ratio)

    @property
    def smooth(self) -> bool:
        """Whether the penalty is differentiable: True when it has no L1 part."""
        return self._l1_ratio() == 0.0

    def value(self, W: Any) -> float:
        r"""The penalty :math:`R(W)`.

        Parameters
        ----------
        W : array-like
            A weight array (never a bias).

        Returns
        -------
        value : float
            :math:`\lambda_1 \lVert W \rVert_1 + \frac{\lambda_2}{2} \lVert W
            \rVert_2^2`.
        """
        W = _as_float(W)
        l1, l2 = self.l1_strength, self.l2_strength
        total = 0.0
        if l1 != 0.0:
            total += l1 * float(np.abs(W).sum())
        if l2 != 0.0:
            flat = W.ravel()
            total += 0.5 * l2 * float(np.dot(flat, flat))
        return total

    def grad(self, W: Any) -> np.ndarray:
        r"""A subgradient of :math:`R` at ``W``.

        Parameters
        ----------
        W : array-like
            A weight array.

        Returns
        -------
        grad : ndarray
            :math:`\lambda_1 \operatorname{sign}(W) + \lambda_2 W` (the L1 part is 0
            where :math:`W = 0`), a new array of ``W``'s dtype.
        """
        W = _as_float(W)
        l1, l2 = self.l1_strength, self.l2_strength
        if l1 == 0.0:
            return np.multiply(W, l2)
        g = np.sign(W)
        g *= l1
        if l2 != 0.0:
            g += np.multiply(W, l2)
        return g

    def linear_grad_scale(self) -> float | None:
        r"""The constant :math:`c` when the smooth part's gradient is :math:`c W`.

        The engine resolves it once per fit and adds :math:`c W` into a reused
        buffer at every batch, instead of calling :meth:`grad`. A penalty whose
        gradient is not linear in :math:`W` returns None (the engine then calls
        :meth:`grad`).

        Returns
        -------
        scale : float or None
            :math:`\lambda_2` for the elastic-net family (validated).

        Examples
        --------
        >>> from skweights.penalties import ElasticNet
        >>> ElasticNet(alpha=2.0, l1_ratio=0.25).linear_grad_scale()
        1.5
        """
        return self.l2_strength

    def prox(self, W: Any, step: Any, out: np.ndarray | None = None) -> np.ndarray:
        r"""The exact proximal operator of ``step * R``.

        .. math::

            \operatorname{prox}_{s R}(W)
            = \operatorname*{arg\,min}_X \frac{1}{2} \lVert X - W \rVert_2^2
              + s R(X)
            = \frac{S_{s \lambda_1}(W)}{1 + s \lambda_2},

        with :math:`S` the soft-thresholding of :func:`soft_threshold`, element-wise
        when :math:`s` is an array (the sum then weights each coordinate's term by
        its own step).

        Parameters
        ----------
        W : array-like
            A weight array.
        step : float or array-like
            Non-negative step :math:`s`, a scalar or an array broadcastable to ``W``
            (per-coordinate steps such as Adam's).
        out : ndarray, optional
            Where to write the result (``out=W`` works in place). By default a new
            array.

        Returns
        -------
        X : ndarray
            :math:`\operatorname{prox}_{s R}(W)`, of ``W``'s shape and dtype.

        Raises
        ------
        ValueError
            If a scalar ``step`` is negative, or ``alpha``/``l1_ratio`` is invalid.
        """
        W = _as_float(W)
        s = _as_scale(step, W.dtype)
        if isinstance(s, float) and not s >= 0:
            raise ValueError(f"step must be non-negative, got {step!r}.")
        l1, l2 = self.l1_strength, self.l2_strength
        if l1 != 0.0:
            out = soft_threshold(W, s * l1, out=out)
        elif out is None:
            out = W.copy()
        elif out is not W:
            np.copyto(out, W)
        if l2 != 0.0:
            if isinstance(s, float):
                out /= 1.0 + s * l2
            else:
                scale = np.multiply(s, l2)
                scale += 1
                out /= scale
        return out


class NoPenalty(Penalty):
    r"""No penalty: :math:`R(W) = 0`.

    ``alpha`` and ``l1_ratio`` are read-only properties, both 0.

    .. math::

        R(W) = 0, \qquad \operatorname{prox}_{s R}(W) = W.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import NoPenalty
    >>> NoPenalty().value(np.array([1.0, -2.0]))
    0.0
    >>> NoPenalty().smooth
    True
    """

    @property
    def alpha(self) -> float:
        """Always 0."""
        return 0.0

    @property
    def l1_ratio(self) -> float:
        """Always 0."""
        return 0.0


class L1(Penalty):
    r"""The lasso penalty, :math:`R(W) = \alpha \lVert W \rVert_1` (not smooth).

    .. math::

        R(W) = \alpha \sum_j |W_j|, \qquad
        \operatorname{prox}_{s R}(W) = S_{s \alpha}(W).

    Applied by proximal steps, it gives exact zeros (Tibshirani, 1996, "Regression
    shrinkage and selection via the lasso").

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`. Validated when used.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import L1
    >>> pen = L1(alpha=0.1)
    >>> pen.value(np.array([1.0, -2.0]))
    0.30000000000000004
    >>> pen.smooth, pen.l1_ratio
    (False, 1.0)
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    @property
    def l1_ratio(self) -> float:
        """Always 1."""
        return 1.0


class L2(Penalty):
    r"""The ridge penalty (weight decay), :math:`R(W) = \frac{\alpha}{2} \lVert W
    \rVert_2^2`.

    .. math::

        R(W) = \frac{\alpha}{2} \sum_j W_j^2, \qquad \nabla R(W) = \alpha W, \qquad
        \operatorname{prox}_{s R}(W) = \frac{W}{1 + s \alpha}.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`. Validated when used.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import L2
    >>> pen = L2(alpha=0.5)
    >>> pen.value(np.array([1.0, -2.0]))
    1.25
    >>> pen.grad(np.array([1.0, -2.0]))
    array([ 0.5, -1. ])
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    @property
    def l1_ratio(self) -> float:
        """Always 0."""
        return 0.0


class ElasticNet(Penalty):
    r"""The elastic net, a mix of L1 and L2 (Zou & Hastie, 2005).

    .. math::

        R(W) = \alpha \left( \rho \lVert W \rVert_1
        + \frac{1 - \rho}{2} \lVert W \rVert_2^2 \right), \qquad
        \operatorname{prox}_{s R}(W) = \frac{S_{s \alpha \rho}(W)}
        {1 + s \alpha (1 - \rho)}.

    It is smooth only when ``l1_ratio == 0``.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`. Validated when used.
    l1_ratio : float, default=0.5
        Share :math:`\rho \in [0, 1]` of L1. Validated when used.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import ElasticNet
    >>> pen = ElasticNet(alpha=1.0, l1_ratio=0.5)
    >>> pen.value(np.array([2.0, 0.0]))
    2.0
    >>> pen.prox(np.array([2.0, 0.2]), step=1.0)
    array([1., 0.])
    """

    def __init__(self, alpha: float = 1.0, l1_ratio: float = 0.5) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio


class NonNegative(Penalty):
    r"""A penalty restricted to non-negative weights (``positive=True``).

    :math:`R_+(W) = R(W) + \iota_{W \geq 0}(W)`, with :math:`\iota` the indicator
    (0 on the constraint set, :math:`+\infty` outside). Its proximal operator is
    the projection on :math:`W \geq 0` followed by the base one,

    .. math::

        \operatorname{prox}_{s R_+}(W) = \operatorname{prox}_{s R}(\max(W, 0)),

    exact for the elastic net (whose prox is monotone and odd, so this is also
    :math:`\max(\operatorname{prox}_{s R}(W), 0)`) and for :class:`GroupL1` (a
    norm that grows with :math:`|W|`: negative weights are best at 0), so every
    proximal optimizer takes a projected step. Never smooth; ``positive`` tells
    the solvers that bound the weights instead (L-BFGS-B, coordinate descent,
    NNLS).

    Parameters
    ----------
    penalty : Penalty
        The base penalty; ``alpha`` and ``l1_ratio`` are its own.

    Attributes
    ----------
    positive : bool
        Always True.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import L1, NonNegative
    >>> NonNegative(L1(0.5)).prox(np.array([-2.0, 0.3, 1.0]), step=1.0)
    array([0. , 0. , 0.5])
    """

    positive = True

    def __init__(self, penalty: Any = None) -> None:
        self.penalty = penalty

    @property
    def alpha(self) -> float:
        """The base penalty's ``alpha``."""
        return self.penalty.alpha

    @property
    def l1_ratio(self) -> float:
        """The base penalty's ``l1_ratio``."""
        return self.penalty.l1_ratio

    @property
    def smooth(self) -> bool:
        """Always False: the constraint is applied by the proximal step."""
        return False

    def prox(self, W: Any, step: Any, out: np.ndarray | None = None) -> np.ndarray:
        r"""The projection on non-negative weights, then the base penalty's prox.

        Parameters
        ----------
        W : array-like
            A weight array.
        step : float or array-like
            Non-negative step, scalar or per coordinate.
        out : ndarray, optional
            Where to write the result; by default a new array.

        Returns
        -------
        X : ndarray
            :math:`\operatorname{prox}_{s R}(\max(W, 0))`.
        """
        return self.penalty.prox(np.maximum(_as_float(W), 0), step, out=out)

    @property
    def separable(self) -> bool:
        """The base penalty's ``separable``."""
        return bool(getattr(self.penalty, "separable", False))


def _row_norms(W: np.ndarray) -> np.ndarray:
    """The Euclidean norm of each row (last axis), kept as a column."""
    return np.sqrt(np.einsum("...i,...i->...", W, W))[..., None]


def _secular_radius(W: np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""The root :math:`t > 0` of :math:`\sum_i W_i^2 / (t + a_i)^2 = 1` per row.

    Newton's method on :math:`q(t) = 1 / \lVert W / (t + a) \rVert - 1`, which is
    increasing and concave (as in the trust-region subproblem), from a point left
    of the root (:math:`t \ge |W_i| - a_i` and :math:`t \ge \lVert W \rVert -
    \max_i a_i`): the iterates rise monotonically to it, quadratically near it,
    and one step is exact when a row's :math:`a_i` are equal. Rows are those with
    :math:`\lVert W / a \rVert > 1` (float64 arrays).
    """
    t = np.maximum(
        np.max(np.abs(W) - a, axis=-1, keepdims=True),
        _row_norms(W) - np.max(a, axis=-1, keepdims=True),
    )
    t = np.maximum(t, 0.0)
    tiny, eps = np.finfo(np.float64).tiny, np.finfo(np.float64).eps
    for _ in range(100):
        # t + a > 0 wherever W != 0 (t >= |W_i| where a_i = 0); elsewhere u = 0.
        inv = 1.0 / np.maximum(t + a, tiny)
        u = W * inv
        u *= u
        r2 = u.sum(axis=-1, keepdims=True)
        u *= inv
        slope = u.sum(axis=-1, keepdims=True)
        new = t + (np.sqrt(r2) - 1.0) * r2 / slope  # t - q / q'
        if np.all(new - t <= 4 * eps * new):
            return np.maximum(new, t)
        t = new
    return t


def block_soft_threshold(
    W: Any, threshold: Any, out: np.ndarray | None = None
) -> np.ndarray:
    r"""Block soft-thresholding, the proximal operator of the group lasso on rows.

    With a scalar threshold :math:`t`, each row :math:`W_j` (the last axis) becomes

    .. math::

        W_j \max\Bigl(0, 1 - \frac{t}{\lVert W_j \rVert_2}\Bigr),

    the minimizer of :math:`\frac12 \lVert X - W \rVert_2^2 + t \sum_j \lVert X_j
    \rVert_2`: a row whose norm is at most :math:`t` becomes exactly zero, the
    others shrink towards zero without changing direction.

    With an array of thresholds :math:`a` (per-coordinate steps, e.g. Adam's, times
    ``alpha``), the result is the exact minimizer of :math:`\frac12 \sum_i (X_i -
    W_i)^2 / a_i + \sum_j \lVert X_j \rVert_2`, the same problem in the metric of
    the steps (what the per-coordinate prox of the elastic net solves too): a row
    is zero when :math:`\lVert W_j / a_j \rVert_2 \le 1`, else :math:`X_{ji} =
    W_{ji}\, \tau_j / (\tau_j + a_{ji})` with :math:`\tau_j = \lVert X_j \rVert_2`
    the root of :math:`\sum_i W_{ji}^2 / (\tau + a_{ji})^2 = 1`, found by Newton's
    method (a few iterations; one when a row's thresholds are equal). No closed
    form exists there; the root is computed to float64 precision.

    Parameters
    ----------
    W : array-like
        The input; a 1-D array is one row.
    threshold : float or array-like
        Non-negative threshold, a scalar or an array broadcastable to ``W``.
    out : ndarray, optional
        Where to write the result (``out=W`` works in place). By default a new array.

    Returns
    -------
    X : ndarray
        The thresholded rows, of ``W``'s shape and dtype.

    Raises
    ------
    ValueError
        If ``threshold`` has a negative entry.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import block_soft_threshold
    >>> block_soft_threshold(np.array([[3.0, 4.0], [0.3, -0.4]]), 1.0)
    array([[2.4, 3.2],
           [0. , 0. ]])
    """
    W = _as_float(W)
    t = _as_scale(threshold, W.dtype)
    if not np.all(np.asarray(t) >= 0):
        raise ValueError(f"threshold must be non-negative, got {threshold!r}.")
    if out is None:
        out = np.empty_like(W)
    if isinstance(t, float) or np.ptp(np.broadcast_to(t, W.shape), axis=-1).max() == 0:
        # One threshold per row: the closed form.
        row_t = t if isinstance(t, float) else np.broadcast_to(t, W.shape)[..., :1]
        norms = _row_norms(W)
        scale = np.divide(row_t, norms, out=np.ones_like(norms), where=norms > 0)
        np.subtract(1, scale, out=scale)
        np.multiply(W, np.maximum(scale, 0, out=scale), out=out)
        return np.add(out, 0.0, out=out)  # a zeroed row's -0.0 entries become 0.0
    np.copyto(out, _weighted_block_prox(W, t))
    return out


def _weighted_block_prox(W: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Block soft-thresholding in the metric of per-coordinate thresholds ``t``."""
    W64 = np.asarray(W, dtype=np.float64)
    a = np.broadcast_to(np.asarray(t, dtype=np.float64), W.shape)
    with np.errstate(divide="ignore"):
        scaled = np.divide(W64, a, out=np.zeros_like(W64), where=W64 != 0)
    scaled[(W64 != 0) & (a == 0)] = np.inf  # a zero step cannot move that weight
    alive = (_row_norms(scaled) > 1)[..., 0]
    X = np.zeros_like(W64)
    if alive.any():
        Wa, aa = W64[alive], a[alive]
        tau = _secular_radius(Wa, aa)
        X[alive] = Wa * (tau / (tau + aa))
    return X


def _group_labels(groups: Any, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The group of each row and each group's size, from explicit ``groups``.

    Rows in no group are groups of their own (after the given ones, in row order).
    """
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise ValueError(
            "GroupL1: groups must be a list of lists of row indices (e.g. "
            f"[[0, 1, 2], [5, 6]]); got {groups!r}."
        )
    label = np.full(n_rows, -1, dtype=np.intp)
    for g, members in enumerate(groups):
        rows = np.asarray(members)
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            raise ValueError(
                f"GroupL1: group {g} must be a non-empty list of integer row "
                f"indices; got {members!r}."
            )
        if rows.min() < 0 or rows.max() >= n_rows:
            raise ValueError(
                f"GroupL1: group {g} holds row {int(rows.max())} or "
                f"{int(rows.min())}, outside the {n_rows} rows (inputs) of the "
                "weight matrix. Give the grouped penalty to the layer whose inputs "
                "the groups index, e.g. penalty=[GroupL1(alpha, groups=...), "
                "'l2'] for the first layer of an MLP."
            )
        taken = label[rows] >= 0
        if taken.any() or len(np.unique(rows)) != rows.size:
            raise ValueError(
                f"GroupL1: row {int(rows[taken][0] if taken.any() else rows[0])} "
                f"appears twice in groups (group {g}); every row belongs to at most "
                "one group."
            )
        label[rows] = g
    alone = label < 0
    label[alone] = np.arange(len(groups), len(groups) + int(alone.sum()))
    return label, np.bincount(label)


def _grouped_norms(W: np.ndarray, label: np.ndarray, n_groups: int) -> np.ndarray:
    """The Euclidean norm of each group of rows of the 2-D ``W``, in float64."""
    squares = np.einsum("ij,ij->i", W, W, dtype=np.float64)
    return np.sqrt(np.bincount(label, weights=squares, minlength=n_groups))


def _padded_groups(label: np.ndarray, sizes: np.ndarray, n_cols: int) -> np.ndarray:
    """Flat indices of each group's block (one row per group), -1 as padding."""
    order = np.argsort(label, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    position = np.arange(len(order)) - starts[label[order]]
    index = np.full((len(sizes), int(sizes.max()) * n_cols), -1, dtype=np.intp)
    columns = position[:, None] * n_cols + np.arange(n_cols)
    index[label[order][:, None], columns] = order[:, None] * n_cols + np.arange(n_cols)
    return index


class GroupL1(Penalty):
    r"""The group lasso over rows, or over explicit groups of rows.

    Each row :math:`W_j` of a weight matrix (layout ``(n_in, n_out)``) holds every
    weight leaving input :math:`j`, so on a network's input layer (``penalty=
    ["group_l1", "l2"]``) the proximal step zeroes whole rows: the network stops
    using those input features. On a multi-output linear model it is
    scikit-learn's :class:`~sklearn.linear_model.MultiTaskLasso` (a feature is
    used by every target or none); with one output it is the lasso. Used on a
    hidden layer, it prunes hidden units' outgoing weights.

    With ``groups``, rows are penalized together: a group :math:`g` of
    :math:`p_g` rows (say, every one-hot column of one categorical input, from
    :func:`skweights.column_groups`) is kept or zeroed as a whole. Every row in no
    group is a group of its own, so ``groups=None`` is the per-row penalty:

    .. math::

        R(W) = \alpha \sum_g \sqrt{p_g}\, \lVert W_g \rVert_2, \qquad
        \operatorname{prox}_{s R}(W)_g = W_g \max\Bigl(0,
        1 - \frac{s \alpha \sqrt{p_g}}{\lVert W_g \rVert_2}\Bigr),

    with :math:`\lVert W_g \rVert_2` the Euclidean norm of the group's rows
    together and :math:`\sqrt{p_g}` Yuan & Lin's weight, so that a categorical
    with many levels is not favoured over one numeric column (block
    soft-thresholding, :func:`block_soft_threshold`; with per-coordinate steps
    such as Adam's, the exact prox in the metric of the steps). Not smooth and
    not separable: coordinate descent and L-BFGS refuse it, FISTA and every
    minibatch optimizer apply it by proximal steps. ``l1_ratio`` is 1 (no L2
    part), so ``l1_strength`` is ``alpha``.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`. Validated when used.
    groups : list of lists of int, default=None
        Groups of row indices (inputs of the layer), each row in at most one
        group; rows in none are groups of one. ``None``: every row is its own
        group. A grouped penalty needs a 2-D weight matrix with more rows than
        its largest index (give it to the first layer only: ``penalty=
        [GroupL1(alpha, groups=...), "l2"]``). Validated when used.

    References
    ----------
    Yuan, M. & Lin, Y. (2006). Model selection and estimation in regression with
    grouped variables. J. R. Stat. Soc. B 68(1), 49-67.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.penalties import GroupL1
    >>> W = np.array([[3.0, 4.0], [0.3, -0.4]])
    >>> GroupL1(alpha=0.5).value(W)
    2.75
    >>> GroupL1(alpha=0.5).prox(W, step=2.0)
    array([[2.4, 3.2],
           [0. , 0. ]])
    >>> W = np.array([[3.0], [4.0], [0.2]])
    >>> GroupL1(alpha=0.5, groups=[[0, 1]]).prox(W, step=2.0).round(4)
    array([[2.1515],
           [2.8686],
           [0.    ]])
    """

    separable = False

    def __init__(self, alpha: float = 1.0, groups: Any = None) -> None:
        self.alpha = alpha
        self.groups = groups

    @property
    def l1_ratio(self) -> float:
        """Always 1."""
        return 1.0

    def _labels(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Each row's group and the group sizes; None without ``groups``."""
        if self.groups is None:
            return None
        if W.ndim != 2:
            raise ValueError(
                "GroupL1 with groups needs a 2-D weight matrix (n_in, n_out); got "
                f"an array of shape {W.shape}."
            )
        return _group_labels(self.groups, W.shape[0])

    def value(self, W: Any) -> float:
        r"""The penalty :math:`\alpha \sum_g \sqrt{p_g} \lVert W_g \rVert_2`.

        Parameters
        ----------
        W : array-like
            A weight array; a 1-D array is one row (without ``groups``).

        Returns
        -------
        value : float
            The penalty.
        """
        W = _as_float(W)
        alpha = self._alpha()
        grouping = self._labels(W)
        if grouping is None:
            return alpha * float(_row_norms(W).sum()) if alpha else 0.0
        label, sizes = grouping
        norms = _grouped_norms(W, label, len(sizes))
        return alpha * float(np.dot(np.sqrt(sizes), norms)) if alpha else 0.0

    def grad(self, W: Any) -> np.ndarray:
        r"""A subgradient: :math:`\alpha \sqrt{p_g} W_g / \lVert W_g \rVert_2`,
        0 on a zero group.

        Parameters
        ----------
        W : array-like
            A weight array.

        Returns
        -------
        grad : ndarray
            A new array of ``W``'s shape and dtype.
        """
        W = _as_float(W)
        alpha = self._alpha()
        grouping = self._labels(W)
        if grouping is None:
            norms = _row_norms(W)
            scale = np.divide(alpha, norms, out=np.zeros_like(norms), where=norms > 0)
            return np.multiply(W, scale)
        label, sizes = grouping
        norms = _grouped_norms(W, label, len(sizes))
        weight = alpha * np.sqrt(sizes)
        scale = np.divide(weight, norms, out=np.zeros_like(norms), where=norms > 0)
        return np.multiply(W, scale[label][:, None].astype(W.dtype))

    def linear_grad_scale(self) -> None:
        """None: the (sub)gradient is not a constant times ``W``.

        Returns
        -------
        scale : None
            Always None.
        """
        return None

    def prox(self, W: Any, step: Any, out: np.ndarray | None = None) -> np.ndarray:
        r"""Block soft-thresholding of each group with threshold
        ``step * alpha * sqrt(p_g)``.

        Parameters
        ----------
        W : array-like
            A weight array.
        step : float or array-like
            Non-negative step, a scalar or per coordinate (then the exact prox in
            the metric of the steps, see :func:`block_soft_threshold`).
        out : ndarray, optional
            Where to write the result (``out=W`` works in place).

        Returns
        -------
        X : ndarray
            :math:`\operatorname{prox}_{s R}(W)`, of ``W``'s shape and dtype.

        Raises
        ------
        ValueError
            If ``step`` is negative, ``alpha`` invalid or ``groups`` malformed.
        """
        W = _as_float(W)
        alpha = self._alpha()
        s = _as_scale(step, W.dtype)
        if not np.all(np.asarray(s) >= 0):
            raise ValueError(f"step must be non-negative, got {step!r}.")
        grouping = self._labels(W)
        if grouping is None:
            return block_soft_threshold(W, np.multiply(s, alpha), out=out)
        label, sizes = grouping
        if out is None:
            out = np.empty_like(W)
        if isinstance(s, float):
            norms = _grouped_norms(W, label, len(sizes))
            threshold = s * alpha * np.sqrt(sizes)
            scale = np.divide(
                threshold, norms, out=np.ones_like(norms), where=norms > 0
            )
            scale = np.maximum(1 - scale, 0)[label][:, None].astype(W.dtype)
            np.multiply(W, scale, out=out)
            return np.add(out, 0.0, out=out)  # a zeroed group's -0.0 become 0.0
        # Per-coordinate steps: each group's block as one padded row of the
        # row-wise exact prox (zero padding adds nothing to a norm).
        t = np.broadcast_to(np.multiply(s, alpha), W.shape).astype(np.float64)
        t = t * np.sqrt(sizes)[label][:, None]
        index = _padded_groups(label, sizes, W.shape[1])
        real = index >= 0
        blocks = np.where(real, W.ravel()[index], 0.0)
        X = _weighted_block_prox(blocks, np.where(real, t.ravel()[index], 0.0))
        flat = np.empty(W.size, dtype=np.float64)
        flat[index[real]] = X[real]
        np.copyto(out, flat.reshape(W.shape))
        return out


REGISTRY = Registry(
    "penalty",
    {
        "none": NoPenalty,
        "l1": L1,
        "l2": L2,
        "elasticnet": ElasticNet,
        "group_l1": GroupL1,
    },
    aliases={
        "l1l2": "elasticnet",
        "elastic_net": "elasticnet",
        "group_lasso": "group_l1",
    },
)

# The lowercase names of 0.1 (``l1(0.1)``) are the classes themselves.
none, l1, l2, elasticnet, group_l1 = NoPenalty, L1, L2, ElasticNet, GroupL1


def get(identifier: Any, alpha: float = 1.0, l1_ratio: float = 0.5) -> Any:
    r"""Resolve a penalty from a name, ``None`` or an instance.

    Parameters
    ----------
    identifier : str, Penalty or None
        A registered name (case-insensitive; see ``REGISTRY.names``):
        %(names)s; ``None``, which means :class:`NoPenalty`; or a penalty
        instance, returned unchanged (it keeps its own ``alpha``).
    alpha : float, default=1.0
        Strength :math:`\alpha`, passed to every penalty that takes it (all but
        ``"none"``).
    l1_ratio : float, default=0.5
        Share of L1, passed to the penalties that take it (``"elasticnet"``).

    Returns
    -------
    penalty : Penalty
        The penalty object.

    Raises
    ------
    ValueError
        If ``identifier`` is an unknown name (the message lists the valid names).

    Examples
    --------
    >>> from skweights.penalties import get
    >>> get("l2", alpha=0.01, l1_ratio=0.3)
    L2(alpha=0.01)
    >>> get("L1L2", alpha=0.01, l1_ratio=0.3)
    ElasticNet(alpha=0.01, l1_ratio=0.3)
    >>> get(None)
    NoPenalty()
    """
    if identifier is None:
        return NoPenalty()
    if isinstance(identifier, str) and identifier in REGISTRY:
        # Each penalty gets those of alpha and l1_ratio its constructor takes.
        factory = REGISTRY.entries[REGISTRY._canonical(identifier)]
        takes = inspect.signature(factory).parameters
        given = {"alpha": alpha, "l1_ratio": l1_ratio}
        return REGISTRY.get(
            identifier, **{key: v for key, v in given.items() if key in takes}
        )
    return REGISTRY.get(identifier)


REGISTRY.document(get)
