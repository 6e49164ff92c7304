"""Every "equivalent to" row of the docs holds at the defaults.

One table: the rows of the "Coming from scikit-learn" page
(``docs/user_guide/from_scikit_learn.rst``: the regression losses and the penalty of
``MLPClassifier``/``MLPRegressor``) and of the linear models' docstring
(``skweights.linear._EQUIVALENCES``). Each row fits the skweights estimator and the
scikit-learn estimator it names, both at their defaults apart from the mapped
parameters, and compares what the row promises.
"""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn import linear_model
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.utils.fixes import parse_version

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.initializers import Pretrained
from skweights.linear import _EQUIVALENCES
from skweights.losses import HuberLoss, QuantileLoss, TweedieLoss

A = 0.05  # the rows' alpha
_SKLEARN_1_8 = parse_version(sklearn.__version__) >= parse_version("1.8")


def _regression(kind: str, seed: int = 0):
    """150 rows, 4 features, sample weights; targets of the row's loss."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(150, 4))
    weights = rng.uniform(0.5, 2.0, size=150)
    mu = np.exp(X @ np.array([0.4, -0.3, 0.2, 0.0]) + 0.3)
    linear = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3
    y = {
        "linear": linear + rng.normal(scale=0.5, size=150),
        "counts": rng.poisson(mu).astype(float),
        "positive": rng.gamma(2.0, mu / 2.0),
        "skewed": 10 + 3 * linear + rng.standard_exponential(size=150),
    }[kind]
    return X, y, weights


def _outliers():
    X, y, weights = _regression("linear")
    y = y.copy()
    y[:8] += np.random.default_rng(1).choice([-20.0, 20.0], size=8)
    return X, y, weights


def _binary():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:200, :8]
    return (X - X.mean(axis=0)) / X.std(axis=0), y[:200], None


def _multiclass():
    X, y = load_iris(return_X_y=True)
    return X, y, None


def _l1_logistic(n):
    # scikit-learn 1.8 deprecated penalty= for l1_ratio=; saga at its defaults
    # (tol=1e-4, max_iter=100) stops far from the optimum: the row names tighter
    # settings, and skweights' default (FISTA, tol=1e-4) is compared with them.
    if _SKLEARN_1_8:
        kind = {"l1_ratio": 1.0}
    else:  # pragma: no cover - older scikit-learn
        kind = {"penalty": "l1"}
    return linear_model.LogisticRegression(
        **kind, C=1 / (A / 10 * n), solver="saga", tol=1e-8, max_iter=100_000
    )


def _pretrained(ref):
    return Pretrained(
        coefs=[W.copy() for W in ref.coefs_],
        intercepts=[b.copy() for b in ref.intercepts_],
    )


@dataclass(frozen=True)
class Row:
    """One documented equivalence.

    ``reference(n, sum_w)`` builds the scikit-learn estimator; ``ours(ref, n)``
    builds skweights' from the fitted reference (the Huber scale, the MLP's
    weights). ``compare`` is "weights" (``coef_`` and ``intercept_`` to ``rtol``
    of their largest entry) or "objective" (skweights' objective at the
    reference's weights equals the reference's ``loss_`` to ``rtol``).
    """

    documented: str | tuple  # the row's skweights cell(s), as the docs write it
    data: Callable
    reference: Callable
    ours: Callable
    rtol: float
    compare: str = "weights"


ROWS = {
    # -- skweights.linear._EQUIVALENCES (LinearRegressor/LinearClassifier) --------
    'LinearRegressor(penalty="l2") ~ Ridge(alpha=a*sum(w))': Row(
        '``LinearRegressor(penalty="l2", alpha=a)``',
        lambda: _regression("linear"),
        lambda n, sw: linear_model.Ridge(alpha=A * sw),
        lambda ref, n: LinearRegressor(penalty="l2", alpha=A),
        1e-12,
    ),
    'LinearRegressor(penalty="l1") ~ Lasso': Row(
        '``LinearRegressor(penalty="l1", alpha=a)``',
        lambda: _regression("linear"),
        lambda n, sw: linear_model.Lasso(alpha=A),
        lambda ref, n: LinearRegressor(penalty="l1", alpha=A),
        1e-12,
    ),
    'LinearRegressor(penalty="elasticnet") ~ ElasticNet': Row(
        '``LinearRegressor(penalty="elasticnet", ...)``',
        lambda: _regression("linear"),
        lambda n, sw: linear_model.ElasticNet(alpha=A, l1_ratio=0.3),
        lambda ref, n: LinearRegressor(penalty="elasticnet", alpha=A, l1_ratio=0.3),
        1e-12,
    ),
    "LinearClassifier ~ LogisticRegression(C=1/(a*n)), binary": Row(
        '``LinearClassifier(penalty="l2", alpha=a)``',
        _binary,
        lambda n, sw: linear_model.LogisticRegression(C=1 / (A / 10 * n)),
        lambda ref, n: LinearClassifier(alpha=A / 10),
        1e-8,
    ),
    "LinearClassifier ~ LogisticRegression(C=1/(a*n)), multinomial": Row(
        '``LinearClassifier(penalty="l2", alpha=a)``',
        _multiclass,
        lambda n, sw: linear_model.LogisticRegression(C=1 / (A / 10 * n)),
        lambda ref, n: LinearClassifier(alpha=A / 10),
        1e-6,
    ),
    'LinearClassifier(penalty="l1") ~ LogisticRegression(l1, saga)': Row(
        '``LinearClassifier(penalty="l1", alpha=a)``',
        _binary,
        lambda n, sw: _l1_logistic(n),
        lambda ref, n: LinearClassifier(penalty="l1", alpha=A / 10),
        0.05,  # skweights' default tol: 1.3e-2 from the optimum
    ),
    # -- the page's regression losses ------------------------------------------
    'LinearRegressor(loss="poisson") ~ PoissonRegressor': Row(
        '``LinearRegressor(loss="poisson", alpha=a)``',
        lambda: _regression("counts"),
        lambda n, sw: linear_model.PoissonRegressor(alpha=A),
        lambda ref, n: LinearRegressor(loss="poisson", alpha=A),
        1e-3,  # both stop at tol=1e-4: 1.1e-4 apart
    ),
    'LinearRegressor(loss="gamma") ~ GammaRegressor': Row(
        '``LinearRegressor(loss="gamma", alpha=a)``',
        lambda: _regression("positive"),
        lambda n, sw: linear_model.GammaRegressor(alpha=A),
        lambda ref, n: LinearRegressor(loss="gamma", alpha=A),
        1e-3,  # 2.1e-4 apart
    ),
    'LinearRegressor(loss=TweedieLoss(1.5)) ~ TweedieRegressor(link="log")': Row(
        "``LinearRegressor(loss=TweedieLoss(power=p), alpha=a)``",
        lambda: _regression("positive"),
        lambda n, sw: linear_model.TweedieRegressor(power=1.5, alpha=A, link="log"),
        lambda ref, n: LinearRegressor(loss=TweedieLoss(power=1.5), alpha=A),
        1e-3,
    ),
    "LinearRegressor(loss=HuberLoss(e*s), alpha=a*s/n) ~ HuberRegressor": Row(
        "``LinearRegressor(loss=HuberLoss(epsilon=e * s), alpha=a * s / n)``",
        _outliers,
        lambda n, sw: linear_model.HuberRegressor(epsilon=1.35, alpha=A),
        lambda ref, n: LinearRegressor(
            loss=HuberLoss(epsilon=1.35 * ref.scale_), alpha=A * ref.scale_ / n
        ),
        1e-3,  # 3.8e-5 apart (HuberRegressor's sample weights scale sigma's term)
    ),
    'LinearRegressor(loss=QuantileLoss(q), penalty="l1") ~ QuantileRegressor': Row(
        (
            '``LinearRegressor(loss=QuantileLoss(q), penalty="l1", alpha=a)``',
            "``LinearRegressor(loss=QuantileLoss(q), ...)``",
        ),
        lambda: _regression("skewed"),
        lambda n, sw: linear_model.QuantileRegressor(quantile=0.8, alpha=A),
        lambda ref, n: LinearRegressor(loss=QuantileLoss(0.8), penalty="l1", alpha=A),
        1e-9,
    ),
    'LinearRegressor(loss="absolute_error") ~ QuantileRegressor(0.5, alpha=a/2)': Row(
        '``LinearRegressor(loss="absolute_error", penalty="l1", alpha=a)``',
        lambda: _regression("skewed"),
        lambda n, sw: linear_model.QuantileRegressor(quantile=0.5, alpha=A / 2),
        lambda ref, n: LinearRegressor(loss="absolute_error", penalty="l1", alpha=A),
        1e-9,
    ),
    # -- the page's penalty: alpha_skweights = alpha_sklearn / n_samples (lbfgs) ----
    'MLPClassifier(optimizer="lbfgs", alpha=a/n) ~ MLPClassifier(solver="lbfgs")': Row(
        '``alpha_sklearn / n_samples`` for ``"lbfgs"``',
        _multiclass,
        lambda n, sw: SkMLPClassifier(
            hidden_layer_sizes=(5,), solver="lbfgs", alpha=1.0, max_iter=50
        ),
        lambda ref, n: MLPClassifier(
            (5,),
            optimizer="lbfgs",
            alpha=1.0 / n,
            initializer=_pretrained(ref),
            max_iter=1,  # epoch 0 is what the row compares
        ),
        1e-12,
        "objective",
    ),
    'MLPRegressor(optimizer="lbfgs", alpha=a/n) ~ MLPRegressor(solver="lbfgs")': Row(
        '``alpha_sklearn / n_samples`` for ``"lbfgs"``',
        lambda: _regression("linear"),
        lambda n, sw: SkMLPRegressor(
            hidden_layer_sizes=(5,), solver="lbfgs", alpha=1.0, max_iter=50
        ),
        lambda ref, n: MLPRegressor(
            (5,),
            optimizer="lbfgs",
            alpha=1.0 / n,
            initializer=_pretrained(ref),
            max_iter=1,  # epoch 0 is what the row compares
        ),
        1e-12,
        "objective",
    ),
}


def _max_rel(ours, theirs) -> float:
    ours, theirs = np.ravel(ours), np.ravel(theirs)
    return float(np.abs(ours - theirs).max() / max(np.abs(theirs).max(), 1e-300))


@pytest.mark.parametrize("name", list(ROWS))
def test_documented_equivalence_holds_at_the_defaults(name):
    row = ROWS[name]
    X, y, weights = row.data()
    fit_weights = {} if row.compare == "objective" else {"sample_weight": weights}
    n, sum_w = len(y), len(y) if weights is None else float(np.sum(weights))
    reference = row.reference(n, sum_w)
    with warnings.catch_warnings():
        # The MLP rows compare objectives at any weights; 50 iterations suffice.
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, y, **fit_weights)
        ours = row.ours(reference, n)
        ours.fit(X, y, **fit_weights)
    if row.compare == "objective":
        # skweights' objective at scikit-learn's weights (epoch 0 of the fit that
        # starts there) is scikit-learn's loss_, penalty included.
        assert ours.history_[0]["loss"] == pytest.approx(reference.loss_, rel=row.rtol)
        return
    assert _max_rel(ours.coef_, reference.coef_) < row.rtol
    assert _max_rel(ours.intercept_, reference.intercept_) < row.rtol


def _documented_cells() -> set[str]:
    """The skweights cell of every equivalence row in the page and the docstring."""
    page = Path(__file__).parents[1] / "docs" / "user_guide" / "from_scikit_learn.rst"
    text = page.read_text(encoding="utf-8")
    cells = set(re.findall(r"^   \* - (``.+``)$", text, flags=re.MULTILINE))
    lines = textwrap.dedent(_EQUIVALENCES).splitlines()
    borders = [i for i, line in enumerate(lines) if line.startswith("====")]
    table = lines[borders[0] : borders[-1]]
    cells |= {line[:50].strip() for line in table if line.startswith("``")}
    mlp_penalty = '``alpha_sklearn / n_samples`` for ``"lbfgs"``'
    return cells | ({mlp_penalty} if mlp_penalty in text else set())


def test_the_table_covers_every_documented_row():
    """A new equivalence in the docs needs its row here, and no row is stale."""
    tested = set()
    for row in ROWS.values():
        documented = row.documented
        tested |= {documented} if isinstance(documented, str) else set(documented)
    assert _documented_cells() == tested
