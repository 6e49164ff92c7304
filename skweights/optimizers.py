"""Optimizers with explicit state: minibatch updates and full-batch solvers.

Minibatch optimizers (``full_batch = False``) are two functions, as in optax::

    state = opt.init(params)
    state = opt.update(params, grads, state, learning_rate,
                       penalty=None, penalized=None)

``params`` is a list of arrays, updated **in place** (same objects, same dtype);
``state`` is a small :class:`~typing.NamedTuple` with a ``count`` and per-array slot
lists whose arrays are also updated in place (the returned state shares them). The
optimizer object itself holds only hyper-parameters, so it clones like an estimator.

``penalized`` is a list of bools marking which arrays are weights (the penalty and
AdamW's decay apply to them, never to biases); default: all. When ``penalty`` is given
and ``penalty.smooth`` is False, each penalized array becomes, after its step,
``penalty.prox(param, effective_step)``, where ``effective_step`` is the step that
array just used per unit of gradient: the scalar ``lr / (1 - momentum)`` for
:class:`SGD` (``lr`` without momentum), the per-coordinate step for :class:`Adam`,
:class:`AdamW`, :class:`RMSprop` and :class:`Adagrad` (proximal gradient). Dividing
by ``1 - momentum`` matters: momentum multiplies the steady-state step by that
factor, and a prox with the bare ``lr`` would solve the problem with a penalty
weakened by ``1 - momentum``. Smooth penalties are ignored here: the caller adds
their gradient.

Full-batch solvers (``full_batch = True``) minimize the whole objective::

    result = solver.minimize(fun, params, penalty=None, penalized=None,
                             max_iter=200, tol=1e-4, callback=None)

where ``fun(params) -> (value, grads)`` is the smooth part of the objective and the
solver handles a non-smooth penalty itself (:class:`LBFGS` by splitting ``w = u - v``
with bounds, :class:`FISTA` by its proximal operator). They are written in
``skweights._full_batch`` (each solve a small run object with explicit state) and
re-exported here, their public import path.

Every minibatch optimizer subclasses :class:`Optimizer`, which writes ``init`` and
``update`` once (validation, the loop over arrays, the proximal step, the count); an
optimizer is its state's slots and its update rule for one array. **Adding one**
(see :class:`Lion`): a state :class:`~typing.NamedTuple`, a subclass with
``__init__``, ``_validated`` and ``_step``, and one ``REGISTRY`` entry; the
estimators, their flat-array fast path (``elementwise``) and the test tables pick
it up from there; a ``scalar_step`` rule (see :class:`Optimizer`) adds a generated
numba kernel for that path. The lowercase names of 0.1 (``sgd``, ``adam``, ...) are the
classes themselves.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._full_batch import FISTA, LBFGS, MinimizeResult
from ._kernels import forget_scalar_rules
from ._linear_solvers import (
    CoordinateDescent,
    DirectSolve,
    LinearProgram,
    QuadraticProgram,
)
from ._registry import Component, Registry, store_params
from ._validation import check_bool as _check_bool
from ._validation import check_real as _check_real

__all__ = [
    "Optimizer",
    "ArrayStep",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Lion",
    "LBFGS",
    "FISTA",
    "SGDState",
    "AdamState",
    "RMSpropState",
    "AdagradState",
    "LionState",
    "MinimizeResult",
    "REGISTRY",
    "get",
    "clip_gradients",
    "check_clipping",
]


# --------------------------------------------------------------------------------------
# Validation helpers (components validate when used, never in ``__init__``)
# --------------------------------------------------------------------------------------


def _check_arguments(
    owner: str,
    params: Sequence[np.ndarray],
    grads: Sequence[np.ndarray] | None,
    penalized: Sequence[bool] | None,
) -> list[bool]:
    """Check the list lengths and return ``penalized`` as a list of bools."""
    n = len(params)
    if grads is not None and len(grads) != n:
        raise ValueError(
            f"{owner}: got {len(grads)} gradient arrays for {n} parameter arrays."
        )
    if penalized is None:
        return [True] * n
    if len(penalized) != n:
        raise ValueError(
            f"{owner}: penalized has {len(penalized)} entries for {n} parameter arrays."
        )
    return [bool(flag) for flag in penalized]


def _per_array(owner: str, penalty: Any, penalized: list[bool]) -> list:
    """One penalty (or None) per array: a list as given, or one for the weights."""
    if isinstance(penalty, (list, tuple)):
        if len(penalty) != len(penalized):
            raise ValueError(
                f"{owner}: got {len(penalty)} penalties for {len(penalized)} "
                "parameter arrays; pass one per array (None for none) or one."
            )
        return list(penalty)
    return [penalty if weight else None for weight in penalized]


def _uses_prox(penalty: Any) -> bool:
    """Whether the optimizer must apply ``penalty.prox`` (a non-smooth penalty)."""
    return penalty is not None and not penalty.smooth


def _apply_prox(param: np.ndarray, penalty: Any, step: float | np.ndarray) -> None:
    """Replace ``param`` in place by ``penalty.prox(param, step)``."""
    param[...] = penalty.prox(param, step)


# --------------------------------------------------------------------------------------
# Gradient clipping (``clipnorm`` / ``global_clipnorm`` of every minibatch optimizer)
# --------------------------------------------------------------------------------------


def check_clipping(owner: str, clipnorm: Any, global_clipnorm: Any) -> None:
    """Check the clipping arguments of a minibatch optimizer.

    Parameters
    ----------
    owner : str
        The name used in the error message.
    clipnorm : float > 0 or None
        The largest norm of each gradient array.
    global_clipnorm : float > 0 or None
        The largest norm of all gradient arrays together.

    Raises
    ------
    ValueError
        If a value is not a positive real number or ``None``, or both are set (as
        in Keras, one clipping rule at a time).

    Examples
    --------
    >>> from skweights.optimizers import check_clipping
    >>> check_clipping("SGD", 1.0, None)
    >>> check_clipping("SGD", 1.0, 1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: SGD: set clipnorm or global_clipnorm, not both; ...
    """
    for name, value in (("clipnorm", clipnorm), ("global_clipnorm", global_clipnorm)):
        if value is not None:
            _check_real(owner, name, value, 0.0, low_open=True)
    if clipnorm is not None and global_clipnorm is not None:
        raise ValueError(
            f"{owner}: set clipnorm or global_clipnorm, not both; got "
            f"clipnorm={clipnorm!r} and global_clipnorm={global_clipnorm!r}."
        )


def _norm(array: np.ndarray) -> float:
    """Euclidean norm, finite for every finite array (a plain dot product overflows
    past 1e154; so does ``np.linalg.norm`` for vectors)."""
    flat = np.ravel(array)
    with np.errstate(over="ignore"):
        squared = float(np.dot(flat, flat))
    if math.isfinite(squared):
        return math.sqrt(squared)
    largest = float(np.max(np.abs(flat)))
    if not math.isfinite(largest):  # an inf or NaN entry
        return largest
    scaled = flat / largest
    return largest * math.sqrt(float(np.dot(scaled, scaled)))


def clip_gradients(
    grads: Sequence[np.ndarray],
    clipnorm: float | None = None,
    global_clipnorm: float | None = None,
    *,
    inplace: bool = False,
) -> tuple[list[np.ndarray], bool]:
    r"""Rescale gradients whose norm exceeds a bound (Keras's and optax's clipping).

    With ``clipnorm`` :math:`c`, each array is rescaled on its own; with
    ``global_clipnorm`` :math:`C`, all arrays are rescaled by the same factor, which
    keeps the direction of the whole update:

    .. math::

        g_i \leftarrow g_i \min\Bigl(1, \frac{c}{\|g_i\|}\Bigr), \qquad
        g_i \leftarrow g_i \min\Bigl(1, \frac{C}{\sqrt{\sum_j \|g_j\|^2}}\Bigr).

    Parameters
    ----------
    grads : list of ndarray
        The gradient arrays.
    clipnorm : float > 0, default=None
        Largest norm of each array (Keras's ``clipnorm``, optax's
        ``clip_by_block_rms`` in norm form).
    global_clipnorm : float > 0, default=None
        Largest norm of all arrays together (Keras's ``global_clipnorm``, optax's
        ``clip_by_global_norm``).
    inplace : bool, default=False
        Rescale the given arrays instead of returning new ones.

    Returns
    -------
    grads : list of ndarray
        The (possibly rescaled) gradients; the input arrays themselves when nothing
        was clipped or ``inplace=True``.
    clipped : bool
        Whether any array was rescaled.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import clip_gradients
    >>> grads = [np.array([3.0, 4.0]), np.array([0.5])]
    >>> clipped, hit = clip_gradients(grads, clipnorm=1.0)
    >>> clipped[0], clipped[1], hit
    (array([0.6, 0.8]), array([0.5]), True)
    >>> clip_gradients(grads, global_clipnorm=100.0)[1]
    False
    """
    check_clipping("clip_gradients", clipnorm, global_clipnorm)
    grads = list(grads)
    if clipnorm is not None:
        factors = [min(1.0, clipnorm / n) if n > 0 else 1.0 for n in map(_norm, grads)]
    elif global_clipnorm is not None:
        total = math.hypot(*map(_norm, grads))  # no overflow past 1e154
        factor = min(1.0, global_clipnorm / total) if total > 0 else 1.0
        factors = [factor] * len(grads)
    else:
        return grads, False
    if all(f == 1.0 for f in factors):
        return grads, False
    out = []
    for g, f in zip(grads, factors, strict=True):
        if inplace:
            if f != 1.0:
                g *= f
            out.append(g)
        else:
            out.append(g * g.dtype.type(f) if f != 1.0 else g)
    return out, True


# --------------------------------------------------------------------------------------
# States
# --------------------------------------------------------------------------------------


class SGDState(NamedTuple):
    """State of :class:`SGD`.

    Attributes
    ----------
    count : int
        Number of updates done.
    velocity : list of ndarray
        Momentum buffer of each array (the last step ``lr * g`` when
        ``momentum=0``, where it is only a scratch buffer).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import sgd
    >>> state = sgd(momentum=0.9).init([np.zeros(3)])
    >>> state.count, state.velocity[0].shape
    (0, (3,))
    """

    count: int
    velocity: list


class AdamState(NamedTuple):
    """State of :class:`Adam` and :class:`AdamW`.

    Attributes
    ----------
    count : int
        Number of updates done (``t`` in the bias correction).
    mu : list of ndarray
        First-moment estimates ``m`` (not bias-corrected).
    nu : list of ndarray
        Second-moment estimates ``v`` (not bias-corrected).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import adam
    >>> params = [np.ones(2)]
    >>> state = adam().update(params, [np.ones(2)], adam().init(params), 0.1)
    >>> state.count, state.mu[0]
    (1, array([0.1, 0.1]))
    """

    count: int
    mu: list
    nu: list


class RMSpropState(NamedTuple):
    """State of :class:`RMSprop`.

    Attributes
    ----------
    count : int
        Number of updates done.
    nu : list of ndarray
        Moving average of the squared gradients.
    velocity : list of ndarray
        Momentum buffer (zeros, unused when ``momentum=0``).

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import rmsprop
    >>> rmsprop().init([np.zeros((2, 2))]).nu[0].shape
    (2, 2)
    """

    count: int
    nu: list
    velocity: list


class AdagradState(NamedTuple):
    """State of :class:`Adagrad`.

    Attributes
    ----------
    count : int
        Number of updates done.
    sum_of_squares : list of ndarray
        Accumulated squared gradients, started at ``initial_accumulator``.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import adagrad
    >>> adagrad(initial_accumulator=0.1).init([np.zeros(2)]).sum_of_squares[0]
    array([0.1, 0.1])
    """

    count: int
    sum_of_squares: list


class LionState(NamedTuple):
    """State of :class:`Lion`.

    Attributes
    ----------
    count : int
        Number of updates done.
    mu : list of ndarray
        The momentum :math:`m` of each array.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import Lion
    >>> Lion().init([np.zeros(3)]).mu[0].shape
    (3,)
    """

    count: int
    mu: list


def _returns_itself(cls: type) -> None:
    """Give a class the signature of a factory that returns it.

    ``inspect.signature(SGD)`` would show ``__init__``'s ``-> None``; the
    lowercase factories (the classes) return an instance of the class.
    """
    signature = inspect.signature(cls.__init__)
    parameters = list(signature.parameters.values())[1:]  # without self
    if cls.__init__ is object.__init__:  # no parameters (DirectSolve)
        parameters = []
    cls.__signature__ = signature.replace(
        parameters=parameters, return_annotation=cls.__name__
    )


def _zeros_like(params: Sequence[np.ndarray], fill: float = 0.0) -> list[np.ndarray]:
    """One slot per array, with the array's shape and (floating) dtype."""
    return [np.full_like(p, fill) for p in params]


# --------------------------------------------------------------------------------------
# Minibatch optimizers: one template, each optimizer its update rule
# --------------------------------------------------------------------------------------


class ArrayStep(NamedTuple):
    """What one :meth:`Optimizer.update` call hands each array's rule.

    Attributes
    ----------
    learning_rate : float
        The validated step size :math:`\\eta`.
    count : int
        The number of this update, from 1 (``t`` in Adam's bias correction).
    hyper : tuple
        The optimizer's validated hyper-parameters (its ``_validated()``).
    penalized : bool
        Whether the array is a weight (the penalty and any weight decay apply).
    prox : bool
        Whether a proximal step follows: the rule must then return the step that
        array just used per unit of gradient.

    Examples
    --------
    >>> from skweights.optimizers import ArrayStep
    >>> ArrayStep(0.1, 1, (0.9, False), True, False).learning_rate
    0.1
    """

    learning_rate: float
    count: int
    hyper: tuple
    penalized: bool
    prox: bool


# Its name before 0.2, kept importable; ``schedules.Step`` is the public Step.
Step = ArrayStep


_SHARED_DOCS = {
    "clipping": """clipnorm : float > 0, default=None
    Clip each gradient array to this norm before the step (Keras's
    ``clipnorm``); see :func:`clip_gradients`.
global_clipnorm : float > 0, default=None
    Clip all gradient arrays together to this norm before the step (Keras's
    ``global_clipnorm``). At most one of the two may be set.""",
    "minibatch": """full_batch : bool
    False: the training loop calls :meth:`update` once per minibatch.""",
}


def _shared_docs(cls: type) -> type:
    """Fill a class docstring's ``%(clipping)s`` and ``%(minibatch)s`` fragments."""
    for key, text in _SHARED_DOCS.items():
        indented = text.replace("\n", "\n    ")
        cls.__doc__ = cls.__doc__.replace(f"%({key})s", indented)
    return cls


class Optimizer(Component, ABC):
    """Template of the minibatch optimizers: ``init`` and ``update`` written once.

    :meth:`update` validates the arguments, loops over the arrays, calls the
    subclass's rule for each, applies a non-smooth penalty's proximal operator with
    the step the rule reports, and counts. A subclass is its update rule:

    - ``State``, a :class:`~typing.NamedTuple` whose first field is ``count`` and
      whose other fields are per-array slot lists (``mu``, ``nu``, ...);
    - ``_validated()``, the checked hyper-parameters as a tuple;
    - ``_step(param, grad, slots, step)``, which updates ``param`` (and its slots)
      in place for one array and returns the effective step when ``step.prox`` is
      set (a scalar or a per-coordinate array), None otherwise;
    - optionally ``_initial_slot(name, hyper)``, the value a slot starts at (0), and
      ``elementwise``, False when the rule treats some arrays differently.

    Every optimizer also takes ``clipnorm`` and ``global_clipnorm`` (gradient
    clipping before the rule, :func:`clip_gradients`), stored by its ``__init__``.

    Attributes
    ----------
    full_batch : bool
        False: the training loop calls :meth:`update` once per minibatch.
    elementwise : bool
        Whether every coordinate follows the same rule whichever array it is in;
        the training loop then runs the optimizer on one flat array holding the
        whole network (a handful of numpy calls per step).

    Examples
    --------
    >>> from skweights.optimizers import Optimizer, SGD
    >>> isinstance(SGD(), Optimizer), SGD().elementwise
    (True, True)
    """

    full_batch = False
    State: type = NamedTuple
    #: ``scalar_step(p, g, *slots, coefficients) -> (p, *slots)``, the rule of one
    #: coordinate (a static method), from which ``skweights._kernels`` generates
    #: the step over the flat array, with ``scalar_coefficients(hyper, lr, count)``
    #: the tuple of the step's numbers; None: :meth:`update` only. A subclass
    #: that redefines the numpy rule loses its parent's.
    scalar_step: Any = None
    scalar_coefficients: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        forget_scalar_rules(
            cls,
            Optimizer,
            ("_step", "init", "update", "apply", "_rule", "_initial_slot"),
            ("scalar_step", "scalar_coefficients"),
        )
        # Each subclass its own factory signature (never its parent's).
        _returns_itself(cls)

    def scalar_parameter(self) -> tuple:
        """The validated hyper-parameters, given to ``scalar_coefficients``.

        Returns
        -------
        tuple
            The same tuple the rule receives as ``step.hyper``.
        """
        return self._validated()

    @property
    def elementwise(self) -> bool:
        """Whether the rule treats every coordinate alike (see the class)."""
        return True

    def _validated(self) -> tuple:
        return ()

    def _clipping(self) -> tuple[float | None, float | None]:
        """``(clipnorm, global_clipnorm)``, checked."""
        clipnorm = getattr(self, "clipnorm", None)
        global_clipnorm = getattr(self, "global_clipnorm", None)
        check_clipping(type(self).__name__, clipnorm, global_clipnorm)
        return clipnorm, global_clipnorm

    def _initial_slot(self, name: str, hyper: tuple) -> float:
        return 0.0

    @abstractmethod
    def _step(
        self, param: np.ndarray, grad: np.ndarray, slots: list, step: ArrayStep
    ) -> float | np.ndarray | None:
        """Update one array (and its slots) in place; the effective step if asked."""

    def init(self, params: Sequence[np.ndarray]) -> Any:
        """Return the initial state for ``params``.

        Parameters
        ----------
        params : list of ndarray
            The arrays to optimize.

        Returns
        -------
        state : NamedTuple
            Zero count and one slot per array for each of the state's lists, in the
            array's dtype.
        """
        hyper = self._validated()
        self._clipping()
        slots = {
            name: _zeros_like(params, self._initial_slot(name, hyper))
            for name in self.State._fields[1:]
        }
        return self.State(count=0, **slots)

    def update(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        state: Any,
        learning_rate: float,
        penalty: Any = None,
        penalized: Sequence[bool] | None = None,
    ) -> Any:
        """Do one step, updating ``params`` in place.

        Parameters
        ----------
        params : list of ndarray
            The arrays to update in place.
        grads : list of ndarray
            Their gradients (of the loss, plus any smooth penalty).
        state : NamedTuple
            The state from :meth:`init` or the previous :meth:`update`.
        learning_rate : float
            Step size :math:`\\eta \\geq 0`.
        penalty : Penalty or list of (Penalty or None), optional
            A non-smooth penalty is applied by its proximal operator with the step
            each array just used (see the optimizer's formula); a smooth one is
            ignored (the caller adds its gradient). One penalty applies to every
            array ``penalized`` marks; a list gives each array its own (None for
            none), e.g. one per layer.
        penalized : list of bool, optional
            Which arrays are weights, that take a single ``penalty`` and any
            weight decay (default: all).

        Returns
        -------
        state : NamedTuple
            The new state (its slot arrays are updated in place).
        """
        hyper, lr, penalized = self._checked(params, grads, learning_rate, penalized)
        clipping = self._clipping()
        if clipping != (None, None):
            grads = clip_gradients(grads, *clipping)[0]
        return self._rule(params, grads, state, lr, hyper, penalty, penalized)

    def apply(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        state: Any,
        learning_rate: float,
        penalty: Any = None,
        penalized: Sequence[bool] | None = None,
    ) -> Any:
        """Do one step as :meth:`update` does, but with ``grads`` as given.

        :meth:`update` is :func:`clip_gradients` (``clipnorm``,
        ``global_clipnorm``) followed by this; the training loop clips in a step
        of its own (counting the clipped batches) and then calls this, as optax
        chains ``clip_by_global_norm`` before an optimizer.

        Parameters
        ----------
        params, grads, state, learning_rate, penalty, penalized
            As in :meth:`update`.

        Returns
        -------
        state : NamedTuple
            The new state (its slot arrays are updated in place).
        """
        hyper, lr, penalized = self._checked(params, grads, learning_rate, penalized)
        return self._rule(params, grads, state, lr, hyper, penalty, penalized)

    def _checked(self, params, grads, learning_rate, penalized) -> tuple:
        """``(hyper, learning_rate, penalized)`` checked, for one step."""
        owner = type(self).__name__
        hyper = self._validated()
        lr = _check_real(owner, "learning_rate", learning_rate, 0.0)
        return hyper, lr, _check_arguments(owner, params, grads, penalized)

    def _rule(self, params, grads, state, lr, hyper, penalty, penalized) -> Any:
        """The rule on each array, its proximal step, and the count."""
        per_array = _per_array(type(self).__name__, penalty, penalized)
        count = state.count + 1
        # strict: a state built for other arrays must not leave some untrained.
        arrays = zip(params, grads, penalized, per_array, *state[1:], strict=True)
        for param, grad, weight, array_penalty, *slots in arrays:
            step = ArrayStep(lr, count, hyper, weight, _uses_prox(array_penalty))
            effective = self._step(param, grad, slots, step)
            if step.prox:
                _apply_prox(param, array_penalty, effective)
        return state._replace(count=count)


@_shared_docs
class SGD(Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum.

    With momentum :math:`\mu`, learning rate :math:`\eta` and gradient :math:`g`
    (PyTorch's formulation, as scikit-learn's for a constant rate):

    .. math::

        v \leftarrow \mu v + g, \qquad
        p \leftarrow p - \eta \, d, \qquad
        d = \begin{cases} g + \mu v & \text{Nesterov} \\ v & \text{otherwise}
            \end{cases}

    ``momentum=0`` is plain gradient descent, :math:`p \leftarrow p - \eta g`. With a
    non-smooth penalty :math:`R` the step is proximal, with the effective step of
    momentum (the step per unit of a constant gradient):

    .. math::

        p \leftarrow \operatorname{prox}_{s R}(p), \qquad s = \frac{\eta}{1 - \mu},

    so that the fixed points are exactly the minimizers of the penalized objective.

    Parameters
    ----------
    momentum : float in [0, 1), default=0.0
        Momentum coefficient :math:`\mu`.
    nesterov : bool, default=False
        Use Nesterov's accelerated gradient.
    %(clipping)s

    Attributes
    ----------
    %(minibatch)s
    elementwise : bool
        True: the training loop may run it on one flat array.

    References
    ----------
    Sutskever, I., Martens, J., Dahl, G. & Hinton, G. (2013). On the importance of
    initialization and momentum in deep learning. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import sgd
    >>> opt = sgd(momentum=0.9)
    >>> params = [np.array([1.0, -2.0])]
    >>> state = opt.init(params)
    >>> state = opt.update(params, [np.array([1.0, 1.0])], state, 0.1)
    >>> params[0]
    array([ 0.9, -2.1])
    >>> state.count
    1
    """

    State = SGDState

    def __init__(
        self,
        momentum: float = 0.0,
        nesterov: bool = False,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        store_params(self, locals())

    def _validated(self) -> tuple[float, bool]:
        momentum = _check_real(
            "SGD", "momentum", self.momentum, 0.0, 1.0, high_open=True
        )
        return momentum, _check_bool("SGD", "nesterov", self.nesterov)

    def _step(self, p, g, slots, step):
        (v,) = slots
        momentum, nesterov = step.hyper
        lr = step.learning_rate
        if momentum == 0.0:
            # v doubles as the scratch buffer: v = g, p -= lr * v.
            np.multiply(g, lr, out=v)
            p -= v
        else:
            v *= momentum
            v += g
            direction = np.multiply(v, momentum) if nesterov else v.copy()
            if nesterov:
                direction += g
            direction *= lr
            p -= direction
        # Momentum multiplies the steady-state step by 1 / (1 - momentum).
        return lr / (1.0 - momentum)

    def scalar_coefficients(self, hyper, learning_rate, count):
        momentum, nesterov = hyper
        return learning_rate, momentum, nesterov

    @staticmethod
    def scalar_step(p, g, v, coefficients):  # pragma: no mutate block
        lr, momentum, nesterov = coefficients
        if momentum == 0:
            step = g * lr
            return p - step, step
        velocity = v * momentum + g
        direction = velocity * momentum + g if nesterov else velocity
        return p - direction * lr, velocity


@_shared_docs
class Adam(Optimizer):
    r"""Adam: adaptive moment estimation.

    With gradient :math:`g`, step count :math:`t` and learning rate :math:`\eta`:

    .. math::

        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \\
        \hat m &= \frac{m}{1 - \beta_1^t}, \qquad
        \hat v = \frac{v}{1 - \beta_2^t}, \qquad
        p \leftarrow p - s \odot \hat m, \qquad
        s = \frac{\eta}{\sqrt{\hat v} + \epsilon}.

    With a non-smooth penalty the step is proximal with the per-coordinate step
    :math:`s` (the one that multiplies the bias-corrected moment :math:`\hat m`):
    :math:`p \leftarrow \operatorname{prox}_{s R}(p)`.

    Parameters
    ----------
    beta_1 : float in [0, 1), default=0.9
        Decay rate of the first moment.
    beta_2 : float in [0, 1), default=0.999
        Decay rate of the second moment.
    epsilon : float > 0, default=1e-8
        Added to :math:`\sqrt{\hat v}` for numerical stability.
    %(clipping)s

    Attributes
    ----------
    %(minibatch)s
    elementwise : bool
        True: the training loop may run it on one flat array.

    See Also
    --------
    AdamW : Adam with decoupled weight decay.

    References
    ----------
    Kingma, D. P. & Ba, J. (2015). Adam: a method for stochastic optimization. ICLR.
    arXiv:1412.6980.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import adam
    >>> opt = adam()
    >>> params = [np.array([1.0, -2.0])]
    >>> state = opt.init(params)
    >>> state = opt.update(params, [np.array([0.5, -3.0])], state, 0.1)
    >>> np.round(params[0], 6)  # the first step is lr * sign(g)
    array([ 0.9, -1.9])
    """

    State = AdamState

    def __init__(
        self,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        store_params(self, locals())

    def _validated(self) -> tuple[float, float, float, float]:
        """``(beta_1, beta_2, epsilon, weight_decay)``; Adam never decays."""
        name = type(self).__name__
        return (
            _check_real(name, "beta_1", self.beta_1, 0.0, 1.0, high_open=True),
            _check_real(name, "beta_2", self.beta_2, 0.0, 1.0, high_open=True),
            _check_real(name, "epsilon", self.epsilon, 0.0, low_open=True),
            self._weight_decay(),
        )

    def _weight_decay(self) -> float:
        return 0.0

    def _step(self, p, g, slots, step):
        m, v = slots
        beta_1, beta_2, epsilon, weight_decay = step.hyper
        lr, count = step.learning_rate, step.count
        scratch = np.subtract(g, m)  # m += (1 - b1) (g - m)
        scratch *= 1.0 - beta_1
        m += scratch
        np.multiply(g, g, out=scratch)  # v += (1 - b2) (g^2 - v)
        scratch -= v
        scratch *= 1.0 - beta_2
        v += scratch
        if weight_decay != 0.0 and step.penalized:
            p *= 1.0 - lr * weight_decay  # decoupled decay, from the pre-step weights
        np.sqrt(v, out=scratch)  # sqrt(v_hat) + eps, v_hat = v / (1 - b2^t)
        scratch *= 1.0 / math.sqrt(1.0 - beta_2**count)
        scratch += epsilon
        correction_1 = 1.0 - beta_1**count  # m_hat = m / (1 - b1^t)
        if step.prox:
            per_coordinate = np.divide(lr, scratch, out=scratch)
            direction = m * per_coordinate
            direction *= 1.0 / correction_1
            p -= direction
            return per_coordinate
        np.divide(m, scratch, out=scratch)
        scratch *= lr / correction_1
        p -= scratch
        return None

    def scalar_coefficients(self, hyper, learning_rate, count):
        beta_1, beta_2, epsilon, weight_decay = hyper
        if weight_decay != 0.0:  # decay spares biases: never on one flat array
            raise ValueError("the flat Adam step has no weight decay")
        return (
            learning_rate / (1.0 - beta_1**count),
            1.0 - beta_1,
            1.0 - beta_2,
            1.0 / math.sqrt(1.0 - beta_2**count),
            epsilon,
        )

    @staticmethod
    def scalar_step(p, g, m, v, coefficients):  # pragma: no mutate block
        lr_hat, one_b1, one_b2, root_correction, eps = coefficients
        m = m + (g - m) * one_b1
        v = v + (g * g - v) * one_b2
        return p - m / (np.sqrt(v) * root_correction + eps) * lr_hat, m, v


@_shared_docs
class AdamW(Adam):
    r"""Adam with decoupled weight decay.

    Before the :class:`Adam` step, each penalized array (weights, never biases)
    decays proportionally to the learning rate :math:`\eta`, independently of the
    adaptive scaling:

    .. math::

        p \leftarrow p - \eta \lambda p, \qquad
        p \leftarrow p - \frac{\eta}{\sqrt{\hat v} + \epsilon} \odot \hat m,

    with :math:`\hat m, \hat v` the bias-corrected moments of :class:`Adam` (both
    terms use the weights before the step, as in PyTorch and optax).

    Parameters
    ----------
    beta_1 : float in [0, 1), default=0.9
        Decay rate of the first moment.
    beta_2 : float in [0, 1), default=0.999
        Decay rate of the second moment.
    epsilon : float > 0, default=1e-8
        Added to :math:`\sqrt{\hat v}` for numerical stability.
    weight_decay : float >= 0, default=0.01
        Decoupled decay rate :math:`\lambda`.
    %(clipping)s

    Attributes
    ----------
    %(minibatch)s
    elementwise : bool
        True only without decay, which applies to weights and never to biases.

    References
    ----------
    Loshchilov, I. & Hutter, F. (2019). Decoupled weight decay regularization. ICLR.
    arXiv:1711.05101.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import adamw
    >>> opt = adamw(weight_decay=0.5)
    >>> params = [np.array([2.0]), np.array([2.0])]  # a weight and a bias
    >>> state = opt.init(params)
    >>> grads = [np.array([0.0]), np.array([0.0])]
    >>> state = opt.update(params, grads, state, 0.1, penalized=[True, False])
    >>> [float(p[0]) for p in params]  # only the weight decays: 2 - 0.1 * 0.5 * 2
    [1.9, 2.0]
    """

    def __init__(
        self,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        store_params(self, locals())

    def _weight_decay(self) -> float:
        return _check_real("AdamW", "weight_decay", self.weight_decay, 0.0)

    @property
    def elementwise(self) -> bool:
        """False when decaying: the decay applies to weights, never to biases."""
        return self._weight_decay() == 0.0


@_shared_docs
class RMSprop(Optimizer):
    r"""RMSprop: gradient scaled by a moving root mean square.

    With decay :math:`\rho`, momentum :math:`\mu` and learning rate :math:`\eta`
    (PyTorch's formulation):

    .. math::

        v &\leftarrow \rho v + (1 - \rho) g^2, \qquad
        s = \frac{\eta}{\sqrt{v} + \epsilon}, \\
        p &\leftarrow p - s \odot g \quad (\mu = 0), \qquad
        b \leftarrow \mu b + \frac{g}{\sqrt{v} + \epsilon}, \;
        p \leftarrow p - \eta b \quad (\mu > 0).

    With a non-smooth penalty the step is proximal with the per-coordinate step
    :math:`s / (1 - \mu)` (the step per unit of a constant gradient):
    :math:`p \leftarrow \operatorname{prox}_{s R / (1 - \mu)}(p)`.

    Parameters
    ----------
    rho : float in [0, 1), default=0.9
        Decay rate of the squared-gradient average.
    epsilon : float > 0, default=1e-8
        Added to :math:`\sqrt{v}` for numerical stability.
    momentum : float in [0, 1), default=0.0
        Momentum coefficient :math:`\mu`.
    %(clipping)s

    Attributes
    ----------
    %(minibatch)s
    elementwise : bool
        True: the training loop may run it on one flat array.

    References
    ----------
    Tieleman, T. & Hinton, G. (2012). Lecture 6.5 - RMSProp: divide the gradient by
    a running average of its recent magnitude. COURSERA: Neural Networks for
    Machine Learning.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import rmsprop
    >>> opt = rmsprop(rho=0.75)
    >>> params = [np.array([1.0])]
    >>> state = opt.init(params)
    >>> state = opt.update(params, [np.array([2.0])], state, 0.1)
    >>> round(float(params[0][0]), 6)  # 1 - 0.1 * 2 / sqrt(0.25 * 4)
    0.8
    """

    State = RMSpropState

    def __init__(
        self,
        rho: float = 0.9,
        epsilon: float = 1e-8,
        momentum: float = 0.0,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        store_params(self, locals())

    def _validated(self) -> tuple[float, float, float]:
        return (
            _check_real("RMSprop", "rho", self.rho, 0.0, 1.0, high_open=True),
            _check_real("RMSprop", "epsilon", self.epsilon, 0.0, low_open=True),
            _check_real("RMSprop", "momentum", self.momentum, 0.0, 1.0, high_open=True),
        )

    def _step(self, p, g, slots, step):
        v, b = slots
        rho, epsilon, momentum = step.hyper
        lr = step.learning_rate
        scratch = np.multiply(g, g)  # v += (1 - rho) (g^2 - v)
        scratch -= v
        scratch *= 1.0 - rho
        v += scratch
        denominator = np.sqrt(v, out=scratch)
        denominator += epsilon
        if momentum != 0.0:
            b *= momentum
            b += g / denominator
            p -= np.multiply(b, lr)
        elif step.prox:
            p -= np.divide(g, denominator) * lr
        else:
            # No step to report: the denominator's buffer takes the direction.
            direction = np.divide(g, denominator, out=denominator)
            direction *= lr
            p -= direction
            return None
        if not step.prox:
            return None
        # The step per unit of a constant gradient, as SGD's.
        return np.divide(lr / (1.0 - momentum), denominator, out=denominator)

    def scalar_coefficients(self, hyper, learning_rate, count):
        rho, epsilon, momentum = hyper
        return learning_rate, 1.0 - rho, epsilon, momentum

    @staticmethod
    def scalar_step(p, g, v, b, coefficients):  # pragma: no mutate block
        lr, one_rho, eps, momentum = coefficients
        v = v + (g * g - v) * one_rho
        denominator = np.sqrt(v) + eps
        if momentum != 0:
            b = b * momentum + g / denominator
            return p - b * lr, v, b
        return p - g / denominator * lr, v, b


@_shared_docs
class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate steps shrinking with the accumulated squared gradients.

    .. math::

        G \leftarrow G + g^2, \qquad
        s = \frac{\eta}{\sqrt{G} + \epsilon}, \qquad
        p \leftarrow p - s \odot g,

    with :math:`G` started at ``initial_accumulator``. With a non-smooth penalty the
    step is proximal with the per-coordinate step :math:`s`:
    :math:`p \leftarrow \operatorname{prox}_{s R}(p)`.

    Parameters
    ----------
    epsilon : float > 0, default=1e-8
        Added to :math:`\sqrt{G}` for numerical stability.
    initial_accumulator : float >= 0, default=0.0
        Starting value of :math:`G`.
    %(clipping)s

    Attributes
    ----------
    %(minibatch)s
    elementwise : bool
        True: the training loop may run it on one flat array.

    References
    ----------
    Duchi, J., Hazan, E. & Singer, Y. (2011). Adaptive subgradient methods for
    online learning and stochastic optimization. JMLR 12, 2121-2159.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import adagrad
    >>> opt = adagrad()
    >>> params = [np.array([1.0])]
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     state = opt.update(params, [np.array([3.0])], state, 0.1)
    >>> round(float(params[0][0]), 6)  # 1 - 0.1 * 3 / 3 - 0.1 * 3 / sqrt(18)
    0.829289
    """

    State = AdagradState

    def __init__(
        self,
        epsilon: float = 1e-8,
        initial_accumulator: float = 0.0,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        store_params(self, locals())

    def _validated(self) -> tuple[float, float]:
        return (
            _check_real("Adagrad", "epsilon", self.epsilon, 0.0, low_open=True),
            _check_real(
                "Adagrad", "initial_accumulator", self.initial_accumulator, 0.0
            ),
        )

    def _initial_slot(self, name: str, hyper: tuple) -> float:
        return hyper[1]  # the accumulator starts at initial_accumulator

    def _step(self, p, g, slots, step):
        (accumulator,) = slots
        epsilon, _ = step.hyper
        lr = step.learning_rate
        scratch = np.multiply(g, g)
        accumulator += scratch
        np.sqrt(accumulator, out=scratch)
        scratch += epsilon
        if step.prox:
            per_coordinate = np.divide(lr, scratch, out=scratch)
            p -= np.multiply(g, per_coordinate)
            return per_coordinate
        np.divide(g, scratch, out=scratch)
        scratch *= lr
        p -= scratch
        return None

    def scalar_coefficients(self, hyper, learning_rate, count):
        epsilon, _ = hyper
        return learning_rate, epsilon

    @staticmethod
    def scalar_step(p, g, accumulator, coefficients):  # pragma: no mutate block
        lr, eps = coefficients
        total = accumulator + g * g
        return p - g / (np.sqrt(total) + eps) * lr, total


@_shared_docs
class Lion(Optimizer):
    r"""Lion: the sign of an interpolated momentum (evolved sign momentum).

    With gradient :math:`g`, learning rate :math:`\eta` and momentum :math:`m`:

    .. math::

        c = \beta_1 m + (1 - \beta_1) g, \qquad
        p \leftarrow p - \eta \operatorname{sign}(c), \qquad
        m \leftarrow \beta_2 m + (1 - \beta_2) g.

    Every coordinate moves by exactly :math:`\eta` (or 0); the paper advises a
    learning rate 3-10x smaller than Adam's. With a non-smooth penalty the step is
    proximal with the per-coordinate step :math:`s = \eta / |c|` (the update is
    :math:`s \odot c`): :math:`p \leftarrow \operatorname{prox}_{s R}(p)`, whose
    fixed points are the minimizers of the penalized objective.
    Weight decay is the penalty's job here (``penalty="l2"``), not the optimizer's.

    Parameters
    ----------
    beta_1 : float in [0, 1), default=0.9
        Interpolation between the momentum and the gradient for the update's sign.
    beta_2 : float in [0, 1), default=0.99
        Decay rate of the momentum.
    %(clipping)s

    Attributes
    ----------
    %(minibatch)s
    elementwise : bool
        True: the training loop may run it on one flat array.

    References
    ----------
    Chen, X. et al. (2023). Symbolic discovery of optimization algorithms. NeurIPS.
    arXiv:2302.06675.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import Lion
    >>> weights = np.array([0.5, 0.5, 0.5])
    >>> lion = Lion()
    >>> gradient = np.array([1e-6, -3.0, 1e3])
    >>> _ = lion.update([weights], [gradient], lion.init([weights]), 0.1)
    >>> weights  # whatever the gradient's size, a step of exactly 0.1
    array([0.4, 0.6, 0.4])
    """

    State = LionState

    def __init__(
        self,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        store_params(self, locals())

    def _validated(self) -> tuple[float, float]:
        return (
            _check_real("Lion", "beta_1", self.beta_1, 0.0, 1.0, high_open=True),
            _check_real("Lion", "beta_2", self.beta_2, 0.0, 1.0, high_open=True),
        )

    def _step(self, p, g, slots, step):
        (m,) = slots
        beta_1, beta_2 = step.hyper
        lr = step.learning_rate
        c = np.subtract(g, m)  # c = m + (1 - b1) (g - m)
        c *= 1.0 - beta_1
        c += m
        per_coordinate = None
        if step.prox:
            # The step per unit of c, lr / |c|: the prox then thresholds by
            # lr * alpha / |c|, so fixed points are the penalized problem's minima.
            magnitude = np.abs(c)
            per_coordinate = np.divide(
                lr, magnitude, out=np.zeros_like(c), where=magnitude > 0
            )
        np.sign(c, out=c)
        c *= lr
        p -= c
        np.subtract(g, m, out=c)  # m += (1 - b2) (g - m)
        c *= 1.0 - beta_2
        m += c
        return per_coordinate

    def scalar_coefficients(self, hyper, learning_rate, count):
        beta_1, beta_2 = hyper
        return learning_rate, 1.0 - beta_1, 1.0 - beta_2

    @staticmethod
    def scalar_step(p, g, m, coefficients):  # pragma: no mutate block
        lr, one_b1, one_b2 = coefficients
        c = m + (g - m) * one_b1
        return p - np.sign(c) * lr, m + (g - m) * one_b2


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------

#: Optimizer names (case-insensitive) and aliases resolved by :func:`get`.
REGISTRY = Registry(
    "optimizer",
    {
        "sgd": SGD,
        "adam": Adam,
        "adamw": AdamW,
        "rmsprop": RMSprop,
        "adagrad": Adagrad,
        "lion": Lion,
        "lbfgs": LBFGS,
        "fista": FISTA,
        "cd": CoordinateDescent,
        "direct": DirectSolve,
        "lp": LinearProgram,
        "qp": QuadraticProgram,
    },
    aliases={
        "l-bfgs": "lbfgs",
        "coordinate_descent": "cd",
        "exact": "direct",
        "highs": "lp",
    },
)

# The lowercase names of 0.1 (``sgd(momentum=0.9)``) are the classes themselves.
sgd, adam, adamw, rmsprop, adagrad, lion = SGD, Adam, AdamW, RMSprop, Adagrad, Lion
lbfgs, fista, cd, direct, lp, qp = (
    LBFGS,
    FISTA,
    CoordinateDescent,
    DirectSolve,
    LinearProgram,
    QuadraticProgram,
)


for _solver in (
    LBFGS,
    FISTA,
    CoordinateDescent,
    DirectSolve,
    LinearProgram,
    QuadraticProgram,
):
    _returns_itself(_solver)


def get(identifier: Any, **kwargs: Any) -> Any:
    """Resolve an optimizer from a name, an instance or a callable.

    Parameters
    ----------
    identifier : str, optimizer class or optimizer
        A registered name (case-insensitive; see ``REGISTRY.names``):
        %(names)s (the exact linear solvers ``"cd"``, ``"direct"``, ``"lp"``
        and ``"qp"`` say in their classes which models they solve); an
        optimizer class (built with ``kwargs``); or an optimizer object,
        returned unchanged.
    **kwargs : dict
        Hyper-parameters, when ``identifier`` is a name or a class.

    Returns
    -------
    optimizer : object
        The optimizer.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.

    Examples
    --------
    >>> from skweights.optimizers import get
    >>> get("SGD", momentum=0.9)
    SGD(clipnorm=None, global_clipnorm=None, momentum=0.9, nesterov=False)
    >>> get("l-bfgs")
    LBFGS(max_fun=15000, memory=10)
    >>> get(Adam, beta_2=0.99)
    Adam(beta_1=0.9, beta_2=0.99, clipnorm=None, epsilon=1e-08, global_clipnorm=None)
    """
    return REGISTRY.get(identifier, **kwargs)


REGISTRY.document(get)
