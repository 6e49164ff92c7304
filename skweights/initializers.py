"""Weight initializers: ``init(shape, rng, dtype) -> ndarray``.

Every initializer is a callable ``init(shape, rng, dtype=np.float64)`` that returns a
new array of ``shape`` and ``dtype``. The random generator ``rng`` (a
:class:`numpy.random.Generator`) is always an argument: initializers never hold a
seed or a generator, so the same generator state always gives the same array, and
random values are drawn in float64 before the cast, so a float32 array is the float64
array of the same seed, rounded.

Fans follow scikit-learn's ``coefs_`` layout. For a 2-D shape ``(n_in, n_out)``,
``fan_in = n_in`` and ``fan_out = n_out``; for a 1-D shape ``(n,)`` both are ``n``;
for more dimensions the receptive field ``prod(shape[:-2])`` multiplies both, as in
jax: ``fan_in = shape[-2] * rf`` and ``fan_out = shape[-1] * rf``.

One class, :class:`VarianceScaling`, does the random schemes of Glorot, He and LeCun;
the lowercase presets (:func:`glorot_uniform`, :func:`he_normal`, ...) are one-line
specialisations that say which of its arguments they fix, as ``jax.nn.initializers``.
:func:`get` resolves a name (case-insensitive, aliases allowed), an instance or a
callable with the ``(shape, rng, dtype)`` signature.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from skweights._registry import Component, Registry
from skweights._validation import check_real

__all__ = [
    "Initializer",
    "REGISTRY",
    "Constant",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "VarianceScaling",
    "Zeros",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
]

#: Standard deviation of a standard normal truncated to [-2, 2]; dividing by it
#: makes the truncated normal's variance exactly the requested one (as jax).
_TRUNCATED_STDDEV = 0.87962566103423978

_MODES = ("fan_avg", "fan_in", "fan_out")
_DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")

Shape = Sequence[int] | int


# --------------------------------------------------------------------------- helpers
def _as_shape(shape: Shape) -> tuple[int, ...]:
    """Return ``shape`` as a tuple of non-negative ints, or raise ``ValueError``."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except TypeError as exc:
        raise ValueError(
            f"shape must be a tuple of non-negative ints, got {shape!r}."
        ) from exc
    if any(d < 0 for d in dims):
        raise ValueError(f"shape must be a tuple of non-negative ints, got {shape!r}.")
    return dims


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}."
        )
    return rng


def _float_dtype(dtype: Any) -> np.dtype:
    """Return ``np.dtype(dtype)``; random initializers need a floating dtype."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(
            f"A random initializer needs a floating dtype, got dtype={dt.name!r}."
        )
    return dt


def _compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight array of ``shape``.

    ``()`` gives ``(1, 1)``; ``(n,)`` gives ``(n, n)``; ``(n_in, n_out)`` gives
    ``(n_in, n_out)``; more dimensions multiply both by ``prod(shape[:-2])``.
    """
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


# --------------------------------------------------------------------------- classes
class Initializer(Component, ABC):
    """Base class of initializers: a callable ``init(shape, rng, dtype) -> ndarray``.

    A subclass stores its constructor arguments, checks them in ``_validated()``
    when called, and draws with the generator it is given (never its own).
    Any callable with that signature is accepted wherever an initializer is.

    Examples
    --------
    >>> from skweights.initializers import Initializer, Zeros, glorot_uniform
    >>> isinstance(Zeros(), Initializer), isinstance(glorot_uniform(), Initializer)
    (True, True)
    """

    def _validated(self) -> tuple:
        return ()

    @abstractmethod
    def __call__(
        self, shape: Shape, rng: np.random.Generator, dtype: Any = np.float64
    ) -> np.ndarray:
        """Return a new array of ``shape`` and ``dtype``.

        Parameters
        ----------
        shape : tuple of int
            The shape of the weight array.
        rng : numpy.random.Generator
            The source of randomness.
        dtype : data-type, default=np.float64
            A floating dtype of the result.

        Returns
        -------
        W : ndarray of shape ``shape``
            The weights.
        """


class VarianceScaling(Initializer):
    r"""Random weights whose variance is ``scale`` divided by a fan.

    The variance of the drawn weights is

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{\text{scale}}{n},
        \qquad n = \begin{cases}
        \text{fan\_in} & \text{mode = "fan\_in"} \\
        \text{fan\_out} & \text{mode = "fan\_out"} \\
        (\text{fan\_in} + \text{fan\_out}) / 2 & \text{mode = "fan\_avg"}
        \end{cases}

    whatever the distribution: ``"normal"`` draws from
    :math:`\mathcal{N}(0, \sigma^2)`; ``"truncated_normal"`` draws a standard normal
    truncated to :math:`[-2, 2]` and multiplies it by
    :math:`\sigma / 0.87962566103423978` (the truncated normal's standard deviation),
    so the variance is exact; ``"uniform"`` draws from :math:`U(-a, a)` with
    :math:`a = \sqrt{3\,\sigma^2}`. This is ``jax.nn.initializers.variance_scaling``.

    Parameters
    ----------
    scale : float, default=1.0
        Multiplier of the variance; must be positive.
    mode : {"fan_in", "fan_out", "fan_avg"}, default="fan_in"
        Which fan divides ``scale``.
    distribution : {"truncated_normal", "normal", "uniform"}, default="truncated_normal"
        The distribution of the weights.

    See Also
    --------
    glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal :
        The usual presets.

    Notes
    -----
    Arguments are stored unchanged and validated when the initializer is called.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import VarianceScaling
    >>> init = VarianceScaling(scale=2.0, mode="fan_in", distribution="normal")
    >>> W = init((400, 300), np.random.default_rng(0))
    >>> W.shape, W.dtype
    ((400, 300), dtype('float64'))
    >>> bool(abs(W.var() - 2.0 / 400) < 0.05 * 2.0 / 400)
    True
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
    ) -> None:
        self.scale = scale
        self.mode = mode
        self.distribution = distribution

    def _validated(self) -> tuple[float, str, str]:
        if self.mode not in _MODES:
            raise ValueError(
                f"Invalid mode {self.mode!r} for {type(self).__name__}: "
                f"expected one of {', '.join(map(repr, _MODES))}."
            )
        if self.distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"Invalid distribution {self.distribution!r} for "
                f"{type(self).__name__}: expected one of "
                f"{', '.join(map(repr, _DISTRIBUTIONS))}."
            )
        scale = check_real(type(self).__name__, "scale", self.scale, 0.0, low_open=True)
        return scale, self.mode, self.distribution

    def variance(self, shape: Shape) -> float:
        """Return the variance of the weights drawn for ``shape``.

        Parameters
        ----------
        shape : tuple of int
            The shape of the weight array.

        Returns
        -------
        variance : float
            ``scale / n`` with ``n`` the fan chosen by ``mode`` (at least 1).

        Examples
        --------
        >>> from skweights.initializers import glorot_uniform
        >>> glorot_uniform().variance((100, 300))
        0.005
        """
        self._validated()
        fan_in, fan_out = _compute_fans(_as_shape(shape))
        fan = {
            "fan_in": fan_in,
            "fan_out": fan_out,
            "fan_avg": (fan_in + fan_out) / 2.0,
        }[self.mode]
        return float(self.scale) / max(1.0, float(fan))

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Draw a new array of ``shape`` and ``dtype``.

        Parameters
        ----------
        shape : tuple of int
            The shape of the weight array.
        rng : numpy.random.Generator
            The source of randomness.
        dtype : data-type, default=np.float64
            A floating dtype of the result.

        Returns
        -------
        W : ndarray of shape ``shape``
            The weights.
        """
        shape = _as_shape(shape)
        variance = self.variance(shape)
        dt = _float_dtype(dtype)
        rng = _check_rng(rng)
        if self.distribution == "normal":
            W = rng.normal(0.0, math.sqrt(variance), size=shape)
        elif self.distribution == "truncated_normal":
            # Inverse-CDF sampling: one uniform draw per value, so deterministic.
            lo, hi = ndtr(-2.0), ndtr(2.0)
            z = np.clip(ndtri(rng.uniform(lo, hi, size=shape)), -2.0, 2.0)
            W = z * (math.sqrt(variance) / _TRUNCATED_STDDEV)
        else:
            limit = math.sqrt(3.0 * variance)
            W = rng.uniform(-limit, limit, size=shape)
        return np.asarray(W, dtype=dt)


class Zeros(Initializer):
    """All weights zero.

    Fine for biases and for a linear model's single layer; for hidden layers it does
    not break symmetry (every unit of a layer gets the same gradient and stays equal).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import Zeros
    >>> Zeros()((2, 3), np.random.default_rng(0), dtype=np.float32)
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Return ``np.zeros(shape, dtype)``; ``rng`` is unused."""
        return np.zeros(_as_shape(shape), dtype=dtype)


class Ones(Initializer):
    """All weights one.

    Like :class:`Zeros`, it does not break symmetry between hidden units.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import Ones
    >>> Ones()((3,), np.random.default_rng(0))
    array([1., 1., 1.])
    """

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Return ``np.ones(shape, dtype)``; ``rng`` is unused."""
        return np.ones(_as_shape(shape), dtype=dtype)


class Constant(Initializer):
    """All weights equal to ``value``.

    Parameters
    ----------
    value : float, default=0.0
        The value of every weight.

    Notes
    -----
    Useful for biases (e.g. a small positive bias before a ReLU); for hidden weights it
    does not break symmetry between units.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import Constant
    >>> Constant(0.1)((2,), np.random.default_rng(0))
    array([0.1, 0.1])
    """

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Return ``np.full(shape, value, dtype)``; ``rng`` is unused."""
        if np.ndim(self.value) != 0:
            raise ValueError(
                f"value must be a scalar for Constant, got {self.value!r}."
            )
        return np.full(_as_shape(shape), self.value, dtype=dtype)


class RandomNormal(Initializer):
    r"""Weights drawn from :math:`\mathcal{N}(\text{mean}, \text{stddev}^2)`.

    .. math::

        \operatorname{Var}(W_{ij}) = \text{stddev}^2

    The variance does not depend on the shape; prefer :class:`VarianceScaling`
    presets for hidden layers of different widths.

    Parameters
    ----------
    stddev : float, default=0.05
        Standard deviation; must be non-negative.
    mean : float, default=0.0
        Mean.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import RandomNormal
    >>> W = RandomNormal(stddev=0.1)((500, 500), np.random.default_rng(0))
    >>> bool(abs(W.std() - 0.1) < 0.005)
    True
    """

    def __init__(self, stddev: float = 0.05, mean: float = 0.0) -> None:
        self.stddev = stddev
        self.mean = mean

    def _validated(self) -> tuple[float, float]:
        return (
            check_real("RandomNormal", "stddev", self.stddev, 0.0),
            check_real("RandomNormal", "mean", self.mean),
        )

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Draw a new array of ``shape`` and floating ``dtype``."""
        self._validated()
        shape = _as_shape(shape)
        dt = _float_dtype(dtype)
        W = _check_rng(rng).normal(self.mean, self.stddev, size=shape)
        return np.asarray(W, dtype=dt)


class RandomUniform(Initializer):
    r"""Weights drawn from :math:`U(-\text{limit}, \text{limit})`.

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{\text{limit}^2}{3}

    Parameters
    ----------
    limit : float, default=0.05
        Half-width of the interval; must be non-negative.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import RandomUniform
    >>> W = RandomUniform(limit=0.5)((100, 100), np.random.default_rng(0))
    >>> bool(W.min() >= -0.5 and W.max() <= 0.5)
    True
    """

    def __init__(self, limit: float = 0.05) -> None:
        self.limit = limit

    def _validated(self) -> tuple[float]:
        return (check_real("RandomUniform", "limit", self.limit, 0.0),)

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Draw a new array of ``shape`` and floating ``dtype``."""
        self._validated()
        shape = _as_shape(shape)
        dt = _float_dtype(dtype)
        W = _check_rng(rng).uniform(-self.limit, self.limit, size=shape)
        return np.asarray(W, dtype=dt)


class Orthogonal(Initializer):
    r"""A (semi-)orthogonal matrix times ``gain``.

    The QR decomposition of a Gaussian matrix gives :math:`Q`; multiplying each
    column by the sign of :math:`R`'s diagonal makes it uniform (Haar) over
    orthogonal matrices, as jax and Keras. For ``(n_in, n_out)``:

    .. math::

        W^\top W = \text{gain}^2 I_{n_\text{out}} \quad (n_\text{in} \ge n_\text{out}),
        \qquad
        W W^\top = \text{gain}^2 I_{n_\text{in}} \quad (n_\text{in} < n_\text{out}).

    A shape with more than 2 dimensions is flattened to
    ``(prod(shape[:-1]), shape[-1])``. Each weight has variance
    :math:`\text{gain}^2 / \max(n_\text{in}, n_\text{out})`.

    Parameters
    ----------
    gain : float, default=1.0
        Multiplier of the orthogonal matrix.

    References
    ----------
    A. M. Saxe, J. L. McClelland and S. Ganguli, "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import Orthogonal
    >>> W = Orthogonal()((5, 3), np.random.default_rng(0))
    >>> np.allclose(W.T @ W, np.eye(3))
    True
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def _validated(self) -> tuple[float]:
        return (check_real("Orthogonal", "gain", self.gain),)

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Draw a new array of ``shape`` (at least 2-D) and floating ``dtype``."""
        shape = _as_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape with at least 2 dimensions, got {shape}."
            )
        self._validated()
        dt = _float_dtype(dtype)
        n_cols = shape[-1]
        n_rows = math.prod(shape) // n_cols if n_cols else math.prod(shape[:-1])
        transpose = n_rows < n_cols
        A = _check_rng(rng).standard_normal(
            (n_cols, n_rows) if transpose else (n_rows, n_cols)
        )
        Q, R = np.linalg.qr(A)
        Q *= np.where(np.diag(R) < 0, -1.0, 1.0)
        if transpose:
            Q = Q.T
        return np.asarray(self.gain * Q.reshape(shape), dtype=dt)


# ------------------------------------------------------------------------- presets
def glorot_uniform() -> VarianceScaling:
    r"""Glorot (Xavier) uniform: ``VarianceScaling(1.0, "fan_avg", "uniform")``.

    .. math::

        W_{ij} \sim U(-a, a), \quad a = \sqrt{\frac{6}{n_\text{in} + n_\text{out}}},
        \quad \operatorname{Var}(W_{ij}) = \frac{2}{n_\text{in} + n_\text{out}}

    Fixes ``scale=1.0``, ``mode="fan_avg"``, ``distribution="uniform"``. Use it for
    ``tanh`` and ``logistic`` hidden layers (it is scikit-learn's own MLP scheme up to
    the factor it uses for ``logistic``).

    Returns
    -------
    init : VarianceScaling
        The initializer.

    References
    ----------
    X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import glorot_uniform
    >>> W = glorot_uniform()((20, 10), np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(6 / 30))
    True
    """
    return VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform")


def glorot_normal() -> VarianceScaling:
    r"""Glorot (Xavier) normal: ``VarianceScaling(1.0, "fan_avg", "truncated_normal")``.

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{2}{n_\text{in} + n_\text{out}}

    Fixes ``scale=1.0``, ``mode="fan_avg"``, ``distribution="truncated_normal"`` (a
    normal truncated at 2 standard deviations, its standard deviation corrected by
    dividing by 0.8796 so the variance is exact). Use it for ``tanh`` and ``logistic``
    hidden layers.

    Returns
    -------
    init : VarianceScaling
        The initializer.

    References
    ----------
    X. Glorot and Y. Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS 2010.

    Examples
    --------
    >>> from skweights.initializers import glorot_normal
    >>> glorot_normal().variance((20, 10))  # 2 / (20 + 10)
    0.06666666666666667
    """
    return VarianceScaling(scale=1.0, mode="fan_avg", distribution="truncated_normal")


def he_uniform() -> VarianceScaling:
    r"""He (Kaiming) uniform: ``VarianceScaling(2.0, "fan_in", "uniform")``.

    .. math::

        W_{ij} \sim U(-a, a), \quad a = \sqrt{\frac{6}{n_\text{in}}},
        \quad \operatorname{Var}(W_{ij}) = \frac{2}{n_\text{in}}

    Fixes ``scale=2.0``, ``mode="fan_in"``, ``distribution="uniform"``. Use it for
    ReLU-family hidden layers (``relu``, ``leaky_relu``, ``softplus``): the factor 2
    makes up for the half of the units a ReLU zeroes.

    Returns
    -------
    init : VarianceScaling
        The initializer.

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification", ICCV 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import he_uniform
    >>> W = he_uniform()((24, 8), np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(6 / 24))
    True
    """
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform")


def he_normal() -> VarianceScaling:
    r"""He (Kaiming) normal: ``VarianceScaling(2.0, "fan_in", "truncated_normal")``.

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{2}{n_\text{in}}

    Fixes ``scale=2.0``, ``mode="fan_in"``, ``distribution="truncated_normal"`` (a
    normal truncated at 2 standard deviations, its standard deviation corrected by
    dividing by 0.8796 so the variance is exact). Use it for ReLU-family hidden layers.

    Returns
    -------
    init : VarianceScaling
        The initializer.

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification", ICCV 2015.

    Examples
    --------
    >>> from skweights.initializers import he_normal
    >>> he_normal().variance((50, 10))  # 2 / 50
    0.04
    """
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal")


def lecun_uniform() -> VarianceScaling:
    r"""LeCun uniform: ``VarianceScaling(1.0, "fan_in", "uniform")``.

    .. math::

        W_{ij} \sim U(-a, a), \quad a = \sqrt{\frac{3}{n_\text{in}}},
        \quad \operatorname{Var}(W_{ij}) = \frac{1}{n_\text{in}}

    Fixes ``scale=1.0``, ``mode="fan_in"``, ``distribution="uniform"``. Use it for
    SELU (self-normalising) networks and linear (identity) layers.

    Returns
    -------
    init : VarianceScaling
        The initializer.

    References
    ----------
    Y. LeCun, L. Bottou, G. B. Orr and K.-R. Müller, "Efficient BackProp", 1998.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import lecun_uniform
    >>> W = lecun_uniform()((12, 4), np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(3 / 12))
    True
    """
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform")


def lecun_normal() -> VarianceScaling:
    r"""LeCun normal: ``VarianceScaling(1.0, "fan_in", "truncated_normal")``.

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{1}{n_\text{in}}

    Fixes ``scale=1.0``, ``mode="fan_in"``, ``distribution="truncated_normal"`` (a
    normal truncated at 2 standard deviations, its standard deviation corrected by
    dividing by 0.8796 so the variance is exact). Use it for SELU (self-normalising)
    networks and linear (identity) layers.

    Returns
    -------
    init : VarianceScaling
        The initializer.

    References
    ----------
    G. Klambauer, T. Unterthiner, A. Mayr and S. Hochreiter, "Self-normalizing neural
    networks", NeurIPS 2017.

    Examples
    --------
    >>> from skweights.initializers import lecun_normal
    >>> lecun_normal().variance((8, 3))  # 1 / 8
    0.125
    """
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal")


# -------------------------------------------------------------------------- registry
#: Initializer names (case-insensitive) and aliases resolved by :func:`get`.
REGISTRY = Registry(
    "initializer",
    {
        "variance_scaling": VarianceScaling,
        "glorot_uniform": glorot_uniform,
        "glorot_normal": glorot_normal,
        "he_uniform": he_uniform,
        "he_normal": he_normal,
        "lecun_uniform": lecun_uniform,
        "lecun_normal": lecun_normal,
        "zeros": Zeros,
        "ones": Ones,
        "constant": Constant,
        "random_normal": RandomNormal,
        "random_uniform": RandomUniform,
        "orthogonal": Orthogonal,
    },
    aliases={
        "xavier_uniform": "glorot_uniform",
        "xavier_normal": "glorot_normal",
        "kaiming_uniform": "he_uniform",
        "kaiming_normal": "he_normal",
        "normal": "random_normal",
        "uniform": "random_uniform",
    },
)

# The lowercase names of 0.1 (``constant(0.1)``) are the classes themselves; the
# presets above (``glorot_uniform``...) fix VarianceScaling's arguments.
variance_scaling, zeros, ones, constant = VarianceScaling, Zeros, Ones, Constant
random_normal, random_uniform, orthogonal = RandomNormal, RandomUniform, Orthogonal


def get(
    identifier: str | Callable[..., np.ndarray] | type[Component],
    **kwargs: Any,
) -> Callable[..., np.ndarray]:
    """Resolve an initializer from a name, a class, an instance or a callable.

    Parameters
    ----------
    identifier : str, Initializer subclass, instance or callable
        A registered name (case-insensitive; see ``REGISTRY.names``): %(names)s;
        an :class:`Initializer` subclass (built with ``kwargs``); or an instance
        or any callable ``f(shape, rng, dtype)``, returned unchanged.
    **kwargs : dict
        Arguments of the factory, e.g. ``get("constant", value=0.1)``; only with a name
        or a class.

    Returns
    -------
    init : callable
        ``init(shape, rng, dtype=np.float64) -> ndarray``.

    Raises
    ------
    ValueError
        If ``identifier`` is an unknown name (the message lists the valid names), is
        not callable, or is an instance or callable given with ``kwargs``.

    Examples
    --------
    >>> from skweights.initializers import get
    >>> get("xavier_uniform")
    VarianceScaling(distribution='uniform', mode='fan_avg', scale=1.0)
    >>> get("Constant", value=0.1)
    Constant(value=0.1)
    """
    if isinstance(identifier, type) and issubclass(identifier, Component):
        return identifier(**kwargs)
    if isinstance(identifier, str):
        return REGISTRY.get(identifier, **kwargs)
    init = REGISTRY.get(identifier)
    if not callable(init):
        raise ValueError(
            f"Invalid initializer {identifier!r}: pass one of "
            f"{', '.join(REGISTRY.names)}, an instance or a callable "
            "f(shape, rng, dtype)."
        )
    if kwargs:
        raise ValueError(
            f"Arguments {sorted(kwargs)} apply only to an initializer given by name or "
            f"class, not to {identifier!r}."
        )
    return init


REGISTRY.document(get)


def init_layer(
    initializer: Callable[..., np.ndarray],
    shape: tuple[int, int],
    rng: np.random.Generator,
    dtype: Any,
    owner: str,
    layer: int,
) -> np.ndarray:
    """One layer's weights from ``initializer``, checked to have ``shape``.

    Parameters
    ----------
    initializer : callable
        ``init(shape, rng, dtype)``.
    shape : (int, int)
        The layer's ``(n_in, n_out)``.
    rng : numpy.random.Generator
        The random generator.
    dtype : data-type
        The floating dtype of the result.
    owner : str
        Who asks (named in the error message).
    layer : int
        The layer's index (named in the error message).

    Returns
    -------
    W : ndarray of shape ``shape`` and ``dtype``

    Raises
    ------
    ValueError
        If the initializer returned another shape.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import init_layer, zeros
    >>> init_layer(zeros(), (2, 3), np.random.default_rng(0), np.float32, "me", 0).shape
    (2, 3)
    """
    W = np.asarray(initializer(shape, rng, dtype), dtype=dtype)
    if W.shape != tuple(shape):
        raise ValueError(
            f"{owner}: the initializer returned an array of shape {W.shape} for "
            f"layer {layer} of shape {tuple(shape)}."
        )
    return W
