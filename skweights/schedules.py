"""Learning-rate schedules: the rate to use during each epoch, with explicit state.

Every schedule subclasses :class:`Schedule`, whose docstring gives the interface the
training loop uses; :func:`get` resolves a registered name.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, NamedTuple

from ._registry import Component, Registry
from ._validation import check_int as _check_int
from ._validation import check_real as _check_real

__all__ = [
    "Schedule",
    "Constant",
    "InvScaling",
    "Step",
    "Exponential",
    "Cosine",
    "Adaptive",
    "ScheduleState",
    "AdaptiveState",
    "REGISTRY",
    "get",
]


class ScheduleState(NamedTuple):
    """State of the stateless schedules: the initial learning rate.

    Attributes
    ----------
    learning_rate : float
        The initial learning rate :math:`\\eta_0`.
    horizon : int or None
        The planned number of epochs (the fit's ``max_iter``), or None.

    Examples
    --------
    >>> from skweights.schedules import Exponential
    >>> Exponential(gamma=0.5).init(0.1, horizon=50)
    ScheduleState(learning_rate=0.1, horizon=50)
    """

    learning_rate: float
    horizon: int | None = None


class AdaptiveState(NamedTuple):
    """State of :class:`Adaptive`.

    Attributes
    ----------
    learning_rate : float
        The current learning rate.
    best_loss : float
        The best loss observed so far (``inf`` before the first epoch).
    bad_epochs : int
        Consecutive epochs without improvement since the last reduction.

    Examples
    --------
    >>> from skweights.schedules import Adaptive
    >>> schedule = Adaptive(patience=1)
    >>> state = schedule.observe(schedule.init(0.1), loss=1.0)
    >>> schedule.observe(state, loss=2.0).learning_rate  # one bad epoch: x 0.2
    0.02...
    """

    learning_rate: float
    best_loss: float
    bad_epochs: int


class Schedule(Component, ABC):
    """Base class of the learning-rate schedules: the interface the training loop uses.

    A schedule is four functions of an explicit state, so the object itself only
    holds hyper-parameters and clones like an estimator::

        state = schedule.init(learning_rate, horizon=max_iter)
        lr = schedule.value(state, epoch)       # epoch is 0-based
        state = schedule.observe(state, loss)   # once per epoch, the watched loss
        schedule.exhausted(state)               # True once an adaptive rate ran out
        schedule.finished(state, epoch)         # run its course: a new fit restarts

    ``horizon`` is the number of epochs the schedule is planned for: the estimators
    pass their ``max_iter``, and a schedule that needs a length (:class:`Cosine`
    with its default ``t_max=None``) anneals over it. ``epoch`` counts the epochs
    since the schedule started: the estimators keep counting across warm starts
    and ``partial_fit`` calls, as scikit-learn's ``invscaling`` does, and start a
    new schedule when ``schedule`` or ``learning_rate`` changed, or when the
    schedule has run its course (``finished``: :class:`Cosine` past its annealing
    length, :class:`Adaptive` under its minimum rate), so a new call always trains
    at a useful rate (for cosine, the warm restart of SGDR, over the new fit's
    ``max_iter``).

    A subclass gives :meth:`init` and :meth:`value`; the defaults of
    :meth:`observe`, :meth:`exhausted` and :meth:`finished` suit a schedule that
    ignores the loss and goes on for ever. The built-in schedules that are a
    function of the epoch only write their rate ``_rate(lr, epoch, *params)``
    (with their checked hyper-parameters, ``_validated()``).

    Examples
    --------
    >>> from skweights.schedules import Schedule, Step, Adaptive
    >>> isinstance(Step(), Schedule), isinstance(Adaptive(), Schedule)
    (True, True)
    """

    def _validated(self) -> tuple:
        return ()

    @abstractmethod
    def init(self, learning_rate: float, horizon: int | None = None) -> Any:
        """Return the state for the initial rate ``learning_rate``.

        Parameters
        ----------
        learning_rate : float > 0
            The initial learning rate.
        horizon : int >= 1, default=None
            The planned number of epochs (estimators pass their ``max_iter``).

        Returns
        -------
        state : NamedTuple
            The state.
        """

    @abstractmethod
    def value(self, state: Any, epoch: int) -> float:
        """Return the learning rate to use during ``epoch`` (0-based).

        Parameters
        ----------
        state : NamedTuple
            The state from :meth:`init`.
        epoch : int >= 0
            The epoch.

        Returns
        -------
        learning_rate : float
            The rate.
        """

    def observe(self, state: ScheduleState, loss: float) -> ScheduleState:
        """Return ``state`` unchanged: this schedule ignores the loss.

        Parameters
        ----------
        state : ScheduleState
            The current state.
        loss : float
            The epoch's training loss.

        Returns
        -------
        state : ScheduleState
            The same state.
        """
        return state

    def exhausted(self, state: ScheduleState) -> bool:
        """Return False: this schedule never runs out.

        Parameters
        ----------
        state : ScheduleState
            The current state.

        Returns
        -------
        exhausted : bool
            False.
        """
        return False

    def finished(self, state: ScheduleState, epoch: int) -> bool:
        """Return False: this schedule goes on for ever (a new fit continues it).

        Parameters
        ----------
        state : ScheduleState
            The current state.
        epoch : int
            The next epoch of the schedule.

        Returns
        -------
        finished : bool
            False.
        """
        return False


class _Schedule(Schedule):
    """Template of the schedules that are a function of the epoch: ``init`` and
    ``value`` written once; a subclass is its ``_rate`` (and ``_validated``)."""

    def init(self, learning_rate: float, horizon: int | None = None) -> ScheduleState:
        """Return the state for the initial rate ``learning_rate``.

        Parameters
        ----------
        learning_rate : float > 0
            The initial learning rate.
        horizon : int >= 1, default=None
            The planned number of epochs (estimators pass their ``max_iter``).

        Returns
        -------
        state : ScheduleState
            The state.
        """
        self._validated()
        name = type(self).__name__
        lr = _check_real(name, "learning_rate", learning_rate, 0.0, low_open=True)
        if horizon is not None:
            horizon = _check_int(name, "horizon", horizon, 1)
        return ScheduleState(learning_rate=lr, horizon=horizon)

    def value(self, state: ScheduleState, epoch: int) -> float:
        """Return the learning rate to use during ``epoch`` (0-based).

        Parameters
        ----------
        state : ScheduleState
            The state from :meth:`init`.
        epoch : int >= 0
            The epoch.

        Returns
        -------
        learning_rate : float
            The rate.
        """
        params = self._parameters(state)
        epoch = _check_int(type(self).__name__, "epoch", epoch, 0)
        return float(self._rate(state.learning_rate, epoch, *params))

    def _parameters(self, state: ScheduleState) -> tuple:
        """The validated hyper-parameters ``_rate`` needs for this state."""
        return self._validated()

    @abstractmethod
    def _rate(self, lr: float, epoch: int, *params: float) -> float:
        """The learning rate at ``epoch`` from the initial ``lr``."""


class Constant(_Schedule):
    r"""Constant learning rate.

    .. math::

        \eta_t = \eta_0

    Examples
    --------
    >>> from skweights.schedules import Constant
    >>> schedule = Constant()
    >>> state = schedule.init(0.1)
    >>> [schedule.value(state, t) for t in range(3)]
    [0.1, 0.1, 0.1]
    """

    def _rate(self, lr: float, epoch: int) -> float:
        return lr


class InvScaling(_Schedule):
    r"""Inverse scaling: the rate decays as a power of the epoch.

    .. math::

        \eta_t = \frac{\eta_0}{(t + 1)^{p}}

    with :math:`t` the 0-based epoch (scikit-learn's ``"invscaling"`` per epoch).

    Parameters
    ----------
    power_t : float >= 0, default=0.5
        The exponent :math:`p`.

    References
    ----------
    Robbins, H. & Monro, S. (1951). A stochastic approximation method. Ann. Math.
    Statist. 22(3), 400-407.

    Examples
    --------
    >>> from skweights.schedules import InvScaling
    >>> schedule = InvScaling(power_t=1.0)
    >>> state = schedule.init(1.0)
    >>> [schedule.value(state, t) for t in range(4)]
    [1.0, 0.5, 0.3333333333333333, 0.25]
    """

    def __init__(self, power_t: float = 0.5) -> None:
        self.power_t = power_t

    def _validated(self) -> tuple[float]:
        return (_check_real("InvScaling", "power_t", self.power_t, 0.0),)

    def _rate(self, lr: float, epoch: int, power_t: float) -> float:
        return lr / (epoch + 1) ** power_t


class Step(_Schedule):
    r"""Step decay: the rate is multiplied by ``drop`` every ``every`` epochs.

    .. math::

        \eta_t = \eta_0 \, d^{\lfloor t / k \rfloor}

    Parameters
    ----------
    drop : float in (0, 1], default=0.5
        The factor :math:`d`.
    every : int >= 1, default=10
        The period :math:`k`, in epochs.

    References
    ----------
    He, K., Zhang, X., Ren, S. & Sun, J. (2016). Deep residual learning for image
    recognition. CVPR (step decay of the learning rate).

    Examples
    --------
    >>> from skweights.schedules import Step
    >>> schedule = Step(drop=0.5, every=2)
    >>> state = schedule.init(1.0)
    >>> [schedule.value(state, t) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, drop: float = 0.5, every: int = 10) -> None:
        self.drop = drop
        self.every = every

    def _validated(self) -> tuple[float, int]:
        return (
            _check_real("Step", "drop", self.drop, 0.0, 1.0, low_open=True),
            _check_int("Step", "every", self.every, 1),
        )

    def _rate(self, lr: float, epoch: int, drop: float, every: int) -> float:
        return lr * drop ** (epoch // every)


class Exponential(_Schedule):
    r"""Exponential decay.

    .. math::

        \eta_t = \eta_0 \, \gamma^{t}

    Parameters
    ----------
    gamma : float in (0, 1], default=0.95
        The factor :math:`\gamma` applied every epoch.

    Examples
    --------
    >>> from skweights.schedules import Exponential
    >>> schedule = Exponential(gamma=0.5)
    >>> state = schedule.init(1.0)
    >>> [schedule.value(state, t) for t in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, gamma: float = 0.95) -> None:
        self.gamma = gamma

    def _validated(self) -> tuple[float]:
        return (
            _check_real("Exponential", "gamma", self.gamma, 0.0, 1.0, low_open=True),
        )

    def _rate(self, lr: float, epoch: int, gamma: float) -> float:
        return lr * gamma**epoch


class Cosine(_Schedule):
    r"""Cosine annealing from the initial rate down to ``min_lr`` at ``t_max``.

    .. math::

        \eta_t = \eta_{\min} + (\eta_0 - \eta_{\min})
        \frac{1 + \cos(\pi \min(t, T) / T)}{2}

    The rate stays at :math:`\eta_{\min}` after :math:`T` epochs (no restart). With
    the default ``t_max=None``, :math:`T` is the horizon given to :meth:`init`, which
    estimators set to their ``max_iter``: a fit that runs all ``max_iter`` epochs
    anneals over exactly those epochs, its last one (``t = T - 1``) at a rate just
    above :math:`\eta_{\min}`, and the minimum is reached at ``t = T =
    max_iter``. A warm-started fit (or ``partial_fit`` call) continues where the
    previous one stopped until :math:`T` epochs are done (:meth:`finished`); the
    next one starts the annealing again, over its own ``max_iter`` (a warm restart,
    as in SGDR), instead of training at :math:`\eta_{\min}` for ever.

    Parameters
    ----------
    t_max : int >= 1 or None, default=None
        The annealing length :math:`T`, in epochs; None uses the horizon (the
        estimator's ``max_iter``).
    min_lr : float >= 0, default=0.0
        The final rate :math:`\eta_{\min}`; at most the initial rate.

    References
    ----------
    Loshchilov, I. & Hutter, F. (2017). SGDR: stochastic gradient descent with warm
    restarts. ICLR. arXiv:1608.03983.

    Examples
    --------
    >>> from skweights.schedules import Cosine
    >>> schedule = Cosine(t_max=2, min_lr=0.1)
    >>> state = schedule.init(1.0)
    >>> [round(schedule.value(state, t), 6) for t in range(4)]
    [1.0, 0.55, 0.1, 0.1]
    """

    def __init__(self, t_max: int | None = None, min_lr: float = 0.0) -> None:
        self.t_max = t_max
        self.min_lr = min_lr

    def _validated(self) -> tuple[int | None, float]:
        t_max = self.t_max
        if t_max is not None:
            t_max = _check_int("Cosine", "t_max", t_max, 1)
        return t_max, _check_real("Cosine", "min_lr", self.min_lr, 0.0)

    def _parameters(self, state: ScheduleState) -> tuple[int, float]:
        t_max, min_lr = self._validated()
        if t_max is None:
            t_max = getattr(state, "horizon", None)
        if t_max is None:
            raise ValueError(
                "Cosine: with t_max=None the annealing length is the horizon given "
                "to init (an estimator's max_iter); pass init(learning_rate, "
                "horizon=...) or set t_max."
            )
        return t_max, min_lr

    def init(self, learning_rate: float, horizon: int | None = None) -> ScheduleState:
        """Return the state for the initial rate ``learning_rate``.

        Parameters
        ----------
        learning_rate : float > 0
            The initial learning rate; at least ``min_lr``.
        horizon : int >= 1, default=None
            The annealing length when ``t_max`` is None (estimators pass their
            ``max_iter``).

        Returns
        -------
        state : ScheduleState
            The state.
        """
        state = super().init(learning_rate, horizon)
        _, min_lr = self._validated()
        if min_lr > state.learning_rate:
            raise ValueError(
                f"Cosine: min_lr must be in [0, learning_rate={state.learning_rate!r}]"
                f", got {min_lr!r}."
            )
        return state

    def finished(self, state: ScheduleState, epoch: int) -> bool:
        """Whether the annealing is over: ``epoch >= T``.

        Parameters
        ----------
        state : ScheduleState
            The current state.
        epoch : int
            The next epoch of the schedule.

        Returns
        -------
        finished : bool
            True once the rate has reached ``min_lr`` for good.
        """
        t_max, _ = self._parameters(state)
        return bool(epoch >= t_max)

    def _rate(self, lr: float, epoch: int, t_max: int, min_lr: float) -> float:
        progress = min(epoch, t_max) / t_max
        return min_lr + (lr - min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0


class Adaptive(Schedule):
    r"""Reduce the rate on plateau, like scikit-learn MLP's ``"adaptive"``.

    :meth:`observe` receives each epoch's training loss :math:`\ell_t` and keeps the
    best one :math:`\ell^*`. An epoch is *bad* when it does not improve the best loss
    by at least the threshold :math:`\delta` (a non-finite loss is bad):

    .. math::

        \text{bad}_t \iff \ell_t > \ell^* - \delta, \qquad
        \eta \leftarrow f \, \eta \text{ after } P \text{ bad epochs in a row}

    after which the counter restarts. The schedule is exhausted (training should
    stop) once :math:`\eta < \eta_{\min}`.

    **Against scikit-learn.** scikit-learn's ``learning_rate="adaptive"`` (SGD only)
    divides the rate by 5 where training would otherwise stop: after more than
    ``n_iter_no_change`` epochs whose training loss (validation score with early
    stopping) did not improve by ``tol``, and it stops once the rate is at most
    ``1e-6``. Here the schedule is separate from the stopping rule and works with
    every minibatch optimizer: the estimators pass it the training loss (minus the
    validation score with early stopping), it cuts after ``patience`` bad epochs,
    and each cut restarts the
    estimator's count of epochs without improvement, so with the defaults
    (``patience=5`` below ``n_iter_no_change=10``, ``threshold`` equal to ``tol``)
    the rate is cut at every plateau and training ends when it falls under
    ``min_lr`` (or at ``max_iter``), as in scikit-learn. A ``patience`` above
    ``n_iter_no_change`` lets the ``tol`` rule stop training first.

    Parameters
    ----------
    factor : float in (0, 1), default=0.2
        The reduction factor :math:`f` (scikit-learn divides by 5).
    patience : int >= 1, default=5
        The number :math:`P` of consecutive bad epochs before a reduction.
    threshold : float >= 0, default=1e-4
        The minimum improvement :math:`\delta` of the loss.
    min_lr : float >= 0, default=1e-6
        The rate :math:`\eta_{\min}` under which the schedule is exhausted.

    Examples
    --------
    >>> from skweights.schedules import Adaptive
    >>> schedule = Adaptive(factor=0.5, patience=2)
    >>> state = schedule.init(0.1)
    >>> for loss in [1.0, 0.5, 0.5, 0.5]:
    ...     state = schedule.observe(state, loss)
    >>> schedule.value(state, 4), schedule.exhausted(state)
    (0.05, False)
    """

    def __init__(
        self,
        factor: float = 0.2,
        patience: int = 5,
        threshold: float = 1e-4,
        min_lr: float = 1e-6,
    ) -> None:
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.min_lr = min_lr

    def _validated(self) -> tuple[float, int, float, float]:
        return (
            _check_real(
                "Adaptive",
                "factor",
                self.factor,
                0.0,
                1.0,
                low_open=True,
                high_open=True,
            ),
            _check_int("Adaptive", "patience", self.patience, 1),
            _check_real("Adaptive", "threshold", self.threshold, 0.0),
            _check_real("Adaptive", "min_lr", self.min_lr, 0.0),
        )

    def init(self, learning_rate: float, horizon: int | None = None) -> AdaptiveState:
        """Return the state for the initial rate ``learning_rate``.

        Parameters
        ----------
        learning_rate : float > 0
            The initial learning rate.
        horizon : int, default=None
            Accepted for a uniform interface; the plateaus decide, not a length.

        Returns
        -------
        state : AdaptiveState
            The rate, an infinite best loss and no bad epochs.
        """
        self._validated()
        lr = _check_real("Adaptive", "learning_rate", learning_rate, 0.0, low_open=True)
        return AdaptiveState(learning_rate=lr, best_loss=math.inf, bad_epochs=0)

    def value(self, state: AdaptiveState, epoch: int) -> float:
        """Return the current learning rate (it does not depend on ``epoch``).

        Parameters
        ----------
        state : AdaptiveState
            The current state.
        epoch : int >= 0
            The epoch (checked, otherwise unused).

        Returns
        -------
        learning_rate : float
            The current rate.
        """
        _check_int("Adaptive", "epoch", epoch, 0)
        return float(state.learning_rate)

    def observe(self, state: AdaptiveState, loss: float) -> AdaptiveState:
        """Record an epoch's training loss and reduce the rate on a plateau.

        Parameters
        ----------
        state : AdaptiveState
            The current state.
        loss : float
            The epoch's training loss.

        Returns
        -------
        state : AdaptiveState
            The new state.
        """
        factor, patience, threshold, _ = self._validated()
        loss = float(loss)
        lr, best, bad = state
        bad = 0 if loss <= best - threshold else bad + 1  # NaN counts as bad
        if loss < best:
            best = loss
        if bad >= patience:
            lr, bad = lr * factor, 0
        return AdaptiveState(learning_rate=lr, best_loss=best, bad_epochs=bad)

    def exhausted(self, state: AdaptiveState) -> bool:
        """Whether the rate fell under ``min_lr``.

        Parameters
        ----------
        state : AdaptiveState
            The current state.

        Returns
        -------
        exhausted : bool
            True once ``state.learning_rate < min_lr``.
        """
        *_, min_lr = self._validated()
        return bool(state.learning_rate < min_lr)

    def finished(self, state: AdaptiveState, epoch: int) -> bool:
        """Whether the rate ran out (:meth:`exhausted`): a new fit starts again
        from the initial rate.

        Parameters
        ----------
        state : AdaptiveState
            The current state.
        epoch : int
            The next epoch of the schedule (unused).

        Returns
        -------
        finished : bool
            ``exhausted(state)``.
        """
        return self.exhausted(state)


REGISTRY = Registry(
    "schedule",
    {
        "constant": Constant,
        "invscaling": InvScaling,
        "step": Step,
        "exponential": Exponential,
        "cosine": Cosine,
        "adaptive": Adaptive,
    },
)
# The lowercase names of 0.1 (``step(drop=0.5)``) are the classes themselves.
constant, invscaling, step = Constant, InvScaling, Step
exponential, cosine, adaptive = Exponential, Cosine, Adaptive


def get(identifier: Any, **kwargs: Any) -> Any:
    """Resolve a schedule from a name, an instance or a callable.

    Parameters
    ----------
    identifier : str or schedule
        One of %(names)s (case-insensitive), a :class:`Schedule` subclass (built
        with ``kwargs``), or a schedule object, returned unchanged.
    **kwargs : dict
        Hyper-parameters passed to the class when ``identifier`` is a name.

    Returns
    -------
    schedule : object
        The schedule.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.

    Examples
    --------
    >>> from skweights.schedules import get
    >>> get("Adaptive", patience=3)
    Adaptive(factor=0.2, min_lr=1e-06, patience=3, threshold=0.0001)
    """
    return REGISTRY.get(identifier, **kwargs)


REGISTRY.document(get)
