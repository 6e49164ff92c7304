"""The training loop shared by every estimator.

Reads top to bottom: :func:`train` picks the minibatch or the full-batch path; an epoch
is :func:`run_epoch` (batches → gradients → optimizer step, with a divergence guard);
:func:`end_epoch` records history and decides whether to stop. Nothing here validates
input or knows about scikit-learn; the estimators in ``_base.py`` do that.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._network import Objective, Workspace, interleave, layer_sizes, sample_scale

# Warnings point at the user's fit call: warn <- loop <- train <- _fit_resolved
# <- _fit <- fit/partial_fit <- user.
_USER_FRAME = 7

# An epoch whose loss exceeds the best loss so far by this factor has diverged.
_BLOW_UP = 1e6


class History(list):
    """Per-epoch training records: a list of dicts, also readable by column.

    Each record has ``epoch``, ``loss`` (the objective, penalty included),
    ``val_score`` (``None`` without a validation set), ``learning_rate``,
    ``weight_norms`` and ``grad_norms`` (Frobenius norm per layer; the gradient norm is
    averaged over the epoch's batches, NaN for frozen layers), ``seconds`` and
    ``event`` (``None``, ``"diverged"`` or ``"interrupted"``).

    Examples
    --------
    >>> h = History([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}])
    >>> h["loss"]
    array([0.5 , 0.25])
    """

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return np.array([record.get(key) for record in self])
        return super().__getitem__(key)

    def to_frame(self) -> pd.DataFrame:
        """Return the history as a DataFrame, one column per layer for the norms.

        Returns
        -------
        frame : pandas.DataFrame
            One row per epoch; ``weight_norm_0``, ``grad_norm_0``... per layer.
        """
        rows = []
        for record in self:
            row = {k: v for k, v in record.items() if not k.endswith("_norms")}
            for key in ("weight_norms", "grad_norms"):
                for layer, value in enumerate(record.get(key) or []):
                    row[f"{key[:-1]}_{layer}"] = value
            rows.append(row)
        return pd.DataFrame(rows)


@dataclass
class TrainingConfig:
    """Resolved hyper-parameters of one training run."""

    optimizer: Any
    schedule: Any
    learning_rate: float
    batch_size: int
    max_iter: int
    tol: float
    n_iter_no_change: int
    shuffle: bool
    verbose: int = 0
    name: str = "model"


@dataclass
class TrainingState:
    """Everything that must survive between ``partial_fit`` calls and warm starts."""

    rng: np.random.Generator
    optimizer_state: Any = None
    schedule_state: Any = None
    n_iter: int = 0
    best_loss: float = np.inf
    best_val_score: float = -np.inf
    no_improvement: int = 0
    history: History = field(default_factory=History)
    best_params: list | None = None
    trainable: tuple | None = None


@dataclass
class TrainData:
    """Training arrays: ``X`` (dense or CSR), 2-D targets ``Y``, sample weights."""

    X: Any
    Y: np.ndarray
    sample_weight: np.ndarray


@dataclass
class Outcome:
    """How a training run ended."""

    converged: bool = False
    stopped_early: bool = False
    event: str | None = None


def train(
    objective: Objective,
    coefs: list[np.ndarray],
    intercepts: list[np.ndarray],
    data: TrainData,
    config: TrainingConfig,
    state: TrainingState,
    *,
    validation_score: Callable[[], float] | None = None,
    epochs: int | None = None,
) -> Outcome:
    """Train ``coefs``/``intercepts`` in place.

    Parameters
    ----------
    objective : Objective
        Loss, penalty, activation and which arrays are trainable.
    coefs, intercepts : list of ndarray
        The network, updated in place.
    data : TrainData
        The training data.
    config : TrainingConfig
        Optimizer, schedule and stopping rules.
    state : TrainingState
        Optimizer/schedule state, counters and history; updated.
    validation_score : callable, optional
        Scores the current weights on held-out data (higher is better); enables
        early stopping with restoration of the best weights.
    epochs : int, optional
        Run exactly this many epochs and ignore the stopping rules (``partial_fit``).

    Returns
    -------
    outcome : Outcome
    """
    if not _trainable(objective, coefs, intercepts)[0]:
        return _train_nothing(objective, coefs, intercepts, data, state)
    if getattr(config.optimizer, "full_batch", False):
        return _train_full_batch(
            objective, coefs, intercepts, data, config, state, validation_score
        )
    return _train_minibatch(
        objective, coefs, intercepts, data, config, state, validation_score, epochs
    )


def _train_nothing(objective, coefs, intercepts, data, state) -> Outcome:
    """Every array is frozen: record the objective once, there is nothing to solve."""
    start = time.perf_counter()
    scale = data.sample_weight / data.sample_weight.sum()
    loss = objective.smooth_value_and_grads(coefs, intercepts, data.X, data.Y, scale)[0]
    if not objective.penalty.smooth:
        loss += objective.penalty_value(coefs)
    _record(state, objective, coefs, loss, [np.nan] * len(coefs), None, None, start)
    return Outcome(converged=True)


def _trainable(objective: Objective, coefs: list, intercepts: list):
    """The trainable arrays in optimizer order, and which of them are penalized."""
    mask = interleave(objective.coef_trainable, objective.intercept_trainable)
    params = [p for p, m in zip(interleave(coefs, intercepts), mask) if m]
    penalized = [
        is_coef
        for is_coef, m in zip(
            interleave([True] * len(coefs), [False] * len(coefs)), mask
        )
        if m
    ]
    return params, penalized


def _train_minibatch(
    objective, coefs, intercepts, data, config, state, validation_score, epochs
) -> Outcome:
    params, penalized = _trainable(objective, coefs, intercepts)
    workspace = _workspace(coefs, config.batch_size, data)
    fused = _fusable(objective, config.optimizer)
    if fused:
        params, penalized = [_fuse(coefs, intercepts)], [True]
        workspace.fuse_gradients()
    layout = (
        tuple(interleave(objective.coef_trainable, objective.intercept_trainable)),
        fused,
    )
    if state.optimizer_state is None or state.trainable != layout:
        # Other arrays to train (layers frozen or unfrozen since): a fresh state.
        state.optimizer_state = config.optimizer.init(params)
        state.trainable = layout
    if state.schedule_state is None:
        state.schedule_state = config.schedule.init(config.learning_rate)
    n_epochs = epochs if epochs is not None else config.max_iter
    outcome = Outcome()
    progress = _Progress(config, n_epochs)
    for _ in range(n_epochs):
        start = time.perf_counter()
        learning_rate = config.schedule.value(state.schedule_state, state.n_iter)
        try:
            # Overflow is expected when training diverges; the guard reports it.
            with np.errstate(over="ignore", invalid="ignore"):
                loss, grad_norms, event = run_epoch(
                    objective,
                    coefs,
                    intercepts,
                    params,
                    penalized,
                    data,
                    config,
                    state,
                    learning_rate,
                    workspace,
                )
        except KeyboardInterrupt:
            loss, grad_norms, event = np.nan, [np.nan] * len(coefs), "interrupted"
        record = _record(
            state, objective, coefs, loss, grad_norms, learning_rate, event, start
        )
        if event is not None:
            outcome.event = event
            _warn_event(event, config)
            break
        stop = end_epoch(record, state, config, params, validation_score)
        progress.update(record)
        if stop and epochs is None:
            outcome.converged = outcome.stopped_early = True
            break
    progress.close()
    _restore_best(state, params, validation_score)
    return outcome


def run_epoch(
    objective: Objective,
    coefs: list,
    intercepts: list,
    params: list,
    penalized: list,
    data: TrainData,
    config: TrainingConfig,
    state: TrainingState,
    learning_rate: float,
    workspace: Workspace,
) -> tuple[float, list[float], str | None]:
    """One pass over the data in minibatches.

    Returns the epoch's mean objective, the per-layer mean gradient norms, and
    ``"diverged"`` if the loss or the weights stopped being finite; the weights are
    then put back to their values at the start of the epoch (the last finite ones).
    """
    n_samples = data.Y.shape[0]
    order = state.rng.permutation(n_samples) if config.shuffle else np.arange(n_samples)
    mean_weight = float(data.sample_weight.mean())
    snapshot = [p.copy() for p in params]
    grad_sums = [0.0] * len(coefs)
    n_batches = 0
    total = 0.0
    for begin in range(0, n_samples, config.batch_size):
        rows = order[begin : begin + config.batch_size]
        rows.sort()  # contiguous-ish gathers are faster, order within a batch is moot
        scale = sample_scale(data.sample_weight[rows], mean_weight)
        value, coef_grads, intercept_grads = objective.data_value_and_grads(
            coefs,
            intercepts,
            _gather(data.X, rows, workspace),
            data.Y[rows],
            scale,
            workspace,
        )
        objective.add_penalty_grad(coefs, coef_grads, workspace)
        if not math.isfinite(value):
            _put_back(params, snapshot)
            return np.nan, [np.nan] * len(coefs), "diverged"
        total += value * len(rows)
        for layer, grad in enumerate(coef_grads):
            grad_sums[layer] += np.nan if grad is None else _norm(grad)
        n_batches += 1
        grads = workspace.flat_grads or [
            g for g in interleave(coef_grads, intercept_grads) if g is not None
        ]
        state.optimizer_state = config.optimizer.update(
            params,
            grads,
            state.optimizer_state,
            learning_rate,
            penalty=objective.penalty,
            penalized=penalized,
        )
    if not all(np.isfinite(p).all() for p in params):
        _put_back(params, snapshot)
        return np.nan, [np.nan] * len(coefs), "diverged"
    # The penalty is added once per epoch, at the epoch's final weights.
    loss = total / n_samples + objective.penalty_value(coefs)
    if not np.isfinite(loss) or loss > _BLOW_UP * state.best_loss:
        # Finite batch losses can still add up to inf, or grow by orders of
        # magnitude without overflowing: both are divergence, not progress.
        _put_back(params, snapshot)
        return np.nan, [np.nan] * len(coefs), "diverged"
    return loss, [g / max(n_batches, 1) for g in grad_sums], None


def _workspace(coefs: list, batch_size: int, data: TrainData) -> Workspace:
    return Workspace(
        layer_sizes(coefs),
        batch_size,
        coefs[0].dtype,
        gather_rows=not sp.issparse(data.X),
    )


def _fusable(objective: Objective, optimizer: Any) -> bool:
    """Whether one flat array can stand for every parameter in the optimizer.

    Element-wise optimizers then run a handful of numpy calls per step instead of a
    handful per array. Frozen arrays, proximal steps and decay restricted to the
    weights need the arrays apart.
    """
    if not (all(objective.coef_trainable) and all(objective.intercept_trainable)):
        return False
    if not objective.penalty.smooth:
        return False
    return bool(getattr(optimizer, "elementwise", False))


def _fuse(coefs: list, intercepts: list) -> np.ndarray:
    """Move the network into one flat array; the lists then hold views into it."""
    arrays = interleave(coefs, intercepts)
    flat = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
    views, offset = [], 0
    for array in arrays:
        view = flat[offset : offset + array.size].reshape(array.shape)
        view[...] = array
        views.append(view)
        offset += array.size
    coefs[:], intercepts[:] = views[0::2], views[1::2]
    return flat


def _gather(X: Any, rows: np.ndarray, workspace: Workspace) -> Any:
    if workspace.X is None:
        return X[rows]
    return np.take(X, rows, axis=0, out=workspace.X[: len(rows)])


def _norm(array: np.ndarray) -> float:
    """Frobenius norm: a BLAS dot in the hot loop, rescaled if it would overflow.

    Callers silence overflow warnings (``np.errstate``) around it.
    """
    flat = array.ravel()
    squared = float(np.dot(flat, flat))
    if math.isfinite(squared):
        return math.sqrt(squared)
    largest = float(np.abs(flat).max()) if flat.size else 0.0
    if not math.isfinite(largest) or largest == 0.0:
        return largest
    return largest * _norm(flat / largest)


def end_epoch(
    record: dict,
    state: TrainingState,
    config: TrainingConfig,
    params: list,
    validation_score: Callable[[], float] | None,
) -> bool:
    """Update the stopping counters after an epoch; return True to stop training.

    Without validation data, an epoch improves when its loss is below the best loss
    minus ``tol``; with it, when the validation score beats the best by ``tol`` (the
    best weights are kept). Training stops after more than ``n_iter_no_change``
    epochs without improvement, or when an adaptive schedule runs out of rate.
    """
    loss = record["loss"]
    state.schedule_state = config.schedule.observe(state.schedule_state, loss)
    if validation_score is not None:
        score = validation_score()
        record["val_score"] = score
        improved = score >= state.best_val_score + config.tol
        if score > state.best_val_score:
            state.best_val_score = score
            state.best_params = [p.copy() for p in params]
    else:
        improved = loss <= state.best_loss - config.tol
    state.best_loss = min(state.best_loss, loss)
    state.no_improvement = 0 if improved else state.no_improvement + 1
    return state.no_improvement > config.n_iter_no_change or config.schedule.exhausted(
        state.schedule_state
    )


def _record(state, objective, coefs, loss, grad_norms, learning_rate, event, start):
    state.n_iter += event is None
    record = {
        "epoch": state.n_iter,
        "loss": float(loss),
        "val_score": None,
        "learning_rate": learning_rate,
        "weight_norms": _norms(coefs),
        "grad_norms": [float(g) for g in grad_norms],
        "seconds": time.perf_counter() - start,
        "event": event,
    }
    state.history.append(record)
    return record


def _norms(arrays: Sequence[np.ndarray]) -> list[float]:
    with np.errstate(over="ignore", invalid="ignore"):
        return [_norm(array) for array in arrays]


def _put_back(params: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> None:
    for param, value in zip(params, values):
        np.copyto(param, value)


def _restore_best(state, params, validation_score) -> None:
    if validation_score is not None and state.best_params is not None:
        _put_back(params, state.best_params)


def _warn_event(event: str, config: TrainingConfig) -> None:
    if event == "diverged":
        warnings.warn(
            f"{config.name}: the loss became non-finite (training diverged); the last "
            "finite weights were kept. Lower the learning rate, scale the features "
            "(e.g. StandardScaler) or use a stronger penalty.",
            ConvergenceWarning,
            stacklevel=_USER_FRAME,
        )
    else:
        warnings.warn(
            f"{config.name}: training was interrupted; the weights trained so far "
            "were kept.",
            UserWarning,
            stacklevel=_USER_FRAME,
        )


def _train_full_batch(
    objective, coefs, intercepts, data, config, state, validation_score
) -> Outcome:
    """L-BFGS / FISTA on the whole objective; each solver iteration is an epoch."""
    params, penalized = _trainable(objective, coefs, intercepts)
    scale = data.sample_weight / data.sample_weight.sum()
    last_grads: dict[str, list] = {"coef": [None] * len(coefs)}
    last_finite = [p.copy() for p in params]
    blocks = _BlockEvaluator(objective, coefs, intercepts, data, scale)

    def fun(values):
        _put_back(params, values)
        value, coef_grads, intercept_grads = blocks.smooth_value_and_grads()
        last_grads["coef"] = coef_grads
        grads = [g for g in interleave(coef_grads, intercept_grads) if g is not None]
        return value, grads

    outcome = Outcome()
    progress = _Progress(config, config.max_iter)
    timer = {"start": time.perf_counter()}

    def callback(n_iter, values, value):
        _put_back(params, values)
        if not all(np.isfinite(p).all() for p in params):
            return True
        for kept, p in zip(last_finite, params):
            np.copyto(kept, p)
        if value is None:  # only for the record of a fit that needed no iteration
            value = fun(values)[0]
            if not objective.penalty.smooth:
                value += objective.penalty_value(coefs)
        loss = value  # the solvers report the objective with the non-smooth penalty
        norms = [np.nan if g is None else np.linalg.norm(g) for g in last_grads["coef"]]
        record = _record(
            state, objective, coefs, loss, norms, None, None, timer["start"]
        )
        timer["start"] = time.perf_counter()
        stop = validation_score is not None and end_epoch(
            record, state, config, params, validation_score
        )
        progress.update(record)
        if stop:
            outcome.stopped_early = True
        return stop

    try:
        result = config.optimizer.minimize(
            fun,
            [p.copy() for p in params],
            penalty=objective.penalty,
            penalized=penalized,
            max_iter=config.max_iter,
            tol=config.tol,
            callback=callback,
        )
        _put_back(params, result.params)
        outcome.converged = bool(result.converged) or outcome.stopped_early
    except KeyboardInterrupt:
        outcome.event = "interrupted"
    progress.close()
    if not all(np.isfinite(p).all() for p in params):
        outcome.event = "diverged"
    if outcome.event is not None:
        _put_back(params, last_finite)
        if state.history:
            state.history[-1]["event"] = outcome.event
        _warn_event(outcome.event, config)
    _restore_best(state, params, validation_score)
    if not state.history:  # converged before the first iteration finished
        callback(0, [p.copy() for p in params], None)
    return outcome


class _BlockEvaluator:
    """The full-batch objective, evaluated over cache-sized row blocks.

    Each block is read once for the forward and the backward pass while it is still
    in cache (instead of streaming all of ``X`` twice), and the activations never
    exceed one block: L-BFGS and FISTA on large data need no more memory than a
    minibatch epoch.
    """

    # About 512 kB of float64 for the widest layer of a block: it must stay in the
    # per-core L2 cache between the forward and the backward product (2 MB blocks
    # were 2.5x slower on logistic regression, measured on 40,000 x 100).
    _TARGET_FLOATS = 2**16

    def __init__(self, objective, coefs, intercepts, data, scale) -> None:
        self.objective, self.coefs, self.intercepts = objective, coefs, intercepts
        self.data, self.scale = data, scale
        sizes = layer_sizes(coefs)
        n_samples = data.Y.shape[0]
        self.block = int(np.clip(self._TARGET_FLOATS // max(sizes), 256, n_samples))
        self.workspace = Workspace(sizes, self.block, coefs[0].dtype)
        self.coef_sums = [np.zeros_like(W) for W in coefs]
        self.intercept_sums = [np.zeros_like(b) for b in intercepts]

    def smooth_value_and_grads(self):
        """Sum the data term over blocks, then add the smooth penalty once."""
        objective, data = self.objective, self.data
        for array in self.coef_sums + self.intercept_sums:
            array.fill(0)
        value = 0.0
        for begin in range(0, data.Y.shape[0], self.block):
            rows = slice(begin, begin + self.block)
            block_value, coef_grads, intercept_grads = objective.data_value_and_grads(
                self.coefs,
                self.intercepts,
                data.X[rows],
                data.Y[rows],
                self.scale[rows],
                self.workspace,
            )
            value += block_value
            for sums, grads in (
                (self.coef_sums, coef_grads),
                (self.intercept_sums, intercept_grads),
            ):
                for total, grad in zip(sums, grads):
                    if grad is not None:
                        total += grad
        coef_grads = [
            total if trainable else None
            for total, trainable in zip(self.coef_sums, objective.coef_trainable)
        ]
        intercept_grads = [
            total if trainable else None
            for total, trainable in zip(
                self.intercept_sums, objective.intercept_trainable
            )
        ]
        if objective.penalty.smooth:
            value += objective.penalty_value(self.coefs)
            objective.add_penalty_grad(self.coefs, coef_grads)
        return value, coef_grads, intercept_grads


class _Progress:
    """One line per epoch when ``verbose`` is set: tqdm if installed, else print."""

    def __init__(self, config: TrainingConfig, total: int) -> None:
        self.verbose = config.verbose
        self.bar = None
        if self.verbose:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=config.name, leave=True)
            except ImportError:
                self.bar = None

    def update(self, record: dict) -> None:
        if not self.verbose:
            return
        parts = {"loss": f"{record['loss']:.6g}"}
        if record.get("val_score") is not None:
            parts["val_score"] = f"{record['val_score']:.6g}"
        parts["seconds"] = f"{record['seconds']:.3f}"
        if self.bar is not None:
            self.bar.set_postfix(parts, refresh=False)
            self.bar.update(1)
        else:
            items = ", ".join(f"{k}={v}" for k, v in parts.items())
            print(f"Epoch {record['epoch']}: {items}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def copy_state(state: TrainingState) -> TrainingState:
    """A deep copy, so a failed fit cannot half-update the estimator's state."""
    return copy.deepcopy(state)


def warn_not_converged(name: str, max_iter: int) -> None:
    """scikit-learn's ConvergenceWarning for a fit that hit ``max_iter``."""
    warnings.warn(
        f"{name}: maximum iterations ({max_iter}) reached and the optimization has "
        "not converged yet. Increase max_iter, raise the learning rate or scale the "
        "features.",
        ConvergenceWarning,
        stacklevel=_USER_FRAME - 2,
    )
