"""The training loop shared by every estimator.

Reads top to bottom: :func:`train` runs a :class:`FitPlan` (built by
``BaseNetwork._plan``): it records the state at initialization (epoch 0) and picks
the exact, minibatch or full-batch path; an epoch is :func:`run_epoch` (batches →
:func:`batch_gradients` → :class:`_Step`: clipping → optimizer → constraints, with a
divergence guard); :func:`end_epoch`
records history and decides whether to stop. :class:`_Guard` holds the divergence
rule (see :data:`DIVERGENCE_RULE`); a diverging run raises ``ValueError`` or, with
``on_divergence="keep_best"``, restores the best epoch's weights and warns with
``DivergenceWarning``. Nothing here validates input or knows about scikit-learn;
the estimators in ``_base.py`` do that.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from . import _kernels, _weight_record
from ._network import (
    DropoutMasks,
    Objective,
    Workspace,
    forward,
    interleave,
    layer_sizes,
    sample_scale,
)
from .exceptions import DivergenceWarning
from .optimizers import _norm, check_clipping, clip_gradients

# Warnings point at the user's fit call: warn <- loop <- train <- _fit_resolved
# <- _fit <- fit/partial_fit <- user.
_USER_FRAME = 7

# The divergence rule (documented in on_divergence and docs/architecture.md): with
# L0 the loss at epoch 0 and S = max(L0, the loss of the best constant prediction),
# an epoch whose loss exceeds L0 + _BLOW_UP * S stops the fit at once; a fit whose
# last loss exceeds L0 + _END_RISE * S has diverged too.
_BLOW_UP = 1e3
_END_RISE = 1.0

#: The rule, in words, for messages (the docs say the same).
DIVERGENCE_RULE = (
    "its loss or weights stop being finite, an epoch's loss exceeds L0 + 1000 * S, "
    "its last loss exceeds L0 + S, or it makes every unit of a hidden layer give "
    "the same output for every training row (e.g. every ReLU outputs 0) where they "
    "did not at the start; L0 is the loss at epoch 0 and S = max(L0, the loss of "
    "the best constant prediction)"
)


class History(list):
    """Per-epoch training records: a list of dicts, also readable by column.

    Each record has ``epoch`` (0 is the state at initialization, before any update),
    ``loss`` (the objective, penalty included), ``val_score`` and ``val_loss``
    (the validation set's score and its objective without the penalty; ``None``
    without a validation set), ``learning_rate`` (``None`` at epoch 0 and for full-batch
    solvers), ``weight_norms`` and ``grad_norms`` (Frobenius norm per layer; the
    gradient norm is averaged over the epoch's batches, before clipping, NaN for
    frozen layers), ``clipped`` (how many batches had their gradients clipped by the
    optimizer's ``clipnorm``/``global_clipnorm``), ``seconds`` and ``event``
    (``None``, ``"diverged"`` or ``"interrupted"``; a diverged record carries the
    loss that blew up).

    A model fitted with ``record_weights`` adds each layer's weight distribution
    (biases excluded) to every record: ``weight_bins_per_decade``,
    ``weight_counts`` (an ``(n_layers, n_bins)`` array of counts in fixed,
    logarithmically spaced bins symmetric around zero, with one bin for exact
    zeros; each row sums to the layer's number of weights) and
    ``weight_quantiles`` (``(n_layers, 9)``: the 0, 1, 5, 25, 50, 75, 95, 99 and
    100th percentiles). :meth:`weight_evolution` gathers them with the bin edges;
    :meth:`to_frame` leaves them out.

    Saved models hold the history as one array per column
    (:meth:`to_columns`), not as one dict per epoch.

    Examples
    --------
    >>> h = History([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}])
    >>> h["loss"]
    array([0.5 , 0.25])
    >>> History.from_columns(h.to_columns()) == h
    True
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
        skipped = _weight_record.KEYS
        for record in self:
            row = {
                k: v
                for k, v in record.items()
                if not k.endswith("_norms") and k not in skipped
            }
            for key in ("weight_norms", "grad_norms"):
                for layer, value in enumerate(record.get(key) or []):
                    row[f"{key[:-1]}_{layer}"] = value
            rows.append(row)
        return pd.DataFrame(rows)

    def weight_evolution(self) -> _weight_record.WeightEvolution:
        """Return the recorded weight distributions, one row per recorded epoch.

        Returns
        -------
        evolution : WeightEvolution
            ``epochs``, the bin ``edges``, ``counts`` of shape ``(n_records,
            n_layers, n_bins)``, ``quantiles`` of shape ``(n_records, n_layers,
            9)`` and their ``levels`` (percentiles).

        Raises
        ------
        ValueError
            If no record holds a weight distribution (the model was fitted
            without ``record_weights``).
        """
        return _weight_record.evolution(self)

    def to_columns(self) -> dict[str, Any]:
        """Return the records as one column per key, arrays where possible.

        Numbers and strings become one array per key (``(n_epochs, n_layers)`` for
        the norms), arrays of one shape one stacked array (the weight
        distributions), with a boolean ``"<key>:none"`` mask where a value was
        ``None``; anything else stays a list. Saved models store their history
        this way.

        Returns
        -------
        columns : dict
            ``"keys"`` (the record keys, in order), ``"n"`` (the number of records)
            and the columns.
        """
        keys = list(dict.fromkeys(key for record in self for key in record))
        columns: dict[str, Any] = {"keys": keys, "n": len(self)}
        for key in keys:
            columns.update(_encode_column(key, [record.get(key) for record in self]))
        return columns

    @classmethod
    def from_columns(cls, columns: dict[str, Any]) -> History:
        """Rebuild the records from :meth:`to_columns`.

        Parameters
        ----------
        columns : dict
            The output of :meth:`to_columns`.

        Returns
        -------
        history : History
            The records, with Python numbers, strings and lists as recorded.
        """
        keys = list(columns["keys"])
        decoded = {key: _decode_column(key, columns) for key in keys}
        return cls(
            {key: decoded[key][i] for key in keys} for i in range(int(columns["n"]))
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _encode_column(key: str, values: list) -> dict[str, Any]:
    """One history column as an array (plus a ``None`` mask), or else a list."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, np.ndarray) for v in present):
        if len({(v.shape, v.dtype) for v in present}) != 1:
            return {key: values}
        array = np.stack(present)
        column = {key: array, f"{key}:stacked": True}
        if len(present) < len(values):
            column[f"{key}:none"] = np.array([v is None for v in values])
        return column
    if all(_is_number(v) for v in present) or all(isinstance(v, str) for v in present):
        array = np.array(present) if present else np.array([], dtype=float)
    elif (
        len(present) == len(values)
        and all(isinstance(v, list) and all(map(_is_number, v)) for v in present)
        and len({len(v) for v in present}) == 1
    ):
        array = np.array(present, dtype=float)
    else:
        return {key: values}
    column = {key: array}
    if len(present) < len(values):
        column[f"{key}:none"] = np.array([v is None for v in values])
    return column


def _decode_column(key: str, columns: dict[str, Any]) -> list:
    column = columns[key]
    if not isinstance(column, np.ndarray):
        return list(column)
    # stacked arrays come back as arrays (views of the column), else as lists
    present = iter(list(column) if columns.get(f"{key}:stacked") else column.tolist())
    mask = columns.get(f"{key}:none")
    if mask is None:
        return list(present)
    return [None if flag else next(present) for flag in mask.tolist()]


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
    on_divergence: str = "raise"
    # Called with each completed epoch's record (scikit-learn's callbacks).
    on_epoch: Callable[[dict], None] | None = None
    #: One weight constraint (or None) per layer, projected after every step.
    constraints: tuple = ()
    #: Dropout rate of each layer's input (0: none; empty: no dropout at all).
    dropout: tuple = ()
    #: Bins per decade of the weight distributions added to each record (0: none).
    record_weights: int = 0


@dataclass
class TrainingState:
    """Everything that must survive between ``partial_fit`` calls and warm starts.

    ``schedule_epoch`` counts the epochs spent in the current learning-rate schedule
    (it continues across warm starts and ``partial_fit`` calls until the schedule
    has run its course); ``schedule_key`` says what that schedule was started
    from, so a changed ``schedule`` or ``learning_rate`` starts a new one.
    Saved (pickled or skops) states hold the history as columns of arrays.
    """

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
    best_epoch: int = 0
    schedule_epoch: int = 0
    schedule_key: Any = None

    def for_new_fit(self) -> TrainingState:
        """The state a ``fit`` starts from (warm start included).

        ``fit`` starts counters, history and early stopping afresh; the random
        generator, the optimizer's state and the learning-rate schedule carry over
        (the schedule continues, as scikit-learn's ``invscaling`` does;
        :func:`_start_schedule` starts a new one if ``schedule`` or
        ``learning_rate`` changed, or if it has run its course).
        """
        return TrainingState(
            rng=self.rng,
            optimizer_state=self.optimizer_state,
            trainable=self.trainable,
            schedule_state=self.schedule_state,
            schedule_epoch=self.schedule_epoch,
            schedule_key=self.schedule_key,
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["history"] = self.history.to_columns()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Files saved by older versions lack the newer fields and hold the history
        # as a list of dicts: both still load. Their ``record_weights`` (a setting
        # of the fit that saved them, now in TrainingConfig) is dropped.
        state = {k: v for k, v in state.items() if k != "record_weights"}
        for item in fields(self):
            if item.name not in state:
                default = (
                    item.default_factory
                    if item.default is item.default_factory
                    else None
                )
                state[item.name] = item.default if default is None else default()
        history = state["history"]
        if isinstance(history, dict):
            history = History.from_columns(history)
        state["history"] = History(history)
        self.__dict__.update(state)


@dataclass
class TrainData:
    """Training arrays: ``X`` (dense or CSR), 2-D targets ``Y``, sample weights."""

    X: Any
    Y: np.ndarray
    sample_weight: np.ndarray


@dataclass
class Outcome:
    """How a training run ended; ``reason`` is the sentence ``verbose`` prints."""

    converged: bool = False
    stopped_early: bool = False
    event: str | None = None
    reason: str = ""
    # Why a fit that completed its epochs still diverged (the end-of-fit rules).
    why: str = ""


@dataclass
class FitPlan:
    """One training run: what :func:`train` needs, built by ``BaseNetwork._plan``.

    ``fit``, ``partial_fit``, the learning-rate range test and the regularization
    path all start from a plan (so from the same data, network and objective).
    """

    #: The training rows (without the rows held out for early stopping).
    data: TrainData
    #: Loss, penalty, activation and which arrays are trainable.
    objective: Objective
    #: The network, trained in place.
    coefs: list
    intercepts: list
    #: This run's settings (optimizer, schedule, stopping rules...).
    config: TrainingConfig
    #: What carries over between runs (optimizer state, history...); updated.
    state: TrainingState
    #: ``() -> (score, loss)`` of the live weights on held-out data, or None;
    #: enables early stopping with restoration of the best weights.
    validation_score: Callable[[], Any] | None = None
    #: Run exactly this many epochs, ignoring the stopping rules (``partial_fit``).
    epochs: int | None = None
    #: The validated inputs, every row (the background sample, the callbacks).
    X: Any = None
    y: Any = None
    #: Whether the run continues a fitted network (warm start, ``partial_fit``).
    continuing: bool = False


class _Checkpoint:
    """The best weights seen in this run (for ``on_divergence="keep_best"``)."""

    def __init__(self, params: list, loss: float, epoch: int, active: bool) -> None:
        self.active = active
        self.params = [p.copy() for p in params] if active else None
        self.loss, self.epoch = loss, epoch

    def offer(self, params: list, loss: float, epoch: int) -> None:
        if self.active and loss < self.loss:
            for kept, p in zip(self.params, params):
                np.copyto(kept, p)
            self.loss, self.epoch = loss, epoch


class _Guard:
    """The divergence rule of one :func:`train` call (see ``DIVERGENCE_RULE``).

    ``start_loss`` is L0, the loss of epoch 0 of the history (this fit's start; the
    first call's for ``partial_fit``); ``scale`` is S, the larger of L0 and the
    loss of the best constant prediction (so a rise from a tiny loss is no alarm);
    ``start`` copies every array at the start of this call: what ``keep_best``
    falls back to when no kept epoch is better, and what tells a hidden layer this
    call killed from one that was constant already.
    """

    def __init__(self, objective, coefs, intercepts, data, state) -> None:
        self.start_loss = float(state.history[0]["loss"]) if state.history else np.nan
        self.constant_loss = _constant_loss(objective.loss, data)
        self.scale = float(np.fmax(abs(self.start_loss), self.constant_loss))
        self.start = [a.copy() for a in interleave(coefs, intercepts)]
        self.start_epoch = state.n_iter

    def blown_up(self, loss: float) -> bool:
        """Whether an epoch's loss stops the fit at once."""
        return not math.isfinite(loss) or loss > self.start_loss + _BLOW_UP * self.scale

    def end_check(self, objective, coefs, intercepts, data, loss, last_rows=None):
        """Why a fit that ran its course still diverged (the end rules), or ''.

        ``loss`` is that of the epoch whose weights the fit returns; ``last_rows``,
        the hidden layers' outputs on the last batch, spares the pass over the data
        when some unit there still varies.
        """
        if loss > self.start_loss + _END_RISE * self.scale:
            return (
                f"its loss rose from {self.start_loss:.3g} (epoch 0) to {loss:.3g}, "
                f"more than S = {self.scale:.3g} above its start (S is the larger of "
                "the start and the loss of the best constant prediction, "
                f"{self.constant_loss:.3g})"
            )
        killed = self.killed_layers(objective, coefs, intercepts, data.X, last_rows)
        if not killed:
            return ""
        layer, values = next(iter(killed.items()))
        kind = (
            f"all {values.size} output 0: dead units, such as ReLUs whose inputs are "
            "all negative"
            if not values.any()
            else "saturated units"
        )
        return (
            f"it made every unit of hidden layer {layer} (the output of coefs_"
            f"[{layer}]) give the same output for every training row ({kind}), so "
            "the network predicts one constant"
        )

    def killed_layers(self, objective, coefs, intercepts, X, last_rows=None) -> dict:
        """``{layer: values}`` for a hidden layer this fit flattened (see
        :func:`_flattened_layer`), unless one at or below it was already flat."""
        if len(coefs) < 2:
            return {}
        if last_rows is not None and not any(map(_maybe_constant, last_rows)):
            return {}
        activation = objective.activation
        now = _flattened_layer(activation, coefs, intercepts, X)
        if now is None:
            return {}
        before = _flattened_layer(activation, self.start[0::2], self.start[1::2], X)
        if before is not None and before[0] <= now[0]:
            return {}  # flattened already at the start: not this fit's doing
        return {now[0]: now[1]}

    def restore_start(self, coefs: list, intercepts: list) -> None:
        _put_back(interleave(coefs, intercepts), self.start)


# The output link's inverse per ``loss.output_activation``: the raw output whose
# prediction is the mean target ``m`` (``tiny`` keeps the logarithms finite).
_MEAN_TO_RAW = {
    "identity": lambda m, tiny: m,
    "exp": lambda m, tiny: np.log(np.maximum(m, tiny)),
    "logistic": lambda m, tiny: (
        np.log(np.clip(m, tiny, 1.0)) - np.log(np.clip(1.0 - m, tiny, 1.0))
    ),
    "softmax": lambda m, tiny: np.log(np.maximum(m, tiny)),
}


def _constant_loss(loss: Any, data: TrainData) -> float:
    """The loss of the best constant prediction: the divergence rule's scale.

    The weighted mean target through the loss's link: the exact minimum for the
    squared error (half the variance), the log-losses (the class entropy) and the
    log-link deviances, and a bound of the same scale for the others; a raw output
    of 0 for a loss whose link is unknown. 0 if it is not finite.
    """
    Y, w = data.Y, data.sample_weight
    mean = (w @ Y) / w.sum()
    to_raw = _MEAN_TO_RAW.get(getattr(loss, "output_activation", None))
    with np.errstate(all="ignore"):
        row = to_raw(mean, np.finfo(Y.dtype).tiny) if to_raw else np.zeros_like(mean)
        raw = np.repeat(np.asarray(row, dtype=Y.dtype)[None, :], Y.shape[0], axis=0)
        value = float(loss.value(Y, raw, sample_weight=w))
    return value if math.isfinite(value) else 0.0


def _maybe_constant(rows: np.ndarray) -> bool:
    """Whether every column of ``rows`` may be one value (fewer than 2 rows: yes)."""
    return rows.shape[0] < 2 or bool((rows.min(axis=0) == rows.max(axis=0)).all())


def _flattened_layer(activation, coefs, intercepts, X) -> tuple | None:
    """The lowest hidden layer whose units the activation flattened, or None.

    That is a layer whose every unit gives one value on every row of ``X`` while
    its pre-activations vary by more than rounding (:func:`_spread`): dead ReLUs,
    saturated sigmoids. A layer made constant by its inputs (zero weights under a
    strong L1 penalty, constant features, a vanishing signal) is not one. Returns
    ``(layer, the units' values)``; None with fewer than 2 rows. The forward pass
    runs over row blocks and stops as soon as every hidden layer has a unit that
    varies (the usual case: after one block).
    """
    n_rows, hidden = X.shape[0], len(coefs) - 1
    if n_rows < 2 or hidden < 1:
        return None
    spans: list = [None] * (2 * hidden)  # (min, max) of outputs, then of inputs
    block = int(max(256, _BlockEvaluator._TARGET_FLOATS // max(layer_sizes(coefs))))
    with np.errstate(over="ignore", invalid="ignore"):
        for begin in range(0, n_rows, block):
            pre: list = []
            rows = X[begin : begin + block]
            outputs = forward(coefs, intercepts, rows, activation, None, pre)
            for i, a in enumerate(outputs[1:-1] + pre):
                lo, hi = a.min(axis=0), a.max(axis=0)
                if spans[i] is not None:
                    lo, hi = np.minimum(spans[i][0], lo), np.maximum(spans[i][1], hi)
                spans[i] = (lo, hi)
            if all((lo < hi).any() for lo, hi in spans[:hidden]):
                return None
    for layer in range(hidden):
        low, high = spans[layer]
        if np.array_equal(low, high):
            z_low, z_high = spans[hidden + layer]
            return (layer, low) if _spread(z_low, z_high) else None
    return None


def _spread(low: np.ndarray, high: np.ndarray) -> bool:
    """Whether some unit's pre-activations vary by more than rounding.

    A dead ReLU's inputs span a real range of negative values; the inputs of a
    layer deep in a stack of tiny weights (vanishing signal) differ only in their
    last digits, and that is not the activation's doing.
    """
    tolerance = np.sqrt(np.finfo(low.dtype).eps)
    magnitude = np.maximum(np.abs(low), np.abs(high))
    return bool((high - low > tolerance * magnitude).any())


def train(plan: FitPlan) -> Outcome:
    """Run ``plan``: train its network in place, updating its state.

    Parameters
    ----------
    plan : FitPlan
        The data, objective, network, settings and state of the run.

    Returns
    -------
    outcome : Outcome

    Raises
    ------
    ValueError
        If training diverges and ``config.on_divergence == "raise"``.
    """
    config, state = plan.config, plan.state
    total = plan.epochs if plan.epochs is not None else config.max_iter
    progress = _Progress(config, total)
    trainable = bool(_trainable(plan.objective, plan.coefs, plan.intercepts)[0])
    # Epoch 0, the state at initialization; a direct or coordinate-descent solve has
    # no trajectory to show, and the extra pass would cost as much as the solve.
    solves_linear = trainable and getattr(config.optimizer, "solves_linear", False)
    if not state.history and not solves_linear:
        progress.update(_record_initial(plan))
    if not trainable:
        _warn_nothing_to_train(config)
        outcome = Outcome(converged=True, reason="every layer is frozen")
    elif solves_linear:
        outcome = _train_linear(plan)
    else:
        guard = _Guard(plan.objective, plan.coefs, plan.intercepts, plan.data, state)
        full_batch = getattr(config.optimizer, "full_batch", False)
        path = _train_full_batch if full_batch else _train_minibatch
        outcome = path(plan, progress, guard)
    progress.close(_stop_line(config, state, outcome))
    if outcome.event == "diverged" and config.on_divergence == "raise":
        raise ValueError(_divergence_message(config, state, outcome))
    if outcome.event is not None:
        _warn_event(outcome, config, state)
    return outcome


def _warn_nothing_to_train(config: TrainingConfig) -> None:
    warnings.warn(
        f"{config.name}: every layer is frozen (frozen_layers) and no intercept is "
        "trained, so fit left the weights as they were (n_iter_ = 0). Take a layer "
        "out of frozen_layers, or (linear models) set fit_intercept=True.",
        UserWarning,
        stacklevel=_USER_FRAME - 1,
    )


#: Epoch 0 of a minibatch fit reads at most this many training rows. A full pass
#: cost as much as one more epoch (80% of an epoch's time on case 1's 40,000 rows:
#: 9% of a 10-epoch fit) for a record read by the divergence guard (its scale) and
#: ``diagnose_gradients`` (the first norms), which an estimate on 4,096 rows serves.
EPOCH0_ROWS = 4096


def _record_initial(plan: FitPlan) -> dict:
    """Epoch 0: the objective, weight and gradient norms before any update."""
    start = time.perf_counter()
    blocks = _BlockEvaluator(_initial_sample(plan))
    with np.errstate(over="ignore", invalid="ignore"):
        loss, coef_grads, _ = blocks.smooth_value_and_grads()
        loss += plan.objective.penalty_value(plan.coefs, "nonsmooth")
        norms = [np.nan if g is None else _norm(g) for g in coef_grads]
    return _record(plan, loss, norms, None, "initial", start)


def _initial_sample(plan: FitPlan) -> FitPlan:
    """The plan epoch 0 is evaluated on: every training row, or for a minibatch
    fit on more than :data:`EPOCH0_ROWS` rows, that many evenly spaced ones (a
    fixed choice, no random draw: the weights a fit returns do not depend on it).
    Full-batch solvers evaluate the whole objective at every iteration anyway."""
    n_rows, data = plan.data.Y.shape[0], plan.data
    if n_rows <= EPOCH0_ROWS or getattr(plan.config.optimizer, "full_batch", False):
        return plan
    rows = np.linspace(0, n_rows - 1, EPOCH0_ROWS).round().astype(np.intp)
    sample = TrainData(data.X[rows], data.Y[rows], data.sample_weight[rows])
    return dataclasses.replace(plan, data=sample)


def _train_linear(plan: FitPlan) -> Outcome:
    """A direct or coordinate-descent solve (``solves_linear``): one record."""
    start = time.perf_counter()
    config, coefs, state = plan.config, plan.coefs, plan.state
    with np.errstate(over="ignore", invalid="ignore"):
        solution = config.optimizer.solve(
            plan.objective, coefs, plan.intercepts, plan.data, config
        )
    if not all(np.isfinite(a).all() for a in coefs + plan.intercepts):
        # Targets or features beyond the training dtype's range (e.g. 1e300 in
        # float32): an exact solve has no better weights to fall back to.
        raise ValueError(
            f"{config.name}: the {type(config.optimizer).__name__} solve produced "
            "non-finite weights: the data overflow the training dtype "
            f"({coefs[0].dtype}). Scale X and y (e.g. StandardScaler, or divide y "
            "by its standard deviation), or fit in float64."
        )
    record = _record(plan, solution.value, [solution.grad_norm], None, None, start)
    state.n_iter = record["epoch"] = solution.n_iter
    if plan.validation_score is not None:
        _score_into(record, plan.validation_score)
    if config.on_epoch is not None:  # the solve is the one step
        config.on_epoch(record)
    solver = type(config.optimizer).__name__
    reason = (
        f"converged: {solver} solved the problem to its tolerance"
        if solution.converged
        else f"{solver} stopped at max_iter before reaching tol"
    )
    return Outcome(converged=solution.converged, reason=reason)


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


def _train_minibatch(plan: FitPlan, progress, guard) -> Outcome:
    """Epochs of minibatch steps until a stopping rule (or ``plan.epochs``)."""
    config, state = plan.config, plan.state
    step = _minibatch_step(plan)
    params = step.params
    checkpoint = _Checkpoint(
        params,
        state.history[-1]["loss"] if state.n_iter == 0 else np.inf,
        state.n_iter,
        config.on_divergence == "keep_best",
    )
    n_epochs = plan.epochs if plan.epochs is not None else config.max_iter
    outcome = Outcome()
    for _ in range(n_epochs):
        record = _minibatch_epoch(plan, step, guard)
        if record["event"] is not None:
            progress.update(record)
            outcome.event = record["event"]
            # keep_best: the best epoch by loss, unless early stopping restores
            # the best one by validation score below.
            restoring_val = (
                plan.validation_score is not None and state.best_params is not None
            )
            if outcome.event == "diverged" and checkpoint.active and not restoring_val:
                _keep_best(checkpoint, params, guard, plan)
            break
        checkpoint.offer(params, record["loss"], record["epoch"])
        stop = end_epoch(record, state, config, params, plan.validation_score)
        progress.update(record)
        if stop and plan.epochs is None:
            outcome.converged = outcome.stopped_early = True
            break
    if plan.epochs is not None and outcome.event is None:
        outcome.reason = f"ran the {plan.epochs} epoch(s) asked for (partial_fit)"
    restored = _restore_best(state, params, plan.validation_score)
    if outcome.event is None:
        outcome.why = _end_of_minibatch_fit(plan, step, guard, restored)
        if outcome.why:
            outcome.event = "diverged"
            if checkpoint.active:
                _keep_best(checkpoint, params, guard, plan)
    return outcome


def _minibatch_step(plan: FitPlan) -> _Step:
    """The step of a minibatch fit: the trainable arrays (flattened into one flat
    array when the optimizer allows), their workspace and kernels, the
    optimizer's state (fresh if other arrays train now) and the schedule."""
    objective, coefs, intercepts = plan.objective, plan.coefs, plan.intercepts
    config, state = plan.config, plan.state
    params, penalized = _trainable(objective, coefs, intercepts)
    workspace = _workspace(coefs, config.batch_size, plan.data)
    flat = _flattenable(objective, config.optimizer)
    if flat:
        params, penalized = [_flatten(coefs, intercepts)], [True]
        workspace.flatten_gradients()
    workspace.use_kernels(
        _kernels.plan(objective, config.optimizer, coefs[0].dtype, flat=flat)
    )
    layout = (
        tuple(interleave(objective.coef_trainable, objective.intercept_trainable)),
        flat,
    )
    if state.optimizer_state is None or state.trainable != layout:
        # Other arrays to train (layers frozen or unfrozen since): a fresh state.
        state.optimizer_state = config.optimizer.init(params)
        state.trainable = layout
    _start_schedule(config, state)
    return _Step(objective, params, penalized, config, workspace, coefs)


def _end_of_minibatch_fit(plan: FitPlan, step, guard, restored: bool) -> str:
    """The end rules (``_Guard.end_check``) after the last epoch; '' if none fired.

    The last batch's hidden outputs (still in the workspace, unless early stopping
    restored other weights) say whether a pass over the data is needed at all.
    """
    n_rows, batch = plan.data.Y.shape[0], plan.config.batch_size
    n_last = n_rows - (n_rows - 1) // batch * batch  # rows in the last batch
    last_rows = None if restored else step.workspace.activation_buffers(n_last)[:-1]
    loss = _returned_loss(plan.state)
    return guard.end_check(
        plan.objective, plan.coefs, plan.intercepts, plan.data, loss, last_rows
    )


def _keep_best(checkpoint, params, guard, plan: FitPlan) -> None:
    """``keep_best`` after divergence: the checkpoint's weights, if they are alive."""
    _put_back(params, checkpoint.params)
    plan.state.best_epoch = checkpoint.epoch
    _keep_alive(guard, plan)


def _returned_loss(state: TrainingState) -> float:
    """The loss of the epoch whose weights the fit returns (early stopping's best)."""
    if state.best_params is not None:
        for record in state.history:
            if record["epoch"] == state.best_epoch and record["event"] is None:
                return record["loss"]
    return state.history[-1]["loss"]


def _keep_alive(guard, plan: FitPlan) -> None:
    """``keep_best``: if the kept weights killed a hidden layer too, the start's."""
    coefs, intercepts = plan.coefs, plan.intercepts
    if guard.killed_layers(plan.objective, coefs, intercepts, plan.data.X):
        guard.restore_start(coefs, intercepts)
        plan.state.best_epoch = guard.start_epoch


def _minibatch_epoch(plan: FitPlan, step, guard) -> dict:
    """Run one epoch at the schedule's rate and record it."""
    start = time.perf_counter()
    config, state = plan.config, plan.state
    learning_rate = config.schedule.value(state.schedule_state, state.schedule_epoch)
    try:
        # Overflow is expected when training diverges; the guard reports it.
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grad_norms, event = run_epoch(plan, learning_rate, step, guard)
    except KeyboardInterrupt:
        loss, grad_norms, event = np.nan, [np.nan] * len(plan.coefs), "interrupted"
    if event is None:
        state.schedule_epoch += 1
    record = _record(plan, loss, grad_norms, learning_rate, event, start)
    record["clipped"] = step.clipped
    return record


def _start_schedule(config: TrainingConfig, state: TrainingState) -> None:
    """Continue the schedule of a warm start, or start one (its horizon: max_iter).

    A schedule that has run its course (``schedule.finished``: cosine past its
    horizon, adaptive under its minimum rate) starts again, so a new call always
    trains at a useful rate (a cosine schedule's warm restart).
    """
    key = (repr(config.schedule), float(config.learning_rate))
    current = state.schedule_state
    finished = getattr(config.schedule, "finished", None)
    if (
        current is not None
        and state.schedule_key == key
        and not (finished is not None and finished(current, state.schedule_epoch))
    ):
        return
    init = config.schedule.init
    if "horizon" in inspect.signature(init).parameters:
        state.schedule_state = init(config.learning_rate, horizon=config.max_iter)
    else:  # a user-defined schedule without a horizon
        state.schedule_state = init(config.learning_rate)
    state.schedule_epoch, state.schedule_key = 0, key


class _Step:
    """The one code that steps a minibatch, in the fit's epochs and in the
    learning-rate range test alike: a chain of links, as optax's ``chain``.

    1. Clipping (the optimizer's ``clipnorm`` or ``global_clipnorm``): the loop
       rescales its own gradient buffers, per array even when the parameters are
       held in one flat array (the per-array gradients are views into the flat
       one), and counts the clipped batches for the history.
    2. The optimizer's rule on the clipped gradients: its numba kernel, or its
       ``apply`` (``update`` without the clipping; an optimizer without ``apply``
       is stepped by its ``update``, which clips if it does).
    3. The weight constraints' projection.
    """

    def __init__(self, objective, params, penalized, config, workspace, coefs=()):
        self.objective, self.params, self.penalized = objective, params, penalized
        # (weights, constraint) of each constrained trainable layer; the weights
        # are views into the flat array when the parameters are flat.
        self.constrained = [
            (W, constraint)
            for W, constraint, trainable in zip(
                coefs, config.constraints, objective.coef_trainable
            )
            if constraint is not None and trainable
        ]
        # Per array, for the proximal steps; the smooth penalties are in the
        # gradients (and a flat array only ever holds smooth ones).
        self.penalties = (
            [None] * len(params)
            if objective.smooth_penalty
            else objective.array_penalties()
        )
        self.config, self.workspace = config, workspace
        optimizer = config.optimizer
        self.rule = getattr(optimizer, "apply", optimizer.update)
        self.clipnorm, self.global_clipnorm = _clipping(optimizer)
        self.clipped = 0

    def __call__(self, state, coef_grads, intercept_grads, learning_rate) -> None:
        grads = self.workspace.flat_grads or _present(coef_grads, intercept_grads)
        self.clipped += self._clip(coef_grads, intercept_grads, grads)
        plan = self.workspace.kernels
        if plan is not None and plan.optimizer is not None:
            state.optimizer_state = plan.update(
                self.params[0], grads[0], state.optimizer_state, learning_rate
            )
        else:
            state.optimizer_state = self.rule(
                self.params,
                grads,
                state.optimizer_state,
                learning_rate,
                penalty=self.penalties,
                penalized=self.penalized,
            )
        # After the step and its proximal step: W <- C(prox(W - s g)).
        for W, constraint in self.constrained:
            W[...] = constraint(W)

    def _clip(self, coef_grads, intercept_grads, grads) -> bool:
        """Clip the gradient buffers in place; whether any was rescaled."""
        if self.clipnorm is not None:
            per_array = _present(coef_grads, intercept_grads)  # views when flat
            return clip_gradients(per_array, clipnorm=self.clipnorm, inplace=True)[1]
        if self.global_clipnorm is not None:
            return clip_gradients(
                grads, global_clipnorm=self.global_clipnorm, inplace=True
            )[1]
        return False


def _clipping(optimizer: Any) -> tuple[Any, Any]:
    """``(clipnorm, global_clipnorm)`` for the loop's clipping link, checked;
    ``(None, None)`` for an optimizer without ``apply`` (its ``update`` clips)."""
    if not hasattr(optimizer, "apply"):
        return None, None
    clipnorm = getattr(optimizer, "clipnorm", None)
    global_clipnorm = getattr(optimizer, "global_clipnorm", None)
    if clipnorm is not None or global_clipnorm is not None:
        check_clipping(type(optimizer).__name__, clipnorm, global_clipnorm)
    return clipnorm, global_clipnorm


def _present(coef_grads: list, intercept_grads: list) -> list:
    """The gradients of the trainable arrays, in optimizer order."""
    return [g for g in interleave(coef_grads, intercept_grads) if g is not None]


def batch_gradients(
    objective, coefs, intercepts, data, rows, mean_weight, workspace, masks=None
):
    """The data term of the objective on ``rows`` and its gradients, the smooth
    penalties' gradients added, and each weight gradient's norm: what
    :class:`_Step` steps with (``masks``: this batch's dropout, or None)."""
    value, coef_grads, intercept_grads = objective.data_value_and_grads(
        coefs,
        intercepts,
        _gather(data.X, rows, workspace),
        data.Y[rows],
        sample_scale(data.sample_weight[rows], mean_weight),
        workspace,
        masks,
    )
    norms = _penalize_and_measure(objective, coefs, coef_grads, workspace)
    return value, coef_grads, intercept_grads, norms


def run_epoch(
    plan: FitPlan, learning_rate: float, step: _Step, guard: _Guard
) -> tuple[float, list[float], str | None]:
    """One pass over the data in minibatches.

    Returns the epoch's mean objective, the per-layer mean gradient norms, and
    ``"diverged"`` if the loss or the weights stopped being finite, or the loss
    blew up (``_Guard.blown_up``: above ``L0 + _BLOW_UP * S``); the weights are then
    put back to their values at the start of the epoch (the last finite ones) and
    the loss returned is the one that blew up.
    """
    objective, coefs, data, state = plan.objective, plan.coefs, plan.data, plan.state
    config, workspace, params = step.config, step.workspace, step.params
    n_samples = data.Y.shape[0]
    order = state.rng.permutation(n_samples) if config.shuffle else np.arange(n_samples)
    mean_weight = float(data.sample_weight.mean())
    snapshot = [p.copy() for p in params]
    grad_sums = [0.0] * len(coefs)
    n_batches, total, step.clipped = 0, 0.0, 0
    for begin in range(0, n_samples, config.batch_size):
        rows = order[begin : begin + config.batch_size]
        rows.sort()  # contiguous-ish gathers are faster, order within a batch is moot
        masks = _dropout_masks(config.dropout, coefs, len(rows), state.rng)
        value, coef_grads, intercept_grads, norms = batch_gradients(
            objective, coefs, plan.intercepts, data, rows, mean_weight, workspace, masks
        )
        if not math.isfinite(value):
            return _diverged(params, snapshot, coefs, value)
        total += value * len(rows)
        for layer, norm in enumerate(norms):
            grad_sums[layer] += norm
        n_batches += 1
        step(state, coef_grads, intercept_grads, learning_rate)
    if not all(np.isfinite(p).all() for p in params):
        return _diverged(params, snapshot, coefs, np.inf)
    # The penalty is added once per epoch, at the epoch's final weights.
    loss = total / n_samples + objective.penalty_value(coefs)
    if guard.blown_up(loss):
        # Finite batch losses can still add up to inf, or grow by orders of
        # magnitude without overflowing: both are divergence, not progress.
        return _diverged(params, snapshot, coefs, loss)
    return loss, [g / max(n_batches, 1) for g in grad_sums], None


def _dropout_masks(rates, coefs, n_rows: int, rng) -> DropoutMasks | None:
    """This batch's inverted-dropout masks, drawn from the training state's
    generator (so ``random_state`` reproduces them); None without dropout."""
    if not any(rates):
        return None
    masks, keeps = [], []
    for rate, W in zip(rates, coefs):
        keep = 1.0 - rate
        keeps.append(keep)
        if rate == 0:
            masks.append(None)
            continue
        mask = (rng.random((n_rows, W.shape[0])) < keep).astype(W.dtype)
        mask *= W.dtype.type(1.0 / keep)
        masks.append(mask)
    return DropoutMasks(masks, keeps)


def _penalize_and_measure(objective, coefs, coef_grads, workspace) -> list[float]:
    """Add the smooth penalties' gradients; return each weight gradient's norm.

    With numba kernels and L2-type penalties (``linear_grad_scale``), both are one
    pass per layer; otherwise :meth:`Objective.add_penalty_grad` and :func:`_norm`.
    """
    plan, scales = workspace.kernels, objective.linear_penalty_scales()
    if plan is None or scales is None:
        objective.add_penalty_grad(coefs, coef_grads, workspace)
        return [np.nan if g is None else _norm(g) for g in coef_grads]
    norms = []
    for W, grad, scale in zip(coefs, coef_grads, scales):
        squared = None if grad is None else plan.penalize_and_square(grad, W, scale)
        if grad is not None and squared is None:  # not contiguous: numpy
            grad += np.multiply(W, scale)
        if squared is None or not math.isfinite(squared):
            norms.append(np.nan if grad is None else _norm(grad))
        else:
            norms.append(math.sqrt(squared))
    return norms


def _diverged(params, snapshot, coefs, loss) -> tuple[float, list[float], str]:
    _put_back(params, snapshot)
    return float(loss), [np.nan] * len(coefs), "diverged"


def _workspace(coefs: list, batch_size: int, data: TrainData) -> Workspace:
    return Workspace(
        layer_sizes(coefs),
        batch_size,
        coefs[0].dtype,
        gather_rows=not sp.issparse(data.X),
    )


def _solver_penalty(objective: Objective) -> Any:
    """The one penalty a full-batch solver applies itself (None: all smooth)."""
    if objective.smooth_penalty:
        return None
    if isinstance(objective.penalty, (list, tuple)):
        raise ValueError(
            "per-layer penalties with an L1 part need a minibatch optimizer "
            "(e.g. optimizer='adam'); L-BFGS and FISTA take one penalty for the "
            "whole network."
        )
    return objective.penalty


def _flattenable(objective: Objective, optimizer: Any) -> bool:
    """Whether one flat array can stand for every parameter in the optimizer.

    Element-wise optimizers then run a handful of numpy calls per step instead of a
    handful per array. Frozen arrays, proximal steps and decay restricted to the
    weights need the arrays apart.
    """
    if not (all(objective.coef_trainable) and all(objective.intercept_trainable)):
        return False
    if not objective.smooth_penalty:
        return False
    return bool(getattr(optimizer, "elementwise", False))


def _flatten(coefs: list, intercepts: list) -> np.ndarray:
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
    epochs without improvement, or when an adaptive schedule runs out of rate. The
    schedule observes the same quantity (the training loss, or minus the validation
    score); when it lowers the rate (``adaptive`` on a plateau), the count of epochs
    without improvement starts again, as in scikit-learn: the lower rate gets its
    chance before the ``tol`` rule stops training.
    """
    loss = record["loss"]
    if validation_score is not None:
        score = _score_into(record, validation_score)
        improved = score >= state.best_val_score + config.tol
        if score > state.best_val_score:
            state.best_val_score = score
            state.best_params = [p.copy() for p in params]
            state.best_epoch = record["epoch"]
    else:
        improved = loss <= state.best_loss - config.tol
    state.best_loss = min(state.best_loss, loss)
    cut = _observe_schedule(record, state, config, validation_score is not None)
    state.no_improvement = 0 if improved or cut else state.no_improvement + 1
    return state.no_improvement > config.n_iter_no_change or (
        state.schedule_state is not None
        and config.schedule.exhausted(state.schedule_state)
    )


def _observe_schedule(record, state, config, validating: bool) -> bool:
    """Show the schedule what the stopping rule watches; return True if it cut.

    Full-batch solvers have no schedule (no state): nothing to observe.
    """
    schedule, before = config.schedule, state.schedule_state
    if before is None:
        return False
    watched = -record["val_score"] if validating else record["loss"]
    state.schedule_state = schedule.observe(before, watched)
    epoch = state.schedule_epoch
    return schedule.value(state.schedule_state, epoch) < schedule.value(before, epoch)


def _score_into(record: dict, validation_score: Callable) -> float:
    """Record the validation score (and loss, when the callable returns
    ``(score, loss)``: the objective without the penalty) of this epoch."""
    result = validation_score()
    score, loss = result if isinstance(result, tuple) else (result, None)
    record["val_score"], record["val_loss"] = score, loss
    return score


def _record(plan, loss, grad_norms, learning_rate, event, start):
    """Append one history record to ``plan.state``; ``event="initial"`` is epoch 0."""
    state, coefs, bins = plan.state, plan.coefs, plan.config.record_weights
    if event == "initial":
        epoch, event = 0, None
    elif event is None:
        state.n_iter += 1
        epoch = state.n_iter
    else:  # the epoch that diverged or was interrupted did not complete
        epoch = state.n_iter + 1
    record = {
        "epoch": epoch,
        "loss": float(loss),
        "val_score": None,
        "val_loss": None,
        "learning_rate": learning_rate,
        "weight_norms": _norms(coefs),
        "grad_norms": [float(g) for g in grad_norms],
        "clipped": 0,
        "seconds": time.perf_counter() - start,
        "event": event,
    }
    if bins:  # opt-in: no per-epoch work otherwise
        record.update(_weight_record.distributions(coefs, bins))
    state.history.append(record)
    return record


def _norms(arrays: Sequence[np.ndarray]) -> list[float]:
    with np.errstate(over="ignore", invalid="ignore"):
        return [_norm(array) for array in arrays]


def _put_back(params: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> None:
    for param, value in zip(params, values):
        np.copyto(param, value)


def _restore_best(state, params, validation_score) -> bool:
    """Early stopping: put back the best weights by validation score (if any)."""
    if validation_score is not None and state.best_params is not None:
        _put_back(params, state.best_params)
        return True
    return False


def _what_diverged(state: TrainingState, outcome: Outcome) -> str:
    """``"diverged in epoch 3"``, or why a fit that ran its course diverged."""
    if outcome.why:
        return f"diverged: {outcome.why}"
    return f"diverged in epoch {state.history[-1]['epoch']}"


def _remedy(config: TrainingConfig, state: TrainingState) -> str:
    """What to change, for the solver at hand (a full-batch one has no rate)."""
    optimizer = config.optimizer
    if getattr(optimizer, "full_batch", False):
        return (
            "Scale the features (e.g. StandardScaler in a Pipeline) and the targets, "
            "raise alpha, or start from other weights (random_state, initializer)"
        )
    rates = [r["learning_rate"] for r in state.history if r["learning_rate"]]
    rate = f" (it reached {max(rates):.3g})" if rates else ""
    name = type(optimizer).__name__
    return (
        f"Lower learning_rate{rate}, scale the features (e.g. StandardScaler in a "
        "Pipeline), or clip the gradients with the optimizer's clipnorm or "
        f"global_clipnorm (e.g. optimizer=skweights.optimizers.{name}(clipnorm=1.0))"
    )


def _divergence_message(
    config: TrainingConfig, state: TrainingState, outcome: Outcome
) -> str:
    record = state.history[-1]
    if outcome.why:
        what = f"training {_what_diverged(state, outcome)}"
    else:
        rate = record["learning_rate"]
        at = "the full-batch solver" if rate is None else f"learning_rate={rate:.3g}"
        what = (
            f"training diverged in epoch {record['epoch']} with {at} (loss "
            f"{record['loss']:.3g}): the solver produced non-finite or exploding "
            "parameter weights"
        )
    return (
        f"{config.name}: {what}. {_remedy(config, state)}. The estimator was left "
        "unchanged; pass on_divergence='keep_best' to keep the best epoch's weights "
        "instead."
    )


def _warn_event(outcome: Outcome, config: TrainingConfig, state) -> None:
    if outcome.event == "diverged":
        warnings.warn(
            f"{config.name}: training {_what_diverged(state, outcome)}; the weights "
            f"of epoch {state.best_epoch} (the best one) were restored "
            f"(on_divergence='keep_best'). {_remedy(config, state)}.",
            DivergenceWarning,
            stacklevel=_USER_FRAME - 1,
        )
    else:
        warnings.warn(
            f"{config.name}: training was interrupted; the weights trained so far "
            "were kept.",
            UserWarning,
            stacklevel=_USER_FRAME - 1,
        )


def _stop_line(config: TrainingConfig, state: TrainingState, outcome: Outcome) -> str:
    """Why training stopped, in one sentence (printed when ``verbose`` is set)."""
    if outcome.event == "diverged":
        what = _what_diverged(state, outcome)
        if config.on_divergence == "raise":
            return f"{what}; raising ValueError, the estimator is left unchanged"
        return f"{what}; restored the weights of epoch {state.best_epoch}"
    if outcome.event == "interrupted":
        return "interrupted; the weights trained so far were kept"
    if outcome.reason:
        return outcome.reason
    if not outcome.converged:
        return f"max_iter reached ({config.max_iter} epochs) before converging"
    if state.best_params is not None:
        return (
            f"early stopping: the validation score did not improve by more than "
            f"tol={config.tol:g} for {config.n_iter_no_change} epochs; restored the "
            f"weights of epoch {state.best_epoch} (validation score "
            f"{state.best_val_score:.6g})"
        )
    if config.schedule.exhausted(state.schedule_state):
        return "converged: the adaptive learning rate fell below its min_lr"
    return (
        f"converged: the training loss did not improve by more than "
        f"tol={config.tol:g} for {config.n_iter_no_change} consecutive epochs"
    )


def _train_full_batch(plan: FitPlan, progress, guard) -> Outcome:
    """L-BFGS / FISTA on the whole objective; each solver iteration is an epoch."""
    outcome = _FullBatchRun(plan, progress).solve()
    if outcome.event is None:
        outcome.why = guard.end_check(
            plan.objective,
            plan.coefs,
            plan.intercepts,
            plan.data,
            _returned_loss(plan.state),
        )
        if outcome.why:
            # The solvers only accept decreasing steps: the start is the best
            # weights known to keep every layer alive.
            outcome.event = "diverged"
            guard.restore_start(plan.coefs, plan.intercepts)
            plan.state.best_epoch = guard.start_epoch
    return outcome


class _FullBatchRun:
    """One full-batch fit: the ``fun`` and ``callback`` the solver calls.

    The solvers decrease the objective at every accepted iterate, so on divergence
    the last finite iterate is also the best one (``on_divergence="keep_best"``).

    State: ``params``, the trainable arrays (views of ``coefs``/``intercepts``, set
    before each evaluation); ``coef_grads``, the weight gradients of the last
    evaluation (their norms go into each epoch's record); ``last_finite``, a copy
    of the last iterate whose weights were finite; ``start``, when the current
    epoch began; ``outcome``, how the run is ending.
    """

    def __init__(self, plan: FitPlan, progress) -> None:
        self.plan, self.progress = plan, progress
        self.objective, self.coefs = plan.objective, plan.coefs
        self.config, self.state = plan.config, plan.state
        self.validation_score = plan.validation_score
        self.params, self.penalized = _trainable(
            plan.objective, plan.coefs, plan.intercepts
        )
        self.blocks = _BlockEvaluator(plan)
        self.coef_grads: list = [None] * len(plan.coefs)
        self.last_finite = [p.copy() for p in self.params]
        self.start = time.perf_counter()
        self.outcome = Outcome()

    def fun(self, values: list) -> tuple[float, list]:
        """The smooth objective and its gradient at ``values``: the solver's ``fun``."""
        _put_back(self.params, values)
        value, coef_grads, intercept_grads = self.blocks.smooth_value_and_grads()
        self.coef_grads = coef_grads
        grads = [g for g in interleave(coef_grads, intercept_grads) if g is not None]
        return value, grads

    def callback(self, n_iter: int, values: list, value: float) -> bool:
        """Record the solver's iteration as an epoch; True stops the solver.

        It stops when the weights are no longer finite, or for early stopping.
        """
        _put_back(self.params, values)
        if not all(np.isfinite(p).all() for p in self.params):
            return True
        for kept, p in zip(self.last_finite, self.params):
            np.copyto(kept, p)
        return self._end_epoch(value)

    def solve(self) -> Outcome:
        """Run the solver from the current weights and leave its result in place."""
        config, outcome = self.config, self.outcome
        try:
            result = config.optimizer.minimize(
                self.fun,
                [p.copy() for p in self.params],
                penalty=_solver_penalty(self.objective),
                penalized=self.penalized,
                max_iter=config.max_iter,
                tol=config.tol,
                callback=self.callback,
            )
            _put_back(self.params, result.params)
            outcome.converged = bool(result.converged) or outcome.stopped_early
            outcome.reason = _solver_reason(config, result, outcome)
        except KeyboardInterrupt:
            outcome.event = "interrupted"
        if not all(np.isfinite(p).all() for p in self.params):
            outcome.event = "diverged"
        if outcome.event is not None:
            self._fall_back()
        _restore_best(self.state, self.params, self.validation_score)
        if self.state.n_iter == 0 and outcome.event is None:
            # converged before the first iteration finished: record it as epoch 1
            self._end_epoch(self._objective_value())
        return outcome

    def _end_epoch(self, value: float) -> bool:
        """Append the epoch's record (``value`` includes the non-smooth penalty)."""
        state, validation_score = self.state, self.validation_score
        norms = [np.nan if g is None else np.linalg.norm(g) for g in self.coef_grads]
        record = _record(self.plan, value, norms, None, None, self.start)
        self.start = time.perf_counter()
        stop = validation_score is not None and end_epoch(
            record, state, self.config, self.params, validation_score
        )
        self.progress.update(record)
        if stop:
            self.outcome.stopped_early = True
        return stop

    def _objective_value(self) -> float:
        """The objective at the current weights, a non-smooth penalty included."""
        value = self.fun([p.copy() for p in self.params])[0]
        return value + self.objective.penalty_value(self.coefs, "nonsmooth")

    def _fall_back(self) -> None:
        """After divergence or an interrupt: the last finite weights, event marked."""
        state, event = self.state, self.outcome.event
        _put_back(self.params, self.last_finite)
        state.best_epoch = state.n_iter
        if state.n_iter:
            state.history[-1]["event"] = event
        else:
            nan = [np.nan] * len(self.coefs)
            _record(self.plan, np.nan, nan, None, event, time.perf_counter())


def _solver_reason(config: TrainingConfig, result: Any, outcome: Outcome) -> str:
    if outcome.stopped_early:
        return ""  # early stopping: _stop_line words it
    if result.converged:
        return (
            f"converged: the solver met its tolerance tol={config.tol:g} after "
            f"{result.n_iter} iterations"
        )
    if result.n_iter < config.max_iter:
        return (
            f"the solver stopped after {result.n_iter} iterations without meeting "
            f"tol={config.tol:g} (its line search could make no further progress)"
        )
    return ""


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

    def __init__(self, plan: FitPlan) -> None:
        objective, coefs, data = plan.objective, plan.coefs, plan.data
        self.objective, self.coefs, self.intercepts = objective, coefs, plan.intercepts
        self.data = data
        self.scale = data.sample_weight / data.sample_weight.sum()
        sizes = layer_sizes(coefs)
        n_samples = data.Y.shape[0]
        self.block = int(np.clip(self._TARGET_FLOATS // max(sizes), 256, n_samples))
        self.workspace = Workspace(sizes, self.block, coefs[0].dtype)
        # The forward and backward kernels serve blocks as they do batches.
        self.workspace.use_kernels(
            _kernels.plan(objective, None, coefs[0].dtype, flat=False)
        )
        self.coef_sums = [np.zeros_like(W) for W in coefs]
        self.intercept_sums = [np.zeros_like(b) for b in plan.intercepts]

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
        value += objective.penalty_value(self.coefs, "smooth")
        objective.add_penalty_grad(self.coefs, coef_grads)
        return value, coef_grads, intercept_grads


class _Progress:
    """What ``verbose`` shows.

    ``verbose=1``: a tqdm progress bar (one line per epoch without tqdm) and, at the
    end, one line saying why training stopped. ``verbose>=2``: one plain line per
    epoch (loss, validation score, learning rate, time), readable in a log file,
    then the same final line.
    """

    def __init__(self, config: TrainingConfig, total: int) -> None:
        self.verbose, self.name = config.verbose, config.name
        self.on_epoch = config.on_epoch
        self.bar = None
        if self.verbose == 1:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=config.name, leave=True)
            except ImportError:
                self.bar = None

    def update(self, record: dict) -> None:
        if self.on_epoch is not None and record["epoch"] > 0:
            if record["event"] is None:  # a completed epoch
                self.on_epoch(record)
        if not self.verbose:
            return
        parts = {"loss": f"{record['loss']:.6g}"}
        if record.get("val_score") is not None:
            parts["val_score"] = f"{record['val_score']:.6g}"
        if record.get("learning_rate") is not None:
            parts["learning_rate"] = f"{record['learning_rate']:.3g}"
        parts["seconds"] = f"{record['seconds']:.3f}"
        if self.bar is not None:
            if record["epoch"] > 0:  # epoch 0 is not a step of the bar
                self.bar.set_postfix(parts, refresh=False)
                self.bar.update(1)
        else:
            items = ", ".join(f"{k}={v}" for k, v in parts.items())
            print(f"{self.name} epoch {record['epoch']}: {items}", flush=True)

    def close(self, reason: str) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.verbose:
            print(f"{self.name}: stopped: {reason}.", flush=True)


def copy_state(state: TrainingState) -> TrainingState:
    """A deep copy, so a failed fit cannot half-update the estimator's state."""
    return copy.deepcopy(state)


def warn_not_converged(config: TrainingConfig, state: TrainingState) -> None:
    """scikit-learn's ConvergenceWarning for a fit that hit ``max_iter``.

    The advice fits the solver and what the loss did: a full-batch solver has no
    learning rate; a loss that ended above its start needs smaller steps, one that
    fell may need more epochs or larger steps.
    """
    losses = [r["loss"] for r in state.history if r["event"] is None]
    start, end = (losses[0], losses[-1]) if losses else (np.nan, np.nan)
    trend = f"the loss went from {start:.3g} at epoch 0 to {end:.3g}"
    if getattr(config.optimizer, "full_batch", False):
        advice = (
            "Increase max_iter, scale the features (e.g. StandardScaler), or raise "
            "alpha (a better conditioned problem converges in fewer iterations)."
        )
    elif end > start:
        advice = (
            "The loss rose: the steps are too large. Lower learning_rate, scale the "
            "features, or clip the gradients (the optimizer's clipnorm)."
        )
    else:
        advice = "Increase max_iter, raise learning_rate or scale the features."
    warnings.warn(
        f"{config.name}: maximum iterations ({config.max_iter}) reached and the "
        f"optimization has not converged yet ({trend}). {advice}",
        ConvergenceWarning,
        stacklevel=_USER_FRAME - 2,
    )
