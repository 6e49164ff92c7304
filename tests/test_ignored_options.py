"""Parameters the chosen solver does not use warn (issue 30, finding 6).

scikit-learn's practice: a ``UserWarning`` naming a parameter that was set to a
non-default value and has no effect (``LogisticRegression``'s l1_ratio). Defaults
never warn; the warning says which solver ignores what, and why.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from skweights import (
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    optimizers,
    schedules,
)

X, y = make_regression(n_samples=80, n_features=4, noise=1.0, random_state=0)
y = y / y.std()

FULL_BATCH = sorted(
    name for name, cls in optimizers.REGISTRY.entries.items() if cls.full_batch
)
MINIBATCH = sorted(
    name for name, cls in optimizers.REGISTRY.entries.items() if not cls.full_batch
)
IGNORED = [
    ("learning_rate", 0.1),
    ("schedule", "cosine"),
    ("batch_size", 16),
    ("shuffle", False),
    ("n_iter_no_change", 5),
]


def _fit_quietly(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("solver", FULL_BATCH)
@pytest.mark.parametrize("name, value", IGNORED, ids=[n for n, _ in IGNORED])
def test_a_full_batch_solver_warns_about_each_minibatch_option(solver, name, value):
    model = LinearRegressor(optimizer=solver, **{name: value})
    with pytest.warns(UserWarning, match=rf"ignores {name}={value!r} \(") as caught:
        _fit_quietly(model)
    message = next(str(w.message) for w in caught if "ignores" in str(w.message))
    assert type(optimizers.get(solver)).__name__ in message


@pytest.mark.parametrize("solver", FULL_BATCH)
def test_defaults_never_warn(solver):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        LinearRegressor(optimizer=solver).fit(X, y)
        LinearRegressor(optimizer=solver, schedule=schedules.constant()).fit(X, y)


@pytest.mark.parametrize("solver", MINIBATCH)
def test_minibatch_optimizers_use_every_option(solver):
    model = MLPRegressor(
        (3,),
        optimizer=solver,
        max_iter=3,
        random_state=0,
        **{name: value for name, value in IGNORED},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)


def test_one_warning_names_every_ignored_option_and_the_auto_choice():
    model = LinearRegressor(learning_rate=0.1, schedule="cosine")  # auto: direct
    with pytest.warns(UserWarning) as caught:
        model.fit(X, y)
    messages = [str(w.message) for w in caught if "ignores" in str(w.message)]
    assert len(messages) == 1
    assert "DirectSolve solver (optimizer='auto' picked it)" in messages[0]
    assert "learning_rate=0.1" in messages[0] and "schedule='cosine'" in messages[0]


def test_lbfgs_uses_n_iter_no_change_with_early_stopping():
    params = dict(optimizer="lbfgs", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPRegressor((3,), early_stopping=True, n_iter_no_change=3, **params).fit(X, y)
    with pytest.warns(UserWarning, match="ignores n_iter_no_change=3"):
        _fit_quietly(MLPRegressor((3,), n_iter_no_change=3, **params))


def test_the_issues_lbfgs_with_a_schedule_warns():
    from sklearn.datasets import load_iris

    Xi, yi = load_iris(return_X_y=True)
    model = MLPClassifier(
        (5,), optimizer="lbfgs", schedule="cosine", max_iter=20, random_state=0
    )
    with pytest.warns(UserWarning, match=r"LBFGS solver ignores schedule='cosine'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(Xi, yi)


@pytest.mark.parametrize("solver", ["cd", "direct"])
def test_an_exact_solve_ignores_early_stopping_and_holds_no_data_out(solver):
    """It used to hold out validation_fraction of the data and stop nothing."""
    penalty = "l1" if solver == "cd" else "l2"
    plain = LinearRegressor(optimizer=solver, penalty=penalty).fit(X, y)
    model = LinearRegressor(optimizer=solver, penalty=penalty, early_stopping=True)
    with pytest.warns(UserWarning, match="ignores early_stopping=True"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.coef_, plain.coef_)
    assert model.validation_scores_ is None
