r"""Weight constraints: projections applied after every optimizer step.

A constraint maps a weight matrix ``W`` (layout ``(n_in, n_out)``, never a bias) to
the nearest matrix of an allowed set, as Keras' ``kernel_constraint``:

- :class:`MaxNorm`: each unit's incoming weights (a column, ``axis=0``) have a
  norm at most ``max_value`` (Srivastava et al., 2014, with dropout);
- :class:`UnitNorm`: each column has norm 1;
- :class:`NonNeg`: every weight is ``>= 0``;
- :class:`MinMaxNorm`: each column's norm lies in ``[min_value, max_value]``
  (moved there at ``rate``).

The estimators take ``constraint=`` (one for every layer, or a list with one per
layer, ``None`` for none) and apply it after each minibatch step, after the
penalty's proximal step: the step is ``W <- C(prox(W - s g))``. Full-batch
solvers (L-BFGS, FISTA, coordinate descent, the direct solve) do not project their
iterates and refuse a constraint.

Every constraint is a :class:`Constraint` with ``__call__(W) -> ndarray`` (a new
array of ``W``'s shape and dtype; float32 stays float32) and ``project(W,
out=None)`` (``out=W`` works in place). The norm constraints are the exact
Euclidean projections onto their sets: unlike Keras, no ``1e-7`` is added to the
norms, so a column inside the ball is left exactly as it is and ``MaxNorm(c)``
holds to the last bit. A zero column has no direction: :class:`UnitNorm` and
:class:`MinMaxNorm` leave it at zero.

Examples
--------
>>> import numpy as np
>>> from skweights import constraints
>>> W = np.array([[3.0, 0.3], [4.0, -0.4]])
>>> constraints.get("max_norm", max_value=2.0)(W)  # the first column had norm 5
array([[ 1.2,  0.3],
       [ 1.6, -0.4]])
>>> constraints.get("non_neg")(W)
array([[3. , 0.3],
       [4. , 0. ]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skweights._registry import Component, Registry
from skweights._validation import as_float as _as_float
from skweights._validation import check_real

__all__ = [
    "REGISTRY",
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "get",
]


def _check_axis(owner: str, axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (an int or a sequence of ints) as a tuple of valid axes of ``W``."""
    axes = [axis] if np.ndim(axis) == 0 else list(axis)
    ok = len(axes) > 0 and all(
        isinstance(a, (int, np.integer))
        and not isinstance(a, bool)
        and -ndim <= a < ndim
        for a in axes
    )
    if not ok:
        raise ValueError(
            f"{owner}: axis must be an integer (or a list of them) in [{-ndim}, "
            f"{ndim}) for a {ndim}-D weight array; got {axis!r}. axis=0 constrains "
            "each unit's incoming weights (a column of the (n_in, n_out) matrix)."
        )
    return tuple(int(a) % ndim for a in axes)


def _norms(W: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Euclidean norms over ``axes``, kept as broadcastable dimensions."""
    return np.sqrt(np.sum(np.square(W), axis=axes, keepdims=True))


class Constraint(Component):
    """Base class of weight constraints: a projection of the weight matrix.

    Subclasses implement ``_project(W)`` on a floating array and return a new
    array; ``__call__`` and :meth:`project` validate and keep the dtype.

    Examples
    --------
    >>> from skweights.constraints import Constraint, NonNeg
    >>> isinstance(NonNeg(), Constraint)
    True
    """

    def __call__(self, W: Any) -> np.ndarray:
        """The projected weights, a new array.

        Parameters
        ----------
        W : array-like
            A weight array (never a bias).

        Returns
        -------
        X : ndarray
            The projection of ``W`` onto the constraint's set, of ``W``'s shape
            and dtype.
        """
        return self.project(W)

    def project(self, W: Any, out: np.ndarray | None = None) -> np.ndarray:
        """The projected weights, written to ``out`` (``out=W``: in place).

        Parameters
        ----------
        W : array-like
            A weight array.
        out : ndarray, optional
            Where to write the result. By default a new array.

        Returns
        -------
        X : ndarray
            The projection, of ``W``'s shape and dtype.
        """
        W = _as_float(W)
        X = self._project(W).astype(W.dtype, copy=False)
        if out is None:
            return X
        np.copyto(out, X)
        return out

    def _validated(self) -> tuple:
        """The checked hyper-parameters (none here)."""
        return ()

    def _project(self, W: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class MaxNorm(Constraint):
    r"""Each unit's incoming weights have a Euclidean norm at most ``max_value``.

    .. math::

        W_{:, k} \leftarrow W_{:, k} \min\Bigl(1, \frac{c}{\lVert W_{:, k}
        \rVert_2}\Bigr),

    the projection onto the ball of radius :math:`c` for each column (``axis=0``;
    norms over the other axes with another ``axis``). Srivastava et al. (2014)
    pair it with dropout: large learning rates without exploding weights.

    Parameters
    ----------
    max_value : float, default=2
        The largest norm, :math:`c > 0`.
    axis : int or list of int, default=0
        The axes the norm runs over: 0 is each column (a unit's incoming weights,
        Keras' default for a ``Dense`` kernel), 1 each row (an input's outgoing
        weights).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.constraints import MaxNorm
    >>> MaxNorm(1.0)(np.array([[3.0, 0.3], [4.0, 0.4]]))
    array([[0.6, 0.3],
           [0.8, 0.4]])
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def _validated(self) -> tuple[float]:
        return (check_real("MaxNorm", "max_value", self.max_value, 0.0, low_open=True),)

    def _project(self, W: np.ndarray) -> np.ndarray:
        (c,) = self._validated()
        norms = _norms(W, _check_axis("MaxNorm", self.axis, W.ndim))
        scale = np.divide(c, norms, out=np.ones_like(norms), where=norms > c)
        return W * scale


class UnitNorm(Constraint):
    r"""Each unit's incoming weights have Euclidean norm 1.

    :math:`W_{:, k} \leftarrow W_{:, k} / \lVert W_{:, k} \rVert_2`; a zero column
    (no direction to keep) stays zero.

    Parameters
    ----------
    axis : int or list of int, default=0
        The axes the norm runs over (see :class:`MaxNorm`).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.constraints import UnitNorm
    >>> UnitNorm()(np.array([[3.0, 0.0], [4.0, 0.0]]))
    array([[0.6, 0. ],
           [0.8, 0. ]])
    """

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def _project(self, W: np.ndarray) -> np.ndarray:
        norms = _norms(W, _check_axis("UnitNorm", self.axis, W.ndim))
        return np.divide(W, norms, out=np.zeros_like(W), where=norms > 0)


class NonNeg(Constraint):
    """Every weight is non-negative: :math:`W \\leftarrow \\max(W, 0)`.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.constraints import NonNeg
    >>> NonNeg()(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    def _project(self, W: np.ndarray) -> np.ndarray:
        return np.maximum(W, 0) + 0.0  # + 0.0 turns -0.0 into 0.0


class MinMaxNorm(Constraint):
    r"""Each unit's incoming weights have a norm in ``[min_value, max_value]``.

    With :math:`n_k = \lVert W_{:, k} \rVert_2` and :math:`r` = ``rate``,

    .. math::

        W_{:, k} \leftarrow W_{:, k} \,
        \frac{r \operatorname{clip}(n_k, m, M) + (1 - r)\, n_k}{n_k},

    as Keras: ``rate=1`` enforces the interval at every step, a smaller rate moves
    the norms part of the way. A zero column stays zero.

    Parameters
    ----------
    min_value : float, default=0.0
        The smallest norm :math:`m \ge 0`.
    max_value : float, default=1.0
        The largest norm :math:`M \ge m`.
    rate : float in (0, 1], default=1.0
        How far each step moves a norm towards the interval.
    axis : int or list of int, default=0
        The axes the norm runs over (see :class:`MaxNorm`).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.constraints import MinMaxNorm
    >>> MinMaxNorm(1.0, 2.0)(np.array([[0.3, 3.0], [0.4, 4.0]]))
    array([[0.6, 1.2],
           [0.8, 1.6]])
    """

    def __init__(
        self,
        min_value: float = 0.0,
        max_value: float = 1.0,
        rate: float = 1.0,
        axis: Any = 0,
    ) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def _validated(self) -> tuple[float, float, float]:
        low = check_real("MinMaxNorm", "min_value", self.min_value, 0.0)
        high = check_real("MinMaxNorm", "max_value", self.max_value, low)
        rate = check_real("MinMaxNorm", "rate", self.rate, 0.0, 1.0, low_open=True)
        return low, high, rate

    def _project(self, W: np.ndarray) -> np.ndarray:
        low, high, rate = self._validated()
        norms = _norms(W, _check_axis("MinMaxNorm", self.axis, W.ndim))
        desired = rate * np.clip(norms, low, high) + (1 - rate) * norms
        scale = np.divide(desired, norms, out=np.ones_like(norms), where=norms > 0)
        return W * scale


REGISTRY = Registry(
    "constraint",
    {
        "max_norm": MaxNorm,
        "unit_norm": UnitNorm,
        "non_neg": NonNeg,
        "min_max_norm": MinMaxNorm,
    },
    aliases={
        "maxnorm": "max_norm",
        "unitnorm": "unit_norm",
        "nonneg": "non_neg",
        "minmaxnorm": "min_max_norm",
    },
)


def get(identifier: Any, **kwargs: Any) -> Any:
    """Resolve a constraint from a name, a class or an instance.

    Parameters
    ----------
    identifier : str, Constraint subclass, Constraint or callable
        A registered name (case-insensitive; see ``REGISTRY.names``):
        %(names)s; a :class:`Constraint` subclass (built with ``kwargs``); or an
        instance or a callable ``W -> W``, returned unchanged.
    **kwargs : dict
        Constructor arguments (``max_value``, ``axis``...).

    Returns
    -------
    constraint : Constraint or callable
        The constraint.

    Raises
    ------
    ValueError
        If ``identifier`` is an unknown name (the message lists the valid names)
        or ``None``.

    Examples
    --------
    >>> from skweights.constraints import get
    >>> get("MaxNorm", max_value=3.0)
    MaxNorm(axis=0, max_value=3.0)
    """
    return REGISTRY.get(identifier, **kwargs)


REGISTRY.document(get)


class _RowSigns:
    """Rows ``j`` with ``signs[j] = 1`` made ``>= 0``, ``-1`` made ``<= 0`` (the
    first layer of a model with ``monotonic_cst``); rows with 0 are free."""

    def __init__(self, signs: np.ndarray) -> None:
        self.signs = np.asarray(signs)

    def __call__(self, W: Any) -> np.ndarray:
        W = _as_float(W)
        signs = self.signs.astype(W.dtype)[:, None]
        bound = np.maximum(W * signs, 0) * signs + 0.0
        return np.where(signs != 0, bound, W)


class _Then:
    """``second(first(W))``: a user constraint, then the monotone signs."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def __call__(self, W: Any) -> np.ndarray:
        return self.second(self.first(W))


def _monotone(constraint: Any, signs: Any) -> Any:
    """``constraint`` (or None) followed by a sign projection."""
    return signs if constraint is None else _Then(constraint, signs)
