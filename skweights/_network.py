"""The math of every skweights estimator: pure numpy forward and backward passes.

A network is two lists of arrays, ``coefs`` (``(n_in, n_out)`` per layer) and
``intercepts`` (``(n_out,)`` per layer). A linear model is the network with one layer.
The last layer is always linear: its output is the *raw* output (regression values,
logits or margins) and the loss applies the output link itself, which keeps the loss
numerically stable. Nothing here knows about estimators, batching or optimizers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot


def forward(
    coefs: Sequence[np.ndarray],
    intercepts: Sequence[np.ndarray],
    X: Any,
    activation: Any,
) -> list[np.ndarray]:
    """Run the network on ``X`` and return the output of every layer.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The weights and biases of each layer.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The input; a CSR matrix makes the first layer a sparse product.
    activation : Activation
        The hidden layers' activation (the last layer stays linear).

    Returns
    -------
    activations : list of ndarray
        ``[X, hidden_1, ..., raw_output]``; ``raw_output`` is pre-link.
    """
    activations = [X]
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = safe_sparse_dot(activations[-1], W, dense_output=True)
        z += b
        if i < last:
            activation.forward(z, out=z)
        activations.append(z)
    return activations


def backward(
    coefs: Sequence[np.ndarray],
    activations: Sequence[np.ndarray],
    delta: np.ndarray,
    activation: Any,
    coef_needed: Sequence[bool],
    intercept_needed: Sequence[bool],
) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
    """Back-propagate ``delta`` (the gradient w.r.t. the raw output) through the net.

    Parameters
    ----------
    coefs : list of ndarray
        The weights of each layer.
    activations : list of ndarray
        The output of :func:`forward` for the same batch.
    delta : ndarray of shape (n_samples, n_outputs)
        Gradient of the objective with respect to the raw output. Overwritten.
    activation : Activation
        The hidden layers' activation.
    coef_needed, intercept_needed : sequence of bool
        Which gradients to compute. Layers below the lowest needed gradient are not
        visited at all, so frozen early layers cost no backward work.

    Returns
    -------
    coef_grads, intercept_grads : list of ndarray or None
        ``None`` where a gradient was not needed.
    """
    n_layers = len(coefs)
    coef_grads: list[np.ndarray | None] = [None] * n_layers
    intercept_grads: list[np.ndarray | None] = [None] * n_layers
    needed = [c or b for c, b in zip(coef_needed, intercept_needed)]
    if not any(needed):
        return coef_grads, intercept_grads
    lowest = needed.index(True)
    for i in range(n_layers - 1, lowest - 1, -1):
        if coef_needed[i]:
            coef_grads[i] = safe_sparse_dot(activations[i].T, delta, dense_output=True)
        if intercept_needed[i]:
            intercept_grads[i] = delta.sum(axis=0)
        if i > lowest:
            delta = delta @ coefs[i].T
            activation.backprop(delta, activations[i])
    return coef_grads, intercept_grads


@dataclass(frozen=True)
class Objective:
    """The training objective of a network, without its data.

    ``J = sum_i s_i * loss_i + sum_layers penalty(W_layer)``, where ``s_i`` are the
    per-sample scales (``w_i / sum(w)`` for the full data set; see
    :func:`sample_scale`). Only the smooth part of the penalty enters the gradient;
    a non-smooth penalty is applied by the optimizer's proximal step.

    Parameters
    ----------
    activation : Activation
        Hidden activation.
    loss : Loss
        Output loss, on the raw output.
    penalty : Penalty
        Penalty on every weight matrix (never on intercepts).
    coef_trainable, intercept_trainable : tuple of bool
        Which arrays are trained (others are frozen: no gradient is computed).
    """

    activation: Any
    loss: Any
    penalty: Any
    coef_trainable: tuple[bool, ...]
    intercept_trainable: tuple[bool, ...]

    def penalty_value(self, coefs: Sequence[np.ndarray]) -> float:
        """Total penalty over all weight matrices."""
        return float(sum(self.penalty.value(W) for W in coefs))

    def smooth_value_and_grads(
        self,
        coefs: Sequence[np.ndarray],
        intercepts: Sequence[np.ndarray],
        X: Any,
        Y: np.ndarray,
        scale: np.ndarray,
    ) -> tuple[float, list[np.ndarray | None], list[np.ndarray | None]]:
        """Data term plus smooth penalty, and the gradients of the trainable arrays.

        Returns
        -------
        value : float
            The smooth part of the objective on this batch (the whole penalty when it
            is smooth; no penalty otherwise).
        coef_grads, intercept_grads : list of ndarray or None
            ``None`` for frozen arrays.
        """
        activations = forward(coefs, intercepts, X, self.activation)
        raw = activations[-1]
        value = float(np.dot(scale, self.loss.pointwise(Y, raw)))
        delta = self.loss.gradient(Y, raw)
        delta *= scale[:, None]
        coef_grads, intercept_grads = backward(
            coefs,
            activations,
            delta,
            self.activation,
            self.coef_trainable,
            self.intercept_trainable,
        )
        if self.penalty.smooth:
            value += self.penalty_value(coefs)
            for W, grad in zip(coefs, coef_grads):
                if grad is not None:
                    grad += self.penalty.grad(W)
        return value, coef_grads, intercept_grads


def sample_scale(sample_weight: np.ndarray, total_mean: float) -> np.ndarray:
    """Per-sample scales of a batch, so that its gradient is unbiased for ``J``.

    With ``total_mean`` the mean weight over the whole training set, a batch of size
    ``B`` uses ``w_i / (B * total_mean)``: its expectation is the gradient of the
    full weighted mean, and the penalty keeps the same strength for every batch size.
    """
    return sample_weight / (len(sample_weight) * total_mean)


def interleave(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> list:
    """``[W0, b0, W1, b1, ...]``: the flat parameter list optimizers work on."""
    return [array for pair in zip(coefs, intercepts) for array in pair]
