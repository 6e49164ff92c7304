"""Docstring fragments shared by the estimators, so the four stay consistent."""

import textwrap

from . import constraints, optimizers, penalties, schedules


def _names(full_batch: bool) -> str:
    """The registered optimizer names of one kind, as docstring literals."""
    return ", ".join(
        f'``"{name}"``'
        for name, cls in optimizers.REGISTRY.entries.items()
        if cls.full_batch == full_batch
    )


def _choices(registry) -> str:
    """A numpydoc set of a registry's canonical names, braces doubled for format."""
    return "{{" + ", ".join(f'"{name}"' for name in registry.entries) + "}}"


def indent_doc(fragment: str) -> str:
    """Indent a fragment to the level of a class docstring's body."""
    return textwrap.indent(fragment, "    ")


TRAINING_PARAMETERS = (
    """\
initializer : str, Initializer or callable, default={initializer!r}
    How the weights start: a name from :mod:`skweights.initializers` (e.g.
    ``"glorot_uniform"``, ``"he_normal"``, ``"orthogonal"``), an initializer object,
    a callable ``init(shape, rng, dtype)``, or
    :class:`skweights.transfer.Pretrained` for transfer learning.{initializer_note}
    Intercepts start at zero.
penalty : """
    + _choices(penalties.REGISTRY)
    + """, Penalty or list, \
default={penalty!r}
    Penalty on every weight matrix (never on intercepts):
    ``alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||_2^2)``. L1 is applied
    by a proximal step, so it gives exact zeros. ``"group_l1"`` is
    ``alpha * sum_j ||W_j||_2`` over the rows (on the input layer it drops whole
    input features: see ``support_``). A penalty object keeps its own alpha.
    A list gives each layer its own penalty, input layer first (None for none),
    e.g. ``["l1", None]`` penalizes only the input layer of a one-hidden-layer
    network; with an L1 part it needs a minibatch optimizer.
alpha : float, default={alpha!r}
    Penalty strength. It does not depend on the batch size: every optimizer
    minimizes the same objective (see the table in the user guide).
l1_ratio : float in [0, 1], default=0.5
    Share of L1 in ``penalty="elasticnet"``.
constraint : str, Constraint, callable or list, default=None
    A weight constraint from :mod:`skweights.constraints` ("""
    + constraints.REGISTRY.literals(aliases=False)
    + """ or an object such as
    ``MaxNorm(3.0)``), projected onto every weight matrix after each optimizer
    step and its proximal step, as Keras' ``kernel_constraint``; a list gives one
    per layer, input layer first (None for none). Only minibatch optimizers
    project (``"auto"`` then picks Adam); the full-batch solvers refuse it.
monotonic_cst : array-like of int or dict, default=None
    One of -1, 0, 1 per input column (scikit-learn's convention; a dict maps
    column names to them): the prediction is guaranteed non-increasing (-1) or
    non-decreasing (1) in that column, for every input, by construction: after
    every step the first layer's weights from a constrained column keep its sign
    and every later layer's weights are non-negative (so a network needs a
    non-decreasing activation: tanh or logistic keep the most expressiveness,
    since with ReLU a one-hidden-layer network becomes convex in the free
    columns). Minibatch optimizers only; not for multiclass targets.
optimizer : str or Optimizer, default={optimizer!r}
    """
    + _names(False)
    + """ (minibatch), or
    """
    + _names(True)
    + """ (full batch), or an object such as
    ``skweights.optimizers.SGD(momentum=0.9, nesterov=True)``. Its parameters can
    be set and grid-searched as ``optimizer__momentum`` even when it is given by
    name (``set_params`` then builds the object); ``"auto"`` names no optimizer
    until ``fit``, so name one to set them. Every minibatch optimizer takes
    ``clipnorm``/``global_clipnorm`` (gradient clipping).{optimizer_note}
learning_rate : float, default=1e-3
    Initial step size of minibatch optimizers. Full-batch solvers (``"lbfgs"``,
    ``"fista"``, ``"cd"``, ``"direct"``) ignore it, and ``schedule``,
    ``batch_size`` and ``shuffle`` too (``"cd"``/``"direct"`` also
    ``early_stopping`` and ``n_iter_no_change``; L-BFGS/FISTA use
    ``n_iter_no_change`` only with ``early_stopping``): set to anything but its
    default, such a parameter gets a ``UserWarning`` naming it, as scikit-learn
    warns about parameters a solver ignores.
schedule : str or Schedule, default="constant"
    Learning-rate schedule per epoch: """
    + schedules.REGISTRY.literals(aliases=False)
    + """ or a schedule object (see
    :mod:`skweights.schedules`). ``"cosine"`` anneals over ``max_iter`` epochs;
    ``"adaptive"`` divides the rate by 5 on a plateau, as scikit-learn's
    ``learning_rate="adaptive"``, and training then stops once the rate falls
    under its minimum rather than at the first ``tol`` plateau.
batch_size : int or "auto", default="auto"
    Minibatch size; ``"auto"`` is ``min(200, n_samples)``.
max_iter : int, default={max_iter!r}
    Maximum number of epochs (solver iterations for full-batch solvers).
tol : float, default=1e-4
    Improvement below which an epoch counts as no progress; the gradient tolerance
    of full-batch solvers.
n_iter_no_change : int, default=10
    Epochs without progress before training stops.
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the data, stop when its score stops
    improving, and restore the best weights.
validation_fraction : float in (0, 1), default=0.1
    Share of the data held out for early stopping.
scoring : str, callable or None, default=None
    What early stopping watches on the validation set (greater is better), as
    ``HistGradientBoosting*``'s ``scoring``: a scikit-learn scorer name (e.g.
    ``"neg_log_loss"``, ``"neg_mean_absolute_error"``) or a callable
    ``scorer(estimator, X, y)``. None: the estimator's ``score`` (R² or accuracy).
    The validation set is ``fit``'s ``X_val``/``y_val`` when given.
shuffle : bool, default=True
    Shuffle the samples every epoch.
warm_start : bool, default=False
    Continue from the current weights, optimizer state and learning-rate schedule
    on the next ``fit``: ``invscaling``, ``step`` and ``exponential`` keep
    decaying (as scikit-learn continues its ``invscaling``) and ``adaptive`` keeps
    its reduced rate, until the schedule has run its course: a ``cosine``
    schedule whose annealing is over, or an ``adaptive`` one under its minimum
    rate, starts again (cosine anneals again over the new ``max_iter``), so a new
    ``fit`` always trains. The schedule also starts again when ``schedule`` or
    ``learning_rate`` changed since. ``loss_curve_`` (and ``validation_scores_``)
    are extended, as scikit-learn's; ``history_`` and ``n_iter_`` describe the
    last fit. To restart everything but the weights, fit with
    ``warm_start=False`` and
    ``initializer=skweights.initializers.Pretrained.from_estimator(model)``.
random_state : int, RandomState instance or None, default=None
    Seeds initialization, shuffling and the validation split.
verbose : int, default=0
    ``1``: a progress bar (tqdm, when installed) and, at the end, one line saying
    why training stopped (converged, ``max_iter`` reached, early stopping restored
    epoch k, or diverged). ``2``: one plain line per epoch (loss, validation score,
    learning rate, time), readable in a log file, and the same final line.
on_divergence : {{"raise", "keep_best"}}, default="raise"
    What a diverging fit does. With ``L0`` the loss at epoch 0 (the start of this
    fit; of the first call for ``partial_fit``) and ``S = max(L0, L_const)``,
    where ``L_const`` is the loss of the best constant prediction (the weighted
    mean target through the loss's link: half the variance of ``y`` for the
    squared error, the class entropy for the log-loss), a fit diverges when

    - an epoch's loss or weights stop being finite, or its loss exceeds
      ``L0 + 1000 * S`` (training stops at once);
    - its last loss (that of the weights it returns) exceeds ``L0 + S``;
    - it flattens a hidden layer: every unit gives the same output on every
      training row while the layer's inputs vary (every ReLU outputs 0,
      saturated sigmoids), so the network predicts a constant; a layer that was
      flat at the start, or made constant by zero weights (a strong L1
      penalty), does not count.

    ``S`` keeps a rise from a tiny loss (fine-tuning weights that already fit)
    from counting. ``"raise"``: a ``ValueError`` like scikit-learn's that says
    what happened and what to change, and the estimator is left exactly as it
    was. ``"keep_best"``: restore the weights of the best epoch (those of the
    start if none was better, or if the best one flattened a layer too) and warn
    with :class:`skweights.exceptions.DivergenceWarning`.
record_weights : bool or int, default=False
    Record each layer's weight distribution (weights only, not biases) in every
    record of ``history_``, from epoch 0: counts in fixed bins (logarithmically
    spaced magnitudes from 1e-6 to 1e6 on both sides of zero, one bin for exact
    zeros, under- and overflow bins) and nine percentiles, so the record's size
    does not depend on the number of weights.
    ``True``: 4 bins per decade of magnitude; an integer: that many. Drawn by
    :func:`skweights.plotting.plot_weight_evolution`; saved with the model.
    Off by default (no per-epoch work). The linear models' ``"direct"`` and
    ``"cd"`` solves have no trajectory: one record, the solution.
"""
)

FITTED_ATTRIBUTES = """\
coefs_ : list of ndarray
    Weight matrix of each layer, shape ``(n_in, n_out)``.
intercepts_ : list of ndarray
    Bias vector of each layer, shape ``(n_out,)``.
n_layers_ : int
    Number of layers, input and output included (as scikit-learn's MLP).
n_outputs_ : int
    Number of outputs of the last layer.
n_iter_ : int
    Epochs (or solver iterations) run by the last ``fit`` (counted on across
    ``partial_fit`` calls).
t_ : int
    Training samples seen (summed over epochs, ``partial_fit`` calls and warm
    starts; a full-batch iteration sees every sample once).
out_activation_ : str
    The output link: ``"identity"``, ``"exp"`` (log-link losses),
    ``"logistic"`` (binary or multilabel) or ``"softmax"``.
loss_ : float
    Objective (loss + penalty) of the last completed epoch, as scikit-learn's MLP.
loss_curve_ : list of float
    Objective (loss + penalty) of each epoch; warm-started fits and
    ``partial_fit`` calls append to it, as scikit-learn's (the objective at
    initialization is epoch 0 of ``history_``, which restarts at each ``fit``).
best_loss_ : float or None
    Lowest objective reached (None with early stopping).
validation_scores_ : list of float or None
    Validation score per epoch with early stopping (extended by warm starts).
best_validation_score_ : float or None
    Best validation score with early stopping.
history_ : History
    Per-epoch records, from epoch 0 (the initialization; for a minibatch fit on
    more than 4,096 rows, its loss and gradient norms are those of 4,096 evenly
    spaced training rows): loss, validation score,
    learning rate, each layer's weight and gradient norms, batches whose gradients
    were clipped, events (a diverged epoch) and, with ``record_weights``, each
    layer's weight distribution (``history_.weight_evolution()``);
    ``history_.to_frame()`` gives a DataFrame.
background_ : ndarray or sparse matrix of shape (n_background, ``n_features_in_``)
    At most 100 training rows, drawn with ``random_state`` at ``fit`` (the first
    ``partial_fit`` batch), in the space the estimator sees: the default background
    of :func:`skweights.explain`. Set it to ``None`` to keep no training data in
    the model (e.g. before sharing it); ``explain`` then needs ``background=``.
n_features_in_ : int
    Number of features seen during fit.
support_ : ndarray of bool of shape (``n_features_in_``,)
    Input features the network uses: False where the feature's whole row of
    ``coefs_[0]`` is exactly zero (the group penalty ``"group_l1"`` on the input
    layer zeroes rows; so does ``"l1"``, feature by feature).
n_features_selected_ : int
    ``support_.sum()``.
input_weight_norms_ : ndarray of shape (``n_features_in_``,)
    Euclidean norm of each feature's row of ``coefs_[0]``, for
    ``SelectFromModel(model, importance_getter="input_weight_norms_",
    threshold=1e-12)`` (keeps exactly ``support_``). It is what the group penalty
    shrinks, not a measure of a feature's effect on predictions: it depends on
    the feature's scale and ignores the later layers (use
    :func:`skweights.explain` or permutation importance for that).
feature_names_in_ : ndarray of shape (``n_features_in_``,)
    Feature names, when X had string column names.
"""

REGRESSION_LOSS = """\
loss : str or Loss, default="squared_error"
    The data term, a name from :mod:`skweights.losses` or a loss object:
    ``"squared_error"`` (identity link), ``"poisson"`` and ``"gamma"`` (half
    deviances with the log link: ``predict`` returns ``exp`` of the raw output;
    targets ``>= 0`` and ``> 0``), ``"tweedie"`` (``TweedieLoss(power=...)``,
    log link), ``"huber"`` (``HuberLoss(epsilon=...)`` for
    another threshold), ``"absolute_error"`` and ``"quantile"``
    (``QuantileLoss(quantile=...)``). The last two are not smooth: minibatch
    optimizers follow their subgradient, ``"lbfgs"`` and ``"fista"`` refuse them,
    and ``optimizer="auto"`` picks ``"adam"``. Every loss accepts several targets.
"""

MLP_DIFFERENCES = """\
.. rubric:: Differences from scikit-learn

The parameters and fitted attributes are scikit-learn's ``{name}``'s, with
these deliberate differences (the user guide page "Coming from scikit-learn's
MLPs" maps every parameter):

- ``alpha`` is not divided by the batch size: the objective is the mean loss plus
  ``alpha / 2 * ||W||^2`` for every optimizer and batch size, so
  ``alpha = alpha_sklearn / batch_size`` (``/ n_samples`` for L-BFGS) gives the
  same penalty.
- ``solver``, ``learning_rate`` and their satellites are objects:
  ``optimizer=optimizers.sgd(momentum=0.9, nesterov=True)`` for
  ``momentum``/``nesterovs_momentum``, ``optimizers.adam(beta_1, beta_2,
  epsilon)``, ``optimizers.lbfgs(max_fun=...)``, ``schedule`` for
  ``learning_rate`` and ``schedules.invscaling(power_t)``; ``learning_rate`` is
  scikit-learn's ``learning_rate_init``. skweights' ``sgd()`` has no momentum by
  default.
- ``loss_curve_`` and ``best_loss_`` are recorded for every optimizer, and ``t_``
  counts one pass over the data per full-batch iteration (scikit-learn: only for
  ``"sgd"``/``"adam"``, and ``t_ = 0`` with ``"lbfgs"``).
- Early stopping restores the best weights with any optimizer.
- The default initializer is Glorot uniform for every activation and intercepts
  start at zero (scikit-learn narrows the bound to ``sqrt(2 / (fan_in +
  fan_out))`` for ``"logistic"`` and draws the intercepts too); the random
  streams differ, so the same ``random_state`` gives other weights.{extra}
"""
