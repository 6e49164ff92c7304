r"""Exact and coordinate-descent solvers for linear models.

A linear model with half the squared error minimizes

.. math::

    J(W, b) = \frac{1}{2 \sum_i w_i} \sum_i w_i \lVert y_i - x_i W - b \rVert^2
    + \lambda_1 \lVert W \rVert_1 + \frac{\lambda_2}{2} \lVert W \rVert_2^2,

which is scikit-learn's ``Lasso``/``ElasticNet`` objective exactly, and ``Ridge``'s
multiplied by ``1 / sum(w)``. These solvers reach the same numbers as scikit-learn:

- :class:`DirectSolve` (``optimizer="direct"``): the normal equations of the
  weighted, centred problem, as ``Ridge``/``LinearRegression`` (Cholesky on the
  ``n_features`` square system, or on the ``n_samples`` square dual when there are
  more features than samples; ``lstsq`` when singular; LSQR for sparse data too big
  for either; NNLS on the Cholesky factor for ``positive=True``).
- :class:`CoordinateDescent` (``optimizer="cd"``): scikit-learn's cyclic coordinate
  descent (:func:`sklearn.linear_model.enet_path`) with its duality-gap stop, one
  target at a time, on the precomputed Gram matrix when there are more samples than
  features (the iterates are those of ``ElasticNet``, each one cheaper).

Both centre ``X`` implicitly (``X^T W X - s \mu \mu^T``), so sparse data stays sparse
and sparse and dense inputs go through the same arithmetic. The engine recognises
them by their ``solves_linear`` attribute and calls :meth:`DirectSolve.solve`.

A piecewise-linear loss (``loss.linear_slopes()``: quantile, absolute error) with an
L1 penalty or none makes the fit a linear program instead: :class:`LinearProgram`
(``optimizer="lp"``) solves it with scipy's HiGHS in ``QuantileRegressor``'s
formulation, through the same ``solves_linear`` interface.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
import scipy.sparse.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import enet_path

from ._registry import Component

__all__ = [
    "CoordinateDescent",
    "DirectSolve",
    "LinearProgram",
    "LinearSolution",
    "QuadraticProgram",
]

# Largest side of a dense square system (Gram or dual) the solvers build: 4096^2
# float64 is 128 MiB. Sparse problems larger in both directions use LSQR (direct) or
# the sparse coordinate descent.
_GRAM_LIMIT = 4096


@dataclass
class LinearSolution:
    """What a linear solver reports besides the weights it wrote.

    Attributes
    ----------
    value : float
        The objective :math:`J` at the solution.
    grad_norm : float
        Norm of the gradient of its smooth part (loss and L2 term) w.r.t. ``W``.
    n_iter : int
        Iterations (coordinate-descent epochs; 1 for a direct solve), the largest
        over targets.
    converged : bool
        Whether every target met the stopping rule.
    """

    value: float
    grad_norm: float
    n_iter: int
    converged: bool


@dataclass
class _Problem:
    """The weighted, implicitly centred least-squares problem of one fit."""

    X: Any
    Y: np.ndarray
    w: np.ndarray  # sample weights
    sw: float  # their sum
    uniform: bool  # all weights equal (skip the weighting)
    mu: np.ndarray  # weighted column means of X (zeros without intercept)
    ybar: np.ndarray  # weighted means of the targets
    l1: float
    l2: float
    positive: bool
    fit_intercept: bool
    XtDY: np.ndarray  # X^T diag(w) Y, uncentred
    normal: tuple | None = None  # (G, B) of gram(), once computed


def _check(objective: Any, coefs: list, name: str) -> None:
    if len(coefs) != 1 or not getattr(objective.loss, "quadratic", False):
        raise ValueError(
            f"optimizer={name!r} solves linear models with the squared error only "
            "(LinearRegressor); use optimizer='lbfgs', 'fista' or a minibatch "
            "optimizer for this model, or 'auto'."
        )
    if not getattr(objective.penalty, "separable", False):
        raise ValueError(
            f"optimizer={name!r} handles elastic-net penalties only; the penalty "
            f"{objective.penalty!r} couples weights. Use optimizer='fista' (what "
            "'auto' picks) or a minibatch optimizer."
        )


def _problem(objective: Any, data: Any) -> _Problem:
    X, w = data.X, np.asarray(data.sample_weight, dtype=np.float64)
    Y = np.asarray(data.Y, dtype=np.float64)
    sw = float(w.sum())
    fit_intercept = bool(objective.intercept_trainable[0])
    # One pass over X for the column means and X^T D Y (the Gram's right side).
    moments = np.asarray(X.T @ np.column_stack([w, w[:, None] * Y]), dtype=np.float64)
    if fit_intercept:
        mu, ybar = moments[:, 0] / sw, w @ Y / sw
    else:
        mu, ybar = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    penalty = objective.penalty
    return _Problem(
        X=X,
        Y=Y,
        w=w,
        sw=sw,
        uniform=bool(np.all(w == w[0])),
        mu=mu,
        ybar=ybar,
        l1=float(penalty.l1_strength),
        l2=float(penalty.l2_strength),
        positive=bool(getattr(penalty, "positive", False)),
        fit_intercept=fit_intercept,
        XtDY=moments[:, 1:],
    )


def _dense(a: Any) -> np.ndarray:
    return a.toarray() if sp.issparse(a) else np.asarray(a)


def _weighted_rows(problem: _Problem, A: Any) -> Any:
    """``diag(w) A`` (``A`` itself for equal weights, then scaled by ``w[0]``)."""
    if problem.uniform:
        return A * problem.w[0]
    if sp.issparse(A):
        return sp.diags(problem.w) @ A
    return problem.w[:, None] * A


def gram(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    r"""The centred weighted normal equations ``(G, B)``, without centring ``X``.

    :math:`G = X^\top D X - s \mu \mu^\top` and :math:`B = X^\top D Y - s \mu
    \bar y^\top` with :math:`D = \operatorname{diag}(w)`, :math:`s = \sum w`.

    Parameters
    ----------
    problem : _Problem
        The fit's data and weights.

    Returns
    -------
    G : ndarray of shape (n_features, n_features)
    B : ndarray of shape (n_features, n_targets)
        Also kept in ``problem.normal``; callers must not modify them.
    """
    X = problem.X
    if sp.issparse(X):
        G = _dense(X.T @ _weighted_rows(problem, X)).astype(np.float64)
    else:
        X64 = np.asarray(X, dtype=np.float64)
        G = X64.T @ X64 if problem.uniform else X64.T @ (problem.w[:, None] * X64)
        if problem.uniform:
            G *= problem.w[0]
    B = problem.XtDY.copy()
    if problem.fit_intercept:
        G -= problem.sw * np.outer(problem.mu, problem.mu)
        B -= problem.sw * np.outer(problem.mu, problem.ybar)
    problem.normal = (G, B)
    return G, B


def _centred_targets(problem: _Problem) -> np.ndarray:
    return problem.Y - problem.ybar


def _value_and_grad_norm(problem: _Problem, W: np.ndarray, penalty: Any):
    """:math:`J(W)` and the norm of its smooth part's gradient (for ``history_``).

    With the Gram matrix at hand both come without a pass over ``X``, unless the
    residual is so small that ``y'y - 2 W'B + W'GW`` would lose its digits.
    """
    Yc = _centred_targets(problem)
    total = float(problem.w @ np.einsum("ij,ij->i", Yc, Yc))
    if problem.normal is not None:
        G, B = problem.normal
        GW = G @ W
        squares = total - 2 * float(np.vdot(W, B)) + float(np.vdot(W, GW))
        if squares > 1e-6 * total:
            grad = (GW - B) / problem.sw + problem.l2 * W
            value = 0.5 * squares / problem.sw + float(penalty.value(W))
            return value, float(np.linalg.norm(grad))
    residual = Yc - (_dense(problem.X @ W) - problem.mu @ W)
    weighted = problem.w[:, None] * residual
    value = 0.5 * float(np.vdot(weighted, residual)) / problem.sw
    if problem.normal is not None:
        grad = (problem.normal[0] @ W - problem.normal[1]) / problem.sw
    else:
        grad = np.asarray(problem.X.T @ weighted, dtype=np.float64)
        grad -= np.outer(problem.mu, weighted.sum(axis=0))
        grad /= -problem.sw
    grad += problem.l2 * W
    return value + float(penalty.value(W)), float(np.linalg.norm(grad))


def _write(coefs, intercepts, problem: _Problem, W: np.ndarray, fit_coef: bool):
    if fit_coef:
        coefs[0][...] = W
    if problem.fit_intercept:
        intercepts[0][...] = problem.ybar - problem.mu @ coefs[0].astype(np.float64)


class _LinearSolver(Component, ABC):
    """What the engine asks of a linear solver (see :class:`DirectSolve`)."""

    #: The training loop runs these solvers on the whole data set at once.
    full_batch = True
    elementwise = False
    #: The engine calls :meth:`solve` instead of an optimizer loop.
    solves_linear = True

    name = "solver"

    def solve(
        self, objective: Any, coefs: list, intercepts: list, data: Any, config: Any
    ) -> LinearSolution:
        """Solve a squared-loss linear model; write ``coefs``/``intercepts``.

        Parameters
        ----------
        objective : Objective
            Loss (must have ``quadratic = True``), penalty (``l1_strength``,
            ``l2_strength``; ``positive`` for non-negative weights) and which arrays
            are trainable (``intercept_trainable[0]`` is ``fit_intercept``).
        coefs, intercepts : list of ndarray
            One layer; updated in place. ``coefs[0]`` is the warm start.
        data : TrainData
            ``X`` (dense or CSR), 2-D ``Y`` and ``sample_weight``.
        config : TrainingConfig
            ``max_iter`` and ``tol``.

        Returns
        -------
        solution : LinearSolution
            Objective value, iterations and convergence.
        """
        _check(objective, coefs, self.name)
        problem = _problem(objective, data)
        fit_coef = bool(objective.coef_trainable[0])
        if fit_coef:
            W, n_iter, converged = self._weights(problem, coefs[0], config)
        else:
            W, n_iter, converged = coefs[0].astype(np.float64), 0, True
        _write(coefs, intercepts, problem, W, fit_coef)
        value, grad_norm = _value_and_grad_norm(
            problem, coefs[0].astype(np.float64), objective.penalty
        )
        return LinearSolution(value, grad_norm, n_iter, converged)

    def solve_path(
        self, objective: Any, data: Any, config: Any, alphas: Any, W0: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, int, bool]]:
        """Solve along decreasing ``alphas``, each from the previous solution.

        The penalty keeps the ``l1_ratio`` of ``objective.penalty``; the data is
        prepared (means, Gram matrix) once for the whole path.

        Parameters
        ----------
        objective : Objective
            As for :meth:`solve`; every array trainable.
        data : TrainData
            The training data.
        config : TrainingConfig
            ``max_iter`` and ``tol``.
        alphas : array-like
            Penalty strengths, decreasing.
        W0 : ndarray of shape (n_features, n_targets)
            Starting weights for the first alpha.

        Returns
        -------
        path : list of tuple
            ``(W, b, n_iter, converged)`` per alpha.
        """
        _check(objective, [W0], self.name)
        problem = _problem(objective, data)
        l1_ratio = float(objective.penalty.l1_ratio)
        out = []
        for W, n_iter, converged in self._path_weights(
            problem, W0, config, np.asarray(alphas, dtype=np.float64), l1_ratio
        ):
            b = problem.ybar - problem.mu @ W if problem.fit_intercept else 0 * W[0]
            out.append((W.astype(W0.dtype), b.astype(W0.dtype), n_iter, converged))
        return out

    def _weights(self, problem: _Problem, W0: np.ndarray, config: Any):
        alpha = problem.l1 + problem.l2
        l1_ratio = problem.l1 / alpha if alpha > 0 else 1.0
        return self._path_weights(problem, W0, config, np.array([alpha]), l1_ratio)[0]

    @abstractmethod
    def _path_weights(self, problem, W0, config, alphas, l1_ratio):
        """``(W, n_iter, converged)`` per alpha of a decreasing grid."""


class DirectSolve(_LinearSolver):
    r"""Exact least squares / ridge by the normal equations (no iterations).

    Solves :math:`(X_c^\top D X_c + \lambda_2 s I) W = X_c^\top D Y_c`, with
    :math:`X_c, Y_c` centred by the weighted means when the intercept is fitted,
    :math:`D` the sample weights and :math:`s` their sum: the solution of scikit-
    learn's ``Ridge(alpha=alpha * sum(sample_weight))`` and, for ``alpha=0``, of
    ``LinearRegression`` (``lstsq``'s minimum-norm solution when singular). The
    system is the ``n_features`` square primal, or the ``n_samples`` square dual
    when there are more features than samples; sparse data too large for both goes
    to LSQR (scipy), which iterates to ``1e-12`` relative accuracy. With
    ``positive=True`` the same system is solved under :math:`W \geq 0` by NNLS on its
    Cholesky factor (``LinearRegression(positive=True)``'s solution). ``tol`` and
    ``max_iter`` are not used (LSQR aside). Only penalties without an L1 part.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights import LinearRegressor
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> LinearRegressor(alpha=0.0, optimizer="direct").fit(X, [1.0, 3.0, 5.0]).coef_
    array([2.])
    """

    name = "direct"

    def _path_weights(self, problem, W0, config, alphas, l1_ratio):
        out = []
        for alpha in alphas:
            problem.l1, problem.l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
            out.append(self._solve_one(problem, config))
        return out

    def _solve_one(self, problem: _Problem, config: Any):
        if problem.l1 != 0.0:
            raise ValueError(
                "optimizer='direct' solves penalties without an L1 part ('l2', "
                "'none'); use optimizer='cd' (coordinate descent) or 'auto' for "
                "'l1' and 'elasticnet'."
            )
        n, p = problem.X.shape
        if problem.positive:
            return _nnls(problem), 1, True
        if problem.l2 == 0.0 and not sp.issparse(problem.X):
            return _lstsq(problem), 1, True
        if p <= n and (p <= _GRAM_LIMIT or not sp.issparse(problem.X)):
            return _primal(problem), 1, True
        if n <= _GRAM_LIMIT or not sp.issparse(problem.X):
            return _dual(problem), 1, True
        return _lsqr(problem, config.max_iter)


# Relative singular-value cut-offs of the minimum-norm solutions: LinearRegression's
# default ``tol`` (``lstsq``'s ``cond``) on the data, its square on X'X or XX'.
_DATA_COND = 1e-6
_GRAM_COND = _DATA_COND**2


def _solve_spd(A: np.ndarray, B: np.ndarray, ridge: float) -> np.ndarray:
    """``A^{-1} B`` for symmetric positive semi-definite ``A``.

    Cholesky when ``ridge > 0`` makes ``A`` definite, else (or if Cholesky fails)
    the minimum-norm least-squares solution, singular directions cut as
    ``LinearRegression`` cuts them.
    """
    if ridge > 0:
        try:
            return scipy.linalg.solve(A, B, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            pass
    return scipy.linalg.lstsq(A, B, cond=_GRAM_COND)[0]


def _ridge_system(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """``(G + lambda_2 s I, B)``: the primal normal equations."""
    G, B = gram(problem)
    A = G.copy()
    A.flat[:: A.shape[0] + 1] += problem.l2 * problem.sw
    return A, B


def _primal(problem: _Problem) -> np.ndarray:
    G, B = _ridge_system(problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return _solve_spd(G, B, problem.l2)


def _dual(problem: _Problem) -> np.ndarray:
    r"""Solve in the samples' space: :math:`W = X_c^\top D^{1/2} (K + \lambda I)^{-1}
    D^{1/2} Y_c` with :math:`K = D^{1/2} X_c X_c^\top D^{1/2}`."""
    X, mu, d = problem.X, problem.mu, np.sqrt(problem.w)
    Xmu = _dense(X @ mu).ravel()
    K = _dense(X @ X.T).astype(np.float64)
    if problem.fit_intercept:
        K -= Xmu[:, None]
        K -= Xmu[None, :]
        K += mu @ mu
    K *= d[:, None]
    K *= d[None, :]
    K.flat[:: K.shape[0] + 1] += problem.l2 * problem.sw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        dual = _solve_spd(K, d[:, None] * _centred_targets(problem), problem.l2)
    dual *= d[:, None]
    return np.asarray(X.T @ dual, dtype=np.float64) - np.outer(mu, dual.sum(axis=0))


def _scaled_centred(problem: _Problem) -> np.ndarray:
    """``D^{1/2} X_c`` as a dense array (for lstsq and NNLS fallbacks)."""
    Xc = _dense(problem.X).astype(np.float64) - problem.mu
    return np.sqrt(problem.w)[:, None] * Xc


def _lstsq(problem: _Problem) -> np.ndarray:
    """``LinearRegression``'s solve: lstsq on the weighted, centred data."""
    d = np.sqrt(problem.w)[:, None]
    return scipy.linalg.lstsq(
        _scaled_centred(problem), d * _centred_targets(problem), cond=_DATA_COND
    )[0]


def _nnls(problem: _Problem) -> np.ndarray:
    r"""Non-negative least squares per target on the Cholesky factor :math:`R`.

    With :math:`G + \lambda_2 s I = R^\top R`, the objective is :math:`\lVert R w -
    R^{-\top} b \rVert^2` plus a constant, a ``n_features`` square NNLS problem;
    when ``G`` is singular (no penalty, rank-deficient data) NNLS runs on the
    weighted, centred data itself.
    """
    G, B = _ridge_system(problem)
    try:
        R = scipy.linalg.cholesky(G, lower=False)
        A, targets = R, scipy.linalg.solve_triangular(R, B, trans="T")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        A = _scaled_centred(problem)
        targets = np.sqrt(problem.w)[:, None] * _centred_targets(problem)
        if problem.l2:
            A = np.vstack([A, np.sqrt(problem.l2 * problem.sw) * np.eye(A.shape[1])])
            targets = np.vstack([targets, np.zeros((A.shape[1], targets.shape[1]))])
    return np.column_stack(
        [scipy.optimize.nnls(A, t, maxiter=50 * A.shape[1])[0] for t in targets.T]
    )


def _lsqr(problem: _Problem, max_iter: int):
    """Sparse data too large for a dense square system: LSQR, implicitly centred."""
    X, mu, d = problem.X, problem.mu, np.sqrt(problem.w)
    n, p = X.shape
    operator = scipy.sparse.linalg.LinearOperator(
        (n, p),
        matvec=lambda v: d * (np.ravel(X @ v) - mu @ v),
        rmatvec=lambda u: np.ravel(X.T @ (d * u)) - mu * (d @ u),
        dtype=np.float64,
    )
    damp = np.sqrt(problem.l2 * problem.sw)
    columns, n_iter, converged = [], 0, True
    for target in (d[:, None] * _centred_targets(problem)).T:
        out = scipy.sparse.linalg.lsqr(
            operator, target, damp=damp, atol=1e-12, btol=1e-12, iter_lim=max_iter
        )
        columns.append(out[0])
        n_iter = max(n_iter, int(out[2]))
        converged = converged and out[1] in (1, 2, 4, 5)
    return np.column_stack(columns), n_iter, converged


def _int32_indices(X: sp.csc_matrix) -> sp.csc_matrix:
    """``X`` with 32-bit index arrays, which scikit-learn's sparse coordinate
    descent requires (it is called with ``check_input=False``, which would
    otherwise crash on the int64 indices of e.g. a ``csr_array``)."""
    if X.indices.dtype == np.int32 and X.indptr.dtype == np.int32:
        return X
    if X.nnz >= np.iinfo(np.int32).max:
        raise ValueError(
            "optimizer='cd' on sparse X needs 32-bit indices (fewer than 2**31 "
            f"non-zeros, as scikit-learn's Lasso); X has {X.nnz}. Use "
            "optimizer='fista' or 'adam'."
        )
    X = X.copy()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    return X


class CoordinateDescent(_LinearSolver):
    r"""Cyclic coordinate descent with a duality-gap stop: scikit-learn's ``Lasso``.

    Runs :func:`sklearn.linear_model.enet_path` (one alpha, one target at a time, so
    each target stops on its own), starting from the current weights (``warm_start``
    continues). ``tol`` means what it means in ``Lasso``/``ElasticNet``: a target is
    solved when its duality gap is below ``tol`` times the weighted sum of squares
    of its centred targets, checked whenever an epoch's largest coefficient update
    falls under ``tol`` times the largest coefficient; ``max_iter`` bounds the
    epochs. Sample weights and the intercept enter exactly as in ``ElasticNet``, so
    at the same ``tol`` the iterates are scikit-learn's. Every elastic-net penalty
    works, and ``positive=True``.

    Parameters
    ----------
    precompute : bool or "auto", default="auto"
        Run on the precomputed Gram matrix :math:`X_c^\top D X_c` (one BLAS product,
        then epochs that cost ``n_features**2`` instead of ``n_samples *
        n_features``). ``"auto"``: when there are more samples than features and
        at most 4096 features, as scikit-learn's ``precompute="auto"``.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.

    References
    ----------
    Friedman, J., Hastie, T. & Tibshirani, R. (2010). Regularization paths for
    generalized linear models via coordinate descent. J. Stat. Softw. 33(1), 1-22.

    Examples
    --------
    >>> from skweights import LinearRegressor
    >>> LinearRegressor(penalty="l1", alpha=0.5, optimizer="cd").fit(
    ...     [[-1.0], [0.0], [1.0]], [-1.0, 0.0, 1.0]
    ... ).coef_
    array([0.25])
    """

    name = "cd"

    def __init__(self, precompute: Any = "auto") -> None:
        self.precompute = precompute

    def _use_gram(self, problem: _Problem) -> bool:
        if self.precompute not in (True, False, "auto"):
            raise ValueError(
                f"CoordinateDescent: precompute must be True, False or 'auto'; got "
                f"{self.precompute!r}."
            )
        if self.precompute == "auto":
            n, p = problem.X.shape
            return n > p and p <= _GRAM_LIMIT
        return bool(self.precompute)

    def _path_weights(self, problem, W0, config, alphas, l1_ratio):
        settings = dict(
            l1_ratio=l1_ratio,
            alphas=alphas,
            positive=problem.positive,
            check_input=False,
            return_n_iter=True,
            tol=float(config.tol),
            max_iter=int(config.max_iter),
        )
        targets = self._targets(problem, settings)
        W = np.empty((len(alphas), problem.X.shape[1], problem.Y.shape[1]))
        iters = np.zeros((len(alphas), len(targets)), dtype=int)
        for k, (X, y, extra) in enumerate(targets):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                _, coef, _, iters[:, k] = enet_path(
                    X,
                    y,
                    coef_init=np.asfortranarray(W0[:, k], dtype=X.dtype),
                    **settings,
                    **extra,
                )
            W[:, :, k] = coef.T
        n_iter = iters.max(axis=1)
        return [
            (W[i], int(n_iter[i]), n_iter[i] < config.max_iter)
            for i in range(len(alphas))
        ]

    def _targets(self, problem: _Problem, settings: dict):
        """``(X, y, extra enet_path arguments)`` per target, on ``enet_path``'s scale.

        ``enet_path`` minimizes ``1/(2n) ||y - Xw||^2 + penalty``; the weights are
        rescaled to sum to ``n`` (as ``ElasticNet`` does) so that is :math:`J`.
        """
        X = problem.X
        n, p = X.shape
        dtype = X.dtype
        scale = n / problem.sw
        Yc = _centred_targets(problem)
        if self._use_gram(problem):
            G, B = gram(problem)
            G = np.ascontiguousarray(G * scale, dtype=dtype)
            B = np.asfortranarray(B * scale, dtype=dtype)
            ys = np.asfortranarray(
                np.sqrt(problem.w * scale)[:, None] * Yc, dtype=dtype
            )
            shape_only = np.broadcast_to(np.zeros((), dtype=dtype), (n, p))
            return [
                (shape_only, ys[:, k], dict(precompute=G, Xy=B[:, k]))
                for k in range(Yc.shape[1])
            ]
        if sp.issparse(X):
            weights = None if problem.uniform else problem.w * scale
            extra = dict(
                precompute=False,
                X_offset=problem.mu.astype(dtype),
                X_scale=np.ones(p, dtype=dtype),
                sample_weight=weights,
            )
            Xcsc = _int32_indices(sp.csc_matrix(X))
            Yc = np.asfortranarray(Yc, dtype=dtype)
            return [(Xcsc, Yc[:, k], extra) for k in range(Yc.shape[1])]
        d = np.sqrt(problem.w * scale)
        Xs = np.empty((n, p), dtype=dtype, order="F")
        np.subtract(X, problem.mu.astype(dtype), out=Xs)
        if not problem.uniform:
            Xs *= d[:, None].astype(dtype)
        ys = np.asfortranarray(d[:, None] * Yc, dtype=dtype)
        return [(Xs, ys[:, k], dict(precompute=False)) for k in range(Yc.shape[1])]


def direct() -> DirectSolve:
    """The exact normal-equations solver; see :class:`DirectSolve`.

    Returns
    -------
    optimizer : DirectSolve
        The solver.

    Examples
    --------
    >>> direct().solves_linear
    True
    """
    return DirectSolve()


def cd(precompute: Any = "auto") -> CoordinateDescent:
    """Cyclic coordinate descent; see :class:`CoordinateDescent`.

    Parameters
    ----------
    precompute : bool or "auto", default="auto"
        Work on the precomputed Gram matrix.

    Returns
    -------
    optimizer : CoordinateDescent
        The solver.

    Examples
    --------
    >>> cd()
    CoordinateDescent(precompute='auto')
    """
    return CoordinateDescent(precompute=precompute)


# --------------------------------------------------------------------------------------
# Piecewise-linear losses: an exact linear program
# --------------------------------------------------------------------------------------

_LP_METHODS = ("highs-ipm", "highs", "highs-ds")


def _lp_slopes(objective: Any, coefs: list, name: str) -> tuple[float, float]:
    """The loss's slopes ``(a, b)``; ValueError unless the fit is a linear program."""
    slopes_of = getattr(objective.loss, "linear_slopes", None)
    slopes = slopes_of() if slopes_of is not None else None
    if len(coefs) != 1 or slopes is None:
        raise ValueError(
            f"optimizer={name!r} solves linear models with a piecewise-linear loss "
            "('quantile', 'absolute_error') only (LinearRegressor); use "
            "optimizer='auto' or a minibatch optimizer for this model."
        )
    penalty = objective.penalty
    if not getattr(penalty, "separable", False) or penalty.l2_strength != 0:
        raise ValueError(
            f"optimizer={name!r} solves a linear program: the penalty must be 'l1' "
            f"or 'none' (an L2 part makes it quadratic); got {penalty!r}. Use "
            "penalty='l1' or 'none', or a minibatch optimizer such as "
            "optimizer='adam'."
        )
    return slopes


@dataclass
class _Program:
    """The constraint matrix and costs shared by every target of one fit.

    Variables ``(c+, c-, u, v) >= 0`` with parameters ``c+ - c-`` (the intercept
    first, then the weights; no ``c-`` for non-negative weights) and the residual
    ``y - X W - b = u - v``, as scikit-learn's ``QuantileRegressor``.
    """

    A: Any  # CSC constraint matrix (n_kept, n_variables)
    cost: np.ndarray
    keep: np.ndarray  # rows with a positive weight
    n_plus: int  # variables of c+
    n_minus: int  # variables of c-
    fit_intercept: bool
    fit_coef: bool


def _program(X, w, slopes, l1, fit_intercept, fit_coef, positive) -> _Program:
    keep = np.flatnonzero(w)
    Xk = sp.csc_matrix(X[keep] if not sp.issparse(X) else X.tocsr()[keep], dtype=float)
    n, p = Xk.shape
    ones = sp.csc_matrix(np.ones((n, 1)))
    plus = ([ones] if fit_intercept else []) + ([Xk] if fit_coef else [])
    minus = ([-ones] if fit_intercept else []) + (
        [-Xk] if fit_coef and not positive else []
    )
    eye = sp.identity(n, format="csc")
    A = sp.hstack([*plus, *minus, eye, -eye], format="csc")
    # Costs on scikit-learn's scale: sum(w) times the objective.
    coef_cost = np.full(p, l1 * float(w.sum()))
    costs = [np.zeros(1)] * fit_intercept + [coef_cost] * fit_coef
    costs += [np.zeros(1)] * fit_intercept + [coef_cost] * (fit_coef and not positive)
    a, b = slopes
    cost = np.concatenate([*costs, a * w[keep], b * w[keep]])
    n_plus = sum(m.shape[1] for m in plus)
    n_minus = sum(m.shape[1] for m in minus)
    return _Program(A, cost, keep, n_plus, n_minus, fit_intercept, fit_coef)


def _parameters(program: _Program, x: np.ndarray):
    """``(intercept, weights or None)`` from a solution ``x`` of the program."""
    plus = x[: program.n_plus]
    minus = np.zeros(program.n_plus)
    minus[: program.n_minus] = x[program.n_plus : program.n_plus + program.n_minus]
    params = plus - minus
    intercept = params[0] if program.fit_intercept else None
    W = params[int(program.fit_intercept) :] if program.fit_coef else None
    return intercept, W


class LinearProgram(Component):
    r"""Exact quantile / least-absolute-deviation regression by linear programming.

    A linear model whose loss is piecewise linear in the residual (``loss.
    linear_slopes()`` is not None: ``"quantile"``, ``"absolute_error"``) and whose
    penalty is L1 or none minimizes

    .. math::

        J(W, b) = \frac{1}{\sum_i w_i} \sum_i w_i \bigl(a (r_i)_+ + b (-r_i)_+\bigr)
        + \lambda_1 \lVert W \rVert_1, \qquad r_i = y_i - x_i W - b,

    a linear program, which scipy's HiGHS (:func:`scipy.optimize.linprog`) solves
    exactly, in the same formulation as scikit-learn's ``QuantileRegressor``: for
    ``QuantileLoss(q)`` and ``alpha=a`` it is ``QuantileRegressor(quantile=q,
    alpha=a)``, and ``"absolute_error"`` with ``alpha=a`` is ``QuantileRegressor(
    quantile=0.5, alpha=a / 2)`` (the absolute error is twice the pinball loss at
    0.5). Each target of a multi-output ``y`` is its own program; rows of weight 0
    are left out, as scikit-learn does; ``positive=True`` keeps the weights
    non-negative; sparse ``X`` stays sparse. ``tol`` and ``max_iter`` are not used:
    the solution is a vertex of the program (the interior point method ends with
    a crossover to one), exact to HiGHS' feasibility tolerance (1e-7); where the
    optimum is not unique, another vertex than ``QuantileRegressor``'s may be
    returned, with the same objective. The program has ``n_samples`` constraints
    and about ``2 (n_samples + n_features)`` variables: with 20 features, 5,000
    rows take about 2 s and 20,000 rows 15 s (``QuantileRegressor``'s default,
    the dual simplex, 7 s and 100 s).

    Parameters
    ----------
    method : {"highs-ipm", "highs", "highs-ds"}, default="highs-ipm"
        The HiGHS algorithm, as ``QuantileRegressor``'s ``solver``:
        ``"highs-ipm"`` the interior point method (with crossover), ``"highs"``
        lets HiGHS choose (the dual simplex here), ``"highs-ds"`` the dual
        simplex.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.
    needs_smooth_loss : bool
        False: the loss need not be differentiable.

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. Econometrica 46(1),
    33-50.

    Examples
    --------
    >>> from skweights import LinearRegressor
    >>> X, y = [[0.0], [1.0], [2.0], [3.0], [4.0]], [0.0, 1.0, 2.0, 3.0, 20.0]
    >>> model = LinearRegressor(loss="absolute_error", penalty="none").fit(X, y)
    >>> model.coef_, float(model.intercept_)  # the outlier does not pull the line
    (array([1.]), 0.0)
    """

    full_batch = True
    elementwise = False
    solves_linear = True
    needs_smooth_loss = False

    name = "lp"

    def __init__(self, method: str = "highs-ipm") -> None:
        self.method = method

    def _method(self) -> str:
        if self.method not in _LP_METHODS:
            raise ValueError(
                f"LinearProgram: method must be one of {list(_LP_METHODS)}; got "
                f"{self.method!r}."
            )
        return self.method

    def solve(
        self, objective: Any, coefs: list, intercepts: list, data: Any, config: Any
    ) -> LinearSolution:
        """Solve the linear program; write ``coefs``/``intercepts``.

        Parameters
        ----------
        objective : Objective
            Loss (with ``linear_slopes()``), penalty (``l1_strength``, no
            ``l2_strength``; ``positive`` for non-negative weights) and which arrays
            are trainable (``intercept_trainable[0]`` is ``fit_intercept``).
        coefs, intercepts : list of ndarray
            One layer; updated in place. ``coefs[0]`` is kept when frozen.
        data : TrainData
            ``X`` (dense or CSR), 2-D ``Y`` and ``sample_weight``.
        config : TrainingConfig
            Not used (the solve is exact).

        Returns
        -------
        solution : LinearSolution
            Objective value, simplex iterations and success.
        """
        slopes = _lp_slopes(objective, coefs, self.name)
        l1 = float(objective.penalty.l1_strength)
        W, b, n_iter, converged = self._solve_lp(objective, data, coefs[0], l1, slopes)
        coefs[0][...] = W
        if objective.intercept_trainable[0]:
            intercepts[0][...] = b
        value, grad_norm = self._value(objective, data, coefs[0], intercepts[0])
        return LinearSolution(value, grad_norm, n_iter, converged)

    def solve_path(
        self, objective: Any, data: Any, config: Any, alphas: Any, W0: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, int, bool]]:
        """Solve for each of ``alphas`` (the penalty's ``l1_ratio`` must be 1).

        Parameters
        ----------
        objective : Objective
            As for :meth:`solve`; every array trainable.
        data : TrainData
            The training data.
        config : TrainingConfig
            Not used.
        alphas : array-like
            Penalty strengths.
        W0 : ndarray of shape (n_features, n_targets)
            Gives the weights' shape and dtype.

        Returns
        -------
        path : list of tuple
            ``(W, b, n_iter, converged)`` per alpha.
        """
        slopes = _lp_slopes(objective, [W0], self.name)
        l1_ratio = float(getattr(objective.penalty, "l1_ratio", 1.0))
        out = []
        for alpha in np.asarray(alphas, dtype=np.float64):
            if alpha * (1 - l1_ratio) != 0:
                raise ValueError(
                    f"optimizer={self.name!r}: l1_ratio={l1_ratio} adds an L2 part; "
                    "a linear program needs penalty='l1' or 'none'."
                )
            W, b, n_iter, ok = self._solve_lp(
                objective, data, W0, alpha * l1_ratio, slopes
            )
            if b is None:
                b = np.zeros(W.shape[1])
            out.append((W.astype(W0.dtype), b.astype(W0.dtype), n_iter, ok))
        return out

    def _solve_lp(self, objective, data, W0, l1, slopes):
        """``(W, b, n_iter, converged)`` in float64, one program per target."""
        method = self._method()
        X, w = data.X, np.asarray(data.sample_weight, dtype=np.float64)
        Y = np.asarray(data.Y, dtype=np.float64)
        fit_coef = bool(objective.coef_trainable[0])
        fit_intercept = bool(objective.intercept_trainable[0])
        positive = bool(getattr(objective.penalty, "positive", False))
        program = _program(X, w, slopes, l1, fit_intercept, fit_coef, positive)
        W = np.asarray(W0, dtype=np.float64).copy()
        targets = Y if fit_coef else Y - _dense(X @ W)
        b = np.zeros(Y.shape[1]) if fit_intercept else None
        n_iter, failure = 0, None
        for k in range(Y.shape[1]):
            result = scipy.optimize.linprog(
                program.cost,
                A_eq=program.A,
                b_eq=targets[program.keep, k],
                bounds=(0, None),
                method=method,
            )
            if result.x is None:
                raise ValueError(
                    f"optimizer={self.name!r}: HiGHS found no solution (status "
                    f"{result.status}: {result.message}). Check X and y for huge "
                    "values, or scale them."
                )
            intercept, weights = _parameters(program, result.x)
            if fit_intercept:
                b[k] = intercept
            if fit_coef:
                W[:, k] = weights
            n_iter = max(n_iter, int(result.nit))
            failure = failure or (result if result.status != 0 else None)
        if failure is not None:  # as QuantileRegressor: the solution may be inexact
            warnings.warn(
                f"optimizer={self.name!r}: HiGHS stopped before proving the "
                f"optimum (status {failure.status}: {failure.message}); the weights "
                "may be inexact. Try another method, e.g. "
                "optimizer=optimizers.LinearProgram('highs-ds'), or scale X and y.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return W, b, n_iter, failure is None

    @staticmethod
    def _value(objective, data, W, b) -> tuple[float, float]:
        """:math:`J` and the norm of the loss's subgradient w.r.t. ``W``."""
        W64, b64 = W.astype(np.float64), b.astype(np.float64)
        Y = np.asarray(data.Y, dtype=np.float64)
        raw = _dense(data.X @ W64) + b64
        w = np.asarray(data.sample_weight, dtype=np.float64)
        loss = objective.loss.value(Y, raw, w)
        grad = np.asarray(data.X.T @ objective.loss.weighted_gradient(Y, raw, w))
        return loss + float(objective.penalty.value(W64)), float(np.linalg.norm(grad))


def lp(method: str = "highs-ipm") -> LinearProgram:
    """The exact linear-programming solver; see :class:`LinearProgram`.

    Parameters
    ----------
    method : {"highs-ipm", "highs", "highs-ds"}, default="highs-ipm"
        The HiGHS algorithm.

    Returns
    -------
    optimizer : LinearProgram
        The solver.

    Examples
    --------
    >>> lp()
    LinearProgram(method='highs-ipm')
    """
    return LinearProgram(method=method)


# --------------------------------------------------------------------------------------
# Piecewise-linear losses with an L2 part: a quadratic program
# --------------------------------------------------------------------------------------

# Smoothing widths of the continuation, relative to the targets' spread; the relative
# tolerance of the optimality (KKT) check; the most rows a face may interpolate, per
# free parameter and at least (more than one per parameter only where rows repeat).
_QP_WIDTHS = 10.0 ** -np.arange(1, 13)
_KKT_TOL = 1e-9
_FACE_ROWS = (4, 256)


def _qp_slopes(objective: Any, coefs: list, name: str) -> tuple[float, float]:
    """The loss's slopes; ValueError unless the fit is an elastic-net program."""
    slopes_of = getattr(objective.loss, "linear_slopes", None)
    slopes = slopes_of() if slopes_of is not None else None
    if len(coefs) != 1 or slopes is None:
        raise ValueError(
            f"optimizer={name!r} solves linear models with a piecewise-linear loss "
            "('quantile', 'absolute_error') only (LinearRegressor); use "
            "optimizer='auto' or a minibatch optimizer for this model."
        )
    if not getattr(objective.penalty, "separable", False):
        raise ValueError(
            f"optimizer={name!r} handles elastic-net penalties only; the penalty "
            f"{objective.penalty!r} couples weights. Use a minibatch optimizer such "
            "as optimizer='adam' (what 'auto' picks)."
        )
    return slopes


@dataclass
class _Target:
    r"""One target's program, on the rows of positive weight ``c``.

    :math:`\min \sum_i c_i \rho(r_i) + \lambda_1 \lVert \beta \rVert_1 +
    \frac{\lambda_2}{2} \lVert \beta \rVert^2` with :math:`\rho(r) = a r_+ + b
    (-r)_+`, :math:`r = y - X \beta - b_0`; ``l1``/``l2`` are the strengths times
    the weights' sum (the objective times that sum).
    """

    X: Any  # CSR or dense float64
    y: np.ndarray
    c: np.ndarray
    slopes: tuple[float, float]
    l1: float
    l2: float
    fit_intercept: bool
    positive: bool

    @property
    def split(self) -> bool:
        """Whether L-BFGS-B works on ``beta+, beta-`` (an L1 part, signs free)."""
        return self.l1 > 0 and not self.positive

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        """``(beta, intercept)`` from L-BFGS-B's variables."""
        p = self.X.shape[1]
        beta = theta[:p] - theta[p : 2 * p] if self.split else theta[:p].copy()
        return beta, float(theta[-1]) if self.fit_intercept else 0.0

    def residual(self, beta: np.ndarray, intercept: float) -> np.ndarray:
        """``y - X beta - intercept``."""
        return self.y - _dense(self.X @ beta).ravel() - intercept


def _smoothed(theta: np.ndarray, t: _Target, eps: float):
    r"""Value and gradient of the program with each pinball term smoothed.

    :math:`\rho` becomes its Moreau envelope of width ``eps`` (quadratic on
    :math:`-b \varepsilon < r < a \varepsilon`, the same elsewhere up to a
    constant), which is differentiable; ``|beta|`` is ``beta+ + beta-`` when split.
    """
    a, b = t.slopes
    p = t.X.shape[1]
    beta, intercept = t.unpack(theta)
    r = t.residual(beta, intercept)
    value = np.where(r > a * eps, a * r - a * a * eps / 2, r * r / (2 * eps))
    value = np.where(r < -b * eps, -b * r - b * b * eps / 2, value)
    u = t.c * np.clip(r / eps, -b, a)
    g_beta = -np.asarray(t.X.T @ u).ravel()
    squares = theta[: 2 * p] if t.split else beta
    total = float(t.c @ value) + 0.5 * t.l2 * float(squares @ squares)
    grad = [g_beta + t.l2 * theta[:p] + (t.l1 if t.split or t.positive else 0.0)]
    if t.split:
        total += t.l1 * float(theta[: 2 * p].sum())
        grad.append(-g_beta + t.l2 * theta[p : 2 * p] + t.l1)
    elif t.positive:
        total += t.l1 * float(beta.sum())
    if t.fit_intercept:
        grad.append([-u.sum()])
    return total, np.concatenate(grad)


def _face(t: _Target, beta: np.ndarray, intercept: float, eps: float):
    """The exact optimum on the face a smoothed solution lies on, or None.

    Rows inside the smoothing zone interpolate (zero residual), the others keep
    their side, the non-zero weights their sign: the optimality conditions on that
    face are one linear system. Its solution is returned only if it satisfies every
    optimality condition of the program (:func:`_kkt_holds`).
    """
    a, b = t.slopes
    r = t.residual(beta, intercept)
    Z, active = np.flatnonzero((r > -b * eps) & (r < a * eps)), np.flatnonzero(beta)
    m, f, k = len(active), int(t.fit_intercept), len(Z)
    if k > max(_FACE_ROWS[0] * (m + f), _FACE_ROWS[1]):  # too wide a zone
        return None
    u = np.where(r >= a * eps, a * t.c, -b * t.c)
    u[Z] = 0.0
    XZA = _dense(t.X[Z])[:, active]
    M = np.zeros((m + f + k, m + f + k))
    M[:m, :m] = -t.l2 * np.eye(m)
    M[:m, m + f :], M[m + f :, :m] = XZA.T, XZA
    rhs = np.zeros(m + f + k)
    rhs[:m] = t.l1 * np.sign(beta[active]) - np.asarray(t.X.T @ u).ravel()[active]
    # The intercept relative to the smoothed one: where it is not unique (no row
    # interpolates), the minimum-norm solution keeps it.
    rhs[m + f :] = t.y[Z] - intercept
    if f:
        M[m, m + f :] = M[m + f :, m] = 1.0
        rhs[m] = -u.sum()
    solution = np.linalg.lstsq(M, rhs, rcond=None)[0]
    new = np.zeros_like(beta)
    new[active] = solution[:m]
    # Rounding-level weights (below 1e-12 of y's scale in every prediction) are
    # zeros: their sign is noise.
    tiny = (
        1e-3 * _KKT_TOL * (np.abs(t.y).max() + 1.0) / max(float(abs(t.X).max()), 1e-300)
    )
    new[np.abs(new) <= tiny] = 0.0
    new_intercept = intercept + float(solution[m]) if f else 0.0
    u[Z] = solution[m + f :]
    if _kkt_holds(t, new, new_intercept, u, Z, np.sign(beta)):
        return new, new_intercept
    return None


def _kkt_holds(t: _Target, beta, intercept, u, Z, signs) -> bool:
    r"""Whether ``(beta, intercept)`` with multipliers ``u`` is optimal.

    The program's optimality conditions, each to ``_KKT_TOL`` of its scale: rows of
    ``Z`` interpolate with ``u`` in :math:`[-b c_i, a c_i]`, the others lie on the
    side their ``u`` says; :math:`X^\top u` equals the penalty's gradient on the
    non-zero weights (of the expected ``signs`` with an L1 part or ``positive``;
    a sign change would leave the face) and is within the L1 strength on
    the zeros; ``u`` sums to zero with an intercept.
    """
    a, b = t.slopes
    r = t.residual(beta, intercept)
    tol_r = _KKT_TOL * (np.abs(t.y).max() + 1.0)
    tol_u = _KKT_TOL * t.c.max()
    tol_g = _KKT_TOL * (float(abs(t.X).max()) * t.c.sum() + t.l1)
    outside = np.ones(len(r), dtype=bool)
    outside[Z] = False
    g = np.asarray(t.X.T @ u).ravel()
    zero = beta == 0
    side = np.where(u[outside] > 0, r[outside], -r[outside])
    gradient = t.l2 * beta[~zero] + t.l1 * np.sign(beta[~zero]) - g[~zero]
    return bool(
        np.all(np.abs(r[Z]) <= tol_r)
        and np.all((u[Z] >= -b * t.c[Z] - tol_u) & (u[Z] <= a * t.c[Z] + tol_u))
        and np.all(side >= -tol_r)
        and (
            t.l1 == 0 and not t.positive or np.all(np.sign(beta[~zero]) == signs[~zero])
        )
        and np.all(np.abs(gradient) <= tol_g)
        and np.all(g[zero] <= t.l1 + tol_g)
        and (t.positive or np.all(-g[zero] <= t.l1 + tol_g))
        and (not t.fit_intercept or abs(u.sum()) <= tol_u * len(u))
    )


def _solve_qp(t: _Target, beta0: np.ndarray, intercept0: float):
    """``(beta, intercept, n_iter, exact)`` of one target's program.

    L-BFGS-B minimizes the smoothed program for decreasing widths, each from the
    last; after each, :func:`_face` polishes the solution, and the first polished
    solution that passes the optimality check is the answer (``exact``). If none
    does, the last smoothed solution is returned with ``exact=False``.
    """
    if t.split:
        theta = np.concatenate([np.maximum(beta0, 0), np.maximum(-beta0, 0)])
    else:
        theta = np.maximum(beta0, 0) if t.positive else beta0.copy()
    theta = np.append(theta, intercept0) if t.fit_intercept else theta
    bounds = [(0, None) if t.split or t.positive else (None, None)] * len(theta)
    if t.fit_intercept:
        bounds[-1] = (None, None)
    scale = float(np.average(np.abs(t.y - np.median(t.y)), weights=t.c)) or 1.0
    n_iter = 0
    for width in _QP_WIDTHS:
        eps = width * scale
        result = scipy.optimize.minimize(
            _smoothed,
            theta,
            args=(t, eps),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 15000, "ftol": 1e-15, "gtol": 1e-12},
        )
        theta, n_iter = result.x, n_iter + int(result.nit)
        beta, intercept = t.unpack(theta)
        face = _face(t, beta, intercept, eps)
        if face is not None:
            return face[0], face[1], n_iter, True
    return beta, intercept, n_iter, False


class QuadraticProgram(Component):
    r"""Exact quantile / absolute-error regression with an L2 or elastic-net penalty.

    A linear model whose loss is piecewise linear in the residual (``loss.
    linear_slopes()`` is not None: ``"quantile"``, ``"absolute_error"``) and whose
    penalty is in the elastic-net family minimizes

    .. math::

        J(W, b) = \frac{1}{\sum_i w_i} \sum_i w_i \bigl(a (r_i)_+ + b (-r_i)_+\bigr)
        + \lambda_1 \lVert W \rVert_1 + \frac{\lambda_2}{2} \lVert W \rVert_2^2,
        \qquad r_i = y_i - x_i W - b,

    a convex quadratic program. Without an L2 part (:math:`\lambda_2 = 0`) it is
    the linear program of :class:`LinearProgram`, which solves it. Otherwise
    L-BFGS-B (scipy) minimizes :math:`J` with each pinball term replaced by its
    Moreau envelope of width :math:`\varepsilon` (a Huber-like smoothing), for
    :math:`\varepsilon` from a tenth of the targets' spread down by factors of
    10; after each, the solution is *polished*: the rows within the smoothing zone
    are made to interpolate, the others keep their side and the weights their
    signs, and the optimality conditions on that face (one linear system of about
    ``n_features`` unknowns) give the exact optimum, which is accepted only when it
    satisfies every optimality (KKT) condition of the program to ``1e-9`` of its
    scale. The result is the program's unique optimum (the weights are unique;
    the intercept can be an interval, of which one point is returned), exact to
    rounding. If no polished solution passes, the last smoothed one is returned
    with a ``ConvergenceWarning``. It takes about as long as :class:`LinearProgram`
    on the same data (5,000 rows and 20 features: 0.5 to 2 s on a loaded machine).

    Each target of a multi-output ``y`` is its own program; rows of weight 0 are
    left out; ``positive=True`` keeps the weights non-negative; sparse ``X`` stays
    sparse (the polish reads a few rows). ``tol`` and ``max_iter`` are not used.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.
    needs_smooth_loss : bool
        False: the loss need not be differentiable.

    See Also
    --------
    LinearProgram : the same losses with an L1 penalty or none.

    Examples
    --------
    >>> from skweights import LinearRegressor
    >>> X, y = [[0.0], [1.0], [2.0], [3.0], [4.0]], [0.0, 1.0, 2.0, 3.0, 20.0]
    >>> model = LinearRegressor(loss="absolute_error", alpha=1.0).fit(X, y)  # L2
    >>> model.coef_, round(float(model.intercept_), 9)  # the outlier does not pull
    (array([1.]), 0.0)
    """

    full_batch = True
    elementwise = False
    solves_linear = True
    needs_smooth_loss = False

    name = "qp"

    def solve(
        self, objective: Any, coefs: list, intercepts: list, data: Any, config: Any
    ) -> LinearSolution:
        """Solve the program; write ``coefs``/``intercepts``.

        Parameters
        ----------
        objective : Objective
            Loss (with ``linear_slopes()``), elastic-net penalty (``l1_strength``,
            ``l2_strength``; ``positive`` for non-negative weights) and which arrays
            are trainable (``intercept_trainable[0]`` is ``fit_intercept``).
        coefs, intercepts : list of ndarray
            One layer; updated in place. ``coefs[0]`` is the warm start, and is
            kept when frozen.
        data : TrainData
            ``X`` (dense or CSR), 2-D ``Y`` and ``sample_weight``.
        config : TrainingConfig
            Not used (the solve is exact).

        Returns
        -------
        solution : LinearSolution
            Objective value, L-BFGS-B iterations and whether every target's
            optimum was proved.
        """
        slopes = _qp_slopes(objective, coefs, self.name)
        penalty = objective.penalty
        l1, l2 = float(penalty.l1_strength), float(penalty.l2_strength)
        W, b, n_iter, converged = self._solve(objective, data, coefs[0], l1, l2, slopes)
        coefs[0][...] = W
        if objective.intercept_trainable[0]:
            intercepts[0][...] = b
        value, grad_norm = LinearProgram._value(
            objective, data, coefs[0], intercepts[0]
        )
        return LinearSolution(value, grad_norm, n_iter, converged)

    def solve_path(
        self, objective: Any, data: Any, config: Any, alphas: Any, W0: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, int, bool]]:
        """Solve for each of ``alphas``, each from the previous solution.

        The penalty keeps the ``l1_ratio`` of ``objective.penalty``.

        Parameters
        ----------
        objective : Objective
            As for :meth:`solve`; every array trainable.
        data : TrainData
            The training data.
        config : TrainingConfig
            Not used.
        alphas : array-like
            Penalty strengths.
        W0 : ndarray of shape (n_features, n_targets)
            Starting weights for the first alpha.

        Returns
        -------
        path : list of tuple
            ``(W, b, n_iter, converged)`` per alpha.
        """
        slopes = _qp_slopes(objective, [W0], self.name)
        l1_ratio = float(getattr(objective.penalty, "l1_ratio", 1.0))
        out, W = [], W0
        for alpha in np.asarray(alphas, dtype=np.float64):
            l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
            W, b, n_iter, ok = self._solve(objective, data, W, l1, l2, slopes)
            if b is None:
                b = np.zeros(W.shape[1])
            out.append((W.astype(W0.dtype), b.astype(W0.dtype), n_iter, ok))
        return out

    def _solve(self, objective, data, W0, l1, l2, slopes):
        """``(W, b, n_iter, converged)`` in float64, one program per target."""
        if l2 == 0 or not objective.coef_trainable[0]:  # a linear program
            return LinearProgram()._solve_lp(objective, data, W0, l1, slopes)
        w = np.asarray(data.sample_weight, dtype=np.float64)
        keep = np.flatnonzero(w)
        X = data.X.tocsr()[keep] if sp.issparse(data.X) else data.X[keep]
        X = X.astype(np.float64)
        Y = np.asarray(data.Y, dtype=np.float64)[keep]
        c, s = w[keep], float(w.sum())
        fit_intercept = bool(objective.intercept_trainable[0])
        positive = bool(getattr(objective.penalty, "positive", False))
        start = objective.loss.initial_intercept(Y, c) if fit_intercept else None
        W = np.asarray(W0, dtype=np.float64).copy()
        b = np.zeros(Y.shape[1]) if fit_intercept else None
        n_iter, exact = 0, True
        for k in range(Y.shape[1]):
            t = _Target(X, Y[:, k], c, slopes, l1 * s, l2 * s, fit_intercept, positive)
            b0 = float(start[k]) if fit_intercept else 0.0
            W[:, k], b_k, iters, proved = _solve_qp(t, W[:, k], b0)
            if fit_intercept:
                b[k] = b_k
            n_iter, exact = n_iter + iters, exact and proved
        if not exact:
            warnings.warn(
                f"optimizer={self.name!r}: the smoothed solution could not be "
                "polished to a proven optimum; the weights are close to, not at, "
                "the optimum. Scale X and y, or check them for duplicated rows.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return W, b, n_iter, exact
