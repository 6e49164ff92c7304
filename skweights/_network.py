"""The math of every skweights estimator: pure numpy forward and backward passes.

A network is two lists of arrays, ``coefs`` (``(n_in, n_out)`` per layer) and
``intercepts`` (``(n_out,)`` per layer). A linear model is the network with one layer.
The last layer is always linear: its output is the *raw* output (regression values,
logits or margins) and the loss applies the output link itself, which keeps the loss
numerically stable. Nothing here knows about estimators, batching or optimizers.

When the training loop gives the :class:`Workspace` a plan of numba kernels
(``skweights._kernels``), :meth:`Objective.data_value_and_grads` runs the same math
through them (:func:`kernel_forward`, :func:`kernel_backward`); the functions below
stay the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot


def _dot(A: Any, B: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``A @ B`` into ``out`` when given; a sparse ``A`` goes through scipy."""
    if sp.issparse(A):
        product = safe_sparse_dot(A, B, dense_output=True)
        if out is None:
            return product
        out[...] = product
        return out
    return np.matmul(A, B, out=out)


def forward(
    coefs: Sequence[np.ndarray],
    intercepts: Sequence[np.ndarray],
    X: Any,
    activation: Any,
    out: Sequence[np.ndarray] | None = None,
    pre_activations: list[np.ndarray] | None = None,
    dropout: DropoutMasks | None = None,
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
    out : list of ndarray, optional
        One preallocated ``(n_samples, n_out)`` buffer per layer (the training loop
        reuses them across batches, so the hot loop allocates nothing).
    pre_activations : list, optional
        When given, each hidden layer's pre-activation ``z`` is appended to it (a
        copy), for activations whose derivative needs ``z``.
    dropout : DropoutMasks, optional
        Training only: the inputs of each layer are multiplied by its mask.

    Returns
    -------
    activations : list of ndarray
        ``[X, hidden_1, ..., raw_output]``; ``raw_output`` is pre-link (the
        inputs and hidden outputs as masked by ``dropout``).
    """
    activations = [X if dropout is None else dropout.mask_input(X)]
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = _dot(activations[-1], W, None if out is None else out[i])
        z += b
        if i < last:
            if pre_activations is not None:
                pre_activations.append(z.copy())
            activation.forward(z, out=z)
            if dropout is not None:
                dropout.mask_hidden(i + 1, z)
        activations.append(z)
    return activations


@dataclass
class DropoutMasks:
    """Inverted dropout for one batch: one mask per layer input, drawn by the loop.

    ``masks[i]`` multiplies the input of layer ``i`` (``i = 0``: the features,
    ``i >= 1``: hidden layer ``i``'s output), an array of 0 and ``1 / keeps[i]``
    (None: no dropout there), so the expected input is unchanged and predictions
    need no rescaling. The backward pass multiplies the same masks into the
    deltas, and divides a hidden output back by its scale before the activation's
    derivative reads it.
    """

    masks: list
    keeps: list

    def mask_input(self, X: Any) -> Any:
        """The masked features (a new array; CSR stays CSR)."""
        mask = self.masks[0]
        if mask is None:
            return X
        if sp.issparse(X):
            return sp.csr_matrix(X.multiply(mask))
        return X * mask

    def mask_hidden(self, layer: int, h: np.ndarray) -> None:
        """Mask hidden layer ``layer``'s output in place."""
        if self.masks[layer] is not None:
            h *= self.masks[layer]

    def through(self, layer: int, delta: np.ndarray, h: np.ndarray) -> None:
        """Mask the delta at layer ``layer``'s input, and unscale its output ``h``
        (in place) for the activation's derivative; dropped units have delta 0."""
        if layer < len(self.masks) and self.masks[layer] is not None:
            delta *= self.masks[layer]
            h *= self.keeps[layer]


def backward(
    coefs: Sequence[np.ndarray],
    activations: Sequence[np.ndarray],
    delta: np.ndarray,
    activation: Any,
    coef_needed: Sequence[bool],
    intercept_needed: Sequence[bool],
    workspace: Workspace | None = None,
    pre_activations: Sequence[np.ndarray] | None = None,
    dropout: DropoutMasks | None = None,
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
    workspace : Workspace, optional
        Preallocated gradient and delta buffers (reused by the training loop).
    pre_activations : list of ndarray, optional
        The hidden layers' pre-activations (see :func:`forward`), needed when the
        activation's derivative is computed from its input.
    dropout : DropoutMasks, optional
        The masks :func:`forward` used (the hidden outputs in ``activations`` are
        unscaled in place on the way down).

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
    n_rows = delta.shape[0]
    for i in range(n_layers - 1, lowest - 1, -1):
        if coef_needed[i]:
            buffer = None if workspace is None else workspace.coef_grads[i]
            coef_grads[i] = _coef_grad(activations[i], delta, buffer)
        if intercept_needed[i]:
            buffer = None if workspace is None else workspace.intercept_grads[i]
            # ones @ delta (BLAS) is far faster than delta.sum(axis=0) on tall arrays.
            ones = np.ones(n_rows, delta.dtype) if workspace is None else workspace.ones
            intercept_grads[i] = np.matmul(ones[:n_rows], delta, out=buffer)
        if i > lowest:
            buffer = None if workspace is None else workspace.deltas[i - 1][:n_rows]
            delta = np.matmul(delta, coefs[i].T, out=buffer)
            if dropout is not None:
                dropout.through(i, delta, activations[i])
            z = None if pre_activations is None else pre_activations[i - 1]
            activation.backprop(delta, activations[i], z)
    return coef_grads, intercept_grads


def _coef_grad(below: Any, delta: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``below.T @ delta``: a layer's weight gradient (``below`` may be sparse)."""
    if sp.issparse(below):
        return _dot(below.T, delta, out)
    return np.matmul(below.T, delta, out=out)


def kernel_forward(
    coefs: Sequence[np.ndarray],
    intercepts: Sequence[np.ndarray],
    X: Any,
    workspace: Workspace,
    dropout: DropoutMasks | None = None,
) -> list[np.ndarray]:
    """:func:`forward` through the workspace's kernels, up to the raw output.

    The products stay in numpy (BLAS); each hidden layer's bias and activation is one
    kernel call. The last layer's bias is left for the loss kernel, so the returned
    raw output is ``h @ W`` without it.
    """
    plan, n_rows = workspace.kernels, X.shape[0]
    activations = [X if dropout is None else dropout.mask_input(X)]
    for i, W in enumerate(coefs):
        z = _dot(activations[-1], W, workspace.activations[i][:n_rows])
        if i < len(coefs) - 1:
            plan.forward(z, intercepts[i], workspace.pre[i][:n_rows])
            if dropout is not None:
                dropout.mask_hidden(i + 1, z)
        activations.append(z)
    return activations


def kernel_backward(
    coefs: Sequence[np.ndarray],
    activations: Sequence[np.ndarray],
    delta: np.ndarray,
    objective: Objective,
    workspace: Workspace,
    dropout: DropoutMasks | None = None,
) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
    """:func:`backward` through the workspace's kernels.

    ``delta`` is the scaled gradient at the raw output, whose column sums (the last
    bias gradient) the loss kernel already wrote into the workspace; each hidden
    layer's derivative and bias gradient is then one kernel call.
    """
    n_layers, n_rows = len(coefs), delta.shape[0]
    coef_grads: list[np.ndarray | None] = [None] * n_layers
    intercept_grads: list[np.ndarray | None] = [None] * n_layers
    coef_needed, intercept_needed = (
        objective.coef_trainable,
        objective.intercept_trainable,
    )
    needed = [c or b for c, b in zip(coef_needed, intercept_needed)]
    if not any(needed):
        return coef_grads, intercept_grads
    lowest = needed.index(True)
    for i in range(n_layers - 1, lowest - 1, -1):
        if coef_needed[i]:
            coef_grads[i] = _coef_grad(activations[i], delta, workspace.coef_grads[i])
        if intercept_needed[i]:
            intercept_grads[i] = workspace.intercept_grads[i]
        if i > lowest:
            below = np.matmul(delta, coefs[i].T, out=workspace.deltas[i - 1][:n_rows])
            if dropout is not None:
                dropout.through(i, below, activations[i])
            workspace.kernels.backward(
                below,
                activations[i],
                workspace.pre[i - 1][:n_rows],
                workspace.intercept_grads[i - 1],
            )
            delta = below
    return coef_grads, intercept_grads


class Workspace:
    """Buffers for one batch size, reused by every batch of a training run.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, hidden..., n_outputs]``.
    batch_size : int
        The largest batch; smaller batches use leading row slices.
    dtype : dtype
        The training dtype.
    gather_rows : bool, default=False
        Also hold a ``(batch_size, n_features)`` block that dense batches are
        gathered into, so no copy of X is made.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        batch_size: int,
        dtype,
        gather_rows: bool = False,
    ) -> None:
        shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
        self.X = np.empty((batch_size, layer_sizes[0]), dtype) if gather_rows else None
        self.activations = [np.empty((batch_size, n), dtype) for _, n in shapes]
        self.deltas = [np.empty((batch_size, n), dtype) for _, n in shapes[:-1]]
        self.coef_grads = [np.empty(shape, dtype) for shape in shapes]
        self.intercept_grads = [np.empty(n, dtype) for _, n in shapes]
        self.scratch = [np.empty(shape, dtype) for shape in shapes]
        self.ones = np.ones(batch_size, dtype)
        self.flat_grads: list[np.ndarray] = []
        self.kernels: Any = None
        self.pre: list[np.ndarray] = []

    def use_kernels(self, plan: Any) -> None:
        """Run the batches through a plan of numba kernels (None: the reference).

        Activations whose derivative needs the pre-activation (``plan.keeps_pre``)
        get one more buffer per hidden layer; others get an empty placeholder.
        """
        self.kernels = plan
        hidden = self.activations[:-1]
        if plan is not None and plan.keeps_pre:
            self.pre = [np.empty_like(a) for a in hidden]
        else:
            self.pre = [np.empty((0, 0), self.ones.dtype) for _ in hidden]

    def flatten_gradients(self) -> None:
        """Make every gradient buffer a view into one flat array (``flat_grads``).

        The layout is ``[W0, b0, W1, b1, ...]``, that of the training loop's flat
        parameters, so one element-wise optimizer step covers the whole network.
        """
        arrays = interleave(self.coef_grads, self.intercept_grads)
        flat = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
        views, offset = [], 0
        for array in arrays:
            views.append(flat[offset : offset + array.size].reshape(array.shape))
            offset += array.size
        self.coef_grads, self.intercept_grads = views[0::2], views[1::2]
        self.flat_grads = [flat]

    def activation_buffers(self, n_rows: int) -> list[np.ndarray]:
        """Leading ``n_rows`` rows of each layer's output buffer."""
        return [a[:n_rows] for a in self.activations]


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
    penalty : Penalty or tuple of Penalty
        Penalty on every weight matrix (never on intercepts), or one per layer.
    coef_trainable, intercept_trainable : tuple of bool
        Which arrays are trained (others are frozen: no gradient is computed).

    Attributes
    ----------
    layer_penalties : tuple of Penalty
        The penalty of each layer's weights.
    smooth_penalty : bool
        Whether every layer's penalty is smooth (none is applied by a prox).
    """

    activation: Any
    loss: Any
    penalty: Any
    coef_trainable: tuple[bool, ...]
    intercept_trainable: tuple[bool, ...]

    def __post_init__(self) -> None:
        n_layers = len(self.coef_trainable)
        layers = (
            tuple(self.penalty)
            if isinstance(self.penalty, (list, tuple))
            else (self.penalty,) * n_layers
        )
        if len(layers) != n_layers:
            raise ValueError(
                f"got {len(layers)} penalties for a network of {n_layers} layers; "
                "pass one penalty per layer (input layer first), or a single one."
            )
        object.__setattr__(self, "layer_penalties", layers)
        object.__setattr__(self, "smooth_penalty", all(p.smooth for p in layers))
        # A penalty whose smooth gradient is c * W says so (linear_grad_scale):
        # resolve (and validate) c once, not at every batch. Others use their grad.
        object.__setattr__(self, "_l2_strengths", tuple(map(_linear_scale, layers)))
        linear = all(
            scale is not None or not penalty.smooth
            for scale, penalty in zip(self._l2_strengths, layers)
        )
        object.__setattr__(
            self,
            "_linear_scales",
            tuple(scale or 0.0 for scale in self._l2_strengths) if linear else None,
        )

    def penalty_value(self, coefs: Sequence[np.ndarray], part: str = "all") -> float:
        """Penalty summed over the weight matrices: ``"all"`` of it, or only the
        ``"smooth"`` layers' (those in the gradient) or the ``"nonsmooth"`` ones'
        (those a proximal step applies)."""
        return float(
            sum(
                pen.value(W)
                for pen, W in zip(self.layer_penalties, coefs, strict=True)
                if part == "all" or pen.smooth == (part == "smooth")
            )
        )

    def array_penalties(self) -> list:
        """The penalty of each trainable array in optimizer order (None: a bias).

        The order is that of ``[W0, b0, W1, b1, ...]`` without the frozen arrays,
        as the training loop hands them to the optimizer.
        """
        out = []
        for pen, coef, intercept in zip(
            self.layer_penalties, self.coef_trainable, self.intercept_trainable
        ):
            out += [pen] if coef else []
            out += [None] if intercept else []
        return out

    def data_value_and_grads(
        self,
        coefs: Sequence[np.ndarray],
        intercepts: Sequence[np.ndarray],
        X: Any,
        Y: np.ndarray,
        scale: np.ndarray,
        workspace: Workspace | None = None,
        dropout: DropoutMasks | None = None,
    ) -> tuple[float, list[np.ndarray | None], list[np.ndarray | None]]:
        """The data term ``sum_i s_i loss_i`` of a batch and its gradients.

        Parameters
        ----------
        coefs, intercepts : list of ndarray
            The network.
        X, Y : array
            A batch of inputs and 2-D targets.
        scale : ndarray of shape (n_samples,)
            Per-sample scales of the loss (see :func:`sample_scale`).
        workspace : Workspace, optional
            Reused buffers; the returned gradients then live in it.
        dropout : DropoutMasks, optional
            This batch's dropout masks (training only).

        Returns
        -------
        value : float
            The data term on this batch.
        coef_grads, intercept_grads : list of ndarray or None
            ``None`` for frozen arrays.
        """
        if workspace is not None and workspace.kernels is not None:
            return self._kernel_data_value_and_grads(
                coefs, intercepts, X, Y, scale, workspace, dropout
            )
        n_rows = X.shape[0]
        buffers = None if workspace is None else workspace.activation_buffers(n_rows)
        # Activations like GELU need each hidden layer's z to back-propagate.
        needs_z = getattr(self.activation, "derivative_from", "output") == "input"
        pre = [] if needs_z else None
        activations = forward(
            coefs, intercepts, X, self.activation, buffers, pre, dropout
        )
        pointwise, delta = self.loss.pointwise_and_gradient(Y, activations[-1])
        value = float(np.dot(scale, pointwise))
        delta *= scale[:, None]
        coef_grads, intercept_grads = backward(
            coefs,
            activations,
            delta,
            self.activation,
            self.coef_trainable,
            self.intercept_trainable,
            workspace,
            pre,
            dropout,
        )
        return value, coef_grads, intercept_grads

    def _kernel_data_value_and_grads(
        self, coefs, intercepts, X, Y, scale, workspace, dropout=None
    ):
        """:meth:`data_value_and_grads` through the workspace's numba kernels."""
        activations = kernel_forward(coefs, intercepts, X, workspace, dropout)
        raw = activations[-1]
        # The kernels take arrays of one dtype, C-contiguous (no copy when they are).
        Y = np.ascontiguousarray(Y, dtype=raw.dtype)
        scale = np.ascontiguousarray(scale, dtype=raw.dtype)
        value = workspace.kernels.loss_and_delta(
            raw, intercepts[-1], Y, scale, workspace.intercept_grads[-1]
        )
        coef_grads, intercept_grads = kernel_backward(
            coefs, activations, raw, self, workspace, dropout
        )
        return float(value), coef_grads, intercept_grads

    def smooth_value_and_grads(
        self,
        coefs: Sequence[np.ndarray],
        intercepts: Sequence[np.ndarray],
        X: Any,
        Y: np.ndarray,
        scale: np.ndarray,
        workspace: Workspace | None = None,
    ) -> tuple[float, list[np.ndarray | None], list[np.ndarray | None]]:
        """Data term plus smooth penalty, and the gradients of the trainable arrays.

        A non-smooth penalty is left out entirely: the optimizer's proximal step
        applies it. Parameters and returns are those of :meth:`data_value_and_grads`.
        """
        value, coef_grads, intercept_grads = self.data_value_and_grads(
            coefs, intercepts, X, Y, scale, workspace
        )
        value += self.penalty_value(coefs, "smooth")
        self.add_penalty_grad(coefs, coef_grads, workspace)
        return value, coef_grads, intercept_grads

    def linear_penalty_scales(self) -> tuple[float, ...] | None:
        """Each layer's ``c`` when every smooth penalty's gradient is ``c * W``.

        Layers whose penalty is not smooth (applied by a prox) get 0; None when
        some smooth penalty has a gradient of another form.
        """
        return self._linear_scales

    def add_penalty_grad(
        self,
        coefs: Sequence[np.ndarray],
        coef_grads: Sequence[np.ndarray | None],
        workspace: Workspace | None = None,
    ) -> None:
        """Add the smooth layers' penalty gradients to ``coef_grads`` in place."""
        for layer, (W, grad) in enumerate(zip(coefs, coef_grads)):
            penalty, l2 = self.layer_penalties[layer], self._l2_strengths[layer]
            if grad is None or not penalty.smooth:
                continue
            if l2 is None or workspace is None:
                grad += penalty.grad(W)
            elif l2:
                # An L2 gradient is l2 * W: no temporary array in the hot loop.
                grad += np.multiply(W, l2, out=workspace.scratch[layer])


def _linear_scale(penalty: Any) -> float | None:
    """``c`` when a smooth penalty's gradient is ``c * W`` (else None)."""
    scale = getattr(penalty, "linear_grad_scale", None)
    return scale() if penalty.smooth and scale is not None else None


def sample_scale(sample_weight: np.ndarray, total_mean: float) -> np.ndarray:
    """Per-sample scales of a batch, so that its gradient is unbiased for ``J``.

    With ``total_mean`` the mean weight over the whole training set, a batch of size
    ``B`` uses ``w_i / (B * total_mean)``: its expectation is the gradient of the
    full weighted mean, and the penalty keeps the same strength for every batch size.
    """
    return sample_weight / (len(sample_weight) * total_mean)


def layer_sizes(coefs: Sequence[np.ndarray]) -> list[int]:
    """``[n_features, hidden..., n_outputs]`` of a network."""
    return [coefs[0].shape[0]] + [W.shape[1] for W in coefs]


def interleave(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> list:
    """``[W0, b0, W1, b1, ...]``: the flat parameter list optimizers work on."""
    return [array for pair in zip(coefs, intercepts) for array in pair]
