r"""Hidden-layer activations: ``forward(z)`` and the derivative from the output.

Every activation :math:`a = f(z)` offers three methods, all of which keep the dtype of
their input (float32 stays float32):

- ``forward(z, out=None) -> a`` computes :math:`f(z)`; ``out=z`` works in place, which
  is what the engine does on each hidden layer.
- ``derivative(a) -> f'(z)`` computes the derivative from the *output* ``a`` alone, as
  scikit-learn's ``neural_network`` does, so back-propagation never needs the
  pre-activations: every activation here is monotone, so ``a`` determines
  :math:`f'(z)`.
- ``backprop(delta, a) -> delta`` multiplies ``delta`` in place by the derivative (the
  chain rule of one layer), with as few temporaries as possible.

:func:`get` resolves a name (case-insensitive; ``"sigmoid"`` and ``"linear"`` are
aliases), a class, an instance or a callable.

Examples
--------
>>> import numpy as np
>>> from skweights import activations
>>> act = activations.get("relu")
>>> z = np.array([[-1.0, 0.5]])
>>> a = act.forward(z)
>>> a
array([[0. , 0.5]])
>>> act.backprop(np.array([[3.0, 3.0]]), a)
array([[0., 3.]])
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from scipy.special import expit

from skweights._registry import Component, Registry

__all__ = [
    "REGISTRY",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Logistic",
    "ReLU",
    "Softplus",
    "Tanh",
    "get",
]


def _as_float(z: Any) -> np.ndarray:
    """``z`` as an ndarray of a floating dtype (float arrays are kept as they are)."""
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    return z


class Activation(Component, ABC):
    """Base class of activations; subclasses implement ``_forward`` and friends.

    Subclasses define ``_forward(z, out)`` (``out`` is an array of ``z``'s shape
    and dtype, possibly ``z`` itself), ``_derivative(a)`` and ``_backprop(delta, a)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import Activation, Tanh
    >>> isinstance(Tanh(), Activation)
    True
    """

    def forward(self, z: Any, out: np.ndarray | None = None) -> np.ndarray:
        """Apply the activation to ``z``.

        Parameters
        ----------
        z : array-like
            The pre-activations.
        out : ndarray, optional
            Where to write the result; ``out=z`` works in place. By default a new array.

        Returns
        -------
        a : ndarray
            The activations, of ``z``'s shape and dtype (``out`` when given).
        """
        z = _as_float(z)
        if out is None:
            out = np.empty_like(z)
        return self._forward(z, out)

    def derivative(self, a: Any) -> np.ndarray:
        """Derivative :math:`f'(z)` computed from the output :math:`a = f(z)`.

        Parameters
        ----------
        a : array-like
            The output of :meth:`forward`.

        Returns
        -------
        da_dz : ndarray
            A new array of ``a``'s shape and dtype.
        """
        return self._derivative(_as_float(a))

    def backprop(self, delta: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Multiply ``delta`` in place by the derivative at the output ``a``.

        Parameters
        ----------
        delta : ndarray
            Gradient with respect to ``a``; overwritten by the gradient with respect
            to ``z``.
        a : ndarray
            The output of :meth:`forward`, of ``delta``'s shape.

        Returns
        -------
        delta : ndarray
            The same array, ``delta * f'(z)``.
        """
        return self._backprop(delta, a)

    # Subclasses implement these two (and may specialize _backprop).
    @abstractmethod
    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The activation of ``z``, written into ``out``."""

    @abstractmethod
    def _derivative(self, a: np.ndarray) -> np.ndarray:
        """The derivative, from the activation's output ``a``."""

    def _backprop(self, delta: np.ndarray, a: np.ndarray) -> np.ndarray:
        delta *= self._derivative(a)
        return delta


class Identity(Activation):
    r"""The identity, :math:`f(z) = z` (a linear layer).

    .. math::

        f(z) = z, \qquad f'(z) = 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import Identity
    >>> Identity().forward(np.array([-2.0, 3.0]))
    array([-2.,  3.])
    >>> Identity().derivative(np.array([-2.0, 3.0]))
    array([1., 1.])
    """

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        if out is not z:
            np.copyto(out, z)
        return out

    def _derivative(self, a: np.ndarray) -> np.ndarray:
        return np.ones_like(a)

    def _backprop(self, delta: np.ndarray, a: np.ndarray) -> np.ndarray:
        return delta


class ReLU(Activation):
    r"""The rectified linear unit.

    .. math::

        f(z) = \max(z, 0), \qquad f'(z) = \mathbb{1}[a > 0].

    The derivative at the kink :math:`z = 0` is taken as 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import ReLU
    >>> a = ReLU().forward(np.array([-2.0, 0.0, 3.0]))
    >>> a
    array([0., 0., 3.])
    >>> ReLU().derivative(a)
    array([0., 0., 1.])
    """

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0, out=out)

    def _derivative(self, a: np.ndarray) -> np.ndarray:
        return (a > 0).astype(a.dtype)

    def _backprop(self, delta: np.ndarray, a: np.ndarray) -> np.ndarray:
        # Multiplying by the boolean mask is ~8x faster than masked assignment.
        return np.multiply(delta, a > 0, out=delta)


class LeakyReLU(Activation):
    r"""The leaky rectified linear unit.

    .. math::

        f(z) = \begin{cases} z & z > 0 \\ s\, z & z \le 0 \end{cases},
        \qquad f'(z) = \begin{cases} 1 & a > 0 \\ s & a \le 0 \end{cases}

    with :math:`s` = ``negative_slope`` (Maas et al., 2013, "Rectifier
    nonlinearities improve neural network acoustic models").

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope :math:`s \ge 0` for negative inputs (it must be non-negative so that the
        output's sign tells the input's, which the derivative from the output needs).
        Validated when used.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import LeakyReLU
    >>> act = LeakyReLU(negative_slope=0.1)
    >>> a = act.forward(np.array([-2.0, 3.0]))
    >>> a
    array([-0.2,  3. ])
    >>> act.derivative(a)
    array([0.1, 1. ])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def _slope(self) -> float:
        s = self.negative_slope
        if (
            not isinstance(s, numbers.Real)
            or isinstance(s, bool)
            or not np.isfinite(s)
            or s < 0
        ):
            raise ValueError(
                "LeakyReLU: negative_slope must be a finite real number >= 0, "
                f"got {s!r}."
            )
        return float(s)  # a Python float never upcasts a float32 array

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        slope = self._slope()
        if out is not z:
            np.copyto(out, z)
        np.multiply(out, slope, out=out, where=out < 0)
        return out

    def _derivative(self, a: np.ndarray) -> np.ndarray:
        slope = self._slope()
        d = np.full_like(a, slope)
        d[a > 0] = 1
        return d

    def _backprop(self, delta: np.ndarray, a: np.ndarray) -> np.ndarray:
        slope = self._slope()
        np.multiply(delta, slope, out=delta, where=a <= 0)
        return delta


class Tanh(Activation):
    r"""The hyperbolic tangent.

    .. math::

        f(z) = \tanh z, \qquad f'(z) = 1 - a^2.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import Tanh
    >>> a = Tanh().forward(np.array([0.0, 1.0]))
    >>> a.round(4)
    array([0.    , 0.7616])
    >>> Tanh().derivative(a).round(4)
    array([1.  , 0.42])
    """

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(z, out=out)

    def _derivative(self, a: np.ndarray) -> np.ndarray:
        d = np.multiply(a, a)
        np.subtract(1, d, out=d)
        return d


class Logistic(Activation):
    r"""The logistic sigmoid, computed stably by :func:`scipy.special.expit`.

    .. math::

        f(z) = \frac{1}{1 + e^{-z}}, \qquad f'(z) = a (1 - a).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import Logistic
    >>> a = Logistic().forward(np.array([-1000.0, 0.0, 1000.0]))
    >>> a
    array([0. , 0.5, 1. ])
    >>> Logistic().derivative(a)
    array([0.  , 0.25, 0.  ])
    """

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return expit(z, out=out)

    def _derivative(self, a: np.ndarray) -> np.ndarray:
        d = np.subtract(1, a)
        d *= a
        return d


class Softplus(Activation):
    r"""The softplus, a smooth ReLU, computed stably as ``logaddexp(0, z)``.

    .. math::

        f(z) = \log(1 + e^{z}), \qquad
        f'(z) = \frac{1}{1 + e^{-z}} = 1 - e^{-a} = -\operatorname{expm1}(-a).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import Softplus
    >>> a = Softplus().forward(np.array([-1000.0, 0.0, 1000.0]))
    >>> a[1].round(4), a[2]
    (np.float64(0.6931), np.float64(1000.0))
    >>> Softplus().derivative(a)
    array([0. , 0.5, 1. ])
    """

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.logaddexp(0, z, out=out)

    def _derivative(self, a: np.ndarray) -> np.ndarray:
        d = np.negative(a)
        np.expm1(d, out=d)
        np.negative(d, out=d)
        return d

    def _backprop(self, delta: np.ndarray, a: np.ndarray) -> np.ndarray:
        d = np.negative(a)
        np.expm1(d, out=d)
        delta *= d
        np.negative(delta, out=delta)
        return delta


REGISTRY = Registry(
    "activation",
    {
        "identity": Identity,
        "relu": ReLU,
        "leaky_relu": LeakyReLU,
        "tanh": Tanh,
        "logistic": Logistic,
        "softplus": Softplus,
    },
    aliases={"sigmoid": "logistic", "linear": "identity"},
)


def get(identifier: Any, **kwargs: Any) -> Any:
    """Resolve an activation from a name, a class, an instance or a callable.

    Parameters
    ----------
    identifier : str, Activation subclass, instance or callable
        A registered name (case-insensitive; see ``REGISTRY.names``): ``"identity"``
        (alias ``"linear"``), ``"relu"``, ``"leaky_relu"``, ``"tanh"``, ``"logistic"``
        (alias ``"sigmoid"``), ``"softplus"``; a :class:`Activation` subclass (built
        with ``kwargs``); or an instance, returned unchanged.
    **kwargs : dict
        Constructor arguments, e.g. ``get("leaky_relu", negative_slope=0.2)``.

    Returns
    -------
    activation : Activation
        The activation object.

    Raises
    ------
    ValueError
        If ``identifier`` is an unknown name (the message lists the valid names) or
        ``None``.

    Examples
    --------
    >>> from skweights.activations import get
    >>> get("Sigmoid")
    Logistic()
    >>> get("leaky_relu", negative_slope=0.2)
    LeakyReLU(negative_slope=0.2)
    """
    if isinstance(identifier, type) and issubclass(identifier, Activation):
        return identifier(**kwargs)
    return REGISTRY.get(identifier, **kwargs)
