"""Numba kernels generated from the components' scalar rules, and the plan of a fit.

The numpy code in ``_network.py`` and the components' methods is the reference;
these kernels do the same arithmetic in fewer passes over memory (the products stay
in numpy/BLAS). Each kernel is one algorithm shape, written once here, that calls a
component's own *scalar rule*: a static method on the component's class, in plain
arithmetic and ``math``/numpy scalar functions, which numba compiles and inlines.

============================  =====================================================
shape                         the component's rule
============================  =====================================================
hidden layer, forward:        ``activation.scalar_forward(v, p)``: ``f(v)`` of one
``z = f(z + b)`` in place     pre-activation ``v = z + b`` (kept in ``pre`` when
                              ``derivative_from == "input"``)
hidden layer, backward:       ``activation.scalar_backprop(delta, x, p)``: ``delta``
``delta`` times ``f'``, and   times ``f'``, with ``x`` the output ``a`` (or ``v``
its column sums               when ``derivative_from == "input"``)
output layer: bias, loss,     ``loss.scalar_loss(v, y, p) -> (term, gradient)`` of
scaled gradient (written      one element, and ``loss.scalar_total(sum, p)`` the
over the raw output) and      row's loss from the sum of its terms; or a row-wise
its column sums               ``loss.row_loss(row, b, y, s, p, bias_grad)``
one step over the flat        ``optimizer.scalar_step(p, g, *slots, coefficients)
parameter array               -> (p, *slots)`` of one coordinate, with
                              ``optimizer.scalar_coefficients(hyper, lr, count)``
                              the tuple of the step's numbers
============================  =====================================================

``p`` is the component's ``scalar_parameter()`` (LeakyReLU's slope, Huber's
epsilon; 0 when it has none); an optimizer's ``scalar_parameter()`` is its
validated hyper-parameters, which ``scalar_coefficients`` turns into each step's
numbers. An L2 penalty's gradient ``c * W`` added to a weight gradient, with its
squared norm, is one more kernel (no component rule).

:func:`plan` returns None, and the loop takes the numpy reference path, when numba
is disabled or the activation or loss has no scalar rule; an optimizer without one
runs its own ``update``. Nothing requires a component to have a rule. A subclass
that redefines a numpy rule keeps only the scalar rules it declares itself
(:func:`forget_scalar_rules`).

Each kernel is generated once per rule and compiled by numba once per dtype, on
first use, so a fit compiles only what it uses; the on-disk cache is keyed to the
rule's code. Every kernel loops from 0 over whole contiguous arrays (rows of a 2-D
array, or a 1-D array): loops over ``range(start, stop)`` of a slice did not
vectorize. Scalars are passed in the arrays' dtype, so float32 stays float32
arithmetic.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _jit
from ._validation import check_real

__all__ = ["Plan", "forget_scalar_rules", "plan"]

_FAST = {"nogil": True, "error_model": "numpy"}


# --------------------------------------------------------------------------------------
# Shapes. Each generator returns the Python source of a kernel as a closure over the
# rule (registered with numba by _jit.scalar_rule) and ``version``, a digest of the
# rule's code: numba's on-disk cache hashes a closure's cells, so a changed rule
# compiles anew instead of loading the kernel of its old code.
# --------------------------------------------------------------------------------------


def _hidden_forward(forward: Callable, keep_input: bool, version: str) -> Callable:
    """``z = f(z + b)`` in place; ``pre = z + b`` too when ``keep_input``."""

    def kernel(z, b, pre, p):  # pragma: no cover - compiled
        version  # noqa: B018 - a cell of the closure (see above)
        for i in range(z.shape[0]):
            row = z[i]
            before = pre[i] if keep_input else row
            for j in range(row.shape[0]):
                v = row[j] + b[j]
                if keep_input:  # a constant of the closure: compiled away
                    before[j] = v
                row[j] = forward(v, p)

    return kernel


def _hidden_backward(backprop: Callable, version: str) -> Callable:
    """``delta = delta * f'`` in place (from ``x``, ``a`` or ``z``); its column sums."""

    def kernel(delta, x, p, bias_grad):  # pragma: no cover - compiled
        version  # noqa: B018
        bias_grad[:] = 0
        for i in range(delta.shape[0]):
            row, at = delta[i], x[i]
            for j in range(row.shape[0]):
                d = backprop(row[j], at[j], p)
                row[j] = d
                bias_grad[j] += d

    return kernel


def _output_elementwise(loss: Callable, total: Callable, version: str) -> Callable:
    """Bias, loss and scaled gradient of each element; ``sum_i s_i * loss_i``."""

    def kernel(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
        version  # noqa: B018
        bias_grad[:] = 0
        result = 0.0
        for i in range(raw.shape[0]):
            row, y, s = raw[i], Y[i], scale[i]
            terms = 0.0
            for j in range(row.shape[0]):
                term, gradient = loss(row[j] + b[j], y[j], p)
                terms += term
                d = gradient * s
                row[j] = d
                bias_grad[j] += d
            result += s * total(terms, p)
        return result

    return kernel


def _output_rowwise(row_loss: Callable, version: str) -> Callable:
    """The row rule on each row; ``sum_i s_i * loss_i``."""

    def kernel(raw, b, Y, scale, p, bias_grad):  # pragma: no cover - compiled
        version  # noqa: B018
        bias_grad[:] = 0
        result = 0.0
        for i in range(raw.shape[0]):
            s = scale[i]
            result += s * row_loss(raw[i], b, Y[i], s, p, bias_grad)
        return result

    return kernel


_MAX_SLOTS = 3


def _flat_step(step: Callable, n_slots: int, version: str) -> Callable:
    """One step over a flat array with ``n_slots`` state arrays (0 to 3)."""

    def kernel0(p, g, *c):  # pragma: no cover - compiled
        version  # noqa: B018
        for k in range(p.shape[0]):
            (p[k],) = step(p[k], g[k], c)

    def kernel1(p, g, s, *c):  # pragma: no cover - compiled
        version  # noqa: B018
        for k in range(p.shape[0]):
            p[k], s[k] = step(p[k], g[k], s[k], c)

    def kernel2(p, g, s, t, *c):  # pragma: no cover - compiled
        version  # noqa: B018
        for k in range(p.shape[0]):
            p[k], s[k], t[k] = step(p[k], g[k], s[k], t[k], c)

    def kernel3(p, g, s, t, u, *c):  # pragma: no cover - compiled
        version  # noqa: B018
        for k in range(p.shape[0]):
            p[k], s[k], t[k], u[k] = step(p[k], g[k], s[k], t[k], u[k], c)

    return (kernel0, kernel1, kernel2, kernel3)[n_slots]


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


# --------------------------------------------------------------------------------------
# Generated kernels, one per shape and rule (numba then compiles one per dtype)
# --------------------------------------------------------------------------------------

_generated: dict[tuple, Callable] = {}
_lock = threading.Lock()


def _version(rules: tuple[Callable, ...]) -> str:
    """A digest of the rules' code (bytecode, constants, names, lines)."""
    digest = hashlib.sha256()
    for rule in rules:
        digest.update(marshal.dumps(rule.__code__))
    return digest.hexdigest()


def _generate(shape: Callable, rules: tuple[Callable, ...], *flags: Any) -> Callable:
    """The numba dispatcher of ``shape`` over ``rules``, made once per key."""
    key = (shape, rules, flags)
    kernel = _generated.get(key)
    if kernel is None:
        with _lock:
            kernel = _generated.get(key)
            if kernel is None:
                for rule in rules:
                    _jit.scalar_rule(rule)
                source = shape(*rules, *flags, _version(rules))
                kernel = _jit.kernel(**_FAST)(source).compiled()
                _generated[key] = kernel
    return kernel


def _rule(component: Any, name: str) -> Callable | None:
    """The component's scalar rule ``name`` (a function), or None."""
    rule = getattr(component, name, None)
    return rule if callable(rule) else None


def _activation_kernels(activation: Any) -> tuple[Callable, Callable] | None:
    forward = _rule(activation, "scalar_forward")
    backprop = _rule(activation, "scalar_backprop")
    if forward is None or backprop is None:
        return None
    keep_input = getattr(activation, "derivative_from", "output") == "input"
    return (
        _generate(_hidden_forward, (forward,), keep_input),
        _generate(_hidden_backward, (backprop,)),
    )


def _loss_kernel(loss: Any) -> Callable | None:
    row_loss = _rule(loss, "row_loss")
    if row_loss is not None:
        return _generate(_output_rowwise, (row_loss,))
    element, total = _rule(loss, "scalar_loss"), _rule(loss, "scalar_total")
    if element is None or total is None:
        return None
    return _generate(_output_elementwise, (element, total))


def _optimizer_step(optimizer: Any) -> tuple | None:
    """``(kernel, coefficients, hyper, owner)`` for :meth:`Plan.update`, or None."""
    step = _rule(optimizer, "scalar_step")
    coefficients = _rule(optimizer, "scalar_coefficients")
    fields = getattr(getattr(optimizer, "State", None), "_fields", None)
    if step is None or coefficients is None or not fields:
        return None
    n_slots = len(fields) - 1  # the fields after ``count``
    if n_slots > _MAX_SLOTS:
        return None
    kernel = _generate(_flat_step, (step,), n_slots)
    hyper = optimizer.scalar_parameter()
    return kernel, coefficients, hyper, type(optimizer).__name__


def forget_scalar_rules(
    cls: type, root: type, rules: tuple[str, ...], scalar_rules: tuple[str, ...]
) -> None:
    """Give ``cls`` ``root``'s scalar rules back when it redefines a numpy rule.

    Called by the components' ``__init_subclass__``: a subclass that changes the
    math (e.g. a ReLU with another ``_forward``) must not inherit its parent's
    scalar rules; it keeps only those it declares itself (none: the reference path).

    Parameters
    ----------
    cls : type
        The new subclass.
    root : type
        The base class whose (rule-less) defaults ``cls`` gets back.
    rules : tuple of str
        The names of the numpy rule methods.
    scalar_rules : tuple of str
        The names of the scalar rules.
    """
    if any(rule in vars(cls) for rule in rules):
        for name in scalar_rules:
            if name not in vars(cls):
                setattr(cls, name, vars(root)[name])


# --------------------------------------------------------------------------------------
# The plan of one fit
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The kernels of one fit, bound to their components' parameters.

    Attributes
    ----------
    keeps_pre : bool
        Whether the activation's derivative needs each hidden pre-activation.
    optimizer : tuple or None
        The generated optimizer step (with its coefficients rule, the optimizer's
        validated hyper-parameters and its name) that :meth:`update` runs on the
        flat arrays; None when the parameters are not flat or the optimizer has no
        scalar rule.
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
        kernel(delta, pre if self.keeps_pre else a, parameter, bias_grad)

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
        kernel, coefficients, hyper, owner = self.optimizer
        lr = check_real(owner, "learning_rate", learning_rate, 0.0)
        count = state.count + 1
        cast = self.dtype
        numbers = [
            cast(c) if isinstance(c, float) else c
            for c in coefficients(hyper, lr, count)
        ]
        kernel(param, grad, *[slot[0] for slot in state[1:]], *numbers)
        return state._replace(count=count)


def plan(objective: Any, optimizer: Any, dtype: Any, flat: bool) -> Plan | None:
    """The kernels for this fit, or None for the numpy reference path.

    Parameters
    ----------
    objective : Objective
        Its activation and loss must both have scalar rules.
    optimizer : Optimizer or None
        Its generated step is used when ``flat`` (one flat parameter array) and it
        has a scalar rule; otherwise the optimizer's own ``update`` runs.
    dtype : dtype
        The training dtype (float32 or float64).
    flat : bool
        Whether the parameters live in one flat array.

    Returns
    -------
    Plan or None
        None when numba is disabled or unavailable, or the activation or the loss
        has no scalar rule.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64) or not _jit.enabled():
        return None
    activation, loss = objective.activation, objective.loss
    hidden, output = _activation_kernels(activation), _loss_kernel(loss)
    if hidden is None or output is None:
        return None
    scalar = dtype.type
    return Plan(
        dtype=scalar,
        activation=(*hidden, scalar(activation.scalar_parameter())),
        loss=(output, scalar(loss.scalar_parameter())),
        keeps_pre=getattr(activation, "derivative_from", "output") == "input",
        optimizer=_optimizer_step(optimizer) if flat else None,
    )
