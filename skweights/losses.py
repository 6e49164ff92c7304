r"""Losses on the raw (pre-link) output of a network.

A loss takes the targets ``y`` and the network's *raw* output ``raw`` (regression
values, margins or logits), both 2-D of shape ``(n_samples, n_outputs)``, and applies
the output link itself. Computing the loss from the raw output keeps it finite and
accurate for any margin (``raw = +-1000`` included), and the gradient of each loss
paired with its link is simply ``predict(raw) - y``.

Every loss has:

- ``pointwise(y, raw) -> (n,)``: the loss :math:`\ell_i` of each sample;
- ``gradient(y, raw) -> (n, k)``: :math:`\partial \ell_i / \partial \text{raw}_i`;
- ``value(y, raw, sample_weight=None) -> float``: the weighted mean
  :math:`L = \sum_i w_i \ell_i / \sum_i w_i`;
- ``weighted_gradient(y, raw, sample_weight=None) -> (n, k)``: :math:`\partial L /
  \partial \text{raw}`, that is :math:`w_i / \sum_j w_j \cdot \partial \ell_i /
  \partial \text{raw}_i`;
- ``predict(raw)``: the inverse link, from the raw output to the response
  (identity, logistic, softmax or exp);
- ``output_activation``: the name of that inverse link (scikit-learn's
  ``out_activation_``: ``"exp"`` for the log link of Poisson and Gamma);
- ``smooth``: whether the loss is continuously differentiable in ``raw``. Solvers
  that rely on exact gradients and line searches (L-BFGS, FISTA) refuse a
  non-smooth loss (absolute error, quantile); minibatch optimizers follow its
  subgradient;
- ``linear_slopes()``: ``(a, b)`` when the loss is piecewise linear in the residual
  (absolute error, quantile), else None. A linear model with such a loss and an L1
  penalty (or none) is a linear program, solved exactly by ``optimizer="lp"``, and
  ``initial_intercept(Y, sample_weight)`` starts the output intercepts of every
  other fit at the loss's best constant (the weighted quantile of ``y``);
- ``check_targets(y)``: raises a ``ValueError`` for targets outside the loss's
  domain (negative counts for Poisson, non-positive values for Gamma);
- ``scalar_loss(v, y, p) -> (loss, gradient)`` of one raw output and target, with
  ``scalar_total(sum, p)`` the sample's loss from the sum of those (the sum itself
  by default), or a row-wise ``row_loss`` (the softmax): static methods from which
  ``skweights._kernels`` generates the training loop's numba kernel (None: the loop
  uses the numpy methods), with ``scalar_parameter()`` the one number ``p`` they
  need (Huber's ``epsilon``, the quantile). A subclass that redefines the math
  loses its parent's scalar rules unless it declares its own.

Regression losses follow scikit-learn's definitions (``sklearn._loss``): the
Poisson and Gamma losses are *half* deviances, zero at a perfect fit, so the
objective of ``LinearRegressor(loss="poisson", penalty="l2", alpha=a)`` is that of
``PoissonRegressor(alpha=a)``.

All arrays keep the dtype of ``raw`` (float32 stays float32): ``y`` and
``sample_weight`` are cast to it.

Examples
--------
>>> import numpy as np
>>> from skweights import losses
>>> loss = losses.get("log_loss")
>>> y, raw = np.array([[1.0], [0.0]]), np.array([[0.0], [0.0]])
>>> round(loss.value(y, raw), 6)
0.693147
>>> loss.gradient(y, raw)
array([[-0.5],
       [ 0.5]])
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from scipy.special import expit, xlogy

from skweights._kernels import forget_scalar_rules
from skweights._registry import Component, Registry
from skweights._validation import check_real

__all__ = [
    "REGISTRY",
    "AbsoluteError",
    "BinaryLogLoss",
    "GammaLoss",
    "HuberLoss",
    "Loss",
    "MultinomialLogLoss",
    "PoissonLoss",
    "QuantileLoss",
    "SquaredError",
    "TweedieLoss",
    "get",
]


def _row_sum(a: np.ndarray) -> np.ndarray:
    """Sum of each row.

    A matrix-vector product is much faster than numpy's row reduction on the tall,
    narrow arrays of network outputs.
    """
    return a @ np.ones(a.shape[1], dtype=a.dtype)


def _row_max(a: np.ndarray) -> np.ndarray:
    """Maximum of each row, as a column.

    Column-wise passes beat numpy's row reduction for the few columns of an output
    layer.
    """
    if a.shape[1] > 32:
        return a.max(axis=1, keepdims=True)
    m = a[:, :1].copy()
    for j in range(1, a.shape[1]):
        np.maximum(m, a[:, j : j + 1], out=m)
    return m


def _prepare(y: Any, raw: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(y, raw)`` as 2-D arrays of ``raw``'s floating dtype, or ``ValueError``."""
    raw = np.asarray(raw)
    if raw.dtype.kind != "f":
        raw = raw.astype(np.float64)
    y = np.asarray(y, dtype=raw.dtype)
    if raw.ndim != 2 or y.shape != raw.shape:
        raise ValueError(
            "y and raw must be 2-D arrays of the same shape (n_samples, n_outputs); "
            f"got y.shape={y.shape} and raw.shape={raw.shape}."
        )
    return y, raw


def _normalized_weights(
    sample_weight: Any, n_samples: int, dtype: np.dtype
) -> np.ndarray | None:
    """``w / sum(w)`` in ``dtype``, or ``None`` for uniform weights."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=dtype)
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), got {w.shape}."
        )
    total = w.sum()
    if not total > 0:
        raise ValueError(
            f"sample_weight must have a positive sum, got sum={float(total)!r}."
        )
    return w / total


def _weighted_quantile(Y: Any, level: float, sample_weight: Any = None) -> np.ndarray:
    """The weighted ``level``-quantile of each column of ``Y``.

    The smallest value ``c`` whose weight at or below it reaches ``level`` of the
    total: a minimizer of the weighted pinball loss of the constant ``c`` (the
    lower median for ``level=0.5`` and an even split).

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_outputs)
        Values.
    level : float in (0, 1)
        The quantile.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights with a positive sum; uniform by default.

    Returns
    -------
    quantiles : ndarray of shape (n_outputs,)
        In ``Y``'s floating dtype (float64 for integers).

    Examples
    --------
    >>> _weighted_quantile([[1.0], [2.0], [10.0]], 0.5)
    array([2.])
    >>> _weighted_quantile([[1.0], [2.0], [10.0]], 0.5, [1.0, 1.0, 5.0])
    array([10.])
    """
    Y = np.asarray(Y)
    if Y.dtype.kind != "f":
        Y = Y.astype(np.float64)
    w = _normalized_weights(sample_weight, Y.shape[0], np.float64)
    w = np.full(Y.shape[0], 1.0 / Y.shape[0]) if w is None else w
    out = np.empty(Y.shape[1], dtype=Y.dtype)
    for k, column in enumerate(Y.T):
        order = np.argsort(column, kind="stable")
        reached = np.cumsum(w[order]) >= level * (1 - 1e-12)
        out[k] = column[order[np.argmax(reached)]]
    return out


class Loss(Component, ABC):
    r"""Base class of losses: the weighted mean and its gradient.

    Subclasses implement ``_pointwise(y, raw)``, ``_gradient(y, raw)`` and
    ``_predict(raw)`` on validated arrays of one floating dtype, and set the class
    attribute ``output_activation``.

    .. math::

        L(\text{raw}) = \frac{\sum_i w_i\, \ell(y_i, \text{raw}_i)}{\sum_i w_i}

    Examples
    --------
    >>> from skweights.losses import Loss, SquaredError
    >>> isinstance(SquaredError(), Loss)
    True
    """

    #: Name of the output link applied by :meth:`predict`.
    output_activation: str = ""

    #: Whether the loss is continuously differentiable in the raw output. Solvers
    #: with line searches (L-BFGS, FISTA) need it; subgradient steps do not.
    smooth: bool = True

    #: ``scalar_loss(v, y, p) -> (loss, gradient)`` of one element (a static
    #: method), from which ``skweights._kernels`` generates a numba kernel; None:
    #: the numpy methods only.
    scalar_loss: Any = None
    #: ``row_loss(row, b, y, s, p, bias_grad) -> loss`` of one sample, for a loss
    #: whose elements depend on each other (the softmax), or None. It adds ``b`` to
    #: ``row``, writes ``s`` times the gradient there and adds it to ``bias_grad``.
    row_loss: Any = None

    @staticmethod
    def scalar_total(total, p):  # pragma: no mutate block
        """A sample's loss from the sum of its elements' ``scalar_loss`` (that sum).

        Parameters
        ----------
        total : float
            The sum of the first values returned by ``scalar_loss`` over a row.
        p : float
            The loss's :meth:`scalar_parameter`.

        Returns
        -------
        float
            The sample's loss.
        """
        return total

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rules = (
            "pointwise",
            "gradient",
            "pointwise_and_gradient",
            "_pointwise",
            "_gradient",
            "_pointwise_and_gradient",
        )
        forget_scalar_rules(
            cls, Loss, rules, ("scalar_loss", "scalar_total", "row_loss")
        )
        # Another loss's math is no longer the linear program of its parent.
        if "linear_slopes" not in vars(cls) and any(r in vars(cls) for r in rules):
            cls.linear_slopes = Loss.linear_slopes

    def linear_slopes(self) -> tuple[float, float] | None:
        r"""The two slopes of a piecewise-linear loss, or None.

        A loss that is, for each output, :math:`a \max(r, 0) + b \max(-r, 0)` of
        the residual :math:`r = y - \text{raw}` (quantile, absolute error) returns
        ``(a, b)``: a linear model with such a loss and an L1 penalty (or none) is a
        linear program, which ``optimizer="lp"`` solves exactly. Other losses
        return None, and so does a subclass that redefines the loss's math without
        redefining this method.

        Returns
        -------
        slopes : tuple of float or None
            ``(a, b)``, both non-negative, or None.
        """
        return None

    def initial_intercept(self, Y: Any, sample_weight: Any = None) -> Any:
        """The output intercepts training starts from: None for zeros.

        A piecewise-linear loss starts at its best constant, the weighted
        ``a / (a + b)`` quantile of each target column (see :meth:`linear_slopes`):
        subgradient steps move each weight by about the learning rate, too little
        to travel from 0 to the scale of ``y``. The other losses return None.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_outputs)
            Training targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights with a positive sum; uniform by default.

        Returns
        -------
        intercepts : ndarray of shape (n_outputs,) or None
            In ``Y``'s floating dtype.
        """
        slopes = self.linear_slopes()
        if slopes is None:
            return None
        a, b = slopes
        return _weighted_quantile(Y, a / (a + b), sample_weight)

    def scalar_parameter(self) -> float:
        """The number ``p`` the scalar rules take (0 for losses without a parameter).

        Returns
        -------
        float
            The validated parameter.
        """
        return 0.0

    def check_targets(self, y: Any) -> None:
        """Raise a ``ValueError`` if ``y`` lies outside the loss's domain.

        Parameters
        ----------
        y : array-like of shape (n_samples, n_outputs)
            Targets.

        Raises
        ------
        ValueError
            If some target is outside the domain (the base class accepts any
            finite value; Poisson needs ``y >= 0``, Gamma ``y > 0``).

        Examples
        --------
        >>> from skweights.losses import PoissonLoss
        >>> PoissonLoss().check_targets([[0.0], [3.0]])  # counts: fine
        """

    def pointwise(self, y: Any, raw: Any) -> np.ndarray:
        """Loss of each sample.

        Parameters
        ----------
        y : array-like of shape (n_samples, n_outputs)
            Targets (one-hot or a 0/1 column for classification).
        raw : array-like of shape (n_samples, n_outputs)
            Raw (pre-link) network output.

        Returns
        -------
        loss : ndarray of shape (n_samples,)
            :math:`\\ell_i`, in ``raw``'s dtype.
        """
        y, raw = _prepare(y, raw)
        return self._pointwise(y, raw)

    def gradient(self, y: Any, raw: Any) -> np.ndarray:
        """Per-sample gradient of the loss with respect to the raw output.

        Parameters
        ----------
        y : array-like of shape (n_samples, n_outputs)
            Targets.
        raw : array-like of shape (n_samples, n_outputs)
            Raw network output.

        Returns
        -------
        grad : ndarray of shape (n_samples, n_outputs)
            A new array, :math:`\\partial \\ell_i / \\partial \\text{raw}_i`.
        """
        y, raw = _prepare(y, raw)
        return self._gradient(y, raw)

    def pointwise_and_gradient(self, y: Any, raw: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample losses and gradients together, sharing their common work.

        The training loop needs both for every batch; the log-losses compute their
        link (softmax, logistic) once for the two.

        Parameters
        ----------
        y : array-like of shape (n_samples, n_outputs)
            Targets.
        raw : array-like of shape (n_samples, n_outputs)
            Raw network output.

        Returns
        -------
        loss : ndarray of shape (n_samples,)
            As :meth:`pointwise`.
        grad : ndarray of shape (n_samples, n_outputs)
            As :meth:`gradient`.

        Examples
        --------
        >>> import numpy as np
        >>> from skweights.losses import SquaredError
        >>> loss, grad = SquaredError().pointwise_and_gradient([[1.0]], [[3.0]])
        >>> loss, grad
        (array([2.]), array([[2.]]))
        """
        y, raw = _prepare(y, raw)
        return self._pointwise_and_gradient(y, raw)

    def _pointwise_and_gradient(
        self, y: np.ndarray, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._pointwise(y, raw), self._gradient(y, raw)

    def value(self, y: Any, raw: Any, sample_weight: Any = None) -> float:
        """Weighted mean loss :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`.

        Parameters
        ----------
        y : array-like of shape (n_samples, n_outputs)
            Targets.
        raw : array-like of shape (n_samples, n_outputs)
            Raw network output.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights with a positive sum; uniform by default.

        Returns
        -------
        loss : float
            The weighted mean loss.
        """
        y, raw = _prepare(y, raw)
        losses = self._pointwise(y, raw)
        w = _normalized_weights(sample_weight, raw.shape[0], raw.dtype)
        if w is None:
            return float(losses.mean())
        return float(np.dot(w, losses))

    def weighted_gradient(
        self, y: Any, raw: Any, sample_weight: Any = None
    ) -> np.ndarray:
        """Gradient of :meth:`value` with respect to the raw output.

        Parameters
        ----------
        y : array-like of shape (n_samples, n_outputs)
            Targets.
        raw : array-like of shape (n_samples, n_outputs)
            Raw network output.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights with a positive sum; uniform by default.

        Returns
        -------
        grad : ndarray of shape (n_samples, n_outputs)
            :math:`w_i / \\sum_j w_j \\cdot \\partial \\ell_i / \\partial
            \\text{raw}_i`.
        """
        y, raw = _prepare(y, raw)
        grad = self._gradient(y, raw)
        w = _normalized_weights(sample_weight, raw.shape[0], raw.dtype)
        if w is None:
            grad /= raw.shape[0]
        else:
            grad *= w[:, None]
        return grad

    def predict(self, raw: Any) -> np.ndarray:
        """Apply the output link to the raw output.

        Parameters
        ----------
        raw : array-like of shape (n_samples, n_outputs)
            Raw network output.

        Returns
        -------
        pred : ndarray of shape (n_samples, n_outputs)
            A new array: predictions (regression) or probabilities (classification).
        """
        raw = np.asarray(raw)
        if raw.dtype.kind != "f":
            raw = raw.astype(np.float64)
        return self._predict(raw)

    @abstractmethod
    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """Per-sample losses on validated arrays."""

    @abstractmethod
    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """Per-sample gradients with respect to ``raw``, on validated arrays."""

    @abstractmethod
    def _predict(self, raw: np.ndarray) -> np.ndarray:
        """The output link applied to ``raw``."""


class SquaredError(Loss):
    r"""Half the squared error, with the identity link (regression).

    .. math::

        \ell_i = \frac{1}{2} \sum_k (y_{ik} - \text{raw}_{ik})^2, \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}} = \text{raw}_{ik} - y_{ik}.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import SquaredError
    >>> y, raw = np.array([[1.0, 0.0], [2.0, 2.0]]), np.array([[3.0, 0.0], [2.0, 1.0]])
    >>> SquaredError().pointwise(y, raw)
    array([2. , 0.5])
    >>> SquaredError().value(y, raw, sample_weight=[1.0, 3.0])
    0.875
    >>> SquaredError().gradient(y, raw)
    array([[ 2.,  0.],
           [ 0., -1.]])
    """

    output_activation = "identity"
    #: Least squares: linear models can use the direct and coordinate-descent solvers.
    quadratic = True

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        residual = np.subtract(raw, y)
        residual *= residual
        out = _row_sum(residual)
        out *= 0.5
        return out

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return np.subtract(raw, y)

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        r = v - y
        return r * r, r

    @staticmethod
    def scalar_total(total, p):  # pragma: no mutate block
        return 0.5 * total

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return raw.copy()


class BinaryLogLoss(Loss):
    r"""Binary cross-entropy on the margin, with the logistic link.

    ``y`` is one column of 0/1 labels (several columns are independent binary
    problems whose losses are summed per sample).

    .. math::

        \ell_i = \log(1 + e^{\text{raw}_i}) - y_i\, \text{raw}_i, \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_i} = \sigma(\text{raw}_i) - y_i,

    with :math:`\sigma` the logistic sigmoid. The loss is computed as
    :math:`\max(r, 0) - y r + \log(1 + e^{-|r|})`, which is accurate and finite for
    any margin :math:`r`.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import BinaryLogLoss
    >>> y, raw = np.array([[1.0], [0.0]]), np.array([[1000.0], [1000.0]])
    >>> BinaryLogLoss().pointwise(y, raw)
    array([   0., 1000.])
    >>> BinaryLogLoss().predict(np.array([[0.0]]))
    array([[0.5]])
    """

    output_activation = "logistic"

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        # max(r, 0) - y r + log1p(exp(-|r|))
        out = np.abs(raw)
        np.negative(out, out=out)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        out += np.maximum(raw, 0)
        out -= np.multiply(y, raw)
        return _row_sum(out)

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        grad = expit(raw)
        grad -= y
        return grad

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        loss = max(v, 0) - y * v + np.log1p(np.exp(-abs(v)))
        return loss, 1 / (1 + np.exp(-v)) - y

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return expit(raw)


def _softmax(raw: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``raw`` in a new array, stable by max subtraction."""
    out = raw - _row_max(raw)
    np.exp(out, out=out)
    out /= _row_sum(out)[:, None]
    return out


class MultinomialLogLoss(Loss):
    r"""Categorical cross-entropy on the logits, with the softmax link.

    ``y`` is one-hot of shape ``(n_samples, n_classes)`` (rows of class
    probabilities, e.g. smoothed labels, work too).

    .. math::

        \ell_i = \log \sum_k e^{\text{raw}_{ik}} - \sum_k y_{ik}\, \text{raw}_{ik},
        \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}}
        = \operatorname{softmax}(\text{raw}_i)_k - y_{ik}.

    The log-sum-exp and the softmax subtract the row maximum :math:`m_i` first, and
    the loss is evaluated as :math:`\log \sum_k e^{\text{raw}_{ik} - m_i} - \sum_k
    y_{ik} (\text{raw}_{ik} - m_i) + m_i (1 - \sum_k y_{ik})`, exact in infinite
    precision and accurate for one-hot rows, whatever the size of the logits.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import MultinomialLogLoss
    >>> y = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> raw = np.array([[1000.0, -1000.0], [1000.0, -1000.0]])
    >>> MultinomialLogLoss().pointwise(y, raw)
    array([   0., 2000.])
    >>> MultinomialLogLoss().predict(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """

    output_activation = "softmax"

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        m = _row_max(raw)
        shifted = raw - m
        out = _row_sum(np.multiply(y, shifted))
        np.exp(shifted, out=shifted)
        lse = np.log(_row_sum(shifted))
        lse -= out
        mass = _row_sum(y)
        np.subtract(1, mass, out=mass)
        mass *= m[:, 0]
        lse += mass
        return lse

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        grad = _softmax(raw)
        grad -= y
        return grad

    def _pointwise_and_gradient(
        self, y: np.ndarray, raw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # One exponential serves both: softmax = exp(shifted) / sum(exp(shifted)).
        m = _row_max(raw)
        grad = raw - m
        loss = _row_sum(np.multiply(y, grad))
        np.exp(grad, out=grad)
        total = _row_sum(grad)[:, None]
        np.subtract(np.log(total[:, 0]), loss, out=loss)
        mass = _row_sum(y)
        np.subtract(1, mass, out=mass)
        mass *= m[:, 0]
        loss += mass
        grad /= total
        grad -= y
        return loss, grad

    @staticmethod
    def row_loss(row, b, y, s, p, bias_grad):  # pragma: no mutate block
        top = row[0] + b[0]
        for j in range(row.shape[0]):
            row[j] += b[j]
            top = max(top, row[j])
        dot, mass, norm = 0.0, 0.0, 0.0
        for j in range(row.shape[0]):
            shifted = row[j] - top
            dot += y[j] * shifted
            mass += y[j]
            e = np.exp(shifted)
            row[j] = e
            norm += e
        for j in range(row.shape[0]):
            d = (row[j] / norm - y[j]) * s
            row[j] = d
            bias_grad[j] += d
        return np.log(norm) - dot + top * (1 - mass)

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return _softmax(raw)


def _check_domain(owner: str, y: Any, *, strict: bool) -> None:
    """``ValueError`` unless every target is ``> 0`` (strict) or ``>= 0``."""
    y = np.asarray(y, dtype=np.float64)
    bad = ~(y > 0) if strict else ~(y >= 0)
    if bad.any():
        bound = "> 0" if strict else ">= 0"
        raise ValueError(
            f"{owner} needs targets {bound}, but y has {int(bad.sum())} value(s) "
            f"outside that range (smallest: {float(np.nanmin(y))!r}). Use "
            "loss='squared_error' or 'huber' for such targets, or shift them."
        )


class PoissonLoss(Loss):
    r"""Half the Poisson deviance, with the log link (counts, rates).

    As scikit-learn's ``HalfPoissonLoss`` with its constant, so the loss is zero
    at a perfect fit; :math:`\mu = e^{\text{raw}}` is the predicted mean and
    ``predict`` returns it:

    .. math::

        \ell_i = \sum_k e^{\text{raw}_{ik}} - y_{ik}\, \text{raw}_{ik}
        + y_{ik} \log y_{ik} - y_{ik}, \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}}
        = e^{\text{raw}_{ik}} - y_{ik}.

    Targets must be non-negative. ``LinearRegressor(loss="poisson",
    penalty="l2", alpha=a)`` minimizes the objective of scikit-learn's
    ``PoissonRegressor(alpha=a)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import PoissonLoss
    >>> y, raw = np.array([[2.0], [0.0]]), np.log(np.array([[2.0], [1.0]]))
    >>> PoissonLoss().pointwise(y, raw)  # zero at a perfect fit
    array([0., 1.])
    >>> PoissonLoss().predict(raw)
    array([[2.],
           [1.]])
    """

    output_activation = "exp"

    def check_targets(self, y: Any) -> None:
        _check_domain("loss='poisson'", y, strict=False)

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        out = np.exp(raw)
        out -= np.multiply(y, raw)
        out += xlogy(y, y).astype(raw.dtype, copy=False)
        out -= y
        return _row_sum(out)

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        grad = np.exp(raw)
        grad -= y
        return grad

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        mu = np.exp(v)
        entropy = y * np.log(y) if y != 0 else 0.0
        return mu - y * v + entropy - y, mu - y

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return np.exp(raw)


class GammaLoss(Loss):
    r"""Half the Gamma deviance, with the log link (positive, skewed targets).

    As scikit-learn's ``HalfGammaLoss`` with its constant (zero at a perfect
    fit), :math:`\mu = e^{\text{raw}}`:

    .. math::

        \ell_i = \sum_k \text{raw}_{ik} + y_{ik} e^{-\text{raw}_{ik}}
        - \log y_{ik} - 1, \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}}
        = 1 - y_{ik} e^{-\text{raw}_{ik}}.

    Targets must be positive. With ``penalty="l2", alpha=a`` and no hidden layer
    this is scikit-learn's ``GammaRegressor(alpha=a)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import GammaLoss
    >>> y, raw = np.array([[2.0]]), np.log(np.array([[2.0]]))
    >>> GammaLoss().pointwise(y, raw)
    array([0.])
    """

    output_activation = "exp"

    def check_targets(self, y: Any) -> None:
        _check_domain("loss='gamma'", y, strict=True)

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        out = np.exp(-raw)
        out *= y
        out += raw
        out -= np.log(y)
        out -= 1
        return _row_sum(out)

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        grad = np.exp(-raw)
        grad *= y
        np.subtract(1, grad, out=grad)
        return grad

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        ratio = y * np.exp(-v)
        return ratio + v - np.log(y) - 1, 1 - ratio

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return np.exp(raw)


def _check_power(power: Any) -> float:
    """The validated Tweedie power: 0 or a real number >= 1."""
    ok = isinstance(power, (int, float, np.number)) and not isinstance(power, bool)
    ok = ok and np.isfinite(power) and (power == 0 or power >= 1)
    if not ok:
        raise ValueError(
            f"TweedieLoss: power must be 0 or a real number >= 1 (1 is Poisson, "
            f"2 is Gamma); got {power!r}."
        )
    return float(power)


class TweedieLoss(Loss):
    r"""Half the Tweedie deviance of power ``p``, with the log link.

    As scikit-learn's ``HalfTweedieLoss`` with its constant, so the loss is zero
    at a perfect fit; :math:`\mu = e^{\text{raw}}` is the predicted mean and
    ``predict`` returns it. For :math:`p \notin \{0, 1, 2\}`:

    .. math::

        \ell_i = \sum_k \frac{\max(y_{ik}, 0)^{2-p}}{(1-p)(2-p)}
        - \frac{y_{ik}\, \mu_{ik}^{1-p}}{1-p} + \frac{\mu_{ik}^{2-p}}{2-p},
        \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}}
        = \mu_{ik}^{2-p} - y_{ik}\, \mu_{ik}^{1-p}.

    The limits are taken at the integers: :math:`p = 0` is half the squared
    error :math:`(\mu - y)^2 / 2` with a log link (any real targets), :math:`p = 1`
    is :class:`PoissonLoss` (targets ``>= 0``), :math:`p = 2` is
    :class:`GammaLoss` (targets ``> 0``); :math:`1 < p < 2` (compound
    Poisson-Gamma: claims with exact zeros) needs ``y >= 0``, :math:`p > 2`
    needs ``y > 0``. ``LinearRegressor(loss=TweedieLoss(power=p), alpha=a)``
    minimizes the objective of scikit-learn's ``TweedieRegressor(power=p,
    alpha=a, link="log")``.

    Parameters
    ----------
    power : float, default=0.0
        The power :math:`p` of the variance function
        :math:`\operatorname{Var}(y) \propto \mu^p`: 0 or a real number ``>= 1``
        (scikit-learn's default, 0, is the normal distribution).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import TweedieLoss
    >>> y, raw = np.array([[2.0], [0.0]]), np.log(np.array([[2.0], [1.0]]))
    >>> loss = TweedieLoss(power=1.5).pointwise(y, raw)
    >>> bool(abs(loss[0]) < 1e-12), float(loss[1])  # zero at a perfect fit
    (True, 2.0)
    >>> TweedieLoss(power=1.5).predict(raw)
    array([[2.],
           [1.]])
    """

    output_activation = "exp"

    def __init__(self, power: float = 0.0) -> None:
        self.power = power

    def _validated(self) -> tuple[float]:
        return (_check_power(self.power),)

    def scalar_parameter(self) -> float:
        """The validated ``power``, for the scalar rule.

        Returns
        -------
        float
            The power.
        """
        return self._validated()[0]

    def check_targets(self, y: Any) -> None:
        (p,) = self._validated()
        if p >= 1:
            _check_domain(f"TweedieLoss(power={self.power!r})", y, strict=p >= 2)

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        (p,) = self._validated()
        if p == 0:
            out = np.exp(raw)
            out -= y
            out *= out
            out *= 0.5
        elif p == 1:
            out = np.exp(raw)
            out -= np.multiply(y, raw)
            out += xlogy(y, y).astype(raw.dtype, copy=False)
            out -= y
        elif p == 2:
            out = np.exp(-raw)
            out *= y
            out += raw
            out -= np.log(y)
            out -= 1
        else:
            out = np.exp((2 - p) * raw)
            out /= 2 - p
            out -= y * np.exp((1 - p) * raw) / (1 - p)
            top = np.maximum(y, 0) ** (2 - p) / ((1 - p) * (2 - p))
            out += top.astype(raw.dtype, copy=False)
        return _row_sum(out)

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        (p,) = self._validated()
        if p == 1:
            grad = np.exp(raw)
            grad -= y
            return grad
        # mu^(1-p) (mu - y), one exponential for both powers of mu
        low = np.exp((1 - p) * raw)
        grad = np.exp(raw)
        grad -= y
        grad *= low
        return grad

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        # The integer powers are the limits of the general formula.
        mu = np.exp(v)
        if p == 0:
            loss = 0.5 * (mu - y) * (mu - y)
        elif p == 1:
            entropy = y * np.log(y) if y != 0 else 0.0
            loss = mu - y * v + entropy - y
        elif p == 2:
            loss = y * np.exp(-v) + v - np.log(y) - 1
        else:
            top = max(y, 0.0) ** (2 - p) / ((1 - p) * (2 - p))
            low = np.exp((1 - p) * v)
            loss = np.exp((2 - p) * v) / (2 - p) - y * low / (1 - p) + top
        return loss, np.exp((1 - p) * v) * (mu - y)

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return np.exp(raw)


class HuberLoss(Loss):
    r"""Huber loss with a fixed threshold ``epsilon``, identity link.

    Quadratic for small residuals :math:`r = \text{raw} - y`, linear beyond
    ``epsilon`` (in the units of ``y``), continuously differentiable:

    .. math::

        \ell_i = \sum_k h(r_{ik}), \quad
        h(r) = \begin{cases} r^2 / 2 & |r| \le \epsilon \\
        \epsilon |r| - \epsilon^2 / 2 & |r| > \epsilon \end{cases}, \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}}
        = \operatorname{clip}(r_{ik}, -\epsilon, \epsilon).

    Parameters
    ----------
    epsilon : float > 0, default=1.0
        Residual size where the loss turns from quadratic to linear.

    Notes
    -----
    scikit-learn's ``HuberRegressor`` also estimates a scale :math:`\sigma` and
    applies ``epsilon`` to :math:`r / \sigma`; its objective is
    :math:`\sum_i \sigma + \sigma H_\epsilon(r_i / \sigma) + \alpha \|w\|^2`
    with :math:`H_\epsilon = 2 h_\epsilon`. At a fixed :math:`\sigma` its
    coefficients minimize ours with ``epsilon = epsilon_H * sigma`` and
    ``alpha = alpha_H * sigma / n_samples`` (``penalty="l2"``); the two
    objectives differ whenever :math:`\sigma` is free, so skweights' Huber
    threshold is not scale-invariant.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import HuberLoss
    >>> HuberLoss(epsilon=1.0).pointwise([[0.0], [0.0]], [[0.5], [3.0]])
    array([0.125, 2.5  ])
    """

    output_activation = "identity"

    def __init__(self, epsilon: float = 1.0) -> None:
        self.epsilon = epsilon

    def _validated(self) -> tuple[float]:
        return (check_real("HuberLoss", "epsilon", self.epsilon, 0.0, low_open=True),)

    def scalar_parameter(self) -> float:
        """The validated ``epsilon``, for the scalar rule.

        Returns
        -------
        float
            The threshold.
        """
        return self._validated()[0]

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        (eps,) = self._validated()
        r = np.abs(raw - y)
        out = np.where(r <= eps, 0.5 * r * r, eps * r - 0.5 * eps * eps)
        return _row_sum(out.astype(raw.dtype, copy=False))

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        (eps,) = self._validated()
        grad = np.subtract(raw, y)
        np.clip(grad, -eps, eps, out=grad)
        return grad

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        r = v - y
        size = abs(r)
        loss = 0.5 * size * size if size <= p else p * size - 0.5 * p * p
        return loss, min(max(r, -p), p)

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return raw.copy()


class QuantileLoss(Loss):
    r"""Pinball loss of the ``quantile``-th conditional quantile, identity link.

    As scikit-learn's ``PinballLoss`` (``QuantileRegressor``'s objective):

    .. math::

        \ell_i = \sum_k \begin{cases} q\, (y_{ik} - \text{raw}_{ik}) &
        y_{ik} \ge \text{raw}_{ik} \\ (1 - q)\, (\text{raw}_{ik} - y_{ik}) &
        \text{otherwise} \end{cases}

    with the subgradient :math:`-q` or :math:`1 - q`. The loss is not
    differentiable at zero residual (``smooth = False``): minibatch optimizers
    (``"sgd"``, ``"adam"``...) follow its subgradient, L-BFGS and FISTA refuse it.
    It is piecewise linear (:meth:`linear_slopes`), so a linear model with an L1
    penalty or none is a linear program: ``LinearRegressor``'s default solver for
    it, ``optimizer="lp"``, returns ``QuantileRegressor``'s exact solution.

    Parameters
    ----------
    quantile : float in (0, 1), default=0.5
        The quantile predicted; 0.5 is the median (half the absolute error).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import QuantileLoss
    >>> QuantileLoss(quantile=0.9).pointwise([[1.0], [1.0]], [[0.0], [2.0]])
    array([0.9, 0.1])
    """

    output_activation = "identity"
    smooth = False

    def __init__(self, quantile: float = 0.5) -> None:
        self.quantile = quantile

    def _validated(self) -> tuple[float]:
        return (
            check_real(
                "QuantileLoss",
                "quantile",
                self.quantile,
                0.0,
                1.0,
                low_open=True,
                high_open=True,
            ),
        )

    def scalar_parameter(self) -> float:
        """The validated ``quantile``, for the scalar rule.

        Returns
        -------
        float
            The quantile.
        """
        return self._validated()[0]

    def linear_slopes(self) -> tuple[float, float]:
        """``(quantile, 1 - quantile)``: the pinball loss is piecewise linear.

        Returns
        -------
        slopes : tuple of float
            The slopes for under- and over-prediction.
        """
        (q,) = self._validated()
        return q, 1.0 - q

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        (q,) = self._validated()
        r = np.subtract(y, raw)
        out = np.where(r >= 0, q * r, (q - 1) * r)
        return _row_sum(out.astype(raw.dtype, copy=False))

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        (q,) = self._validated()
        return np.where(y > raw, -q, 1 - q).astype(raw.dtype)

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        r = y - v
        return p * r if r >= 0 else (p - 1) * r, -p if r > 0 else 1 - p

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return raw.copy()


class AbsoluteError(Loss):
    r"""Absolute error, identity link (median regression).

    .. math::

        \ell_i = \sum_k |y_{ik} - \text{raw}_{ik}|, \qquad
        \frac{\partial \ell_i}{\partial \text{raw}_{ik}}
        = \operatorname{sign}(\text{raw}_{ik} - y_{ik}),

    as scikit-learn's ``AbsoluteError`` (twice ``QuantileLoss(0.5)``). Not
    differentiable at zero residual (``smooth = False``): minibatch optimizers
    follow its subgradient (0 at zero), L-BFGS and FISTA refuse it. Piecewise
    linear (:meth:`linear_slopes`): ``optimizer="lp"`` solves linear models with
    an L1 penalty or none exactly (``LinearRegressor``'s default for it).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.losses import AbsoluteError
    >>> AbsoluteError().pointwise([[1.0], [1.0]], [[0.0], [3.0]])
    array([1., 2.])
    """

    output_activation = "identity"
    smooth = False

    def linear_slopes(self) -> tuple[float, float]:
        """``(1, 1)``: the absolute error is piecewise linear.

        Returns
        -------
        slopes : tuple of float
            The slopes for under- and over-prediction.
        """
        return 1.0, 1.0

    def _pointwise(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return _row_sum(np.abs(raw - y))

    def _gradient(self, y: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return np.sign(raw - y)

    @staticmethod
    def scalar_loss(v, y, p):  # pragma: no mutate block
        r = v - y
        return abs(r), np.sign(r)

    def _predict(self, raw: np.ndarray) -> np.ndarray:
        return raw.copy()


REGISTRY = Registry(
    "loss",
    {
        "squared_error": SquaredError,
        "log_loss": BinaryLogLoss,
        "multinomial_log_loss": MultinomialLogLoss,
        "poisson": PoissonLoss,
        "gamma": GammaLoss,
        "tweedie": TweedieLoss,
        "huber": HuberLoss,
        "absolute_error": AbsoluteError,
        "quantile": QuantileLoss,
    },
    aliases={
        "binary_log_loss": "log_loss",
        "categorical_crossentropy": "multinomial_log_loss",
        "mean_absolute_error": "absolute_error",
        "pinball": "quantile",
    },
)


def get(identifier: Any, **kwargs: Any) -> Any:
    """Resolve a loss from a name, a class or an instance.

    Parameters
    ----------
    identifier : str, Loss subclass or instance
        A registered name (case-insensitive; see ``REGISTRY.names``): %(names)s;
        a :class:`Loss` subclass (built with ``kwargs``); or an instance,
        returned unchanged.
    **kwargs : dict
        Constructor arguments: ``power`` for ``"tweedie"``, ``epsilon`` for
        ``"huber"``, ``quantile`` for ``"quantile"`` (the other built-in losses
        take none).

    Returns
    -------
    loss : Loss
        The loss object.

    Raises
    ------
    ValueError
        If ``identifier`` is an unknown name (the message lists the valid names) or
        ``None``.

    Examples
    --------
    >>> from skweights.losses import get
    >>> get("categorical_crossentropy")
    MultinomialLogLoss()
    >>> get("log_loss").output_activation
    'logistic'
    """
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier(**kwargs)
    return REGISTRY.get(identifier, **kwargs)


REGISTRY.document(get)
