r"""DeepSHAP: the DeepLIFT rescale rule averaged over background rows.

For one input row :math:`x` and one background (reference) row :math:`b`, DeepLIFT
(Shrikumar et al. 2017) propagates *multipliers* :math:`m = \Delta \text{out} /
\Delta \text{unit}` backwards through the network, where every :math:`\Delta` is the
difference between the forward passes of :math:`x` and :math:`b`:

- a linear layer :math:`z = a W + c` passes multipliers exactly,
  :math:`m_a = m_z W^\top`;
- a nonlinearity :math:`a = f(z)` multiplies them by its *rescale* multiplier, the
  average derivative along the segment from :math:`z_b` to :math:`z_x`, that is the
  secant :math:`r = (f(z_x) - f(z_b)) / (z_x - z_b)`;
- the softmax link, a function of all logits together, multiplies them by its
  average Jacobian along the same segment, :math:`C = \int_0^1 J(z_b + t \Delta z)
  dt` (Gauss-Legendre quadrature), plus a rank-one correction that makes
  :math:`C \Delta z = \Delta p` hold exactly.

The attributions of the pair are :math:`\phi_j(x, b) = (x_j - b_j)\, m_{x_j}`; they
sum to :math:`\text{out}(x) - \text{out}(b)` exactly (summation-to-delta), because
every step reproduces its own :math:`\Delta`. DeepSHAP (Lundberg & Lee 2017) averages
them over the background rows, so :math:`\sum_j \phi_j(x) + E_b[\text{out}(b)] =
\text{out}(x)`.

The two element-wise steps over every (row, background row) pair, the rescale
multipliers times the multipliers from above (:func:`rescale_multipliers`) and the
softmax link's averaged Jacobian times the output weights
(:func:`softmax_link_multipliers`), run as fused numba kernels when
:func:`skweights._jit.enabled`; their numpy versions (:func:`_rescale_numpy`,
:func:`_softmax_multipliers`) are the reference and the fallback. The products
between layers are BLAS calls either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit, softmax

from skweights import _jit
from skweights._network import forward

# Largest number of floats in one (rows x background x outputs x width) array; the
# rows are processed in chunks that keep every temporary under it (8 MiB each: the
# products and the rescale pass run from cache; 64 MiB chunks were 1.5-3x slower on
# one BLAS thread).
BUDGET = 2**20

# Below this step (relative to |z|), a smooth activation's secant loses digits to
# cancellation; the trapezoid average of the two end derivatives replaces it, with
# an error of order |dz|^3 * f''' (far below 1e-12).
_SMOOTH_STEP = 1e-6

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
_NODES = (_NODES + 1) / 2  # from [-1, 1] to [0, 1]
_WEIGHTS = _WEIGHTS / 2


def forward_layers(
    coefs: Sequence[np.ndarray],
    intercepts: Sequence[np.ndarray],
    activation: Any,
    X: np.ndarray,
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Pre-activations and activations of every hidden layer, and the raw output
    (:func:`skweights._network.forward`, the one forward pass, keeping each ``z``)."""
    pre: list[np.ndarray] = []
    outputs = forward(coefs, intercepts, X, activation, pre_activations=pre)
    return pre, outputs[1:-1], outputs[-1]


def link_output(raw: np.ndarray, link: str) -> np.ndarray:
    """The explained output: the raw output, ``expit`` of a margin, or softmax."""
    if link == "logistic":
        return expit(raw)
    if link == "exp":
        return np.exp(raw)
    if link == "softmax":
        return softmax(raw, axis=-1)
    return raw


def rescale(
    activation: Any,
    z_x: np.ndarray,
    a_x: np.ndarray,
    z_b: np.ndarray,
    a_b: np.ndarray,
) -> np.ndarray:
    """Rescale multipliers of every (row, background row) pair, shape (c, b, h).

    The fused kernel when :func:`skweights._jit.enabled`, else the numpy reference
    (:func:`_rescale_numpy`); both give the same floats.
    """
    if not _jit.enabled():
        return _rescale_numpy(activation, z_x, a_x, z_b, a_b)
    ones = np.ones((1, 1, 1, z_x.shape[1]))
    return rescale_multipliers(activation, ones, z_x, a_x, z_b, a_b)[:, :, 0, :]


def rescale_multipliers(
    activation: Any,
    multipliers: np.ndarray,
    z_x: np.ndarray,
    a_x: np.ndarray,
    z_b: np.ndarray,
    a_b: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The multipliers of a layer's outputs times its rescale multipliers.

    Parameters
    ----------
    activation : Activation
        The layer's activation (asked for ``piecewise_linear`` and ``derivative``).
    multipliers : ndarray of shape (c or 1, b or 1, k, h)
        Multipliers of the ``k`` explained outputs with respect to the activations.
    z_x, a_x : ndarray of shape (c, h)
        Pre-activations and activations of the explained rows.
    z_b, a_b : ndarray of shape (b, h)
        The same for the background rows.
    out : ndarray of shape (c, b, k, h), optional
        Where to write the result (C-contiguous float64; ``multipliers`` itself
        works). By default a new array.

    Returns
    -------
    ndarray of shape (c, b, k, h)
        ``multipliers * rescale(...)[:, :, None, :]``: with :func:`_jit.enabled`
        one fused pass (no (c, b, h) temporaries), else the numpy reference; the
        same floats either way.
    """
    if not _jit.enabled():
        r = _rescale_numpy(activation, z_x, a_x, z_b, a_b)
        return np.multiply(multipliers, r[:, :, None, :], out=out)
    # The end derivatives cost O((c + b) h); the kernel uses them only where a
    # pair's step is too small for its secant. C-contiguous float64 arrays only:
    # one compiled signature.
    x_side = [_contiguous(v) for v in (z_x, a_x, activation.derivative(a_x, z_x))]
    b_side = [_contiguous(v) for v in (z_b, a_b, activation.derivative(a_b, z_b))]
    if out is None:
        out = np.empty((z_x.shape[0], z_b.shape[0], *multipliers.shape[2:]))
    multipliers = _contiguous(multipliers)
    exact_kinks = bool(getattr(activation, "piecewise_linear", False))
    _rescale_kernel(multipliers, *x_side, *b_side, exact_kinks, _SMOOTH_STEP, out)
    return out


def _contiguous(array: np.ndarray) -> np.ndarray:
    """``array`` as C-contiguous float64 (itself when it already is)."""
    return np.ascontiguousarray(array, dtype=np.float64)


def _rescale_numpy(
    activation: Any,
    z_x: np.ndarray,
    a_x: np.ndarray,
    z_b: np.ndarray,
    a_b: np.ndarray,
) -> np.ndarray:
    """The numpy reference of :func:`rescale` (and its fallback without numba)."""
    dz = z_x[:, None, :] - z_b[None, :, :]
    da = a_x[:, None, :] - a_b[None, :, :]
    if getattr(activation, "piecewise_linear", False):
        # Well-conditioned secants (no cancellation): only a zero step needs help.
        small = dz == 0
    else:
        scale = 1 + np.abs(z_x)[:, None, :] + np.abs(z_b)[None, :, :]
        small = np.abs(dz) < _SMOOTH_STEP * scale
    r = np.divide(da, dz, out=np.empty_like(da), where=~small)
    if small.any():
        d_x = activation.derivative(a_x, z_x)[:, None, :]
        d_b = activation.derivative(a_b, z_b)[None, :, :]
        trapezoid = np.broadcast_to((d_x + d_b) / 2, r.shape)
        r[small] = trapezoid[small]
    return r


@_jit.kernel(nogil=True, error_model="numpy")
def _rescale_kernel(m, z_x, a_x, d_x, z_b, a_b, d_b, exact_kinks, step, out):
    """``out = m * r`` with ``r`` as :func:`_rescale_numpy` computes it, in one pass.

    ``r[i, j, u]`` is the secant of pair (i, j) at unit u, or the trapezoid
    ``(d_x + d_b) / 2`` where the step is zero (``exact_kinks``) or below
    ``step * (1 + |z_x| + |z_b|)``: the reference's operations in the same order,
    so the same floats. ``m`` has 1 or c rows and 1 or b background rows (a
    broadcast axis); ``out`` may be ``m`` itself when ``m`` is full size.
    """
    n_units = z_x.shape[1]
    r = np.empty(n_units)
    for i in range(z_x.shape[0]):
        mi = i if m.shape[0] > 1 else 0
        for j in range(z_b.shape[0]):
            mj = j if m.shape[1] > 1 else 0
            for u in range(n_units):
                dz = z_x[i, u] - z_b[j, u]
                if exact_kinks:
                    small = dz == 0
                else:
                    small = abs(dz) < step * (1 + abs(z_x[i, u]) + abs(z_b[j, u]))
                if small:
                    r[u] = (d_x[i, u] + d_b[j, u]) / 2
                else:
                    r[u] = (a_x[i, u] - a_b[j, u]) / dz
            for k in range(m.shape[2]):
                for u in range(n_units):
                    out[i, j, k, u] = m[mi, mj, k, u] * r[u]


def softmax_link_multipliers(
    raw_x: np.ndarray, raw_b: np.ndarray, W_out: np.ndarray
) -> np.ndarray:
    """Multipliers of the probabilities with respect to the last hidden layer.

    Parameters
    ----------
    raw_x : ndarray of shape (c, K)
        Logits of the explained rows.
    raw_b : ndarray of shape (b, K)
        Logits of the background rows.
    W_out : ndarray of shape (K, h)
        The output layer's weights, transposed (d logits / d last hidden layer).

    Returns
    -------
    ndarray of shape (c, b, K, h)
        ``_softmax_multipliers(raw_x, raw_b) @ W_out``: one fused pass over the
        pairs when :func:`skweights._jit.enabled` (no (c, b, K, K) array), else
        the numpy reference; the two agree to rounding (the kernel's ``exp`` and
        sums round differently from numpy's).
    """
    if not _jit.enabled():
        return _softmax_multipliers(raw_x, raw_b) @ W_out
    raw_x, raw_b, W_out = _contiguous(raw_x), _contiguous(raw_b), _contiguous(W_out)
    p_x, p_b = softmax(raw_x, axis=-1), softmax(raw_b, axis=-1)
    out = np.empty((raw_x.shape[0], raw_b.shape[0], *W_out.shape))
    _softmax_kernel(raw_x, raw_b, p_x, p_b, _NODES, _WEIGHTS, W_out, out)
    return out


def _softmax_multipliers(raw_x: np.ndarray, raw_b: np.ndarray) -> np.ndarray:
    """Average softmax Jacobian along each segment, corrected to be exact.

    Returns ``C`` of shape (c, b, K, K) with ``C[i, j] @ (raw_x[i] - raw_b[j])``
    equal to ``softmax(raw_x[i]) - softmax(raw_b[j])`` (the numpy reference of
    :func:`softmax_link_multipliers`).
    """
    dz = raw_x[:, None, :] - raw_b[None, :, :]
    C = np.zeros((*dz.shape, dz.shape[-1]))
    for t, w in zip(_NODES, _WEIGHTS):
        p = softmax(raw_b[None, :, :] + t * dz, axis=-1)
        # J = diag(p) - p p^T, weighted by the quadrature weight.
        C -= w * p[..., :, None] * p[..., None, :]
        diagonal = np.einsum("...kk->...k", C)
        diagonal += w * p
    dp = softmax(raw_x, axis=-1)[:, None, :] - softmax(raw_b, axis=-1)[None, :, :]
    residual = dp - np.einsum("cbkj,cbj->cbk", C, dz)
    # Softmax ignores a common shift of the logits, so the correction uses the
    # centred step; sum_j centred_j * dz_j = ||centred||^2 keeps it exact.
    centred = dz - dz.mean(axis=-1, keepdims=True)
    norm2 = np.einsum("cbj,cbj->cb", centred, centred)
    direction = np.divide(
        centred,
        norm2[..., None],
        out=np.zeros_like(centred),
        where=norm2[..., None] > 0,
    )
    C += residual[..., :, None] * direction[..., None, :]
    return C


@_jit.kernel(nogil=True, error_model="numpy")
def _softmax_kernel(raw_x, raw_b, p_x, p_b, nodes, weights, W_out, out):
    """:func:`_softmax_multipliers` times ``W_out``, one pair at a time.

    ``p_x`` and ``p_b`` are the softmax of ``raw_x`` and ``raw_b``; ``out[i, j]``
    receives the pair's corrected average Jacobian times ``W_out``.
    """
    n_outputs, n_units = W_out.shape
    dz = np.empty(n_outputs)
    p = np.empty(n_outputs)
    centred = np.empty(n_outputs)
    C = np.empty((n_outputs, n_outputs))
    for i in range(raw_x.shape[0]):
        for j in range(raw_b.shape[0]):
            for k in range(n_outputs):
                dz[k] = raw_x[i, k] - raw_b[j, k]
                for b in range(n_outputs):
                    C[k, b] = 0.0
            for node in range(nodes.shape[0]):
                t, w = nodes[node], weights[node]
                largest = -np.inf
                for k in range(n_outputs):
                    p[k] = raw_b[j, k] + t * dz[k]
                    if p[k] > largest:
                        largest = p[k]
                total = 0.0
                for k in range(n_outputs):
                    p[k] = np.exp(p[k] - largest)
                    total += p[k]
                for k in range(n_outputs):
                    p[k] /= total
                for a in range(n_outputs):
                    for b in range(n_outputs):
                        C[a, b] -= w * p[a] * p[b]
                    C[a, a] += w * p[a]
            mean = 0.0
            for k in range(n_outputs):
                mean += dz[k]
            mean /= n_outputs
            norm2 = 0.0
            for k in range(n_outputs):
                centred[k] = dz[k] - mean
                norm2 += centred[k] * centred[k]
            for a in range(n_outputs):
                residual = p_x[i, a] - p_b[j, a]
                for b in range(n_outputs):
                    residual -= C[a, b] * dz[b]
                if norm2 > 0:
                    for b in range(n_outputs):
                        C[a, b] += residual * (centred[b] / norm2)
                for u in range(n_units):
                    product = 0.0
                    for b in range(n_outputs):
                        product += C[a, b] * W_out[b, u]
                    out[i, j, a, u] = product


def deep_shap(
    coefs: Sequence[np.ndarray],
    intercepts: Sequence[np.ndarray],
    activation: Any,
    X: np.ndarray,
    background: np.ndarray,
    link: str = "identity",
    budget: int = BUDGET,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """DeepSHAP values of a network, in float64.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The network (the last layer linear).
    activation : Activation
        The hidden layers' activation.
    X : ndarray of shape (n_samples, n_features)
        Rows to explain.
    background : ndarray of shape (n_background, n_features)
        Reference rows.
    link : {"identity", "logistic", "exp", "softmax"}, default="identity"
        The output explained: the raw output, or it through the link.
    budget : int, default=BUDGET
        Largest number of floats in one intermediate array.
    weights : ndarray of shape (n_background,), default=None
        Weights of the background rows, summing to one (the pairs' attributions
        and the base value become weighted means); ``None`` weighs them equally.

    Returns
    -------
    values : ndarray of shape (n_samples, n_features, n_outputs)
        SHAP values.
    base_value : ndarray of shape (n_outputs,)
        Mean explained output over the background.
    """
    coefs = [np.asarray(W, dtype=np.float64) for W in coefs]
    intercepts = [np.asarray(c, dtype=np.float64) for c in intercepts]
    X = np.asarray(X, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    pre_b, post_b, raw_b = forward_layers(coefs, intercepts, activation, background)
    if weights is None:
        base_value = link_output(raw_b, link).mean(axis=0)
        mean_b = background.mean(axis=0)
    else:
        base_value = weights @ link_output(raw_b, link)
        mean_b = weights @ background
    n_outputs = coefs[-1].shape[1]
    if len(coefs) == 1 and link == "identity":
        # Linear in x: the exact interventional values, (x - E[b]) * w.
        shift = X - mean_b
        return shift[:, :, None] * coefs[0][None, :, :], base_value
    n_background = background.shape[0]
    widest = max(max(W.shape) for W in coefs)
    chunk = max(1, budget // (n_background * n_outputs * widest))
    values = np.empty((X.shape[0], X.shape[1], n_outputs))
    for start in range(0, X.shape[0], chunk):
        rows = slice(start, start + chunk)
        values[rows] = _chunk_values(
            coefs,
            intercepts,
            activation,
            X[rows],
            background,
            pre_b,
            post_b,
            raw_b,
            link,
            weights,
        )
    return values, base_value


def _chunk_values(
    coefs, intercepts, activation, X, background, pre_b, post_b, raw_b, link, weights
):
    """DeepSHAP values of a few rows against every background row, (c, f, k)."""
    pre_x, post_x, raw_x = forward_layers(coefs, intercepts, activation, X)
    n_rows, n_background = X.shape[0], background.shape[0]
    W_out = coefs[-1].T  # (k, h): d raw / d last hidden layer
    if link == "identity":
        multipliers = W_out[None, None]
    elif link in _ELEMENTWISE_LINKS:
        # Binary or multilabel margins, or a log link: a 1-D nonlinearity on top
        # of each output.
        inverse = _ELEMENTWISE_LINKS[link]
        r = rescale(
            inverse, raw_x, link_output(raw_x, link), raw_b, link_output(raw_b, link)
        )
        multipliers = r[..., None] * W_out
    else:
        multipliers = softmax_link_multipliers(raw_x, raw_b, W_out)
    for layer in range(len(coefs) - 2, -1, -1):
        # (c, b, k, h); a full-size array of multipliers is a temporary: reuse it.
        full = multipliers.shape[:2] == (n_rows, n_background)
        m_z = rescale_multipliers(
            activation,
            multipliers,
            pre_x[layer],
            post_x[layer],
            pre_b[layer],
            post_b[layer],
            out=multipliers if full else None,
        )
        shape = m_z.shape
        # One 2-D product (a single BLAS call) instead of c * b small ones.
        multipliers = (m_z.reshape(-1, shape[-1]) @ coefs[layer].T).reshape(
            *shape[:-1], -1
        )
    dx = X[:, None, :] - background[None, :, :]  # (c, b, f)
    multipliers = np.broadcast_to(
        multipliers, (n_rows, n_background, *multipliers.shape[2:])
    )
    if weights is None:
        return np.einsum("cbkf,cbf->cfk", multipliers, dx) / n_background
    return np.einsum("cbkf,cbf->cfk", multipliers, dx * weights[:, None])


class _Expit:
    """The logistic link as an activation (for :func:`rescale`)."""

    piecewise_linear = False

    def derivative(self, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
        return a * (1 - a)


class _Exp:
    """The inverse log link as an activation (for :func:`rescale`)."""

    def derivative(self, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
        return a


_ELEMENTWISE_LINKS = {"logistic": _Expit(), "exp": _Exp()}
