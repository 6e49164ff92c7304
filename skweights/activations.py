r"""Hidden-layer activations: ``forward(z)`` and its derivative.

Every activation :math:`a = f(z)` offers three methods, all of which keep the dtype of
their input (float32 stays float32):

- ``forward(z, out=None) -> a`` computes :math:`f(z)`; ``out=z`` works in place, which
  is what the engine does on each hidden layer.
- ``derivative(a, z=None) -> f'(z)`` computes the derivative. A monotone activation
  computes it from the *output* ``a`` alone, as scikit-learn's ``neural_network``
  does (``a`` determines :math:`f'(z)`), so back-propagation needs no
  pre-activations; a non-monotone one (:class:`GELU`, :class:`SiLU`) needs ``z``.
- ``backprop(delta, a, z=None) -> delta`` multiplies ``delta`` in place by the
  derivative (the chain rule of one layer), with as few temporaries as possible.

Two class attributes say what an activation can do, so the engine never names
concrete classes:

- ``derivative_from``: ``"output"`` (the derivative needs only ``a``) or ``"input"``
  (it needs ``z``: the engine then keeps each hidden layer's pre-activations).
- ``piecewise_linear``: True when :math:`f` is linear between finitely many kinks
  (identity, ReLU, leaky ReLU); DeepSHAP's secants then lose no digits.
- ``scalar_forward(v, p)`` and ``scalar_backprop(delta, x, p)``: the activation of
  one number and one back-propagated number (``x`` is ``a``, or ``z`` when
  ``derivative_from == "input"``), static methods from which
  ``skweights._kernels`` generates the training loop's numba kernels (None: the
  loop uses the numpy methods here), with ``scalar_parameter()`` the one number
  ``p`` they need. A subclass that redefines the math loses its parent's scalar
  rules unless it declares its own.

Adding an activation: subclass :class:`Activation`, write ``_forward`` and
``_derivative`` (and ``_backprop`` where a faster form pays), set the two attributes,
optionally write the two scalar rules (for the numba kernels), and register the class
in ``REGISTRY`` below.

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

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from scipy.special import expit, ndtr

from skweights._kernels import forget_scalar_rules
from skweights._registry import Component, Registry
from skweights._validation import as_float as _as_float
from skweights._validation import check_real

__all__ = [
    "REGISTRY",
    "GELU",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Logistic",
    "ReLU",
    "SiLU",
    "Softplus",
    "Tanh",
    "get",
]


class Activation(Component, ABC):
    """Base class of activations; subclasses implement ``_forward`` and friends.

    Subclasses define ``_forward(z, out)`` (``out`` is an array of ``z``'s shape
    and dtype, possibly ``z`` itself), ``_derivative(a, z)`` and, optionally,
    ``_backprop(delta, a, z)``; ``z`` is None unless ``derivative_from == "input"``.

    Attributes
    ----------
    derivative_from : {"output", "input"}
        What the derivative is computed from: the output ``a`` (monotone
        activations) or the pre-activation ``z``.
    piecewise_linear : bool
        Whether the activation is linear between finitely many kinks.
    monotone : bool
        Whether it is non-decreasing (``monotonic_cst`` needs it).
    scalar_forward, scalar_backprop : callable or None
        Its scalar rules, from which ``skweights._kernels`` generates numba
        kernels, or None (the numpy methods only).

    Subclasses that have an ONNX form also define :meth:`onnx_nodes` (used by
    :func:`skweights.to_onnx`).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import Activation, Tanh
    >>> isinstance(Tanh(), Activation)
    True
    """

    derivative_from = "output"
    piecewise_linear = False
    monotone = False
    scalar_forward: Any = None
    scalar_backprop: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        forget_scalar_rules(cls, Activation, _RULES, _SCALAR_RULES)
        # Other math must not inherit its parent's ONNX graph either.
        if "onnx_nodes" not in vars(cls) and any(rule in vars(cls) for rule in _RULES):
            cls.onnx_nodes = Activation.onnx_nodes

    def scalar_parameter(self) -> float:
        """The number ``p`` the scalar rules take (LeakyReLU's slope; 0 otherwise).

        Returns
        -------
        float
            The validated parameter.
        """
        return 0.0

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

    def derivative(self, a: Any, z: Any = None) -> np.ndarray:
        """Derivative :math:`f'(z)` at the output :math:`a = f(z)`.

        Parameters
        ----------
        a : array-like
            The output of :meth:`forward`.
        z : array-like, optional
            The pre-activation; required when ``derivative_from == "input"``,
            ignored otherwise.

        Returns
        -------
        da_dz : ndarray
            A new array of ``a``'s shape and dtype.
        """
        return self._derivative(_as_float(a), self._input(z))

    def backprop(
        self, delta: np.ndarray, a: np.ndarray, z: np.ndarray | None = None
    ) -> np.ndarray:
        """Multiply ``delta`` in place by the derivative at the output ``a``.

        Parameters
        ----------
        delta : ndarray
            Gradient with respect to ``a``; overwritten by the gradient with respect
            to ``z``.
        a : ndarray
            The output of :meth:`forward`, of ``delta``'s shape.
        z : ndarray, optional
            The pre-activation; required when ``derivative_from == "input"``.

        Returns
        -------
        delta : ndarray
            The same array, ``delta * f'(z)``.
        """
        return self._backprop(delta, a, self._input(z))

    def _input(self, z: Any) -> np.ndarray | None:
        """``z`` as a float array when the derivative needs it, else None."""
        if self.derivative_from == "output":
            return None
        if z is None:
            raise ValueError(
                f"{type(self).__name__}'s derivative needs the pre-activation z; "
                "pass z=."
            )
        return _as_float(z)

    # Subclasses implement these two (and may specialize _backprop).
    @abstractmethod
    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The activation of ``z``, written into ``out``."""

    @abstractmethod
    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        """The derivative, from the output ``a`` (or the input ``z``)."""

    def _backprop(
        self, delta: np.ndarray, a: np.ndarray, z: np.ndarray | None
    ) -> np.ndarray:
        delta *= self._derivative(a, z)
        return delta

    def onnx_nodes(self, node: Any, z: str) -> str:
        """Add the ONNX nodes that compute the activation of ``z``.

        Used by :func:`skweights.to_onnx`. This base version raises: an
        activation without an ONNX form cannot be exported.

        Parameters
        ----------
        node : callable
            ``node(op_type, inputs, **attributes)`` adds one ONNX node and returns
            its output's name; numbers among ``inputs`` become constants of the
            model's dtype (``node.dtype``); ``node.erf(x)`` is the error function
            in that dtype.
        z : str
            The name of the pre-activations.

        Returns
        -------
        str
            The name of the activations.

        Raises
        ------
        ValueError
            Always, here: the activation has no ONNX form.
        """
        raise ValueError(
            f"{type(self).__name__} has no ONNX form, so a model using it cannot be "
            "exported to ONNX. Define its onnx_nodes(node, z) method (see "
            "skweights.activations.Activation.onnx_nodes), or use one of the "
            f"registered activations: {', '.join(REGISTRY.names)}."
        )


_RULES = ("forward", "derivative", "backprop", "_forward", "_derivative", "_backprop")
_SCALAR_RULES = ("scalar_forward", "scalar_backprop")


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

    monotone = True
    piecewise_linear = True

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        if out is not z:
            np.copyto(out, z)
        return out

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        return np.ones_like(a)

    def _backprop(
        self, delta: np.ndarray, a: np.ndarray, z: np.ndarray | None
    ) -> np.ndarray:
        return delta

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return v

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        return delta

    def onnx_nodes(self, node: Any, z: str) -> str:
        return z


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

    monotone = True
    piecewise_linear = True

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0, out=out)

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        return (a > 0).astype(a.dtype)

    def _backprop(
        self, delta: np.ndarray, a: np.ndarray, z: np.ndarray | None
    ) -> np.ndarray:
        # Multiplying by the boolean mask is ~8x faster than masked assignment.
        return np.multiply(delta, a > 0, out=delta)

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return v if v > 0 else 0

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        return delta if x > 0 else 0

    def onnx_nodes(self, node: Any, z: str) -> str:
        return node("Relu", [z])


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

    monotone = True
    piecewise_linear = True

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def _validated(self) -> tuple[float]:
        # A Python float never upcasts a float32 array.
        return (check_real("LeakyReLU", "negative_slope", self.negative_slope, 0.0),)

    def scalar_parameter(self) -> float:
        """The validated ``negative_slope``, for the scalar rules.

        Returns
        -------
        float
            The slope.
        """
        return self._validated()[0]

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        (slope,) = self._validated()
        if out is not z:
            np.copyto(out, z)
        np.multiply(out, slope, out=out, where=out < 0)
        return out

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        (slope,) = self._validated()
        d = np.full_like(a, slope)
        d[a > 0] = 1
        return d

    def _backprop(
        self, delta: np.ndarray, a: np.ndarray, z: np.ndarray | None
    ) -> np.ndarray:
        (slope,) = self._validated()
        np.multiply(delta, slope, out=delta, where=a <= 0)
        return delta

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return v if v >= 0 else v * p

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        return delta if x > 0 else delta * p

    def onnx_nodes(self, node: Any, z: str) -> str:
        # Where, not LeakyRelu: its float attribute would round a float64 slope.
        negative = node("Less", [z, 0.0])
        return node("Where", [negative, node("Mul", [z, self._validated()[0]]), z])


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

    monotone = True

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(z, out=out)

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        d = np.multiply(a, a)
        np.subtract(1, d, out=d)
        return d

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return np.tanh(v)

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        return delta * (1 - x * x)

    def onnx_nodes(self, node: Any, z: str) -> str:
        return node("Tanh", [z])


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

    monotone = True

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return expit(z, out=out)

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        d = np.subtract(1, a)
        d *= a
        return d

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return 1 / (1 + np.exp(-v))

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        return delta * ((1 - x) * x)

    def onnx_nodes(self, node: Any, z: str) -> str:
        return node("Sigmoid", [z])


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

    monotone = True

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.logaddexp(0, z, out=out)

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        d = np.negative(a)
        np.expm1(d, out=d)
        np.negative(d, out=d)
        return d

    def _backprop(
        self, delta: np.ndarray, a: np.ndarray, z: np.ndarray | None
    ) -> np.ndarray:
        d = np.negative(a)
        np.expm1(d, out=d)
        delta *= d
        np.negative(delta, out=delta)
        return delta

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return max(v, 0) + np.log1p(np.exp(-abs(v)))

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        return -(delta * np.expm1(-x))

    def onnx_nodes(self, node: Any, z: str) -> str:
        # max(z, 0) + log(1 + exp(-|z|)), as logaddexp(0, z); onnxruntime has no
        # float64 Softplus.
        tail = node("Exp", [node("Neg", [node("Abs", [z])])])
        return node("Add", [node("Relu", [z]), node("Log", [node("Add", [tail, 1.0])])])


class GELU(Activation):
    r"""The Gaussian error linear unit (Hendrycks & Gimpel, 2016), exact form.

    .. math::

        f(z) = z\, \Phi(z), \qquad f'(z) = \Phi(z) + z\, \varphi(z),

    with :math:`\Phi` and :math:`\varphi` the standard normal distribution and
    density (the exact form, as PyTorch's default; not the tanh approximation).
    GELU is not monotone (it dips to about -0.17 near :math:`z = -0.75`), so its
    derivative is computed from the pre-activation ``z``
    (``derivative_from = "input"``): the engine keeps each hidden layer's ``z``,
    which costs one extra copy per layer and batch.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import GELU
    >>> z = np.array([-1.0, 0.0, 1.0])
    >>> a = GELU().forward(z)
    >>> a.round(4)
    array([-0.1587,  0.    ,  0.8413])
    >>> GELU().derivative(a, z).round(4)
    array([-0.0833,  0.5   ,  1.0833])
    """

    derivative_from = "input"

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        cdf = ndtr(z)
        return np.multiply(z, cdf, out=out)

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        # z * pdf(z), with pdf(z) = exp(-z^2 / 2) / sqrt(2 pi)
        d = np.multiply(z, z)
        d *= -0.5
        np.exp(d, out=d)
        d *= z
        d *= 1.0 / np.sqrt(2.0 * np.pi)
        d += ndtr(z)
        return d

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return v * (0.5 * math.erfc(-v * 0.7071067811865476))

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        cdf = 0.5 * math.erfc(-x * 0.7071067811865476)
        return delta * (np.exp(-0.5 * x * x) * x * 0.3989422804014327 + cdf)

    def onnx_nodes(self, node: Any, z: str) -> str:
        # z * Phi(z) = z / 2 * (1 + erf(z / sqrt(2)))
        erf = node.erf(node("Mul", [z, float(1.0 / np.sqrt(2.0))]))
        return node("Mul", [node("Mul", [z, 0.5]), node("Add", [erf, 1.0])])


class SiLU(Activation):
    r"""The sigmoid linear unit, also called swish (Elfwing et al., 2018).

    .. math::

        f(z) = z\, \sigma(z), \qquad
        f'(z) = \sigma(z) \bigl(1 + z (1 - \sigma(z))\bigr),

    with :math:`\sigma` the logistic sigmoid (:func:`scipy.special.expit`, stable
    for large :math:`|z|`). SiLU is not monotone (its minimum is about -0.28 at
    :math:`z \approx -1.28`), so its derivative is computed from the pre-activation
    ``z`` (``derivative_from = "input"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.activations import SiLU
    >>> z = np.array([-1.0, 0.0, 1.0])
    >>> a = SiLU().forward(z)
    >>> a.round(4)
    array([-0.2689,  0.    ,  0.7311])
    >>> SiLU().derivative(a, z).round(4)
    array([0.0723, 0.5   , 0.9277])
    """

    derivative_from = "input"

    def _forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        sigma = expit(z)
        return np.multiply(z, sigma, out=out)

    def _derivative(self, a: np.ndarray, z: np.ndarray | None) -> np.ndarray:
        sigma = expit(z)
        d = np.subtract(1, sigma)
        d *= z
        d += 1
        d *= sigma
        return d

    @staticmethod
    def scalar_forward(v, p):  # pragma: no mutate block
        return v * (1 / (1 + np.exp(-v)))

    @staticmethod
    def scalar_backprop(delta, x, p):  # pragma: no mutate block
        sigma = 1 / (1 + np.exp(-x))
        return delta * (((1 - sigma) * x + 1) * sigma)

    def onnx_nodes(self, node: Any, z: str) -> str:
        return node("Mul", [z, node("Sigmoid", [z])])


REGISTRY = Registry(
    "activation",
    {
        "identity": Identity,
        "relu": ReLU,
        "leaky_relu": LeakyReLU,
        "tanh": Tanh,
        "logistic": Logistic,
        "softplus": Softplus,
        "gelu": GELU,
        "silu": SiLU,
    },
    aliases={"sigmoid": "logistic", "linear": "identity", "swish": "silu"},
)


def get(identifier: Any, **kwargs: Any) -> Any:
    """Resolve an activation from a name, a class, an instance or a callable.

    Parameters
    ----------
    identifier : str, Activation subclass, instance or callable
        A registered name (case-insensitive; see ``REGISTRY.names``): %(names)s;
        a :class:`Activation` subclass (built with ``kwargs``); or an instance,
        returned unchanged.
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
    return REGISTRY.get(identifier, **kwargs)


REGISTRY.document(get)
