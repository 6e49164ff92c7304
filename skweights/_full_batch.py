"""Full-batch solvers: L-BFGS and FISTA on the whole objective.

A full-batch solver (``full_batch = True``) minimizes the whole objective::

    result = solver.minimize(fun, params, penalty=None, penalized=None,
                             max_iter=200, tol=1e-4, callback=None)

where ``fun(params) -> (value, grads)`` is the smooth part of the objective and the
solver handles a non-smooth penalty itself (:class:`LBFGS` by splitting ``w = u - v``
with bounds, :class:`FISTA` by its proximal operator). ``callback(n_iter, params,
value) -> bool`` runs after every iteration; returning True stops.

Each ``minimize`` validates its arguments and hands the work to a small run object
whose attributes are the whole state of one solve: ``_LBFGSRun`` (the objective
and callback scipy's L-BFGS-B calls, on the variables of ``_Split``) and
``_FISTARun`` (the iterate, the extrapolated point, the momentum and the
Lipschitz estimate, advanced one iteration at a time).

The classes are re-exported by :mod:`skweights.optimizers`, their public import path
and the registry that names them; files that name the old path
``skweights.optimizers.LBFGS`` load (``skweights._persistence`` trusts a name that
resolves to a skweights class).
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._registry import Component
from ._validation import check_bool as _check_bool
from ._validation import check_int as _check_int
from ._validation import check_real as _check_real

__all__ = ["LBFGS", "FISTA", "MinimizeResult"]


# --------------------------------------------------------------------------------------
# The result and the helpers both solvers use
# --------------------------------------------------------------------------------------


class MinimizeResult(NamedTuple):
    """Result of a full-batch solver's ``minimize``.

    Attributes
    ----------
    params : list of ndarray
        The solution, new arrays with the shapes and dtypes of the input ``params``.
    n_iter : int
        Number of iterations done.
    converged : bool
        Whether the solver's convergence criterion was met (False when ``max_iter``
        was reached, the callback stopped it or the line search failed).
    value : float
        Objective at ``params``: ``fun``'s value plus the non-smooth penalty.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import lbfgs
    >>> def fun(params):  # (x - 3)^2, minimized at 3
    ...     x = params[0]
    ...     return float(((x - 3) ** 2).sum()), [2 * (x - 3)]
    >>> result = lbfgs().minimize(fun, [np.zeros(1)])
    >>> result.converged, np.round(result.params[0], 6)
    (True, array([3.]))
    """

    params: list
    n_iter: int
    converged: bool
    value: float


class _Packer:
    """Flatten a list of arrays into one float64 vector and back."""

    def __init__(self, params: Sequence[np.ndarray]) -> None:
        arrays = [np.asarray(p) for p in params]
        self.shapes = [a.shape for a in arrays]
        self.dtypes = [
            a.dtype if np.issubdtype(a.dtype, np.floating) else np.dtype(np.float64)
            for a in arrays
        ]
        ends = np.cumsum([a.size for a in arrays]).tolist()
        starts = [0, *ends[:-1]] if ends else []
        self.slices = [slice(s, e) for s, e in zip(starts, ends, strict=True)]
        self.size = ends[-1] if ends else 0

    def pack(self, arrays: Sequence[np.ndarray]) -> np.ndarray:
        x = np.empty(self.size)
        for sl, a in zip(self.slices, arrays, strict=True):
            x[sl] = np.ravel(a)
        return x

    def unpack(self, x: np.ndarray) -> list[np.ndarray]:
        """New arrays in the original shapes and dtypes."""
        return [
            x[sl].reshape(shape).astype(dtype)
            for sl, shape, dtype in zip(
                self.slices, self.shapes, self.dtypes, strict=True
            )
        ]

    def mask(self, flags: Sequence[bool]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for sl, flag in zip(self.slices, flags, strict=True):
            mask[sl] = flag
        return mask


def _nonsmooth(penalty: Any) -> bool:
    """Whether the solver handles ``penalty`` itself (not None and not smooth)."""
    return penalty is not None and not penalty.smooth


def _nonsmooth_value(
    penalty: Any, params: Sequence[np.ndarray], penalized: Sequence[bool]
) -> float:
    """The non-smooth penalty's value on the penalized arrays (0 if smooth/None)."""
    if not _nonsmooth(penalty):
        return 0.0
    return float(
        sum(penalty.value(p) for p, pen in zip(params, penalized, strict=True) if pen)
    )


def _l1_l2_strengths(penalty: Any) -> tuple[float, float]:
    """``(alpha * l1_ratio, alpha * (1 - l1_ratio))`` of a penalty."""
    l1 = getattr(penalty, "l1_strength", None)
    l2 = getattr(penalty, "l2_strength", None)
    if l1 is None or l2 is None:
        alpha = float(penalty.alpha)
        l1_ratio = float(getattr(penalty, "l1_ratio", 1.0))
        l1, l2 = alpha * l1_ratio, alpha * (1.0 - l1_ratio)
    return float(l1), float(l2)


def _check_minimize_arguments(
    owner: str, max_iter: Any, tol: Any, callback: Any
) -> tuple[int, float]:
    """``(max_iter, tol)`` checked; ``callback`` must be callable or None."""
    max_iter = _check_int(owner, "max_iter", max_iter, 1)
    tol = _check_real(owner, "tol", tol, 0.0)
    if callback is not None and not callable(callback):
        raise ValueError(f"{owner}: callback must be callable or None.")
    return max_iter, tol


def _check_penalized(
    owner: str, params: Sequence[np.ndarray], penalized: Sequence[bool] | None
) -> list[bool]:
    """``penalized`` as one bool per array (default: all)."""
    if penalized is None:
        return [True] * len(params)
    if len(penalized) != len(params):
        raise ValueError(
            f"{owner}: penalized has {len(penalized)} entries for {len(params)} "
            "parameter arrays."
        )
    return [bool(flag) for flag in penalized]


class _StopEarly(Exception):
    """Raised inside scipy's callback when the user's callback asks to stop."""


def _warn_stopped(res: Any, max_fun: int, n_iter: int) -> None:
    """scikit-learn's ConvergenceWarning when L-BFGS stopped before ``max_iter``.

    The cap on objective evaluations (``max_fun``) or a failed line search; the
    estimators warn about ``max_iter`` themselves.
    """
    if res.status == 1:
        reason = (
            f"the maximum number of objective evaluations (max_fun={max_fun}) was "
            "reached. Raise it with optimizer=skweights.optimizers.lbfgs(max_fun=...)"
            ", or scale the features."
        )
    else:
        reason = (
            f"{res.message}. Scale the features (e.g. StandardScaler) or loosen tol."
        )
    warnings.warn(
        f"LBFGS stopped after {n_iter} iteration(s) without converging: {reason}",
        ConvergenceWarning,
        stacklevel=4,  # the caller of minimize (via _solve)
    )


# --------------------------------------------------------------------------------------
# The template: minimize checks its arguments, the solver solves
# --------------------------------------------------------------------------------------


class _Problem(NamedTuple):
    """What ``minimize`` was asked, checked: the solver's input."""

    fun: Callable[[list[np.ndarray]], tuple[float, list[np.ndarray]]]
    params: Sequence[np.ndarray]
    penalty: Any
    penalized: list[bool]
    max_iter: int
    tol: float
    callback: Callable[[int, list[np.ndarray], float], bool] | None


class _Solver(Component, ABC):
    """Template of the full-batch solvers: ``minimize`` checks, the subclass solves.

    A subclass gives ``_validated()`` (its checked hyper-parameters, a tuple) and
    ``_solve(problem, hyper)``, which returns a :class:`MinimizeResult`.
    """

    full_batch = True
    elementwise = False

    def _validated(self) -> tuple:
        return ()

    @abstractmethod
    def _solve(self, problem: _Problem, hyper: tuple) -> MinimizeResult:
        """Solve the checked problem with the checked hyper-parameters."""

    def minimize(
        self,
        fun: Callable[[list[np.ndarray]], tuple[float, list[np.ndarray]]],
        params: Sequence[np.ndarray],
        *,
        penalty: Any = None,
        penalized: Sequence[bool] | None = None,
        max_iter: int = 200,
        tol: float = 1e-4,
        callback: Callable[[int, list[np.ndarray], float], bool] | None = None,
    ) -> MinimizeResult:
        """Minimize ``fun`` plus the non-smooth penalty, starting from ``params``.

        Parameters
        ----------
        fun : callable
            ``fun(params) -> (value, grads)``: the smooth part of the objective (loss
            plus any smooth penalty) and its gradient, a list like ``params``. It
            receives new arrays in the dtypes of ``params``.
        params : list of ndarray
            Starting point; not modified.
        penalty : Penalty, optional
            A non-smooth penalty is handled by the solver (the class says how); a
            smooth one is ignored (``fun`` includes it).
        penalized : list of bool, optional
            Which arrays the penalty applies to (default: all).
        max_iter : int, default=200
            Maximum number of iterations.
        tol : float, default=1e-4
            Convergence tolerance (the class says what it bounds).
        callback : callable, optional
            ``callback(n_iter, params, value) -> bool`` after every iteration, with
            new arrays; returning True stops.

        Returns
        -------
        result : MinimizeResult
            Solution (in the dtypes of ``params``), iterations, convergence and the
            objective including the non-smooth penalty.
        """
        owner = type(self).__name__
        hyper = self._validated()
        max_iter, tol = _check_minimize_arguments(owner, max_iter, tol, callback)
        penalized = _check_penalized(owner, params, penalized)
        problem = _Problem(fun, params, penalty, penalized, max_iter, tol, callback)
        return self._solve(problem, hyper)


# --------------------------------------------------------------------------------------
# L-BFGS: scipy's L-BFGS-B on the split variables
# --------------------------------------------------------------------------------------


class _Split:
    """The variables ``z`` L-BFGS-B sees for the weights ``w`` (a flat vector).

    Without a non-smooth penalty, ``z = w``. With one, ``z`` holds the free
    coordinates, then ``U`` and ``V`` for the penalized ones (``w = U - V``,
    ``U, V >= 0``; ``V = 0`` when the penalty has ``positive = True``), and the
    penalty becomes the smooth ``l1 * sum(U + V) + l2 / 2 * ||U - V||^2``.
    """

    def __init__(self, size: int, penalty: Any, mask: np.ndarray) -> None:
        self.size, self.mask, self.free = size, mask, ~mask
        self.n_free, self.n_pen = int(self.free.sum()), int(mask.sum())
        if self.n_pen and not getattr(penalty, "separable", True):
            raise ValueError(
                f"LBFGS: the penalty {penalty!r} couples weights (not separable), "
                "which split variables cannot express; use optimizer='fista' or a "
                "minibatch optimizer such as 'adam'."
            )
        self.l1, self.l2 = _l1_l2_strengths(penalty) if self.n_pen else (0.0, 0.0)
        self.positive = bool(getattr(penalty, "positive", False))

    def weights(self, z: np.ndarray) -> np.ndarray:
        """The weights ``w`` of the variables ``z``."""
        if self.n_pen == 0:
            return z
        n_free, n_pen = self.n_free, self.n_pen
        w = np.empty(self.size)
        w[self.free] = z[:n_free]
        w[self.mask] = z[n_free : n_free + n_pen] - z[n_free + n_pen :]
        return w

    def start(self, w: np.ndarray) -> tuple[np.ndarray, scipy.optimize.Bounds | None]:
        """The variables of the weights ``w`` and their bounds (None if unbounded)."""
        penalized = w[self.mask]
        z = np.concatenate(
            [w[self.free], np.maximum(penalized, 0.0), np.maximum(-penalized, 0.0)]
        )
        if self.n_pen == 0:
            return z, None
        lower = np.concatenate(
            [np.full(self.n_free, -np.inf), np.zeros(2 * self.n_pen)]
        )
        upper = np.full(z.size, np.inf)
        if self.positive:  # non-negative weights: V = 0
            upper[self.n_free + self.n_pen :] = z[self.n_free + self.n_pen :] = 0.0
        return z, scipy.optimize.Bounds(lower, upper)

    def objective(
        self, z: np.ndarray, w: np.ndarray, value: float, gw: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Add the split penalty to ``fun``'s ``value`` and gradient ``gw`` at ``w``."""
        if self.n_pen == 0:
            return value, gw
        l1, l2 = self.l1, self.l2
        wp = w[self.mask]
        gp = gw[self.mask] + l2 * wp
        total = value + l1 * float(z[self.n_free :].sum()) + 0.5 * l2 * (wp @ wp)
        return total, np.concatenate([gw[self.free], gp + l1, l1 - gp])


class _LBFGSRun:
    """One L-BFGS solve: the objective and the callback scipy calls, and the result.

    State between scipy's calls: ``last_z`` and ``last_value``, the last point
    evaluated and ``fun``'s value there (reused when the callback reports that
    point); ``last_finite``, the last finite objective (the reference a non-finite
    evaluation is replaced by); ``good_z`` and ``n_iter``, the last accepted iterate
    and the number of iterations (what is returned when the callback stops or
    ``fun`` turns non-finite).
    """

    def __init__(self, problem: _Problem, packer, split, z0: np.ndarray) -> None:
        self.fun, self.packer, self.split = problem.fun, packer, split
        self.penalty, self.penalized = problem.penalty, problem.penalized
        self.user_callback = problem.callback
        self.last_z: np.ndarray | None = None
        self.last_value, self.last_finite = math.inf, 0.0
        self.good_z, self.n_iter = z0, 0

    def params(self, z: np.ndarray) -> list[np.ndarray]:
        """The parameter arrays at the variables ``z`` (new arrays)."""
        return self.packer.unpack(self.split.weights(z))

    def objective(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective of the split problem at ``z`` and its gradient."""
        w = self.split.weights(z)
        value, grads = self.fun(self.packer.unpack(w))
        value = float(value)
        gw = self.packer.pack(grads)
        self.last_z, self.last_value = z.copy(), value
        if not (math.isfinite(value) and np.isfinite(gw).all()):
            # A finite value well above the last finite one makes the line search
            # backtrack (+inf would make L-BFGS-B stop, reporting convergence).
            ref = self.last_finite
            return ref + 1e3 * (1.0 + abs(ref)), np.zeros_like(z)
        total, gz = self.split.objective(z, w, value, gw)
        self.last_finite = float(total)
        return total, gz

    def smooth_value(self, z: np.ndarray) -> float:
        """``fun``'s value at ``z`` (the last evaluation's, if it was there)."""
        if self.last_z is not None and np.array_equal(z, self.last_z):
            return self.last_value
        return float(self.fun(self.params(z))[0])

    def callback(self, zk: np.ndarray) -> None:
        """After each iteration: keep the iterate, ask the user's callback."""
        self.n_iter += 1
        self.good_z = np.array(zk, dtype=float)
        if self.user_callback is not None:
            current = self.params(self.good_z)
            value = self.smooth_value(self.good_z)
            value += _nonsmooth_value(self.penalty, current, self.penalized)
            if self.user_callback(self.n_iter, current, value):
                raise _StopEarly

    def result(self, z: np.ndarray, n_iter: int, converged: bool) -> MinimizeResult:
        """The solution at ``z``, or at the last finite iterate if ``fun`` is not."""
        value = self.smooth_value(z)
        if not math.isfinite(value):
            z, n_iter, converged = self.good_z, self.n_iter, False
            value = self.smooth_value(z)
        params = self.params(z)
        value += _nonsmooth_value(self.penalty, params, self.penalized)
        return MinimizeResult(params, n_iter, bool(converged), float(value))


class LBFGS(_Solver):
    r"""Limited-memory BFGS (scipy's L-BFGS-B) on the whole objective.

    Minimizes :math:`F(w) = f(w) + \sum_{\text{penalized}} R(W)` where ``fun``
    returns the smooth part :math:`f` and its gradient. A non-smooth elastic-net
    penalty :math:`R(W) = \lambda_1 \|W\|_1 + \frac{\lambda_2}{2} \|W\|_2^2` is made
    smooth by splitting each penalized array into non-negative parts, solved with
    bound constraints:

    .. math::

        W = U - V, \quad U, V \geq 0, \qquad
        \min_{U, V \geq 0} \; f(U - V) + \lambda_1 \textstyle\sum (U + V)
        + \frac{\lambda_2}{2} \|U - V\|_2^2,

    which has the same minimizers (at the optimum :math:`U \odot V = 0`) and gives
    exact zeros where both bounds are active.
    A penalty with ``positive = True`` (``positive=True`` on the linear models)
    fixes :math:`V = 0`: bound-constrained L-BFGS on :math:`W = U \geq 0`. The
    penalty gives its strengths as ``l1_strength`` and ``l2_strength``, or as
    ``alpha`` and ``l1_ratio`` (default 1); a smooth penalty is left to ``fun``.

    **Convergence** (:meth:`minimize`): the iteration stops, converged, when the
    max-abs projected gradient is at most ``tol`` (scipy's ``gtol``) or the
    relative decrease of the objective falls under ``64 * eps`` (``ftol``);
    otherwise after ``max_iter`` iterations (scipy's ``maxiter``), ``max_fun``
    evaluations or a failed line search, or when the callback returns True, not
    converged. If ``fun`` turns non-finite, the line search backtracks, and the
    last iterate with a finite value is returned, not converged.

    Parameters
    ----------
    memory : int >= 1, default=10
        Number of correction pairs kept (scipy's ``maxcor``).
    max_fun : int >= 1, default=15000
        Maximum number of objective evaluations (scipy's ``maxfun``), as
        scikit-learn's ``MLPClassifier(max_fun=...)``: the solver stops at
        convergence, after ``max_iter`` iterations or after ``max_fun``
        evaluations, whichever comes first, with a ``ConvergenceWarning`` in the
        last case.

    Attributes
    ----------
    full_batch : bool
        True: the training loop calls :meth:`minimize` on the whole objective.
    needs_smooth_loss : bool
        True: the line search needs a differentiable objective, so a non-smooth
        loss (``loss.smooth`` False) is refused.

    References
    ----------
    Byrd, R. H., Lu, P., Nocedal, J. & Zhu, C. (1995). A limited memory algorithm for
    bound constrained optimization. SIAM J. Sci. Comput. 16(5), 1190-1208.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights.optimizers import lbfgs
    >>> def fun(params):
    ...     w = params[0]
    ...     return 0.5 * float(np.sum((w - 3.0) ** 2)), [w - 3.0]
    >>> result = lbfgs().minimize(fun, [np.zeros(2)])
    >>> result.params[0], result.converged
    (array([3., 3.]), True)
    """

    needs_smooth_loss = True

    def __init__(self, memory: int = 10, max_fun: int = 15000) -> None:
        self.memory = memory
        self.max_fun = max_fun

    def _validated(self) -> tuple[int, int]:
        memory = _check_int("LBFGS", "memory", self.memory, 1)
        return memory, _check_int("LBFGS", "max_fun", self.max_fun, 1)

    def _solve(self, problem: _Problem, hyper: tuple[int, int]) -> MinimizeResult:
        """scipy's L-BFGS-B on the split variables, driven by an ``_LBFGSRun``."""
        (memory, max_fun), penalty = hyper, problem.penalty
        packer = _Packer(problem.params)
        split = _Split(
            packer.size,
            penalty,
            packer.mask([pen and _nonsmooth(penalty) for pen in problem.penalized]),
        )
        z0, bounds = split.start(packer.pack(problem.params))
        run = _LBFGSRun(problem, packer, split, z0)
        try:
            res = scipy.optimize.minimize(
                run.objective,
                z0,
                method="L-BFGS-B",
                jac=True,
                bounds=bounds,
                callback=run.callback,
                options={
                    "maxiter": problem.max_iter,
                    "maxcor": memory,
                    "gtol": problem.tol,
                    "ftol": 64 * np.finfo(float).eps,
                    "maxfun": max_fun,
                },
            )
        except _StopEarly:
            return run.result(run.good_z, run.n_iter, False)
        n_iter = int(res.nit)
        if res.status != 0 and n_iter < problem.max_iter:
            _warn_stopped(res, max_fun, n_iter)
        return run.result(res.x, n_iter, res.status == 0)


# --------------------------------------------------------------------------------------
# FISTA: accelerated proximal gradient, one iteration at a time
# --------------------------------------------------------------------------------------


class _Trial(NamedTuple):
    """A proximal step from ``y`` with the current Lipschitz estimate."""

    x: np.ndarray
    value: float
    grad: np.ndarray | None
    d: np.ndarray
    accepted: bool


class _FISTARun:
    """One FISTA solve on a flat vector, advanced by ``step`` and ``extrapolate``.

    State: the iterate ``x`` (with ``f_x``, ``g_x``: ``fun``'s value and gradient
    there) and the previous one ``x_old``; the extrapolated point ``y`` (``f_y``,
    ``g_y``); the momentum ``t`` and the extrapolation weight ``beta`` the last step
    chose; the Lipschitz estimate ``L``.
    """

    _GROW = 2.0
    _SHRINK = 0.9
    _MAX_L = 1e300

    def __init__(self, fun, params, penalty, penalized) -> None:
        self.fun, self.penalty, self.penalized = fun, penalty, penalized
        self.packer = packer = _Packer(params)
        self.prox_slices = [
            (sl, shape)
            for sl, shape, pen in zip(
                packer.slices, packer.shapes, penalized, strict=True
            )
            if pen and _nonsmooth(penalty)
        ]
        dtypes = packer.dtypes or [float]
        self.noise = 64 * max(float(np.finfo(dt).eps) for dt in dtypes)
        self.x = packer.pack(params)
        self.f_x, self.g_x = self.evaluate(self.x)
        if self.g_x is None:
            raise ValueError("FISTA: fun returned a non-finite value at the start.")
        self.x_old = self.x
        self.y, self.f_y, self.g_y = self.x, self.f_x, self.g_x
        self.t, self.beta = 1.0, 0.0
        self.L = self._initial_lipschitz()

    def evaluate(self, x: np.ndarray) -> tuple[float, np.ndarray | None]:
        """``fun``'s value and flat gradient at ``x``; ``(inf, None)`` if not finite."""
        value, grads = self.fun(self.packer.unpack(x))
        value, g = float(value), self.packer.pack(grads)
        if not (math.isfinite(value) and np.isfinite(g).all()):
            return math.inf, None
        return value, g

    def total(self) -> tuple[list[np.ndarray], float]:
        """The parameter arrays at ``x`` and the objective there, penalty included."""
        current = self.packer.unpack(self.x)
        return current, self.f_x + _nonsmooth_value(
            self.penalty, current, self.penalized
        )

    def step(self, restart: bool) -> float | None:
        """One iteration: ``x`` moves to the prox step from ``y``, momentum updated.

        Returns the gradient mapping's max-abs norm at ``y``, or None when the line
        search failed (``L`` overflowed; ``x`` is then left where it was).
        """
        self.L *= self._SHRINK
        trial = self._backtrack()
        if trial is None:
            return None
        gradient_mapping = (
            self.L * float(np.max(np.abs(trial.d))) if trial.d.size else 0.0
        )
        if restart and float((self.y - trial.x) @ (trial.x - self.x)) > 0.0:
            t_next, self.beta = 1.0, 0.0
        else:
            t_next = (1.0 + math.sqrt(1.0 + 4.0 * self.t * self.t)) / 2.0
            self.beta = (self.t - 1.0) / t_next
        self.t = t_next
        self.x_old, self.x = self.x, trial.x
        self.f_x, self.g_x = trial.value, trial.grad
        return gradient_mapping

    def extrapolate(self) -> None:
        """Move ``y`` past ``x`` by ``beta``; restart if ``fun`` is not finite there."""
        self.y, self.f_y, self.g_y = self.x, self.f_x, self.g_x
        if self.beta > 0.0:
            y = self.x + self.beta * (self.x - self.x_old)
            f_y, g_y = self.evaluate(y)
            if g_y is None:  # extrapolated outside the finite domain: restart
                self.t = 1.0
            else:
                self.y, self.f_y, self.g_y = y, f_y, g_y

    def _backtrack(self) -> _Trial | None:
        """Double ``L`` until the step decreases ``f`` enough; None past ``_MAX_L``."""
        while True:
            trial = self._trial()
            if trial.accepted:
                break
            self.L *= self._GROW
            if self.L > self._MAX_L:
                break
        return None if self.L > self._MAX_L else trial

    def _trial(self) -> _Trial:
        """The prox step from ``y`` with step ``1 / L``, and whether it is accepted."""
        x = self._prox(self.y - self.g_y / self.L, 1.0 / self.L)
        d = x - self.y
        dd = float(d @ d)
        if dd == 0.0:
            return _Trial(x, self.f_y, self.g_y, d, True)
        value, grad = self.evaluate(x)
        accepted = grad is not None and self._decreases(value, grad, d, dd)
        return _Trial(x, value, grad, d, accepted)

    def _decreases(
        self, value: float, grad: np.ndarray, d: np.ndarray, dd: float
    ) -> bool:
        """The sufficient-decrease test (or its gradient form within rounding)."""
        excess = value - self.f_y - float(self.g_y @ d)
        if excess <= 0.5 * self.L * dd:
            return True
        scale = self.noise * max(abs(value), abs(self.f_y), 1e-300)
        return abs(excess) <= scale and float((grad - self.g_y) @ d) <= self.L * dd

    def _prox(self, z: np.ndarray, step: float) -> np.ndarray:
        """The penalty's prox on the penalized slices of ``z``, in place."""
        for sl, shape in self.prox_slices:
            z[sl] = np.ravel(self.penalty.prox(z[sl].reshape(shape), step))
        return z

    def _initial_lipschitz(self) -> float:
        """Curvature along the gradient from one probe point (1 if it fails)."""
        x, g = self.x, self.g_x
        g_norm = float(np.linalg.norm(g))
        if g_norm == 0.0:
            return 1.0
        h = 1e-4 * max(1.0, float(np.linalg.norm(x))) / g_norm
        _, g_probe = self.evaluate(x - h * g)
        if g_probe is None:
            return 1.0
        L = float(np.linalg.norm(g_probe - g)) / (h * g_norm)
        return L if math.isfinite(L) and L > 0.0 else 1.0


class FISTA(_Solver):
    r"""FISTA: accelerated proximal gradient with backtracking and adaptive restart.

    Minimizes :math:`F(x) = f(x) + R(x)` where ``fun`` returns the smooth part
    :math:`f` and its gradient, and :math:`R` is the non-smooth penalty on the
    penalized arrays (:math:`R = 0` when the penalty is None or smooth). With
    :math:`t_1 = 1`, :math:`y_1 = x_0`, each iteration :math:`k` does

    .. math::

        x_k &= \operatorname{prox}_{R / L}\left(y_k - \tfrac{1}{L} \nabla f(y_k)
        \right), \\
        t_{k+1} &= \frac{1 + \sqrt{1 + 4 t_k^2}}{2}, \qquad
        y_{k+1} = x_k + \frac{t_k - 1}{t_{k+1}} (x_k - x_{k-1}),

    where the Lipschitz estimate :math:`L` doubles until the sufficient-decrease
    condition :math:`f(x_k) \leq f(y_k) + \langle \nabla f(y_k), x_k - y_k \rangle
    + \frac{L}{2} \|x_k - y_k\|^2` holds (when the two sides differ by rounding
    only, the equivalent test :math:`\langle \nabla f(x_k) - \nabla f(y_k),
    x_k - y_k \rangle \leq L \|x_k - y_k\|^2` is used) and shrinks by 10% at each
    iteration so it can follow the local curvature. With ``restart=True`` the
    momentum resets (:math:`t_{k+1} = 1`, :math:`y_{k+1} = x_k`) whenever
    :math:`\langle y_k - x_k, x_k - x_{k-1} \rangle > 0` (the gradient scheme of
    O'Donoghue & Candès), and whenever :math:`f(y_{k+1})` is not finite.

    **Convergence**: the iteration stops, converged, when the gradient mapping at
    :math:`y_k` is small in max-abs norm,
    :math:`\|L (y_k - x_k)\|_\infty \leq \mathrm{tol}` (it is 0 exactly at a
    minimizer of :math:`F`); otherwise after ``max_iter`` iterations, not
    converged. A callback that returns True stops the iteration, with
    ``converged`` as the test said at that iteration. Non-finite values of ``fun``
    are never accepted: the step backtracks, and if :math:`L` overflows the last
    finite iterate is returned; ``fun`` must be finite at the start. The penalty
    acts through ``penalty.prox(W, 1 / L)`` on the penalized arrays; a smooth
    penalty is left to ``fun``.

    Parameters
    ----------
    restart : bool, default=True
        Use adaptive (gradient-scheme) restart.

    Attributes
    ----------
    full_batch : bool
        True: the training loop calls :meth:`minimize` on the whole objective.

    References
    ----------
    Beck, A. & Teboulle, M. (2009). A fast iterative shrinkage-thresholding
    algorithm for linear inverse problems. SIAM J. Imaging Sci. 2(1), 183-202.

    O'Donoghue, B. & Candès, E. (2015). Adaptive restart for accelerated gradient
    schemes. Found. Comput. Math. 15, 715-732.

    Examples
    --------
    With an L1 penalty the solution is the soft-thresholded target, an exact zero
    included:

    >>> import numpy as np
    >>> from skweights.optimizers import fista
    >>> from skweights.penalties import l1
    >>> target = np.array([3.0, 0.05])
    >>> def half_squares(params):
    ...     d = params[0] - target
    ...     return 0.5 * float(d @ d), [d]
    >>> result = fista().minimize(
    ...     half_squares, [np.zeros(2)], penalty=l1(alpha=0.1), tol=1e-10
    ... )
    >>> np.round(result.params[0], 6), result.converged
    (array([2.9, 0. ]), True)
    """

    def __init__(self, restart: bool = True) -> None:
        self.restart = restart

    def _validated(self) -> tuple[bool]:
        return (_check_bool("FISTA", "restart", self.restart),)

    def _solve(self, problem: _Problem, hyper: tuple[bool]) -> MinimizeResult:
        """Iterate a ``_FISTARun`` until convergence, ``max_iter`` or the callback."""
        (restart,), callback = hyper, problem.callback
        run = _FISTARun(problem.fun, problem.params, problem.penalty, problem.penalized)
        n_iter, converged = 0, False
        while n_iter < problem.max_iter:
            gradient_mapping = run.step(restart)
            if gradient_mapping is None:
                break  # the line search failed: keep the last accepted x
            n_iter += 1
            converged = gradient_mapping <= problem.tol
            stop = callback is not None and bool(callback(n_iter, *run.total()))
            if converged or stop:
                break
            run.extrapolate()
        result, value = run.total()
        return MinimizeResult(result, n_iter, converged, float(value))
