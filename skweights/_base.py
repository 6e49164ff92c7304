"""The scikit-learn facade shared by all four estimators.

``BaseNetwork`` validates hyper-parameters and data, builds the network's arrays,
hands them to the training loop (``_training.train``) and stores fitted attributes.
Subclasses only say what their output is (``_RegressorOutput``/``_ClassifierOutput``)
and which hidden layers they have.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import numbers
from typing import Any

import numpy as np
from pandas.api import types as pd_api_types
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import (
    activations,
    constraints,
    initializers,
    losses,
    optimizers,
    penalties,
    schedules,
)
from ._ignored import warn_ignored_parameters
from ._network import Objective, forward, layer_sizes
from ._registry import store_params  # noqa: F401 (the estimators import it here)
from ._training import (
    FitPlan,
    TrainData,
    TrainingConfig,
    TrainingState,
    copy_state,
    train,
    warn_not_converged,
)
from ._validation import FLAG, Interval, Options, check_parameter, check_parameters
from ._weight_record import DEFAULT_BINS_PER_DECADE

try:  # scikit-learn >= 1.9: the (experimental) callback API
    from sklearn.callback import CallbackSupportMixin as _CallbackSupport
    from sklearn.callback._callback_support import (
        callback_management_context as _callbacks_managed,
    )
except ImportError:  # older scikit-learn: fit works as before, no set_callbacks

    class _CallbackSupport:
        """Stand-in for scikit-learn's ``CallbackSupportMixin`` (absent)."""

    def _callbacks_managed(estimator):
        return contextlib.nullcontext()


_FLOAT_DTYPES = (np.float64, np.float32)

#: Training rows kept at fit as ``background_``, explain's default background.
BACKGROUND_SIZE = 100

# Parameters given as a registry name that ``set_params`` turns into an object when
# a nested key (``optimizer__momentum``) is set. ``penalty`` is not among them: a
# penalty object keeps its own alpha, which would silently override ``alpha``.
_COMPONENT_MODULES = {
    "optimizer": optimizers,
    "schedule": schedules,
    "initializer": initializers,
    "activation": activations,
    "loss": losses,
    "constraint": constraints,
}


def _check_loss_and_optimizer(owner: str, loss: Any, optimizer: Any) -> None:
    """Refuse a non-smooth loss for a solver that needs exact gradients.

    The loss says whether it is smooth (``loss.smooth``); the optimizer whether it
    needs a smooth objective (``needs_smooth_loss``, by default: full-batch solvers,
    whose line searches assume a gradient).
    """
    if loss is None or getattr(loss, "smooth", True):
        return
    needs = getattr(
        optimizer, "needs_smooth_loss", getattr(optimizer, "full_batch", False)
    )
    if needs:
        raise ValueError(
            f"{owner}: the loss {loss!r} is not differentiable everywhere "
            f"(smooth=False), and the optimizer {optimizer!r} needs a smooth "
            "objective (exact gradients and line searches). Use a minibatch "
            "optimizer such as optimizer='adam' or 'sgd' (optimizer='auto' picks "
            "one), or a smooth loss such as loss='huber'."
        )


def _start_output_intercepts(objective, intercepts, data, resolved) -> None:
    """Start the output intercepts where the loss asks (``initial_intercept``:
    the weighted quantile of y for quantile and absolute error), unless they are
    not trained or a whole-network initializer (``Pretrained``) set them."""
    start = getattr(objective.loss, "initial_intercept", None)
    if start is None or hasattr(resolved["initializer"], "init_network"):
        return
    if objective.intercept_trainable[-1]:
        value = start(data.Y, data.sample_weight)
        if value is not None:
            intercepts[-1][...] = value


def _schedule_hint(value: Any) -> str:
    """Point a schedule name given as ``learning_rate`` to ``schedule=``."""
    if not (isinstance(value, str) and value in schedules.REGISTRY):
        return ""
    return (
        f" {value!r} is a learning-rate schedule: pass schedule={value!r} and "
        "give the initial rate as learning_rate (scikit-learn's "
        "learning_rate_init), e.g. learning_rate=0.001."
    )


_RECORD_WEIGHTS = (
    Options(
        {
            False: "record nothing",
            True: "record each layer's weight distribution every epoch, "
            f"{DEFAULT_BINS_PER_DECADE} bins per decade of magnitude",
        }
    ),
    Interval(1, integer=True, note="the bins per decade"),
)


def _record_weights_bins(owner: str, value: Any) -> int:
    """Bins per decade for ``record_weights`` (0: off); raise for a bad value."""
    check_parameter(owner, "record_weights", value, _RECORD_WEIGHTS)
    if isinstance(value, (bool, np.bool_)):
        return DEFAULT_BINS_PER_DECADE if value else 0
    return int(value)


def _validate(estimator, X, y="no_validation", **kwargs):
    """scikit-learn's ``validate_data``, with a clear error for non-numeric input."""
    try:
        return validate_data(estimator, X, y, **kwargs)
    except ValueError as error:
        # numpy's own message ("could not convert string to float: 'a'") says
        # neither which argument nor what to do about it. (Non-string objects
        # raise scikit-learn's TypeError, which its estimator checks require.)
        message = str(error)
        if "could not convert" not in message:
            raise
        raise ValueError(_non_numeric_message(estimator, X, y, message)) from error


def _non_numeric_message(estimator, X, y, message: str) -> str:
    owner = type(estimator).__name__
    try:
        np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        columns = ""
        if hasattr(X, "dtypes"):
            names = [
                str(name)
                for name, dtype in X.dtypes.items()
                if not pd_api_types.is_numeric_dtype(dtype)
            ]
            columns = f"; non-numeric columns: {names}"
        return (
            f"{owner}: X must be numeric but contains strings or other objects "
            f"({message}{columns}). Encode categorical or text features as numbers "
            "first, e.g. with OneHotEncoder or OrdinalEncoder in a ColumnTransformer "
            "before the model, or drop those columns."
        )
    return _non_numeric_y_message(owner, message)


def _non_numeric_y_message(owner: str, message: str) -> str:
    return (
        f"{owner}: y must be numeric for a regressor but contains strings or other "
        f"objects ({message}). Convert the targets to numbers, or use a classifier "
        "for class labels."
    )


def minibatch_optimizer_names() -> list[str]:
    """The registered optimizers that step minibatches (not ``full_batch``), in
    the registry's order: the list messages give."""
    return [
        name
        for name, factory in optimizers.REGISTRY.entries.items()
        if not getattr(factory(), "full_batch", False)
    ]


def frozen_layers(model: Any, n_layers: int) -> set[int]:
    """The layers whose weights ``model.frozen_layers`` holds fixed, as indices
    ``0..n_layers - 1`` (negative ones count from the output layer, -1 being it,
    as in the plots).

    Raises
    ------
    ValueError
        Naming the entries that are not layers of the network.
    """
    frozen = tuple(getattr(model, "frozen_layers", ()) or ())
    bad = [
        i
        for i in frozen
        if not isinstance(i, numbers.Integral)
        or isinstance(i, bool)
        or not -n_layers <= i < n_layers
    ]
    if bad:
        raise ValueError(
            f"{type(model).__name__}: frozen_layers {bad} do not exist; the "
            f"network has layers 0..{n_layers - 1} (or -{n_layers}..-1 counted "
            "from the output layer)."
        )
    return {int(i) % n_layers for i in frozen}


def _background_sample(X, random_state):
    """Up to ``BACKGROUND_SIZE`` rows of ``X``, drawn uniformly without replacement.

    Real training rows (not k-means centroids), so that one-hot or integer columns
    keep valid values; drawn with the estimator's ``random_state``; in row order.
    """
    n_rows = X.shape[0]
    if n_rows <= BACKGROUND_SIZE:
        return X.copy()
    rng = check_random_state(random_state)
    rows = np.sort(rng.choice(n_rows, BACKGROUND_SIZE, replace=False))
    return X[rows]


def _check_constraint_and_optimizer(estimator: Any, optimizer: Any) -> None:
    """A constraint needs an optimizer that takes steps it can project after."""
    if not estimator._constrained():
        return
    if getattr(optimizer, "full_batch", False) or getattr(
        optimizer, "solves_linear", False
    ):
        positive = (
            " (for non-negative coefficients solved exactly, positive=True)"
            if hasattr(estimator, "positive")
            else ""
        )
        what = (
            f"constraint={estimator.constraint!r}"
            if getattr(estimator, "constraint", None) is not None
            else "monotonic_cst"
        )
        raise ValueError(
            f"{type(estimator).__name__}: {what} is "
            "applied after each step of a minibatch optimizer, and "
            f"{optimizer!r} does not take such steps. Use a minibatch optimizer "
            "(optimizer='adam', 'sgd', 'rmsprop'... or 'auto'), or drop the "
            f"constraint{positive}."
        )


class BaseNetwork(_CallbackSupport, BaseEstimator):
    """Shared implementation of skweights' estimators; not for direct use.

    Subclasses set ``_hidden_sizes()`` (empty for linear models) and mix in an output
    kind (regression or classification) that encodes targets and decodes outputs.
    """

    #: What each number, flag or option accepts, checked in this order at fit
    #: (``_validation.check_parameters``); subclasses extend it. Components
    #: (optimizer, penalty...) are checked by their registries instead.
    _parameter_constraints: dict = {
        "alpha": Interval(0),
        "l1_ratio": Interval(0, 1),
        "learning_rate": Interval(
            0, low_open=True, note="the initial step size", hint=_schedule_hint
        ),
        "max_iter": Interval(1, integer=True),
        "tol": Interval(0),
        # np.inf: scikit-learn's "never stop early"
        "n_iter_no_change": (Interval(1, integer=True), Options({np.inf: None})),
        "validation_fraction": Interval(0, 1, low_open=True, high_open=True),
        "verbose": Interval(0, integer=True),
        "shuffle": FLAG,
        "early_stopping": FLAG,
        "warm_start": FLAG,
        "on_divergence": Options(
            {
                "raise": "a diverging fit raises ValueError and leaves the "
                "estimator unchanged",
                "keep_best": "restore the best epoch's weights and warn",
            }
        ),
        "record_weights": _RECORD_WEIGHTS,
        "batch_size": (Options({"auto": None}), Interval(1, integer=True)),
    }

    # -- hyper-parameters ---------------------------------------------------------
    def set_params(self, **params):
        """Set parameters, with ``name__param`` for components given by name.

        As for any scikit-learn estimator, ``optimizer__momentum=0.9`` sets a
        parameter of the optimizer object. When the component is still a name (the
        default ``optimizer="adam"``, ``schedule="cosine"``...), the name is first
        replaced by the object it stands for, so ``GridSearchCV`` can search
        ``optimizer__momentum`` with ``optimizer="sgd"``. ``optimizer="auto"``
        names no optimizer until ``fit`` sees the data, so a nested key then raises
        ``ValueError``: set ``optimizer`` too (``{"optimizer": ["sgd"],
        "optimizer__momentum": [0.5, 0.9]}``). ``penalty`` is never resolved this
        way: a penalty object keeps its own ``alpha``.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        for name in {key.partition("__")[0] for key in params if "__" in key}:
            value = params.get(name, getattr(self, name, None))
            if isinstance(value, str) and name in _COMPONENT_MODULES:
                params[name] = self._component_from_name(name, value, params)
        return super().set_params(**params)

    def _component_from_name(self, name: str, value: str, params: dict):
        if name == "optimizer" and value.lower() == "auto":
            keys = sorted(key for key in params if key.startswith("optimizer__"))
            raise ValueError(
                f"{type(self).__name__}: cannot set {keys} while optimizer='auto': "
                "'auto' picks the optimizer at fit time, so there is no optimizer "
                "object to set them on yet. Name it as well, e.g. set_params("
                "optimizer='sgd', optimizer__momentum=0.9), or in a grid "
                "{'optimizer': ['sgd'], 'optimizer__momentum': [0.5, 0.9]}."
            )
        return _COMPONENT_MODULES[name].get(value)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object's is self.__dict__
        training = state.get("_training_state")
        if training is not None and state.get("history_") is training.history:
            del state["history_"]  # saved once, in the training state
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        # Models saved by an older version lack newer parameters: their defaults.
        defaults = inspect.signature(type(self).__init__).parameters
        for name in self._get_param_names():
            if name not in self.__dict__:
                setattr(self, name, defaults[name].default)
        training = self.__dict__.get("_training_state")
        if training is not None and "history_" not in self.__dict__:
            self.history_ = training.history

    def _hidden_sizes(self) -> tuple[int, ...]:
        return ()

    def _frozen(self) -> tuple[int, ...]:
        return tuple(getattr(self, "frozen_layers", ()) or ())

    def _resolve(self, incremental: bool = False) -> dict[str, Any]:
        """Validate every hyper-parameter and resolve components from registries."""
        check_parameters(self)
        penalty = self._resolve_penalty()
        loss = self._resolve_loss()
        return {
            "activation": activations.get(getattr(self, "activation", "identity")),
            "penalty": penalty,
            "optimizer": self._resolve_optimizer(penalty, loss, incremental),
            "schedule": schedules.get(self.schedule),
            "initializer": initializers.get(self.initializer),
            "loss": loss,
            "constraint": self._resolve_constraint(),
        }

    def _resolve_optimizer(self, penalty: Any, loss: Any, incremental: bool) -> Any:
        """The optimizer (``"auto"`` resolved), checked against the loss and penalty."""
        owner = type(self).__name__
        optimizer = self.optimizer
        if isinstance(optimizer, str) and optimizer.lower() == "auto":
            # Streaming needs a minibatch optimizer; full-batch solvers need all
            # data and (like L-BFGS and FISTA) a smooth loss.
            # A constraint projects after minibatch steps only.
            subgradient = not getattr(loss, "smooth", True)
            minibatch = incremental or subgradient or self._constrained()
            minibatch = minibatch or bool(any(self._dropout_rates()))
            optimizer = "adam" if minibatch else self._auto_optimizer(penalty)
        optimizer = optimizers.get(optimizer)
        _check_loss_and_optimizer(owner, loss, optimizer)
        _check_constraint_and_optimizer(self, optimizer)
        if any(self._dropout_rates()) and getattr(optimizer, "full_batch", False):
            raise ValueError(
                f"{owner}: dropout draws new masks for every minibatch step, and "
                f"{optimizer!r} minimizes one fixed objective over the whole data "
                "set. Use a minibatch optimizer (optimizer='adam', 'sgd'...) or set "
                "dropout=0 and input_dropout=0."
            )
        per_layer = isinstance(penalty, tuple) and len(penalty) > 1
        if per_layer and getattr(optimizer, "full_batch", False):
            if not all(p.smooth for p in penalty):
                raise ValueError(
                    f"{owner}: per-layer penalties with an L1 part need a minibatch "
                    f"optimizer (e.g. optimizer='adam'); {optimizer!r} takes one "
                    "penalty for the whole network."
                )
        if incremental and getattr(optimizer, "full_batch", False):
            raise ValueError(
                f"{owner}: partial_fit needs a minibatch optimizer "
                f"({', '.join(minibatch_optimizer_names())}); {optimizer!r} works on "
                "the whole data set at once. Use fit, or set optimizer='adam' or "
                "'auto'."
            )
        return optimizer

    def _auto_optimizer(self, penalty) -> str:
        return "adam"

    def _dropout_rates(self) -> tuple:
        """The dropout rate of each layer's input (the MLPs have them)."""
        return ()

    def _constrained(self) -> bool:
        """Whether ``constraint`` or ``monotonic_cst`` constrains some layer."""
        entries = getattr(self, "constraint", None)
        if not isinstance(entries, (list, tuple)):
            entries = [entries]
        monotone = getattr(self, "monotonic_cst", None)
        signs = np.asarray(monotone if monotone is not None else [], dtype=object)
        return any(entry is not None for entry in entries) or bool(np.any(signs != 0))

    def _monotone_signs(self, n_features: int) -> np.ndarray | None:
        """``monotonic_cst`` as -1/0/1 per input column (None: unconstrained)."""
        cst = getattr(self, "monotonic_cst", None)
        if cst is None:
            return None
        owner = type(self).__name__
        if isinstance(cst, dict):
            names = getattr(self, "feature_names_in_", None)
            unknown = sorted(set(cst) - set([] if names is None else names))
            if unknown:
                raise ValueError(
                    f"{owner}: monotonic_cst names columns {unknown} that are not "
                    "among the feature names seen in fit (a dict needs X with "
                    "column names)."
                )
            cst = [cst.get(name, 0) for name in names]
        signs = np.asarray(cst)
        if (
            signs.shape != (n_features,)
            or signs.dtype.kind not in "iuf"
            or not np.isin(signs, (-1, 0, 1)).all()
        ):
            raise ValueError(
                f"{owner}: monotonic_cst must hold one of -1, 0, 1 per input column "
                f"({n_features} here), as scikit-learn's; got {cst!r}."
            )
        return signs.astype(int) if np.any(signs != 0) else None

    def _add_monotone(self, config, objective, coefs) -> None:
        """Project each layer on the signs that make the model monotone in the
        constrained inputs (first layer: the constrained rows' signs; later
        layers: non-negative), after every step and at the start."""
        signs = self._monotone_signs(coefs[0].shape[0])
        if signs is None:
            return
        owner = type(self).__name__
        if len(coefs) > 1 and not getattr(objective.activation, "monotone", False):
            names = [n for n, c in activations.REGISTRY.entries.items() if c.monotone]
            raise ValueError(
                f"{owner}: monotonic_cst needs a non-decreasing activation "
                f"({', '.join(names)}); {objective.activation!r} is not monotone."
            )
        if objective.loss.output_activation == "softmax":
            raise ValueError(
                f"{owner}: monotonic_cst is not supported for multiclass targets "
                "(as in scikit-learn): a softmax output cannot make every class "
                "probability monotone. Use it for regression, binary or multilabel "
                "classification."
            )
        user = config.constraints or (None,) * len(coefs)
        layers = [constraints._RowSigns(signs)] + [constraints.NonNeg()] * (
            len(coefs) - 1
        )
        config.constraints = tuple(
            constraints._monotone(c, p) for c, p in zip(user, layers)
        )
        for i, (W, project) in enumerate(zip(coefs, config.constraints)):
            if objective.coef_trainable[i]:
                W[...] = project(W)
            elif not np.array_equal(project(W), W):
                raise ValueError(
                    f"{owner}: the frozen layer {i} has weights of the wrong sign "
                    "for monotonic_cst, and a frozen layer cannot be projected; "
                    "unfreeze it or drop monotonic_cst."
                )

    def _resolve_constraint(self):
        """The constraint object, a tuple of them (one per layer), or None."""
        entries = getattr(self, "constraint", None)
        if not isinstance(entries, (list, tuple)):
            return None if entries is None else constraints.get(entries)
        if len(entries) == 0:
            raise ValueError(
                f"{type(self).__name__}: constraint is an empty list; give one "
                "constraint per layer (input layer first, None for none), a single "
                "constraint for all, or None."
            )
        return tuple(None if e is None else constraints.get(e) for e in entries)

    def _layer_constraints(self, resolved, n_layers: int) -> tuple:
        """One constraint (or None) per layer, for the training loop."""
        constraint = resolved.get("constraint")
        if constraint is None:
            return ()
        if not isinstance(constraint, tuple):
            return (constraint,) * n_layers
        if len(constraint) != n_layers:
            raise ValueError(
                f"{type(self).__name__}: constraint has {len(constraint)} entries but "
                f"the network has {n_layers} layers; give one per layer (input layer "
                "first, None for none) or a single constraint for all."
            )
        return constraint

    def _resolve_penalty(self):
        """The penalty object, or a tuple of them when ``penalty`` is a list.

        Every entry given by name takes the estimator's ``alpha`` and
        ``l1_ratio``; None is no penalty; a penalty object keeps its own alpha.
        """

        def resolve(entry):
            return penalties.get(
                "none" if entry is None else entry,
                alpha=float(self.alpha),
                l1_ratio=float(self.l1_ratio),
            )

        if not isinstance(self.penalty, (list, tuple)):
            return resolve(self.penalty)
        if len(self.penalty) == 0:
            raise ValueError(
                f"{type(self).__name__}: penalty is an empty list; give one penalty "
                "per layer (input layer first), or a single penalty for all."
            )
        return tuple(resolve(entry) for entry in self.penalty)

    # -- fit / partial_fit --------------------------------------------------------
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR input keeps the first layer sparse.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            Your own validation set for early stopping (``early_stopping=True``),
            instead of holding out ``validation_fraction`` of ``X``: every row of
            ``X`` is trained on. Its score (``scoring``) each epoch goes to
            ``validation_scores_`` and ``history_["val_score"]``, its loss (the
            objective without the penalty) to ``history_["val_loss"]``. In a
            :class:`~sklearn.pipeline.Pipeline`, route it with metadata routing
            and ``transform_input=["X_val"]`` so that it reaches this step
            transformed by the fitted preceding steps (see the user guide).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``; required with it.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples (score and loss).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation = None
        if X_val is not None or y_val is not None or sample_weight_val is not None:
            validation = (X_val, y_val, sample_weight_val)
        # Callbacks' teardown after fit, as scikit-learn's ``with_callbacks`` (a
        # with block, not a decorator: warnings keep pointing at the caller).
        with _callbacks_managed(self):
            return self._fit(
                X, y, sample_weight, incremental=False, validation=validation
            )

    def _fit(
        self, X, y, sample_weight, incremental: bool, classes=None, validation=None
    ):
        resolved = self._resolve(incremental)
        warn_ignored_parameters(self, resolved["optimizer"])
        backup = dict(self.__dict__)
        try:
            return self._fit_resolved(
                X, y, sample_weight, incremental, classes, resolved, validation
            )
        except BaseException:
            # A failed fit leaves the estimator exactly as it was.
            self.__dict__.clear()
            self.__dict__.update(backup)
            raise

    def _fit_resolved(
        self, X, y, sample_weight, incremental, classes, resolved, validation=None
    ):
        plan = self._plan(
            X,
            y,
            sample_weight,
            incremental=incremental,
            classes=classes,
            validation=validation,
            resolved=resolved,
        )
        callback_ctx = self._start_callbacks(plan)
        n_iter_before = plan.state.n_iter
        seen_before = getattr(self, "t_", 0) if plan.continuing else 0
        curves_before = self._curves() if plan.continuing else ([], [])
        outcome = train(plan)
        if (
            not incremental
            and not outcome.converged
            and outcome.event is None
            and plan.state.n_iter >= self.max_iter
        ):
            # A solver that stops early for its own reasons (L-BFGS's max_fun)
            # warns itself, naming the reason.
            warn_not_converged(plan.config, plan.state)
        if not incremental or not hasattr(self, "background_"):
            # After training, so that drawing the rows never changes the fit.
            self.background_ = _background_sample(plan.X, self.random_state)
        self._store(
            plan.coefs, plan.intercepts, plan.state, n_iter_before, curves_before
        )
        self.out_activation_ = plan.objective.loss.output_activation
        # Training samples seen, as scikit-learn's t_ (a full-batch iteration sees
        # every sample once).
        n_epochs = plan.state.n_iter - n_iter_before
        self.t_ = seen_before + n_epochs * plan.data.Y.shape[0]
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_end(
                estimator=self, X=plan.X, y=plan.y, reconstruction_attributes={}
            )
        return self

    def _plan(
        self,
        X,
        y,
        sample_weight=None,
        *,
        incremental: bool = False,
        classes=None,
        validation=None,
        resolved=None,
        fit: bool = True,
    ) -> FitPlan:
        """The fit plan: the data, network, objective, settings and state a run of
        :func:`~skweights._training.train` starts from, as ``fit`` builds them.

        ``incremental``: one epoch from the fitted network (``partial_fit``);
        ``validation``: ``(X_val, y_val, sample_weight_val)`` given to ``fit``;
        ``resolved``: the components of :meth:`_resolve`, if already resolved.
        ``fit=False`` (the learning-rate range test, the regularization path): a
        new network as initialized and every row, without what only a fit does
        (held-out rows, the output intercepts' start, monotone constraints).
        """
        if resolved is None:
            resolved = self._resolve(incremental)
        continuing = (
            fit and (incremental or self.warm_start) and hasattr(self, "coefs_")
        )
        X, y, Y, weights = self._training_data(
            X, y, sample_weight, continuing, classes, resolved
        )
        sizes = [X.shape[1], *self._hidden_sizes(), Y.shape[1]]
        coefs, intercepts, state = self._starting_point(
            sizes, X.dtype, continuing, resolved
        )
        if not incremental:
            state = state.for_new_fit()
        plan = FitPlan(
            data=TrainData(X, Y, weights),
            objective=self._objective(resolved, len(coefs)),
            coefs=coefs,
            intercepts=intercepts,
            config=self._training_config(resolved, X.shape[0], len(coefs)),
            state=state,
            epochs=1 if incremental else None,
            X=X,
            y=y,
            continuing=continuing,
        )
        if fit:
            self._add_monotone(plan.config, plan.objective, coefs)
            self._hold_out(plan, validation, incremental)
            if not continuing:
                _start_output_intercepts(
                    plan.objective, intercepts, plan.data, resolved
                )
        return plan

    def _hold_out(self, plan: FitPlan, validation, incremental: bool) -> None:
        """The validation of early stopping: ``fit``'s ``X_val``/``y_val``, or
        rows of the data held out (never in ``partial_fit``, nor for an exact
        solve, which has no epochs to stop early)."""
        if validation is not None:
            make_score = self._given_validation(plan.X, validation)
        else:
            no_split = incremental or getattr(
                plan.config.optimizer, "solves_linear", False
            )
            data, make_score = self._split(
                plan.X,
                plan.data.Y,
                plan.y,
                plan.data.sample_weight,
                plan.state,
                no_split,
            )
            plan.data = data
        if make_score is not None:
            plan.validation_score = make_score(plan.coefs, plan.intercepts)

    def _start_callbacks(self, plan: FitPlan):
        """scikit-learn's callbacks (>= 1.9), own or propagated by a meta-estimator
        such as GridSearchCV: the fit is a task with one subtask per epoch, each
        ending with the network of that epoch (``ScoringMonitor`` scores it,
        ``ProgressBar`` counts it). None when no callback is set."""
        own = getattr(self, "_skl_callbacks", None)
        if not own and not hasattr(self, "_parent_callback_ctx"):
            return None
        X, y, coefs, intercepts = plan.X, plan.y, plan.coefs, plan.intercepts
        ctx = self._init_callback_context(max_subtasks=max(plan.config.max_iter, 1))
        ctx.call_on_fit_task_begin(estimator=self, X=X, y=y)
        output = self._loss().output_activation

        def on_epoch(record):
            sub = ctx.subcontext(task_name="epoch")
            sub.call_on_fit_task_begin(estimator=self, X=X, y=y)
            sub.call_on_fit_task_end(
                estimator=self,
                X=X,
                y=y,
                reconstruction_attributes={
                    "coefs_": [W.copy() for W in coefs],
                    "intercepts_": [b.copy() for b in intercepts],
                    "out_activation_": output,
                    "n_iter_": record["epoch"],
                },
            )

        plan.config.on_epoch = on_epoch
        return ctx

    def _training_data(self, X, y, sample_weight, continuing, classes, resolved):
        """Validated ``X`` and ``y``, the encoded 2-D targets ``Y`` and the weights."""
        X, y = _validate(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=_FLOAT_DTYPES,
            multi_output=self._multi_output_targets,
            y_numeric=not self._is_classifier,
            reset=not continuing,
        )
        y = self._check_target_shape(self._column_y(y))
        self._fitted_loss = resolved["loss"]
        with np.errstate(over="ignore"):
            Y = self._encode_targets(y, X.dtype, continuing, classes)
        if not np.isfinite(Y).all():
            raise ValueError(
                f"{type(self).__name__}: y has values beyond the range of {X.dtype}, "
                "the training dtype (that of X): they overflow. Scale y (e.g. divide "
                "it by its standard deviation) or fit in float64."
            )
        return X, y, Y, self._sample_weight(sample_weight, X, y)

    def _starting_point(self, sizes, dtype, continuing, resolved):
        """The network and training state to start from: the fitted ones (copied)
        when continuing, else a new initialization seeded by ``random_state``."""
        if continuing:
            self._check_layer_sizes(sizes)
            coefs = [W.astype(dtype, copy=True) for W in self.coefs_]
            intercepts = [b.astype(dtype, copy=True) for b in self.intercepts_]
            return coefs, intercepts, copy_state(self._training_state)
        rng = np.random.default_rng(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        coefs, intercepts = self._initialize(resolved["initializer"], sizes, rng, dtype)
        return coefs, intercepts, TrainingState(rng=rng)

    def _training_config(
        self, resolved, n_samples: int, n_layers: int = 1
    ) -> TrainingConfig:
        """The training loop's settings, from the parameters."""
        return TrainingConfig(
            optimizer=resolved["optimizer"],
            schedule=resolved["schedule"],
            learning_rate=float(self.learning_rate),
            batch_size=self._batch_size(n_samples),
            max_iter=self.max_iter,
            tol=float(self.tol),
            n_iter_no_change=self.n_iter_no_change,
            shuffle=self.shuffle,
            verbose=self.verbose,
            name=type(self).__name__,
            on_divergence=self.on_divergence,
            constraints=self._layer_constraints(resolved, n_layers),
            dropout=self._dropout_rates(),
            record_weights=_record_weights_bins(
                type(self).__name__, self.record_weights
            ),
        )

    def _column_y(self, y):
        return y

    def _check_layer_sizes(self, needed: list[int]) -> None:
        current = layer_sizes(self.coefs_)
        if current != needed:
            raise ValueError(
                f"{type(self).__name__}: cannot continue training: the fitted network "
                f"has layer sizes {current} but the data and hyper-parameters need "
                f"{needed}. Set warm_start=False to start afresh."
            )

    def _initialize(self, initializer, sizes, rng, dtype):
        """Build the initial arrays; biases start at zero."""
        shapes = list(zip(sizes[:-1], sizes[1:]))
        if hasattr(initializer, "init_network"):
            coefs, intercepts = initializer.init_network(shapes, rng, dtype)
            # A custom init_network may return float64 arrays for float32 data:
            # the network trains in the data's dtype.
            return (
                [np.asarray(W, dtype=dtype) for W in coefs],
                [np.asarray(b, dtype=dtype) for b in intercepts],
            )
        owner = type(self).__name__
        coefs = [
            initializers.init_layer(initializer, shape, rng, dtype, owner, layer)
            for layer, shape in enumerate(shapes)
        ]
        intercepts = [np.zeros(n_out, dtype=dtype) for _, n_out in shapes]
        return coefs, intercepts

    def _objective(self, resolved, n_layers: int) -> Objective:
        frozen = frozen_layers(self, n_layers)
        penalty = resolved["penalty"]
        if isinstance(penalty, tuple):
            if len(penalty) != n_layers:
                raise ValueError(
                    f"{type(self).__name__}: penalty has {len(penalty)} entries but "
                    f"the network has {n_layers} layers; give one per layer (input "
                    "layer first, None for none) or a single penalty for all."
                )
            if n_layers == 1:
                penalty = penalty[0]
        return Objective(
            activation=resolved["activation"],
            loss=self._loss() if resolved["loss"] is None else resolved["loss"],
            penalty=penalty,
            coef_trainable=tuple(i not in frozen for i in range(n_layers)),
            intercept_trainable=tuple(
                self._intercept_trainable(i, i in frozen) for i in range(n_layers)
            ),
        )

    def _intercept_trainable(self, layer: int, frozen: bool) -> bool:
        return not frozen

    def _batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    def _sample_weight(self, sample_weight, X, y) -> np.ndarray:
        n_samples = X.shape[0]
        if sample_weight is None:
            weights = np.ones(n_samples, dtype=X.dtype)
        else:
            if isinstance(sample_weight, numbers.Number):
                weights = np.full(n_samples, sample_weight, dtype=X.dtype)
            else:
                weights = np.asarray(sample_weight, dtype=X.dtype)
            if weights.shape != (n_samples,):
                raise ValueError(
                    f"sample_weight.shape == {weights.shape}, expected "
                    f"{(n_samples,)}: give one weight per sample."
                )
            if not np.isfinite(weights).all() or (weights < 0).any():
                raise ValueError(
                    "sample_weight must be finite and non-negative; fix or drop the "
                    "offending weights."
                )
            weights = weights.copy()
        weights *= self._class_weights(y).astype(X.dtype, copy=False)
        if not weights.sum() > 0:
            raise ValueError("sample_weight sums to zero: nothing to learn from.")
        return weights

    def _class_weights(self, y) -> np.ndarray:
        return np.ones(len(y))

    def _split(self, X, Y, y, weights, state, incremental):
        """Hold out a validation set when early stopping (never in partial_fit)."""
        if not self.early_stopping or incremental:
            return TrainData(X, Y, weights), None
        stratify = y if self._is_classifier else None
        seed = int(state.rng.integers(np.iinfo(np.int32).max))
        try:
            train_idx, val_idx = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                random_state=seed,
                stratify=stratify,
            )
        except ValueError:
            train_idx, val_idx = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                random_state=seed,
            )
        if len(val_idx) < 2:
            raise ValueError(
                f"{type(self).__name__}: early_stopping needs at least 2 validation "
                f"samples but validation_fraction={self.validation_fraction} leaves "
                f"{len(val_idx)}; raise validation_fraction or disable early_stopping."
            )
        held_out = (X[val_idx], y[val_idx], Y[val_idx], weights[val_idx])
        data = TrainData(X[train_idx], Y[train_idx], weights[train_idx])
        return data, self._validation_score(*held_out)

    def _given_validation(self, X, validation):
        """The validation callable of ``fit(..., X_val=, y_val=)``, its data checked
        as the training data (features, dtype, labels, weights)."""
        owner = type(self).__name__
        X_val, y_val, sample_weight_val = validation
        if X_val is None or y_val is None:
            raise ValueError(
                f"{owner}: give X_val and y_val together (the validation set and "
                "its targets); sample_weight_val needs them too."
            )
        if not self.early_stopping:
            raise ValueError(
                f"{owner}: X_val and y_val are the early-stopping set; set "
                "early_stopping=True to use them (validation_fraction is then "
                "ignored: every row of X is trained on)."
            )
        X_val, y_val = _validate(
            self,
            X_val,
            y_val,
            accept_sparse="csr",
            dtype=X.dtype,
            multi_output=self._multi_output_targets,
            y_numeric=not self._is_classifier,
            reset=False,
        )
        y_val = self._check_target_shape(self._column_y(y_val))
        Y_val = self._encode_targets(y_val, X.dtype, True, None)
        w_val = self._sample_weight(sample_weight_val, X_val, y_val)
        return self._validation_score(X_val, y_val, Y_val, w_val)

    def _validation_score(self, X_val, y_val, Y_val, w_val):
        """``make_score(coefs, intercepts)``: a callable returning the validation
        ``(score, loss)`` of the live weights. ``scoring=None`` scores the raw
        output directly (R² or accuracy); a scorer sees a shallow copy of the
        estimator holding the live weights."""
        scorer = None
        if self.scoring is not None:
            from sklearn.metrics import check_scoring

            scorer = check_scoring(self, scoring=self.scoring)
        loss = self._loss()  # the training loss (for classifiers, known now)
        # Plain callables scorer(estimator, X, y) may take no sample_weight.
        weighted = {} if np.all(w_val == 1) else {"sample_weight": w_val}

        def make_score(coefs, intercepts):
            shell = copy.copy(self)
            shell.coefs_, shell.intercepts_ = coefs, intercepts
            shell.out_activation_ = loss.output_activation

            def score():
                activation = self._activation_for_predict()
                with np.errstate(over="ignore", invalid="ignore"):
                    raw = forward(coefs, intercepts, X_val, activation)[-1]
                    value = float(loss.value(Y_val, raw, w_val))
                if scorer is None:
                    return self._score_raw(raw, y_val, w_val), value
                return float(scorer(shell, X_val, y_val, **weighted)), value

            return score

        return make_score

    def _activation_for_predict(self):
        return activations.get(getattr(self, "activation", "identity"))

    def _curves(self) -> tuple[list, list]:
        """The fitted ``loss_curve_`` and ``validation_scores_`` (lists, or empty)."""
        return (
            list(getattr(self, "loss_curve_", None) or []),
            list(getattr(self, "validation_scores_", None) or []),
        )

    def _store(self, coefs, intercepts, state, n_iter_before=0, before=([], [])):
        """Set the fitted attributes after a call that ran epochs ``n_iter_before``
        onwards; ``before`` holds the curves of earlier calls, which warm starts
        and ``partial_fit`` extend, as scikit-learn's MLP does."""
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self.n_layers_ = len(coefs) + 1
        self.n_outputs_ = coefs[-1].shape[1]
        self._training_state = state
        history = state.history
        self.history_ = history
        self.n_iter_ = state.n_iter
        new = [
            r
            for r in history
            if r["event"] is None and n_iter_before < r["epoch"] <= state.n_iter
        ]
        # One loss per completed epoch (epoch 0, the initialization, is only in
        # history_), as scikit-learn's loss_curve_.
        self.loss_curve_ = before[0] + [r["loss"] for r in new]
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else history[-1]["loss"]
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else np.nan
        scores = before[1] + [r["val_score"] for r in new if r["val_score"] is not None]
        if self.early_stopping and scores:
            self.validation_scores_ = scores
            self.best_validation_score_ = max(scores)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None

    # -- input features the fitted network uses -----------------------------------
    @property
    def support_(self) -> np.ndarray:
        """Which input features the network uses: a boolean mask, shape
        ``(n_features_in_,)``, False where the feature's whole row of the first
        weight matrix is exactly zero (``penalty=["group_l1", ...]`` zeroes rows)."""
        check_is_fitted(self, "coefs_")
        return np.any(self.coefs_[0] != 0, axis=1)

    @property
    def n_features_selected_(self) -> int:
        """Number of input features the network uses (``support_.sum()``)."""
        return int(self.support_.sum())

    @property
    def input_weight_norms_(self) -> np.ndarray:
        """Euclidean norm of each input feature's row of the first weight matrix,
        shape ``(n_features_in_,)``: 0 exactly for a dropped feature. For
        ``SelectFromModel(..., importance_getter="input_weight_norms_")``."""
        check_is_fitted(self, "coefs_")
        W = np.asarray(self.coefs_[0], dtype=np.float64)
        return np.sqrt(np.einsum("ij,ij->i", W, W))

    # -- prediction ---------------------------------------------------------------
    def _raw_output(self, X) -> np.ndarray:
        check_is_fitted(self, "coefs_")
        X = _validate(self, X, accept_sparse="csr", dtype=_FLOAT_DTYPES, reset=False)
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            raw = forward(
                self.coefs_, self.intercepts_, X, self._activation_for_predict()
            )[-1]
        if not np.isfinite(raw).all():
            # Finite weights and finite X can still overflow (|X| ~ 1e30 in float32);
            # say so rather than return inf or NaN predictions.
            bad = int((~np.isfinite(raw)).any(axis=1).sum())
            raise ValueError(
                f"{type(self).__name__}: the outputs for {bad} sample(s) overflowed "
                f"to inf or NaN in {raw.dtype}; X holds values too large for the "
                "model (largest |x| = "
                f"{float(abs(X).max()):.3g}). Scale the features (e.g. "
                "StandardScaler), clip outliers, or use float64."
            )
        return raw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class RegressorOutputMixin:
    """Regression: the ``loss`` parameter's loss and link, one output per target."""

    _is_classifier = False
    _multi_output_targets = True
    # scikit-learn's MLPRegressor ravels a column-vector y (with a warning) and
    # predicts 1-D; its linear models keep the column.
    _ravel_column_y = False

    def _column_y(self, y):
        if self._ravel_column_y and np.ndim(y) == 2 and np.shape(y)[1] == 1:
            return column_or_1d(y, warn=True)
        return y

    def _resolve_loss(self):
        return losses.get(getattr(self, "loss", "squared_error"))

    def _loss(self):
        loss = getattr(self, "_fitted_loss", None)
        return self._resolve_loss() if loss is None else loss

    def _check_target_shape(self, y):
        return y

    def _encode_targets(self, y, dtype, continuing, classes):
        try:
            Y = np.asarray(y, dtype=dtype)
        except (TypeError, ValueError) as error:
            # scikit-learn lets string arrays (dtype "<U") through to here.
            raise ValueError(
                _non_numeric_y_message(type(self).__name__, str(error))
            ) from error
        if not continuing:
            self._y_was_1d = Y.ndim == 1
        Y = Y.reshape(len(Y), -1)
        check_targets = getattr(self._loss(), "check_targets", None)
        if check_targets is not None:
            check_targets(Y)
        return Y

    def _response(self, raw):
        """The prediction: the loss's inverse link (identity, exp) of ``raw``."""
        loss = self._loss()
        if loss.output_activation == "identity":
            return raw
        return loss.predict(raw)

    def _score_raw(self, raw, y, sample_weight) -> float:
        from sklearn.metrics import r2_score

        pred = self._response(raw).reshape(y.shape)
        return float(r2_score(y, pred, sample_weight=sample_weight))

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, in the dtype of the fitted weights' input.
        """
        pred = self._response(self._raw_output(X))
        return pred.ravel() if self._y_was_1d else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class ClassifierOutputMixin:
    """Classification: logistic output for two classes, softmax for more.

    A 2-D 0/1 indicator ``y`` is multilabel: one logistic output per label, as
    scikit-learn's ``MLPClassifier`` (``classes_`` is then ``arange(n_labels)``).
    """

    _is_classifier = True
    _multi_output_targets = True

    def _resolve_loss(self):
        return None  # decided by the classes, in _loss

    def _loss(self):
        if len(self.classes_) == 2 or getattr(self, "_multilabel", False):
            return losses.get("log_loss")
        return losses.get("multinomial_log_loss")

    def _check_target_shape(self, y):
        """A column vector becomes 1-D (with scikit-learn's warning); else 2-D
        ``y`` must be a multilabel indicator matrix."""
        if y.ndim == 2 and y.shape[1] == 1:
            return column_or_1d(y, warn=True)
        if y.ndim == 2 and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__}: a 2-D y must be a multilabel indicator "
                "matrix (one 0/1 column per label); got "
                f"{type_of_target(y)!r} targets. For several multiclass outputs use "
                "sklearn.multioutput.MultiOutputClassifier."
            )
        return y

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over a chunk of data, continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels, or a 0/1 indicator matrix for multilabel classification.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem; required on the first call, except for
            multilabel ``y``, whose columns are the labels (``classes`` may then be
            ``np.arange(n_labels)``).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        multilabel = np.ndim(y) == 2 and np.shape(y)[1] > 1
        if not hasattr(self, "coefs_") and classes is None and not multilabel:
            raise ValueError(
                f"{type(self).__name__}: classes must be passed on the first call to "
                "partial_fit (all the classes of the problem, e.g. np.unique(y_all))."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, dtype, continuing, classes):
        check_classification_targets(y)
        if y.ndim == 2 or (continuing and getattr(self, "_multilabel", False)):
            return self._encode_multilabel(y, dtype, continuing, classes)
        if continuing:
            if classes is not None and not np.array_equal(
                np.unique(classes), self.classes_
            ):
                raise ValueError(
                    f"classes={np.unique(classes)!r} differs from the classes of the "
                    f"first partial_fit call {self.classes_!r}."
                )
        else:
            self.classes_ = np.unique(y if classes is None else classes)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only one class: "
                    f"{self.classes_[0]!r}."
                )
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown!r} that are not in classes "
                f"{self.classes_!r}; pass every class in `classes` on the first "
                "partial_fit call."
            )
        codes = np.searchsorted(self.classes_, y)
        self._multilabel = False
        if len(self.classes_) == 2:
            return codes.astype(dtype).reshape(-1, 1)
        Y = np.zeros((len(codes), len(self.classes_)), dtype=dtype)
        Y[np.arange(len(codes)), codes] = 1
        return Y

    def _encode_multilabel(self, y, dtype, continuing, classes):
        """Indicator targets as they are; ``classes_`` is ``arange(n_labels)``."""
        owner = type(self).__name__
        was_multilabel = continuing and getattr(self, "_multilabel", False)
        if continuing and (y.ndim != 2) == was_multilabel:
            raise ValueError(
                f"{owner}: cannot continue training: the model was fitted on "
                f"{'multilabel' if was_multilabel else 'single-label'} targets but "
                f"this y is {'single-label' if y.ndim != 2 else 'multilabel'}. "
                "Set warm_start=False to start afresh."
            )
        labels = np.arange(y.shape[1])
        if classes is not None and not np.array_equal(np.unique(classes), labels):
            raise ValueError(
                f"{owner}: for multilabel y with {y.shape[1]} columns, classes must "
                f"be the column indices {labels!r} (or None); got {classes!r}."
            )
        if not continuing:
            self.classes_ = labels
            self._multilabel = True
        return np.asarray(y, dtype=dtype)

    def _class_weights(self, y) -> np.ndarray:
        if self.class_weight is None:
            return np.ones(len(y))
        if getattr(self, "_multilabel", False):
            raise ValueError(
                f"{type(self).__name__}: class_weight is not defined for multilabel "
                "y (each sample has several labels); pass per-sample weights with "
                "sample_weight instead, or set class_weight=None."
            )
        if isinstance(self.class_weight, str) and self.class_weight != "balanced":
            raise ValueError(
                f"{type(self).__name__}: class_weight must be None, 'balanced' or a "
                f"dict mapping classes to weights; got {self.class_weight!r}."
            )
        return compute_sample_weight(self.class_weight, y)

    def _score_raw(self, raw, y, sample_weight) -> float:
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(y, self._labels(raw), sample_weight=sample_weight))

    def _labels(self, raw):
        if getattr(self, "_multilabel", False):
            return (raw > 0).astype(int)
        if raw.shape[1] == 1:
            return self.classes_[(raw[:, 0] > 0).astype(int)]
        return self.classes_[raw.argmax(axis=1)]

    def decision_function(self, X):
        """Raw outputs: the margin (binary) or one logit per class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Positive margins favour ``classes_[1]`` in the binary case.
        """
        raw = self._raw_output(X)
        return raw.ravel() if raw.shape[1] == 1 else raw

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted classes; for a multilabel model, the 0/1 indicator matrix.
        """
        return self._labels(self._raw_output(X))

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to one. For a
            multilabel model, the probability of each label, independently.
        """
        raw = self._raw_output(X)
        proba = self._loss().predict(raw)
        if proba.shape[1] == 1 and not getattr(self, "_multilabel", False):
            proba = np.hstack([1 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        raw = self._raw_output(X)
        if getattr(self, "_multilabel", False):
            return -np.logaddexp(0, -raw)
        if raw.shape[1] == 1:
            margin = raw[:, 0]
            return np.column_stack(
                [-np.logaddexp(0, margin), -np.logaddexp(0, -margin)]
            )
        shifted = raw - raw.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True
        return tags


class RegressorPartialFitMixin:
    """``partial_fit`` for regressors (no ``classes``)."""

    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over a chunk of data, continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)
