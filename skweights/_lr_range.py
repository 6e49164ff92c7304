r"""The learning-rate range test (re-exported by inspection and plotting).

Smith's test (2017), the ``lr_find`` of fastai and PyTorch Lightning: a clone of the
estimator trains for a few hundred minibatch steps while the learning rate grows
geometrically from ``min_lr`` to ``max_lr``; the loss first barely moves, then
falls, then blows up. The step loop is the estimator's own engine: its network,
objective (loss, penalty, frozen layers), optimizer and batch size, resolved as
``fit`` resolves them.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._base import BaseNetwork, minibatch_optimizer_names
from ._network import Workspace, layer_sizes
from ._pipeline import final_estimator, preprocessing
from ._training import FitPlan, _Step, _trainable, batch_gradients

_RULES = ("minimum", "steepest")


@dataclass
class LearningRateRange:
    """The result of :func:`learning_rate_range`.

    Attributes
    ----------
    learning_rates : ndarray of shape (n_done,)
        The rate of each step taken (geometric, from ``min_lr``).
    losses : ndarray of shape (n_done,)
        The objective (loss plus penalty) of each step's minibatch, before its
        update.
    smoothed : ndarray of shape (n_done,)
        ``losses`` smoothed by a zero-lag exponential average (run forward, then
        backward, each pass bias-corrected, weight ``smoothing``): unlike the
        one-sided average of fastai and Lightning it does not trail behind the
        growing rate.
    suggestion : float
        The suggested ``learning_rate`` (see ``rule``).
    rule : str
        How ``suggestion`` was chosen: ``"minimum"`` or ``"steepest"``.
    min_loss_rate : float
        The rate at which ``smoothed`` is lowest.
    diverged_at : float or None
        The rate at which the test stopped because the loss blew up (over
        ``divergence_threshold`` times the best smoothed loss, or non-finite);
        ``None`` when it reached ``max_lr``.
    estimator : str
        The name of the estimator tested, with its optimizer.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import scale
    >>> from skweights import MLPRegressor
    >>> from skweights.inspection import learning_rate_range
    >>> X, y = load_diabetes(return_X_y=True)
    >>> result = learning_rate_range(MLPRegressor((16,)), scale(X), scale(y))
    >>> result.losses.shape == result.learning_rates.shape
    True
    >>> result  # doctest: +ELLIPSIS
    LearningRateRange(MLPRegressor, Adam: ... steps from 1e-06 to ...;
      suggestion ... (rule 'minimum'), lowest loss at ..., ...)
    >>> list(result.to_frame().columns)
    ['learning_rate', 'loss', 'smoothed']
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    rule: str
    min_loss_rate: float
    diverged_at: float | None
    estimator: str = field(default="")

    def __repr__(self) -> str:
        """Two lines: the sweep, the suggestion and how the test ended."""
        rates = self.learning_rates
        end = (
            f"loss blew up at {self.diverged_at:.3g}"
            if self.diverged_at is not None
            else "reached max_lr"
        )
        return (
            f"LearningRateRange({self.estimator + ': ' if self.estimator else ''}"
            f"{rates.size} steps from {rates[0]:.3g} to {rates[-1]:.3g};\n"
            f"  suggestion {self.suggestion:.3g} (rule {self.rule!r}), lowest loss "
            f"at {self.min_loss_rate:.3g}, {end})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The test as a table, one row per step (per learning rate).

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``learning_rate`` (the step's rate), ``loss`` (its minibatch
            objective, before the update) and ``smoothed`` (the zero-lag smoothed
            loss), as the attributes ``learning_rates``, ``losses`` and
            ``smoothed``.
        """
        return pd.DataFrame(
            {
                "learning_rate": self.learning_rates,
                "loss": self.losses,
                "smoothed": self.smoothed,
            }
        )


def learning_rate_range(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    min_lr: float = 1e-6,
    max_lr: float = 10.0,
    n_steps: int = 200,
    rule: str = "minimum",
    smoothing: float = 0.9,
    divergence_threshold: float = 4.0,
    sample_weight: Any = None,
) -> LearningRateRange:
    r"""Smith's learning-rate range test: the loss as the rate grows, and a rate.

    A clone of the estimator (never the estimator itself) starts from its
    initialization (``random_state``) and takes ``n_steps`` minibatch steps of its
    own optimizer, on minibatches of its ``batch_size`` drawn by shuffled epochs,
    step :math:`t` at the rate :math:`\eta_t = \eta_{min}
    (\eta_{max} / \eta_{min})^{t / (n - 1)}` (``schedule`` is ignored). The
    objective of each step's batch is recorded; the test stops early once the
    (one-sided, as fastai's) smoothed loss exceeds ``divergence_threshold`` times
    its best value or stops being finite. Every row is used (``early_stopping``
    holds nothing out here), and the fitted weights of a fitted estimator play no
    part: the test is about training from the start.

    The suggestion follows ``rule``, on the zero-lag smoothed curve and only among
    the rates before its minimum (where training still makes progress):

    - ``"minimum"`` (default; fastai's ``minimum`` suggestion): the rate of the
      lowest loss divided by 10, one decade inside the edge of divergence;
    - ``"steepest"`` (Lightning's ``suggestion()``): the rate where the loss falls
      fastest per decade of rate, a more cautious choice.

    On the gallery's data sets (digits, diabetes, breast cancer; Adam, SGD,
    RMSprop) both suggestions trained to a lower loss than the default
    ``learning_rate=1e-3`` in 10 epochs, ``"minimum"`` the lowest. A warning
    says when the loss was still falling at ``max_lr`` (the range was too
    narrow).

    Parameters
    ----------
    estimator : estimator or Pipeline
        A skweights estimator with a minibatch optimizer (``sgd``, ``adam``,
        ``adamw``, ``rmsprop``, ``adagrad``...; ``optimizer="auto"`` as ``fit``
        resolves it), or a pipeline ending in one: a clone of the preprocessing is
        fitted on ``X`` and the test runs on the transformed data. Fitted or not;
        it is left untouched.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    min_lr, max_lr : float, default=1e-6 and 10.0
        The range of rates swept, ``0 < min_lr < max_lr``.
    n_steps : int, default=200
        Minibatch steps at most (at least 10).
    rule : {"minimum", "steepest"}, default="minimum"
        How to pick the suggestion (see above).
    smoothing : float, default=0.9
        Weight of the past in the exponential average of the loss, in [0, 1).
    divergence_threshold : float, default=4.0
        Stop once the smoothed loss exceeds this multiple of its best value (the
        threshold of fastai and Lightning), > 1.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the samples, as in ``fit``.

    Returns
    -------
    result : LearningRateRange
        Rates, raw and smoothed losses, the suggestion and where the loss blew up;
        :func:`skweights.plotting.plot_learning_rate_range` draws it.

    References
    ----------
    .. [1] Smith, L. N. (2017). Cyclical learning rates for training neural
       networks. IEEE Winter Conference on Applications of Computer Vision.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skweights import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(StandardScaler(), MLPClassifier((32,), random_state=0))
    >>> result = learning_rate_range(pipe, X, y)
    >>> 1e-4 < result.suggestion < result.min_loss_rate
    True
    >>> result.diverged_at is not None
    True
    """
    _check_options(min_lr, max_lr, n_steps, rule, smoothing, divergence_threshold)
    model = clone(estimator)
    prefix = preprocessing(model)
    if prefix is not None:
        X = prefix.fit_transform(X, y)
    model = final_estimator(model)
    if not isinstance(model, BaseNetwork):
        raise ValueError(
            "learning_rate_range: the estimator (or a pipeline's last step) must be "
            f"a skweights estimator; got {type(model).__name__}."
        )
    plan = _range_plan(model, X, y, sample_weight)
    rates = min_lr * (max_lr / min_lr) ** (np.arange(n_steps) / (n_steps - 1))
    losses, diverged_at = _sweep(plan, rates, smoothing, divergence_threshold)
    rates = rates[: losses.size]
    smoothed = _zero_lag_average(losses, smoothing)
    suggestion, min_loss_rate = _suggest(rates, smoothed, rule, diverged_at is not None)
    return LearningRateRange(
        learning_rates=rates,
        losses=losses,
        smoothed=smoothed,
        suggestion=suggestion,
        rule=rule,
        min_loss_rate=min_loss_rate,
        diverged_at=diverged_at,
        estimator=f"{type(model).__name__}, {type(plan.config.optimizer).__name__}",
    )


def _check_options(min_lr, max_lr, n_steps, rule, smoothing, threshold) -> None:
    def real(value) -> bool:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)

    problems = []
    if not (real(min_lr) and real(max_lr) and 0 < min_lr < max_lr < np.inf):
        problems.append(f"0 < min_lr < max_lr (got {min_lr!r} and {max_lr!r})")
    if isinstance(n_steps, bool) or not (
        isinstance(n_steps, numbers.Integral) and n_steps >= 10
    ):
        problems.append(f"n_steps an integer >= 10 (got {n_steps!r})")
    if rule not in _RULES:
        problems.append(f"rule one of {list(_RULES)} (got {rule!r})")
    if not (real(smoothing) and 0 <= smoothing < 1):
        problems.append(f"smoothing in [0, 1) (got {smoothing!r})")
    if not (real(threshold) and threshold > 1):
        problems.append(f"divergence_threshold > 1 (got {threshold!r})")
    if problems:
        raise ValueError("learning_rate_range needs " + "; ".join(problems) + ".")


def _range_plan(model, X, y, sample_weight) -> FitPlan:
    """The plan ``fit`` would start from (``model`` is a clone: it may change),
    checked for a minibatch optimizer."""
    resolved = model._resolve()
    optimizer = resolved["optimizer"]
    if getattr(optimizer, "full_batch", False):
        raise ValueError(
            f"learning_rate_range: {type(model).__name__}'s optimizer "
            f"{optimizer!r} works on the whole data set and takes no learning "
            "rate; the range test needs a minibatch optimizer. Set "
            f"optimizer='adam' (or {_other_minibatch_names('adam')})."
        )
    return model._plan(X, y, sample_weight, resolved=resolved, fit=False)


def _other_minibatch_names(but: str) -> str:
    """The registered minibatch optimizers other than ``but``, quoted."""
    return ", ".join(repr(name) for name in minibatch_optimizer_names() if name != but)


def _batches(plan: FitPlan):
    """Row indices of minibatches, epoch after epoch of shuffled data."""
    n_samples, batch_size = plan.data.Y.shape[0], plan.config.batch_size
    while True:
        order = plan.state.rng.permutation(n_samples)
        for begin in range(0, n_samples, batch_size):
            yield np.sort(order[begin : begin + batch_size])


def _sweep(plan: FitPlan, rates, smoothing, threshold) -> tuple[np.ndarray, Any]:
    """One step per rate (the fit's own step); stop when the smoothed loss blows
    up. The steps are the optimizer's alone: no schedule, dropout or weight
    constraint, and the reference (numpy) computations."""
    objective, coefs, intercepts = plan.objective, plan.coefs, plan.intercepts
    params, penalized = _trainable(objective, coefs, intercepts)
    plan.state.optimizer_state = plan.config.optimizer.init(params)
    config = replace(plan.config, constraints=(), dropout=())
    workspace = Workspace(layer_sizes(coefs), config.batch_size, coefs[0].dtype)
    step = _Step(objective, params, penalized, config, workspace, coefs)
    mean_weight = float(plan.data.sample_weight.mean())
    losses, average, best = [], 0.0, np.inf
    batches = _batches(plan)
    with np.errstate(over="ignore", invalid="ignore"):
        for t, rate in enumerate(rates):
            value, coef_grads, intercept_grads, _ = batch_gradients(
                objective,
                coefs,
                intercepts,
                plan.data,
                next(batches),
                mean_weight,
                workspace,
            )
            loss = value + objective.penalty_value(coefs)
            average = smoothing * average + (1 - smoothing) * loss
            smooth = average / (1 - smoothing ** (t + 1))
            if not math.isfinite(smooth) or smooth > threshold * best:
                return np.array(losses), float(rate)
            losses.append(loss)
            best = min(best, smooth)
            step(plan.state, coef_grads, intercept_grads, float(rate))
    return np.array(losses), None


def _zero_lag_average(losses: np.ndarray, smoothing: float) -> np.ndarray:
    """A bias-corrected exponential average run forward, then backward over that.

    The two passes cancel each other's lag (as :func:`scipy.signal.filtfilt`).
    """

    def one_sided(values):
        out, average = np.empty_like(values), 0.0
        for step, value in enumerate(values):
            average = smoothing * average + (1 - smoothing) * value
            out[step] = average / (1 - smoothing ** (step + 1))
        return out

    losses = np.asarray(losses, dtype=np.float64)
    return one_sided(one_sided(losses)[::-1])[::-1]


def _suggest(rates, smoothed, rule, diverged: bool) -> tuple[float, float]:
    """The suggested rate and the rate of the lowest smoothed loss."""
    if smoothed.size < 3:
        raise ValueError(
            "learning_rate_range: the loss blew up within the first steps, at rate "
            f"{rates[-1] if rates.size else float('nan'):.3g}; lower min_lr."
        )
    lowest = int(np.argmin(smoothed))
    min_loss_rate = float(rates[lowest])
    if lowest >= smoothed.size - max(3, smoothed.size // 20) and not diverged:
        warnings.warn(
            f"learning_rate_range: the loss was still falling at max_lr="
            f"{rates[-1]:.3g}; the suggestion may be too low. Raise max_lr.",
            UserWarning,
            stacklevel=3,
        )
    if rule == "minimum" or lowest < 2:
        return min_loss_rate / 10, min_loss_rate
    slope = np.gradient(smoothed[: lowest + 1], np.log(rates[: lowest + 1]))
    return float(rates[int(np.argmin(slope))]), min_loss_rate


def plot_learning_rate_range(result: LearningRateRange, *, ax: Any = None) -> Any:
    """The loss against the learning rate (log axis), with the suggested rate.

    Draws each step's minibatch loss (faint), the smoothed curve, the suggested
    rate (a dashed line and a marker), the rate of the lowest loss and, when the
    test stopped early, the rate at which the loss blew up.

    Parameters
    ----------
    result : LearningRateRange
        What :func:`skweights.inspection.learning_rate_range` returned.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        With the raw and smoothed loss lines (in that order) and the markers.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import scale
    >>> from skweights import MLPRegressor
    >>> from skweights.inspection import learning_rate_range
    >>> X, y = load_diabetes(return_X_y=True)
    >>> result = learning_rate_range(MLPRegressor((16,)), scale(X), scale(y))
    >>> ax = plot_learning_rate_range(result)
    >>> ax.get_xscale(), ax.get_xlabel()
    ('log', 'learning rate')
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, LearningRateRange):
        raise ValueError(
            "plot_learning_rate_range: pass the result of "
            "skweights.inspection.learning_rate_range(estimator, X, y)."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    rates, smoothed = result.learning_rates, result.smoothed
    ax.plot(rates, result.losses, color="0.6", linewidth=0.8, label="minibatch loss")
    ax.plot(rates, smoothed, color="tab:blue", linewidth=2, label="smoothed loss")
    at = float(np.interp(np.log(result.suggestion), np.log(rates), smoothed))
    ax.axvline(result.suggestion, color="tab:green", linestyle="--", linewidth=1.2)
    ax.plot(
        [result.suggestion],
        [at],
        "o",
        color="tab:green",
        label=f"suggestion ({result.rule}): {result.suggestion:.2g}",
    )
    lowest = float(smoothed.min())
    ax.plot(
        [result.min_loss_rate],
        [lowest],
        "v",
        color="black",
        label=f"lowest loss at {result.min_loss_rate:.2g}",
    )
    if result.diverged_at is not None:
        ax.axvline(result.diverged_at, color="tab:red", linestyle=":", linewidth=1.2)
        ax.plot([], [], color="tab:red", linestyle=":", label="loss blew up")
    ax.set_xscale("log")
    top = float(max(smoothed[0], smoothed.max()))
    spread = top - lowest
    ax.set_ylim(lowest - 0.1 * spread, top + 0.25 * spread)  # raw spikes cut off
    ax.set_xlabel("learning rate")
    ax.set_ylabel("objective (loss + penalty)")
    ax.set_title(f"Learning-rate range test: {result.estimator}")
    ax.legend(fontsize="small", loc="best")
    return ax
