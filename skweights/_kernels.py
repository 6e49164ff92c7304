"""Fused numba kernels for the minibatch loop, and the plan that picks them.

The numpy code in ``_network.py`` and ``optimizers.py`` is the reference; these
kernels do the same arithmetic in fewer passes over memory (the products stay in
numpy/BLAS):

- a hidden layer's bias and activation, in place on ``X @ W`` (and a copy of the
  pre-activation for activations whose derivative needs it);
- a hidden layer's derivative times the back-propagated delta, with the column sums
  that are its bias gradient;
- the output layer's bias, the loss, the per-sample scaled gradient (written over the
  raw output) and its column sums;
- an L2 penalty's gradient ``c * W`` added to a weight gradient, with its squared norm;
- one element-wise optimizer step over the flat parameter array.

A component declares its fused form with two attributes, read here and nowhere else:
``fused`` (a key of one of the tables below, or None) and ``fused_parameter()`` (the
one number the kernel needs, e.g. LeakyReLU's slope; optimizers give their
validated hyper-parameters instead). :func:`plan` returns None, and the loop takes
the reference path, when numba is disabled or a component has no fused form.

Every kernel loops from 0 over whole contiguous arrays (rows of a 2-D array, or a
1-D array): loops over ``range(start, stop)`` of a slice did not vectorize. Scalars
are passed in the arrays' dtype, so float32 stays float32 arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _jit
from ._validation import check_real

__all__ = ["Plan", "plan"]

_FAST = {"nogil": True, "error_model": "numpy"}


# --------------------------------------------------------------------------------------
# Hidden layers: forward (bias + activation) and backward (derivative + bias gradient)
# Signatures: forward(z, b, pre, p), backward(delta, a, pre, p, bias_grad); ``pre`` is
# the pre-activation (written by forward, read by backward) for derivative_from="input"
# activations and an unused empty array otherwise; ``p`` is the activation's parameter.
# --------------------------------------------------------------------------------------


@_jit.kernel(**_FAST)
def _identity_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row = z[i]
        for j in range(row.shape[0]):
            row[j] += b[j]


@_jit.kernel(**_FAST)
def _identity_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row = delta[i]
        for j in range(row.shape[0]):
            bias_grad[j] += row[j]


@_jit.kernel(**_FAST)
def _relu_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row = z[i]
        for j in range(row.shape[0]):
            v = row[j] + b[j]
            row[j] = v if v > 0 else 0


@_jit.kernel(**_FAST)
def _relu_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, out = delta[i], a[i]
        for j in range(row.shape[0]):
            d = row[j] if out[j] > 0 else 0
            row[j] = d
            bias_grad[j] += d


@_jit.kernel(**_FAST)
def _leaky_relu_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row = z[i]
        for j in range(row.shape[0]):
            v = row[j] + b[j]
            row[j] = v if v >= 0 else v * p


@_jit.kernel(**_FAST)
def _leaky_relu_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, out = delta[i], a[i]
        for j in range(row.shape[0]):
            d = row[j] if out[j] > 0 else row[j] * p
            row[j] = d
            bias_grad[j] += d


@_jit.kernel(**_FAST)
def _tanh_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row = z[i]
        for j in range(row.shape[0]):
            row[j] = np.tanh(row[j] + b[j])


@_jit.kernel(**_FAST)
def _tanh_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, out = delta[i], a[i]
        for j in range(row.shape[0]):
            d = row[j] * (1 - out[j] * out[j])
            row[j] = d
            bias_grad[j] += d


@_jit.kernel(**_FAST)
def _logistic_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row = z[i]
        for j in range(row.shape[0]):
            row[j] = 1 / (1 + np.exp(-(row[j] + b[j])))


@_jit.kernel(**_FAST)
def _logistic_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, out = delta[i], a[i]
        for j in range(row.shape[0]):
            d = row[j] * ((1 - out[j]) * out[j])
            row[j] = d
            bias_grad[j] += d


@_jit.kernel(**_FAST)
def _softplus_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row = z[i]
        for j in range(row.shape[0]):
            v = row[j] + b[j]
            row[j] = max(v, 0) + np.log1p(np.exp(-abs(v)))


@_jit.kernel(**_FAST)
def _softplus_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, out = delta[i], a[i]
        for j in range(row.shape[0]):
            d = -(row[j] * np.expm1(-out[j]))
            row[j] = d
            bias_grad[j] += d


@_jit.kernel(**_FAST)
def _gelu_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row, before = z[i], pre[i]
        for j in range(row.shape[0]):
            v = row[j] + b[j]
            before[j] = v
            row[j] = v * (0.5 * math.erfc(-v * 0.7071067811865476))


@_jit.kernel(**_FAST)
def _gelu_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, before = delta[i], pre[i]
        for j in range(row.shape[0]):
            v = before[j]
            cdf = 0.5 * math.erfc(-v * 0.7071067811865476)
            d = row[j] * (np.exp(-0.5 * v * v) * v * 0.3989422804014327 + cdf)
            row[j] = d
            bias_grad[j] += d


@_jit.kernel(**_FAST)
def _silu_forward(z, b, pre, p):  # pragma: no cover - compiled
    for i in range(z.shape[0]):
        row, before = z[i], pre[i]
        for j in range(row.shape[0]):
            v = row[j] + b[j]
            before[j] = v
            row[j] = v * (1 / (1 + np.exp(-v)))


@_jit.kernel(**_FAST)
def _silu_backward(delta, a, pre, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    for i in range(delta.shape[0]):
        row, before = delta[i], pre[i]
        for j in range(row.shape[0]):
            v = before[j]
            sigma = 1 / (1 + np.exp(-v))
            d = row[j] * (((1 - sigma) * v + 1) * sigma)
            row[j] = d
            bias_grad[j] += d


#: ``activation.fused`` -> (forward, backward) kernels.
ACTIVATIONS = {
    "identity": (_identity_forward, _identity_backward),
    "relu": (_relu_forward, _relu_backward),
    "leaky_relu": (_leaky_relu_forward, _leaky_relu_backward),
    "tanh": (_tanh_forward, _tanh_backward),
    "logistic": (_logistic_forward, _logistic_backward),
    "softplus": (_softplus_forward, _softplus_backward),
    "gelu": (_gelu_forward, _gelu_backward),
    "silu": (_silu_forward, _silu_backward),
}


# --------------------------------------------------------------------------------------
# Output layer: bias + loss + scaled gradient (over the raw output) + bias gradient.
# Signature: loss(raw, b, Y, scale, p, bias_grad) -> sum_i scale_i * loss_i; on return
# raw holds delta = scale_i * d loss_i / d raw_i and bias_grad its column sums.
# --------------------------------------------------------------------------------------


@_jit.kernel(**_FAST)
def _squared_error(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j] - y[j]
            loss += r * r
            d = r * s
            row[j] = d
            bias_grad[j] += d
        total += s * (0.5 * loss)
    return total


@_jit.kernel(**_FAST)
def _log_loss(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j]
            loss += max(r, 0) - y[j] * r + np.log1p(np.exp(-abs(r)))
            d = (1 / (1 + np.exp(-r)) - y[j]) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


@_jit.kernel(**_FAST)
def _multinomial_log_loss(raw, b, Y, scale, p, bias_grad):  # pragma: no cover
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
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
        total += s * (np.log(norm) - dot + top * (1 - mass))
        for j in range(row.shape[0]):
            d = (row[j] / norm - y[j]) * s
            row[j] = d
            bias_grad[j] += d
    return total


@_jit.kernel(**_FAST)
def _poisson(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j]
            mu = np.exp(r)
            entropy = y[j] * np.log(y[j]) if y[j] != 0 else 0.0
            loss += mu - y[j] * r + entropy - y[j]
            d = (mu - y[j]) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


@_jit.kernel(**_FAST)
def _gamma(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j]
            ratio = y[j] * np.exp(-r)
            loss += ratio + r - np.log(y[j]) - 1
            d = (1 - ratio) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


@_jit.kernel(**_FAST)
def _tweedie(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    # Half Tweedie deviance of power p (0, or >= 1) with the log link, as
    # losses.TweedieLoss: the integer powers are its limits.
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j]
            mu = np.exp(r)
            if p == 0:
                loss += 0.5 * (mu - y[j]) * (mu - y[j])
            elif p == 1:
                entropy = y[j] * np.log(y[j]) if y[j] != 0 else 0.0
                loss += mu - y[j] * r + entropy - y[j]
            elif p == 2:
                loss += y[j] * np.exp(-r) + r - np.log(y[j]) - 1
            else:
                top = max(y[j], 0.0) ** (2 - p) / ((1 - p) * (2 - p))
                low = np.exp((1 - p) * r)
                loss += np.exp((2 - p) * r) / (2 - p) - y[j] * low / (1 - p) + top
            d = np.exp((1 - p) * r) * (mu - y[j]) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


@_jit.kernel(**_FAST)
def _huber(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j] - y[j]
            size = abs(r)
            loss += 0.5 * size * size if size <= p else p * size - 0.5 * p * p
            d = min(max(r, -p), p) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


@_jit.kernel(**_FAST)
def _quantile(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = y[j] - (row[j] + b[j])
            loss += p * r if r >= 0 else (p - 1) * r
            d = (-p if r > 0 else 1 - p) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


@_jit.kernel(**_FAST)
def _absolute_error(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
    bias_grad[:] = 0
    total = 0.0
    for i in range(raw.shape[0]):
        row, y, s = raw[i], Y[i], scale[i]
        loss = 0.0
        for j in range(row.shape[0]):
            r = row[j] + b[j] - y[j]
            loss += abs(r)
            d = np.sign(r) * s
            row[j] = d
            bias_grad[j] += d
        total += s * loss
    return total


#: ``loss.fused`` -> kernel.
LOSSES = {
    "squared_error": _squared_error,
    "log_loss": _log_loss,
    "multinomial_log_loss": _multinomial_log_loss,
    "poisson": _poisson,
    "gamma": _gamma,
    "tweedie": _tweedie,
    "huber": _huber,
    "quantile": _quantile,
    "absolute_error": _absolute_error,
}


# --------------------------------------------------------------------------------------
# Penalty gradient and norms; optimizer steps over 1-D contiguous arrays
# --------------------------------------------------------------------------------------


# Reassociation lets the sum of squares vectorize; it changes only the reported norm's
# last bits (the gradient itself is computed exactly as the reference does).
@_jit.kernel(**_FAST, fastmath={"reassoc"})
def _add_l2_and_square(grad, weights, l2):  # pragma: no cover - compiled
    """``grad += l2 * weights`` (when ``l2``); return ``sum(grad ** 2)`` in float64."""
    total = 0.0
    if l2 != 0:
        for k in range(grad.shape[0]):
            g = grad[k] + l2 * weights[k]
            grad[k] = g
            total += g * g
    else:
        for k in range(grad.shape[0]):
            total += grad[k] * grad[k]
    return total


@_jit.kernel(**_FAST)
def _sgd(p, g, v, lr, momentum, nesterov):  # pragma: no cover - compiled
    if momentum == 0:
        for k in range(p.shape[0]):
            step = g[k] * lr
            v[k] = step
            p[k] -= step
    else:
        for k in range(p.shape[0]):
            velocity = v[k] * momentum + g[k]
            v[k] = velocity
            direction = velocity * momentum + g[k] if nesterov else velocity
            p[k] -= direction * lr


@_jit.kernel(**_FAST)
def _adam(p, g, m, v, lr_hat, one_b1, one_b2, root_correction, eps):  # pragma: no cover
    for k in range(p.shape[0]):
        gk = g[k]
        mk = m[k] + (gk - m[k]) * one_b1
        vk = v[k] + (gk * gk - v[k]) * one_b2
        m[k] = mk
        v[k] = vk
        p[k] -= mk / (np.sqrt(vk) * root_correction + eps) * lr_hat


@_jit.kernel(**_FAST)
def _rmsprop(p, g, v, b, lr, one_rho, eps, momentum):  # pragma: no cover - compiled
    for k in range(p.shape[0]):
        gk = g[k]
        vk = v[k] + (gk * gk - v[k]) * one_rho
        v[k] = vk
        denominator = np.sqrt(vk) + eps
        if momentum != 0:
            bk = b[k] * momentum + gk / denominator
            b[k] = bk
            p[k] -= bk * lr
        else:
            p[k] -= gk / denominator * lr


@_jit.kernel(**_FAST)
def _adagrad(p, g, accumulator, lr, eps):  # pragma: no cover - compiled
    for k in range(p.shape[0]):
        gk = g[k]
        total = accumulator[k] + gk * gk
        accumulator[k] = total
        p[k] -= gk / (np.sqrt(total) + eps) * lr


@_jit.kernel(**_FAST)
def _lion(p, g, m, lr, one_b1, one_b2):  # pragma: no cover - compiled
    for k in range(p.shape[0]):
        gk, mk = g[k], m[k]
        c = mk + (gk - mk) * one_b1
        p[k] -= np.sign(c) * lr
        m[k] = mk + (gk - mk) * one_b2


def _sgd_update(param, grad, state, lr, hyper):
    momentum, nesterov = hyper
    dtype = param.dtype.type
    _sgd(param, grad, state.velocity[0], dtype(lr), dtype(momentum), nesterov)
    return state._replace(count=state.count + 1)


def _adam_update(param, grad, state, lr, hyper):
    beta_1, beta_2, epsilon, weight_decay = hyper
    if weight_decay != 0.0:  # decay spares biases: never on one flat array
        raise ValueError("the fused Adam step has no weight decay")
    count = state.count + 1
    dtype = param.dtype.type
    _adam(
        param,
        grad,
        state.mu[0],
        state.nu[0],
        dtype(lr / (1.0 - beta_1**count)),
        dtype(1.0 - beta_1),
        dtype(1.0 - beta_2),
        dtype(1.0 / math.sqrt(1.0 - beta_2**count)),
        dtype(epsilon),
    )
    return state._replace(count=count)


def _rmsprop_update(param, grad, state, lr, hyper):
    rho, epsilon, momentum = hyper
    dtype = param.dtype.type
    _rmsprop(
        param,
        grad,
        state.nu[0],
        state.velocity[0],
        dtype(lr),
        dtype(1.0 - rho),
        dtype(epsilon),
        dtype(momentum),
    )
    return state._replace(count=state.count + 1)


def _adagrad_update(param, grad, state, lr, hyper):
    epsilon, _ = hyper
    dtype = param.dtype.type
    _adagrad(param, grad, state.sum_of_squares[0], dtype(lr), dtype(epsilon))
    return state._replace(count=state.count + 1)


def _lion_update(param, grad, state, lr, hyper):
    beta_1, beta_2 = hyper
    dtype = param.dtype.type
    _lion(param, grad, state.mu[0], dtype(lr), dtype(1.0 - beta_1), dtype(1.0 - beta_2))
    return state._replace(count=state.count + 1)


#: ``optimizer.fused`` -> ``update(flat_param, flat_grad, state, lr, hyper) -> state``
#: on the one flat array of an element-wise optimizer's fused layout.
OPTIMIZERS = {
    "sgd": _sgd_update,
    "adam": _adam_update,
    "rmsprop": _rmsprop_update,
    "adagrad": _adagrad_update,
    "lion": _lion_update,
}


# --------------------------------------------------------------------------------------
# Declaring a fused form, and the plan of one fit
# --------------------------------------------------------------------------------------


def forget_fused_form(cls: type, rules: tuple[str, ...]) -> None:
    """Reset ``cls.fused`` to None when ``cls`` redefines a rule but not ``fused``.

    Called by the components' ``__init_subclass__``: a subclass that changes the
    math (e.g. a ReLU with another ``_forward``) must not inherit its parent's
    kernel; it takes the reference path unless it declares a fused form itself.
    """
    if "fused" not in vars(cls) and any(rule in vars(cls) for rule in rules):
        cls.fused = None


@dataclass(frozen=True)
class Plan:
    """The kernels of one fit, bound to their components' parameters.

    Attributes
    ----------
    keeps_pre : bool
        Whether the activation's derivative needs each hidden pre-activation.
    optimizer : tuple or None
        The fused optimizer step (with the optimizer's name and hyper-parameters)
        that :meth:`update` runs on the flat arrays; None when the parameters are
        not fused or the optimizer has no fused form.
    """

    dtype: Any
    activation: tuple
    loss: tuple
    keeps_pre: bool
    optimizer: tuple | None

    def forward(self, z: np.ndarray, b: np.ndarray, pre: np.ndarray) -> None:
        """``z = f(z + b)`` in place (``pre = z + b`` when kept)."""
        kernel, parameter = self.activation[0], self.activation[2]
        kernel(z, b, pre, parameter)

    def backward(self, delta, a, pre, bias_grad) -> None:
        """``delta *= f'`` in place; ``bias_grad`` = its column sums."""
        kernel, parameter = self.activation[1], self.activation[2]
        kernel(delta, a, pre, parameter, bias_grad)

    def loss_and_delta(self, raw, b, Y, scale, bias_grad) -> float:
        """Add ``b`` to ``raw``, return the scaled loss; ``raw`` becomes the delta."""
        kernel, parameter = self.loss
        return kernel(raw, b, Y, scale, parameter, bias_grad)

    def penalize_and_square(self, grad: np.ndarray, W: np.ndarray, l2: float):
        """``grad += l2 * W``; return ``sum(grad ** 2)`` (float64).

        Returns None, and changes nothing, when an array is not C-contiguous.
        """
        if not (grad.flags.c_contiguous and W.flags.c_contiguous):
            return None
        square = _add_l2_and_square.compiled()
        return square(grad.reshape(-1), W.reshape(-1), self.dtype(l2))

    def update(self, param, grad, state, learning_rate: float) -> Any:
        """One optimizer step on the flat arrays; the new state (see the class)."""
        step, owner, hyper = self.optimizer
        lr = check_real(owner, "learning_rate", learning_rate, 0.0)
        return step(param, grad, state, lr, hyper)


def _fused(component: Any, table: dict) -> Any:
    """The component's kernel entry, or None when it declares no known form."""
    name = getattr(component, "fused", None)
    return table.get(name) if isinstance(name, str) else None


def plan(objective: Any, optimizer: Any, dtype: Any, flat: bool) -> Plan | None:
    """The kernels for this fit, or None for the numpy reference path.

    Parameters
    ----------
    objective : Objective
        Its activation and loss must both declare a fused form.
    optimizer : Optimizer or None
        Its fused step is used when ``flat`` (one flat parameter array) and it
        declares one; otherwise the optimizer's own ``update`` runs.
    dtype : dtype
        The training dtype (float32 or float64).
    flat : bool
        Whether the parameters live in one flat array.

    Returns
    -------
    Plan or None
        None when numba is disabled or unavailable, or a component has no fused form.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64) or not _jit.enabled():
        return None
    activation, loss = objective.activation, objective.loss
    hidden, output = _fused(activation, ACTIVATIONS), _fused(loss, LOSSES)
    if hidden is None or output is None:
        return None
    step = _fused(optimizer, OPTIMIZERS) if flat else None
    scalar = dtype.type
    # numba's dispatchers themselves: the batch loop calls them without a wrapper.
    hidden = tuple(kernel.compiled() for kernel in hidden)
    return Plan(
        dtype=scalar,
        activation=(*hidden, scalar(activation.fused_parameter())),
        loss=(output.compiled(), scalar(loss.fused_parameter())),
        keeps_pre=getattr(activation, "derivative_from", "output") == "input",
        optimizer=None
        if step is None
        else (step, type(optimizer).__name__, optimizer.fused_parameter()),
    )
