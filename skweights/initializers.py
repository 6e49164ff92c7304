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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from skweights._registry import Component, Registry

__all__ = [
    "REGISTRY",
    "Constant",
    "Ones",
    "Orthogonal",
    "Pretrained",
    "RandomNormal",
    "RandomUniform",
    "VarianceScaling",
    "Zeros",
    "constant",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "variance_scaling",
    "zeros",
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
class VarianceScaling(Component):
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

    def _validate(self) -> None:
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
        if not (isinstance(self.scale, (int, float, np.number)) and self.scale > 0):
            raise ValueError(
                f"scale must be a positive number for {type(self).__name__}, "
                f"got {self.scale!r}."
            )

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
        self._validate()
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


class Zeros(Component):
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


class Ones(Component):
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


class Constant(Component):
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


class RandomNormal(Component):
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

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Draw a new array of ``shape`` and floating ``dtype``."""
        if not (isinstance(self.stddev, (int, float, np.number)) and self.stddev >= 0):
            raise ValueError(
                f"stddev must be a non-negative number for RandomNormal, "
                f"got {self.stddev!r}."
            )
        shape = _as_shape(shape)
        dt = _float_dtype(dtype)
        W = _check_rng(rng).normal(self.mean, self.stddev, size=shape)
        return np.asarray(W, dtype=dt)


class RandomUniform(Component):
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

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Draw a new array of ``shape`` and floating ``dtype``."""
        if not (isinstance(self.limit, (int, float, np.number)) and self.limit >= 0):
            raise ValueError(
                f"limit must be a non-negative number for RandomUniform, "
                f"got {self.limit!r}."
            )
        shape = _as_shape(shape)
        dt = _float_dtype(dtype)
        W = _check_rng(rng).uniform(-self.limit, self.limit, size=shape)
        return np.asarray(W, dtype=dt)


class Orthogonal(Component):
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
        if not isinstance(self.gain, (int, float, np.number)):
            raise ValueError(
                f"gain must be a number for Orthogonal, got {self.gain!r}."
            )
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


# ------------------------------------------------------------------------- factories
def variance_scaling(
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
) -> VarianceScaling:
    r"""Random weights of variance ``scale / fan``: the general scheme.

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{\text{scale}}{n}

    with :math:`n` the fan chosen by ``mode``. Fixes nothing; every preset below is
    this function with fixed arguments.

    Parameters
    ----------
    scale : float, default=1.0
        Multiplier of the variance; must be positive.
    mode : {"fan_in", "fan_out", "fan_avg"}, default="fan_in"
        Which fan divides ``scale``.
    distribution : {"truncated_normal", "normal", "uniform"}, default="truncated_normal"
        The distribution of the weights.

    Returns
    -------
    init : VarianceScaling
        The initializer.

    Examples
    --------
    >>> from skweights.initializers import variance_scaling
    >>> variance_scaling(2.0, "fan_out", "normal")
    VarianceScaling(distribution='normal', mode='fan_out', scale=2.0)
    """
    return VarianceScaling(scale=scale, mode=mode, distribution=distribution)


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


def zeros() -> Zeros:
    """All weights zero: :class:`Zeros`.

    Use it for biases, or for a linear model's weights (a convex problem has no
    symmetry to break). For hidden layers it fails to break symmetry: every unit of a
    layer receives the same gradient and the units stay identical.

    Returns
    -------
    init : Zeros
        The initializer.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import zeros
    >>> zeros()((2,), np.random.default_rng(0))
    array([0., 0.])
    """
    return Zeros()


def ones() -> Ones:
    """All weights one: :class:`Ones`.

    Like :func:`zeros`, it fails to break symmetry between hidden units.

    Returns
    -------
    init : Ones
        The initializer.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import ones
    >>> ones()((2,), np.random.default_rng(0), dtype=np.float32)
    array([1., 1.], dtype=float32)
    """
    return Ones()


def constant(value: float = 0.0) -> Constant:
    """All weights equal to ``value``: :class:`Constant`.

    Use it for biases; for hidden weights it fails to break symmetry between units.

    Parameters
    ----------
    value : float, default=0.0
        The value of every weight.

    Returns
    -------
    init : Constant
        The initializer.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import constant
    >>> constant(0.5)((3,), np.random.default_rng(0))
    array([0.5, 0.5, 0.5])
    """
    return Constant(value=value)


def random_normal(stddev: float = 0.05, mean: float = 0.0) -> RandomNormal:
    r"""Weights from :math:`\mathcal{N}(\text{mean}, \text{stddev}^2)`.

    .. math::

        \operatorname{Var}(W_{ij}) = \text{stddev}^2

    A fixed variance whatever the layer width; prefer :func:`he_normal`,
    :func:`glorot_normal` or :func:`lecun_normal` for hidden layers.

    Parameters
    ----------
    stddev : float, default=0.05
        Standard deviation.
    mean : float, default=0.0
        Mean.

    Returns
    -------
    init : RandomNormal
        The initializer.

    Examples
    --------
    >>> from skweights.initializers import random_normal
    >>> random_normal(0.01)
    RandomNormal(mean=0.0, stddev=0.01)
    """
    return RandomNormal(stddev=stddev, mean=mean)


def random_uniform(limit: float = 0.05) -> RandomUniform:
    r"""Weights from :math:`U(-\text{limit}, \text{limit})`.

    .. math::

        \operatorname{Var}(W_{ij}) = \frac{\text{limit}^2}{3}

    A fixed variance whatever the layer width; prefer :func:`he_uniform`,
    :func:`glorot_uniform` or :func:`lecun_uniform` for hidden layers.

    Parameters
    ----------
    limit : float, default=0.05
        Half-width of the interval.

    Returns
    -------
    init : RandomUniform
        The initializer.

    Examples
    --------
    >>> from skweights.initializers import random_uniform
    >>> random_uniform(0.1)
    RandomUniform(limit=0.1)
    """
    return RandomUniform(limit=limit)


def orthogonal(gain: float = 1.0) -> Orthogonal:
    r"""A (semi-)orthogonal weight matrix times ``gain``: :class:`Orthogonal`.

    .. math::

        W^\top W = \text{gain}^2 I \quad (n_\text{in} \ge n_\text{out})

    (orthonormal rows instead when :math:`n_\text{in} < n_\text{out}`). It preserves
    the norm of signals through linear and ``tanh`` layers; useful for deep or
    recurrent-like stacks of equal width.

    Parameters
    ----------
    gain : float, default=1.0
        Multiplier of the orthogonal matrix.

    Returns
    -------
    init : Orthogonal
        The initializer.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.initializers import orthogonal
    >>> W = orthogonal(gain=2.0)((4, 4), np.random.default_rng(0))
    >>> np.allclose(W.T @ W, 4.0 * np.eye(4))
    True
    """
    return Orthogonal(gain=gain)


# -------------------------------------------------------------------------- registry
#: Initializer names (case-insensitive) and aliases resolved by :func:`get`.
REGISTRY = Registry(
    "initializer",
    {
        "variance_scaling": variance_scaling,
        "glorot_uniform": glorot_uniform,
        "glorot_normal": glorot_normal,
        "he_uniform": he_uniform,
        "he_normal": he_normal,
        "lecun_uniform": lecun_uniform,
        "lecun_normal": lecun_normal,
        "zeros": zeros,
        "ones": ones,
        "constant": constant,
        "random_normal": random_normal,
        "random_uniform": random_uniform,
        "orthogonal": orthogonal,
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


def get(
    identifier: str | Callable[..., np.ndarray] | type[Component],
    **kwargs: Any,
) -> Callable[..., np.ndarray]:
    """Resolve an initializer from a name, a class, an instance or a callable.

    Parameters
    ----------
    identifier : str, Component subclass, instance or callable
        A registered name (case-insensitive; see ``REGISTRY.names``), a
        :class:`~skweights._registry.Component` subclass (built with ``kwargs``), or an
        instance or any callable ``f(shape, rng, dtype)``, returned unchanged.
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


# ------------------------------------------------------------------ pretrained weights
_REINIT = ("output", "any", "none")


def _weight_list(owner: str, name: str, arrays: Any) -> list[np.ndarray]:
    """``arrays`` as a list of arrays, or raise ``ValueError`` saying what to pass."""
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, Sequence):
        raise ValueError(
            f"{owner}: {name} must be a list of arrays, one per layer (e.g. a fitted "
            f"model's coefs_); got {type(arrays).__name__}."
        )
    return [np.asarray(a) for a in arrays]


class Pretrained(Component):
    r"""Start from given weights: transfer learning and fine-tuning.

    Pass it as an estimator's ``initializer``: every layer whose shape matches the
    network's is loaded (a new copy, in the training dtype); a layer whose shape
    differs is initialized with ``fallback`` when ``reinit`` allows it (by default only
    the output layer, e.g. a new head for a different set of classes), and otherwise
    raises ``ValueError`` naming the layer and both shapes. When fewer layers are given
    than the network has, they fill the first layers (from the input) and the layers
    above them start from ``fallback`` with zero biases: ``Pretrained(coefs[:-1],
    intercepts[:-1])`` keeps a feature extractor and trains a new head.

    Combine it with ``frozen_layers`` to keep loaded layers fixed, and a lower
    ``learning_rate`` to fine-tune the others. On linear models ``frozen_layers=(0,)``
    keeps ``coef_`` fixed but still fits the intercept when ``fit_intercept=True``;
    with ``fit_intercept=False`` the intercept keeps its pretrained value, so the model
    reproduces the source exactly.

    Parameters
    ----------
    coefs : list of ndarray of shape (n_in, n_out)
        Weight matrices, one per layer from the input, in ``coefs_`` layout.
    intercepts : list of ndarray of shape (n_out,), default=None
        Biases, one per layer; ``None`` starts every bias at zero.
    fallback : str, initializer or callable, default="glorot_uniform"
        Initializer of the layers that are not loaded (see :func:`get`).
    reinit : {"output", "any", "none"}, default="output"
        Which layers whose shape differs from the pretrained one ``fallback`` may
        initialize: only the output layer, any layer, or none (every mismatch
        raises).

    Notes
    -----
    Like every component, ``Pretrained`` stores its arguments as given, so
    ``clone`` and ``GridSearchCV`` (which deep-copy lists of arrays) and pickle all
    carry the arrays along. Use :meth:`from_estimator`, which copies, to take a
    snapshot of a model that may change later. The arrays returned to an estimator
    are always new copies: training never writes into them.

    The activation is not part of the weights: the new model must use the source's
    ``activation`` to compute the same function (scikit-learn's ``"relu"``,
    ``"tanh"``, ``"logistic"`` and ``"identity"`` are skweights names too).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> from skweights.initializers import Pretrained
    >>> X, y = load_iris(return_X_y=True)
    >>> source = MLPClassifier((8,), learning_rate=0.01, max_iter=500,
    ...                        random_state=0).fit(X, y)
    >>> init = Pretrained.from_estimator(source)
    >>> frozen = MLPClassifier((8,), initializer=init, frozen_layers=(0, 1),
    ...                        max_iter=20).fit(X, y)
    >>> bool((frozen.predict_proba(X) == source.predict_proba(X)).all())
    True

    A new task with two classes keeps the hidden layer and gets a new output layer:

    >>> binary = MLPClassifier((8,), initializer=init, frozen_layers=(0,),
    ...                        learning_rate=0.01, max_iter=500,
    ...                        random_state=0).fit(X, y == 0)
    >>> bool((binary.coefs_[0] == source.coefs_[0]).all())
    True
    >>> binary.coefs_[1].shape
    (8, 1)
    """

    def __init__(
        self,
        coefs: Sequence[Any],
        intercepts: Sequence[Any] | None = None,
        fallback: Any = "glorot_uniform",
        reinit: str = "output",
    ) -> None:
        self.coefs = coefs
        self.intercepts = intercepts
        self.fallback = fallback
        self.reinit = reinit

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_estimator(
        cls,
        model: Any,
        *,
        n_layers: int | None = None,
        fallback: Any = "glorot_uniform",
        reinit: str = "output",
    ) -> Pretrained:
        """Copy the weights of a fitted model.

        Parameters
        ----------
        model : fitted estimator
            Anything with ``coefs_``/``intercepts_`` (skweights' estimators,
            scikit-learn's ``MLPClassifier``/``MLPRegressor``) or ``coef_``/
            ``intercept_`` (any scikit-learn linear model; ``coef_`` of shape
            ``(n_features,)`` or ``(n_outputs, n_features)`` becomes one
            ``(n_features, n_outputs)`` layer, a scalar or absent intercept is
            broadcast). For a pipeline pass its last step, ``pipe[-1]``, and keep the
            preprocessing in the new pipeline.
        n_layers : int, default=None
            Keep only ``coefs_[:n_layers]``, as a Python slice: ``-1`` drops the
            output layer, so the new model gets a fresh head; ``None`` keeps all.
        fallback : str, initializer or callable, default="glorot_uniform"
            Initializer of the layers that are not loaded.
        reinit : {"output", "any", "none"}, default="output"
            Which mismatched layers ``fallback`` may initialize (see the class).

        Returns
        -------
        init : Pretrained
            An initializer holding copies of the model's weights.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model has neither ``coefs_`` nor ``coef_``.

        Examples
        --------
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.linear_model import Ridge
        >>> from skweights.initializers import Pretrained
        >>> X, y = load_diabetes(return_X_y=True)
        >>> init = Pretrained.from_estimator(Ridge().fit(X, y))
        >>> [W.shape for W in init.coefs], [b.shape for b in init.intercepts]
        ([(10, 1)], [(1,)])
        """
        if hasattr(model, "coefs_") and hasattr(model, "intercepts_"):
            coefs = [np.array(W, copy=True) for W in model.coefs_]
            intercepts = [np.array(b, copy=True).ravel() for b in model.intercepts_]
        elif hasattr(model, "coef_"):
            coef = model.coef_
            if hasattr(coef, "toarray"):  # sparsified linear models
                coef = coef.toarray()
            coef = np.asarray(coef)
            if coef.ndim not in (1, 2):
                raise ValueError(
                    f"Pretrained.from_estimator: {type(model).__name__}.coef_ has "
                    f"shape {coef.shape}; expected (n_features,) or "
                    "(n_outputs, n_features)."
                )
            W = np.array(coef.reshape(1, -1) if coef.ndim == 1 else coef).T.copy()
            b = np.asarray(getattr(model, "intercept_", 0.0), dtype=W.dtype)
            coefs = [W]
            intercepts = [np.broadcast_to(b.ravel(), (W.shape[1],)).copy()]
        else:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                f"Pretrained.from_estimator: {type(model).__name__} has neither "
                "coefs_/intercepts_ nor coef_/intercept_. Fit it first, pass the "
                "fitted estimator itself (pipe[-1] for a pipeline), or build "
                "Pretrained(coefs, intercepts) from arrays."
            )
        if n_layers is not None:
            coefs, intercepts = coefs[:n_layers], intercepts[:n_layers]
        return cls(coefs, intercepts, fallback=fallback, reinit=reinit)

    # -- validation -----------------------------------------------------------------
    def _layers(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """The given weights and biases as arrays, checked against each other."""
        owner = type(self).__name__
        coefs = _weight_list(owner, "coefs", self.coefs)
        if self.intercepts is None:
            intercepts: list[np.ndarray | None] = [None] * len(coefs)
        else:
            intercepts = list(_weight_list(owner, "intercepts", self.intercepts))
            if len(intercepts) != len(coefs):
                raise ValueError(
                    f"{owner}: got {len(coefs)} coefs but {len(intercepts)} "
                    "intercepts; pass one intercept per layer, or intercepts=None."
                )
        if self.reinit not in _REINIT:
            raise ValueError(
                f"{owner}: invalid reinit {self.reinit!r}; expected one of "
                f"{', '.join(map(repr, _REINIT))}."
            )
        for i, (W, b) in enumerate(zip(coefs, intercepts)):
            if W.ndim != 2:
                raise ValueError(
                    f"{owner}: coefs[{i}] has shape {W.shape}; every layer needs a "
                    "2-D (n_in, n_out) matrix."
                )
            if b is not None and b.shape != (W.shape[1],):
                raise ValueError(
                    f"{owner}: intercepts[{i}] has shape {b.shape} but coefs[{i}] "
                    f"has {W.shape[1]} outputs; expected shape ({W.shape[1]},)."
                )
            for name, a in (("coefs", W), ("intercepts", b)):
                if a is not None and not (
                    a.dtype.kind in "biuf" and np.isfinite(a).all()
                ):
                    raise ValueError(
                        f"{owner}: {name}[{i}] must hold finite real numbers."
                    )
        return coefs, intercepts

    # -- initializer protocol ---------------------------------------------------------
    def init_network(
        self,
        shapes: Sequence[tuple[int, int]],
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return new weights and biases for a network with layers of ``shapes``.

        Parameters
        ----------
        shapes : list of (int, int)
            ``(n_in, n_out)`` of each layer, from the input.
        rng : numpy.random.Generator
            Used only by ``fallback``, for the layers that are not loaded.
        dtype : data-type, default=np.float64
            A floating dtype of the result.

        Returns
        -------
        coefs, intercepts : list of ndarray
            New arrays, never views of the pretrained ones.

        Raises
        ------
        ValueError
            If there are more pretrained layers than ``shapes``, or a layer's shape
            differs where ``reinit`` does not allow re-initializing it.

        Examples
        --------
        >>> import numpy as np
        >>> from skweights.initializers import Pretrained
        >>> init = Pretrained([np.ones((3, 2))], [np.array([0.5, -0.5])])
        >>> coefs, intercepts = init.init_network([(3, 2)], np.random.default_rng(0))
        >>> intercepts[0]
        array([ 0.5, -0.5])
        >>> coefs, _ = init.init_network([(3, 4)], np.random.default_rng(0))
        >>> coefs[0].shape  # a new output layer, from the fallback
        (3, 4)
        """
        owner = type(self).__name__
        loaded_coefs, loaded_intercepts = self._layers()
        dt = _float_dtype(dtype)
        shapes = [_as_shape(s) for s in shapes]
        if len(loaded_coefs) > len(shapes):
            raise ValueError(
                f"{owner}: {len(loaded_coefs)} pretrained layers for a network of "
                f"{len(shapes)} layers (shapes {shapes}); match hidden_layer_sizes "
                "to the source, or load fewer layers (from_estimator(..., "
                "n_layers=...))."
            )
        fallback = None
        last = len(shapes) - 1
        coefs: list[np.ndarray] = []
        intercepts: list[np.ndarray] = []
        for i, shape in enumerate(shapes):
            if i < len(loaded_coefs) and loaded_coefs[i].shape == shape:
                coefs.append(np.array(loaded_coefs[i], dtype=dt, copy=True))
                b = loaded_intercepts[i]
                intercepts.append(
                    np.zeros(shape[1], dtype=dt)
                    if b is None
                    else np.array(b, dtype=dt, copy=True)
                )
                continue
            if i < len(loaded_coefs) and not (
                self.reinit == "any" or (self.reinit == "output" and i == last)
            ):
                allowed = {
                    "output": f"only the output layer ({last}) may be re-initialized",
                    "none": "no layer may be re-initialized (reinit='none')",
                }[self.reinit]
                raise ValueError(
                    f"{owner}: layer {i} has shape {tuple(loaded_coefs[i].shape)} in "
                    f"the pretrained weights but the network needs {shape}; "
                    f"{allowed}. Check n_features and hidden_layer_sizes against "
                    "the source model, or pass reinit='any'."
                )
            if fallback is None:
                fallback = get(self.fallback)
            W = np.asarray(fallback(shape, rng, dt), dtype=dt)
            if W.shape != shape:
                raise ValueError(
                    f"{owner}: fallback {self.fallback!r} returned shape {W.shape} "
                    f"for layer {i} of shape {shape}."
                )
            coefs.append(W)
            intercepts.append(np.zeros(shape[1], dtype=dt))
        return coefs, intercepts

    def __call__(
        self,
        shape: Shape,
        rng: np.random.Generator,
        dtype: Any = np.float64,
    ) -> np.ndarray:
        """Return a copy of the single pretrained matrix, for a one-layer network.

        Parameters
        ----------
        shape : tuple of int
            The shape of the weight array.
        rng : numpy.random.Generator
            Used by ``fallback`` when the shape differs.
        dtype : data-type, default=np.float64
            A floating dtype of the result.

        Returns
        -------
        W : ndarray of shape ``shape``
            A new array.

        Raises
        ------
        ValueError
            If more than one layer is held (the layers are only meaningful for a
            whole network: estimators call :meth:`init_network`).

        Examples
        --------
        >>> import numpy as np
        >>> from skweights.initializers import Pretrained
        >>> Pretrained([np.eye(2)])((2, 2), np.random.default_rng(0), np.float32)
        array([[1., 0.],
               [0., 1.]], dtype=float32)
        """
        n_layers = len(_weight_list(type(self).__name__, "coefs", self.coefs))
        if n_layers != 1:
            raise ValueError(
                f"Pretrained holds {n_layers} layers: pass it as an estimator's "
                "initializer (which calls init_network with every layer's shape); "
                "calling it for one array needs exactly one layer."
            )
        return self.init_network([_as_shape(shape)], rng, dtype)[0][0]

    # -- arrays are parameters: compare, hash and print them by value -----------------
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.get_params(deep=False), other.get_params(deep=False)
        for name in ("coefs", "intercepts"):
            a, b = mine.pop(name), theirs.pop(name)
            if (a is None) != (b is None):
                return False
            if a is not None and not (
                len(a) == len(b)
                and all(
                    np.asarray(x).dtype == np.asarray(y).dtype and np.array_equal(x, y)
                    for x, y in zip(a, b)
                )
            ):
                return False
        return mine == theirs

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    def __repr__(self) -> str:
        def shapes(arrays: Any) -> str:
            if arrays is None:
                return "None"
            return "[" + ", ".join(f"<{np.shape(a)}>" for a in arrays) + "]"

        return (
            f"Pretrained(coefs={shapes(self.coefs)}, "
            f"intercepts={shapes(self.intercepts)}, fallback={self.fallback!r}, "
            f"reinit={self.reinit!r})"
        )
