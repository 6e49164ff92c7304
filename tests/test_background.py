"""The default background (``background_``): a random sample of the training rows.

explain's default baseline is the mean output over ``background_``; a background
taken from the head of sorted data, or left over from an earlier fit, shifts every
explanation without any error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skweights import LinearRegressor, MLPRegressor, explain

N_ROWS = 1000


def _sorted_data(shift=0.0):
    """Rows sorted by their first column (as a table sorted by date or by id)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, 3)) + shift
    X = X[np.argsort(X[:, 0])]
    return X, X @ [2.0, -1.0, 0.5]


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _row_indices(rows, X):
    """Where each of ``rows`` sits in ``X`` (-1 where it is not a row of ``X``)."""
    where = {row.tobytes(): i for i, row in enumerate(X)}
    return np.array([where.get(row.tobytes(), -1) for row in rows])


@pytest.mark.parametrize("model", [LinearRegressor(), MLPRegressor((4,), max_iter=5)])
def test_the_background_is_a_spread_sample_of_sorted_training_rows(model):
    X, y = _sorted_data()
    model = _fit(model.set_params(random_state=0), X, y)
    indices = _row_indices(model.background_, X)
    assert len(indices) == 100 and (indices >= 0).all()  # real training rows
    assert len(set(indices)) == 100  # drawn without replacement
    # A uniform sample of 100 of 1000 rows: its first column (the sort key) has
    # the data's mean within 4 standard errors; the first 100 rows would sit
    # 1.75 below it (the lowest decile of a standard normal).
    standard_error = X[:, 0].std() / np.sqrt(100)
    assert abs(model.background_[:, 0].mean() - X[:, 0].mean()) < 4 * standard_error
    assert indices.max() > 0.9 * N_ROWS and indices.min() < 0.1 * N_ROWS


def test_explains_default_baseline_is_the_mean_prediction_on_sorted_data():
    X, y = _sorted_data()
    model = _fit(LinearRegressor(random_state=0), X, y)
    explanation = explain(model, X[:3])
    spread = model.predict(X).std() / np.sqrt(100)
    assert abs(explanation.base_values[0] - model.predict(X).mean()) < 4 * spread


def test_the_sample_follows_random_state():
    X, y = _sorted_data()
    first = _fit(LinearRegressor(random_state=0), X, y).background_
    again = _fit(LinearRegressor(random_state=0), X, y).background_
    other = _fit(LinearRegressor(random_state=1), X, y).background_
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("warm_start", [False, True])
def test_a_refit_replaces_the_background(warm_start):
    X, y = _sorted_data()
    X_new, y_new = _sorted_data(shift=10.0)
    model = _fit(LinearRegressor(random_state=0, warm_start=warm_start), X, y)
    _fit(model, X_new, y_new)
    assert (_row_indices(model.background_, X_new) >= 0).all()
    # explain's baseline follows the new data too
    baseline = explain(model, X_new[:2]).base_values[0]
    assert baseline == pytest.approx(model.predict(model.background_).mean())
    assert abs(baseline - model.predict(X_new).mean()) < 1.0
