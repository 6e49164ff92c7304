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
    "NoPenalty",
    "NonNegative",
    "Penalty",
    "elasticnet",
    "get",
    "l1",
    "l2",
    "none",
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


def _check_alpha(owner: str, alpha: Any) -> float:
    return check_real(owner, "alpha", alpha, 0.0)


def _check_l1_ratio(owner: str, l1_ratio: Any) -> float:
    return check_real(owner, "l1_ratio", l1_ratio, 0.0, 1.0)


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

    @property
    def l1_strength(self) -> float:
        r"""The L1 coefficient :math:`\lambda_1 = \alpha \rho` (validated)."""
        name = type(self).__name__
        return _check_alpha(name, self.alpha) * _check_l1_ratio(name, self.l1_ratio)

    @property
    def l2_strength(self) -> float:
        r"""The L2 coefficient :math:`\lambda_2 = \alpha (1 - \rho)` (validated)."""
        name = type(self).__name__
        return _check_alpha(name, self.alpha) * (
            1.0 - _check_l1_ratio(name, self.l1_ratio)
        )

    @property
    def smooth(self) -> bool:
        """Whether the penalty is differentiable: True when it has no L1 part."""
        return _check_l1_ratio(type(self).__name__, self.l1_ratio) == 0.0

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


def none() -> NoPenalty:
    r"""No penalty, :math:`R(W) = 0`.

    Returns
    -------
    penalty : NoPenalty
        The penalty.

    Examples
    --------
    >>> from skweights.penalties import none
    >>> none()
    NoPenalty()
    """
    return NoPenalty()


def l1(alpha: float = 1.0) -> L1:
    r"""The L1 penalty :math:`\alpha \lVert W \rVert_1`.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`.

    Returns
    -------
    penalty : L1
        The penalty.

    Examples
    --------
    >>> from skweights.penalties import l1
    >>> l1(0.1)
    L1(alpha=0.1)
    """
    return L1(alpha=alpha)


def l2(alpha: float = 1.0) -> L2:
    r"""The L2 penalty :math:`\frac{\alpha}{2} \lVert W \rVert_2^2`.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`.

    Returns
    -------
    penalty : L2
        The penalty.

    Examples
    --------
    >>> from skweights.penalties import l2
    >>> l2(0.1)
    L2(alpha=0.1)
    """
    return L2(alpha=alpha)


def elasticnet(alpha: float = 1.0, l1_ratio: float = 0.5) -> ElasticNet:
    r"""The elastic net :math:`\alpha (\rho \lVert W \rVert_1 + \frac{1 - \rho}{2}
    \lVert W \rVert_2^2)`.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, :math:`\ge 0`.
    l1_ratio : float, default=0.5
        Share :math:`\rho \in [0, 1]` of L1.

    Returns
    -------
    penalty : ElasticNet
        The penalty.

    Examples
    --------
    >>> from skweights.penalties import elasticnet
    >>> elasticnet(0.1, l1_ratio=0.7)
    ElasticNet(alpha=0.1, l1_ratio=0.7)
    """
    return ElasticNet(alpha=alpha, l1_ratio=l1_ratio)


class NonNegative(Penalty):
    r"""A penalty restricted to non-negative weights (``positive=True``).

    :math:`R_+(W) = R(W) + \iota_{W \geq 0}(W)`, with :math:`\iota` the indicator
    (0 on the constraint set, :math:`+\infty` outside). Its proximal operator is
    the base one followed by the projection on :math:`W \geq 0`,

    .. math::

        \operatorname{prox}_{s R_+}(W) = \max(\operatorname{prox}_{s R}(W), 0),

    (exact for the elastic net, whose prox is monotone and odd), so every proximal
    optimizer takes a projected step. Never smooth; ``positive`` tells the solvers
    that bound the weights instead (L-BFGS-B, coordinate descent, NNLS).

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
        r"""The base penalty's prox, then the projection on non-negative weights.

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
            :math:`\max(\operatorname{prox}_{s R}(W), 0)`.
        """
        out = self.penalty.prox(W, step, out=out)
        return np.maximum(out, 0, out=out)


REGISTRY = Registry(
    "penalty",
    {"none": none, "l1": l1, "l2": l2, "elasticnet": elasticnet},
    aliases={"l1l2": "elasticnet", "elastic_net": "elasticnet"},
)


def get(identifier: Any, alpha: float = 1.0, l1_ratio: float = 0.5) -> Any:
    r"""Resolve a penalty from a name, ``None`` or an instance.

    Parameters
    ----------
    identifier : str, Penalty or None
        A registered name (case-insensitive; see ``REGISTRY.names``): ``"none"``,
        ``"l1"``, ``"l2"``, ``"elasticnet"`` (aliases ``"l1l2"``,
        ``"elastic_net"``); ``None``, which means :class:`NoPenalty`; or a penalty
        instance, returned unchanged (it keeps its own ``alpha``).
    alpha : float, default=1.0
        Strength :math:`\alpha`, passed to ``l1``, ``l2`` and ``elasticnet``.
    l1_ratio : float, default=0.5
        Share of L1, passed to ``elasticnet`` only.

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
        key = identifier.lower()
        key = REGISTRY.aliases.get(key, key)
        if key == "none":
            return REGISTRY.get(identifier)
        if key == "elasticnet":
            return REGISTRY.get(identifier, alpha=alpha, l1_ratio=l1_ratio)
        return REGISTRY.get(identifier, alpha=alpha)
    return REGISTRY.get(identifier)
