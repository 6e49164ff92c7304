"""Docstring fragments shared by the estimators, so the four stay consistent."""

import textwrap

from . import optimizers


def _names(full_batch: bool) -> str:
    """The registered optimizer names of one kind, as docstring literals."""
    return ", ".join(
        f'``"{name}"``'
        for name, cls in optimizers.REGISTRY.entries.items()
        if cls.full_batch == full_batch
    )


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
penalty : {{"l2", "l1", "elasticnet", "none"}} or Penalty, default={penalty!r}
    Penalty on every weight matrix (never on intercepts):
    ``alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||_2^2)``. L1 is applied
    by a proximal step, so it gives exact zeros. A penalty object keeps its own alpha.
alpha : float, default={alpha!r}
    Penalty strength. It does not depend on the batch size: every optimizer
    minimizes the same objective (see the table in the user guide).
l1_ratio : float in [0, 1], default=0.5
    Share of L1 in ``penalty="elasticnet"``.
optimizer : str or Optimizer, default={optimizer!r}
    """
    + _names(False)
    + """ (minibatch), or
    """
    + _names(True)
    + """ (full batch), or an object such as
    ``skweights.optimizers.SGD(momentum=0.9, nesterov=True)``.{optimizer_note}
learning_rate : float, default=1e-3
    Initial step size of minibatch optimizers (full-batch solvers ignore it).
schedule : str or Schedule, default="constant"
    Learning-rate schedule per epoch: ``"constant"``, ``"invscaling"``, ``"step"``,
    ``"exponential"``, ``"cosine"``, ``"adaptive"`` or a schedule object.
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
shuffle : bool, default=True
    Shuffle the samples every epoch.
warm_start : bool, default=False
    Continue from the current weights (and optimizer state) on the next ``fit``.
random_state : int, RandomState instance or None, default=None
    Seeds initialization, shuffling and the validation split.
verbose : int, default=0
    Print one progress line per epoch (a tqdm bar when tqdm is installed).
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
    Epochs (or solver iterations) run.
loss_curve_ : list of float
    Objective (loss + penalty) after each epoch.
best_loss_ : float or None
    Lowest objective reached (None with early stopping).
validation_scores_ : list of float or None
    Validation score per epoch with early stopping.
best_validation_score_ : float or None
    Best validation score with early stopping.
history_ : History
    Per-epoch records: loss, validation score, learning rate, and each layer's weight
    and gradient norms; ``history_.to_frame()`` gives a DataFrame.
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (``n_features_in_``,)
    Feature names, when X had string column names.
"""
