"""Bad input gets a clear ValueError (or NotFittedError) and loses nothing.

One table drives every estimator through ``fit``, ``partial_fit``, ``predict`` and
``skweights.explain`` with each kind of bad input; a fitted model must come out of
the failure bitwise unchanged and still usable. A hypothesis test then feeds random
shapes, dtypes and values and allows only a clean fit or one of those errors.
"""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import skweights
from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor

N_SAMPLES, N_FEATURES = 30, 4
COLUMNS = ["a", "b", "c", "d"]
ESTIMATORS = {
    "LinearRegressor": lambda: LinearRegressor(max_iter=50),
    "LinearClassifier": lambda: LinearClassifier(max_iter=50),
    "MLPRegressor": lambda: MLPRegressor((5,), max_iter=5, random_state=0),
    "MLPClassifier": lambda: MLPClassifier((5,), max_iter=5, random_state=0),
}


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _is_classifier(name):
    return name.endswith("Classifier")


def _data(name, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    if _is_classifier(name):
        y = np.arange(N_SAMPLES) % 3  # three classes, all present
    else:
        y = X @ rng.normal(size=N_FEATURES) + 0.1 * rng.normal(size=N_SAMPLES)
    return X, y


_FITTED = {}


def _fitted(name, frame=False):
    """A fitted model (cached; callers get a deep copy they may break)."""
    key = (name, frame)
    if key not in _FITTED:
        X, y = _data(name)
        X = pd.DataFrame(X, columns=COLUMNS) if frame else X
        _FITTED[key] = ESTIMATORS[name]().fit(X, y)
    return copy.deepcopy(_FITTED[key])


def _snapshot(model, X):
    return {
        "coefs": [W.copy() for W in model.coefs_],
        "intercepts": [b.copy() for b in model.intercepts_],
        "n_iter": model.n_iter_,
        "history": len(model.history_),
        "n_features_in": model.n_features_in_,
        "predictions": model.predict(X),
    }


def _assert_unchanged_and_usable(model, before, X, y, name):
    for W, W0 in zip(
        model.coefs_ + model.intercepts_, before["coefs"] + before["intercepts"]
    ):
        np.testing.assert_array_equal(W, W0)
    assert model.n_iter_ == before["n_iter"]
    assert len(model.history_) == before["history"]
    assert model.n_features_in_ == before["n_features_in"]
    np.testing.assert_array_equal(model.predict(X), before["predictions"])
    # Still usable: training continues from the kept weights.
    model.partial_fit(X, y)
    assert all(np.isfinite(W).all() for W in model.coefs_)


# -- the bad inputs -------------------------------------------------------------
# Each case builds (X, y, extra) from clean data; `methods` lists where it applies
# and `match` a fragment of the message that tells the user what to change.


def _with(X, row, col, value, dtype=None):
    X = X.astype(dtype or X.dtype)
    X[row, col] = value
    return X


def _case_nan_x(X, y):
    return _with(X, 3, 1, np.nan), y, {}


def _case_inf_x(X, y):
    return _with(X, 0, 2, -np.inf), y, {}


def _case_nan_y(X, y):
    y = y.astype(float)
    y[5] = np.nan
    return X, y, {}


def _case_strings_x(X, y):
    return _with(X, 2, 0, "high", dtype=object), y, {}


def _case_string_column(X, y):
    frame = pd.DataFrame(X, columns=COLUMNS)
    frame["d"] = np.where(X[:, 3] > 0, "yes", "no")
    return frame, y, {}


def _case_empty_x(X, y):
    return X[:0], y[:0], {}


def _case_no_features(X, y):
    return X[:, :0], y, {}


def _case_wrong_length_y(X, y):
    return X, y[:-1], {}


def _case_wrong_n_features(X, y):
    return X[:, :3], y, {}


def _case_renamed_columns(X, y):
    return pd.DataFrame(X, columns=["a", "b", "c", "e"]), y, {}


def _case_reordered_columns(X, y):
    return pd.DataFrame(X, columns=COLUMNS)[["b", "a", "c", "d"]], y, {}


def _case_unseen_class(X, y):
    return X, np.where(y == 2, 7, y), {}


def _case_single_class(X, y):
    return X, np.zeros_like(y), {}


FIT, PARTIAL, PREDICT, EXPLAIN = "fit", "partial_fit", "predict", "explain"
ALL = (FIT, PARTIAL, PREDICT, EXPLAIN)
CASES = [
    # (id, build, methods, classifier_only, frame_fitted, match)
    ("nan_in_X", _case_nan_x, ALL, False, False, "contains NaN"),
    ("inf_in_X", _case_inf_x, ALL, False, False, "infinity"),
    ("nan_in_y", _case_nan_y, (FIT, PARTIAL), False, False, "y contains NaN"),
    ("strings_in_X", _case_strings_x, ALL, False, False, "OrdinalEncoder"),
    ("string_column", _case_string_column, ALL, False, True, r"columns: \['d'\]"),
    ("empty_X", _case_empty_x, ALL, False, False, "0 sample"),
    ("no_features", _case_no_features, (FIT, PARTIAL), False, False, "0 feature"),
    ("y_wrong_length", _case_wrong_length_y, (FIT, PARTIAL), False, False,
     "inconsistent numbers of samples"),
    ("wrong_n_features", _case_wrong_n_features, (PARTIAL, PREDICT, EXPLAIN), False,
     False, "expecting 4 features"),
    ("renamed_columns", _case_renamed_columns, (PARTIAL, PREDICT, EXPLAIN), False,
     True, "feature names should match"),
    ("reordered_columns", _case_reordered_columns, (PARTIAL, PREDICT, EXPLAIN), False,
     True, "same order"),
    ("class_not_in_classes", _case_unseen_class, (PARTIAL,), True, False,
     "not in classes"),
    ("single_class", _case_single_class, (FIT,), True, False, "at least 2 classes"),
]  # fmt: skip


def _table():
    for case_id, build, methods, clf_only, frame, match in CASES:
        for name in ESTIMATORS:
            if clf_only and not _is_classifier(name):
                continue
            for method in methods:
                yield pytest.param(
                    name, method, build, frame, match, id=f"{case_id}-{name}-{method}"
                )


def _call(model, method, X, y):
    if method == FIT:
        return model.fit(X, y)
    if method == PARTIAL:
        return model.partial_fit(X, y)
    if method == PREDICT:
        return model.predict(X)
    if not hasattr(skweights, "explain"):
        pytest.skip("skweights.explain is not available yet")
    return skweights.explain(model, X)


@pytest.mark.parametrize("name, method, build, frame, match", list(_table()))
def test_bad_input_raises_a_clear_error_and_keeps_the_fitted_model(
    name, method, build, frame, match
):
    X, y = _data(name)
    model = _fitted(name, frame)
    X_clean = pd.DataFrame(X, columns=COLUMNS) if frame else X
    before = _snapshot(model, X_clean)
    X_bad, y_bad, _ = build(X, y)
    with pytest.raises(ValueError, match=match):
        _call(model, method, X_bad, y_bad)
    _assert_unchanged_and_usable(model, before, X_clean, y, name)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize(
    "build, match",
    [
        (_case_nan_x, "contains NaN"),
        (_case_strings_x, "OrdinalEncoder"),
        (_case_empty_x, "0 sample"),
        (_case_wrong_length_y, "inconsistent numbers of samples"),
    ],
)
def test_bad_input_to_an_unfitted_model_leaves_it_unfitted(name, build, match):
    X, y = _data(name)
    X_bad, y_bad, _ = build(X, y)
    for method in (FIT, PARTIAL):
        model = ESTIMATORS[name]()
        params = model.get_params()
        with pytest.raises(ValueError, match=match):
            if method == PARTIAL and _is_classifier(name):
                model.partial_fit(X_bad, y_bad, classes=np.unique(y))
            else:
                _call(model, method, X_bad, y_bad)
        assert not hasattr(model, "coefs_")
        assert not hasattr(model, "n_features_in_")
        assert model.get_params() == params


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("method", [PREDICT, EXPLAIN])
def test_unfitted_model_raises_not_fitted_error(name, method):
    X, _ = _data(name)
    with pytest.raises(NotFittedError, match="fit"):
        _call(ESTIMATORS[name](), method, X, None)


@pytest.mark.parametrize("name", ["LinearClassifier", "MLPClassifier"])
def test_first_partial_fit_of_a_classifier_needs_classes(name):
    X, y = _data(name)
    model = ESTIMATORS[name]()
    with pytest.raises(ValueError, match=r"classes must be passed.*np.unique"):
        model.partial_fit(X, y)
    assert not hasattr(model, "coefs_")


BAD_PARAMS = [
    (dict(alpha=-0.1), "'alpha' parameter must be .* in \\[0"),
    (dict(l1_ratio=1.5), "'l1_ratio' parameter must be .* in \\[0, 1\\]"),
    (dict(l1_ratio=-0.5), "'l1_ratio'"),
    (dict(optimizer="adamm"), "Valid names.*adam"),
    (dict(initializer="glorot"), "Valid names.*glorot_uniform"),
    (dict(penalty="l3"), "Valid names.*elasticnet"),
    (dict(batch_size=0), "'batch_size' parameter must be 'auto' or an integer >= 1"),
]
MLP_BAD_PARAMS = [
    (dict(activation="relu6"), "Valid names.*relu"),
    (dict(hidden_layer_sizes=(4, 0)), "positive integers"),
]


def _param_table():
    for name in ESTIMATORS:
        extra = MLP_BAD_PARAMS if name.startswith("MLP") else []
        for params, match in BAD_PARAMS + extra:
            for method in (FIT, PARTIAL):
                (key,) = params
                yield pytest.param(
                    name, method, params, match, id=f"{key}-{name}-{method}"
                )


def _constraint_table():
    for name, make in ESTIMATORS.items():
        for param in type(make())._parameter_constraints:
            yield pytest.param(name, param, id=f"{param}-{name}")


@pytest.mark.parametrize("name, param", list(_constraint_table()))
def test_every_entry_of_the_parameter_table_is_checked_at_fit(name, param):
    # The table (``_parameter_constraints``) names real constructor parameters,
    # and a value no entry accepts is refused with a message naming the parameter
    # and what it accepts.
    model = ESTIMATORS[name]()
    assert param in model.get_params()
    model.set_params(**{param: [1]})
    X, y = _data(name)
    with pytest.raises(ValueError, match=rf"^{name}: the '{param}' parameter must be"):
        model.fit(X, y)


def test_the_parameter_table_accepts_what_the_defaults_and_docs_allow():
    X, y = _data("LinearRegressor")
    for params in (
        dict(n_iter_no_change=np.inf, shuffle=np.True_, record_weights=3),
        dict(batch_size=8, verbose=0, validation_fraction=0.5, early_stopping=True),
    ):
        LinearRegressor(max_iter=3, **params).fit(X, y)
    with pytest.raises(ValueError, match="'record_weights'.*integer >= 1"):
        LinearRegressor(record_weights=0).fit(X, y)  # 0 is not False
    with pytest.raises(ValueError, match="'batch_size'.*'auto' or an integer"):
        LinearRegressor(batch_size=True).fit(X, y)


@pytest.mark.parametrize("name, method, params, match", list(_param_table()))
def test_invalid_hyperparameters_keep_the_fitted_model(name, method, params, match):
    X, y = _data(name)
    model = _fitted(name)
    before = _snapshot(model, X)
    good = {key: model.get_params()[key] for key in params}
    model.set_params(**params)
    with pytest.raises(ValueError, match=match):
        _call(model, method, X, y)
    model.set_params(**good)
    _assert_unchanged_and_usable(model, before, X, y, name)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_single_sample(name):
    """Regressors learn from one sample; a classifier sees only one class."""
    X, y = _data(name)
    model = ESTIMATORS[name]()
    if _is_classifier(name):
        with pytest.raises(ValueError, match="at least 2 classes"):
            model.fit(X[:1], y[:1])
        # Streaming one sample at a time is fine once the classes are known.
        model.partial_fit(X[:1], y[:1], classes=np.unique(y))
    else:
        model.fit(X[:1], y[:1])
    assert np.isfinite(model.predict(X).astype(float)).all()


def test_regressor_with_string_targets_says_to_use_a_classifier():
    X, _ = _data("LinearRegressor")
    y = np.where(X[:, 0] > 0, "up", "down")
    with pytest.raises(ValueError, match="use a classifier"):
        LinearRegressor().fit(X, y)


# -- divergence -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LinearRegressor", "MLPRegressor"])
def test_divergence_keeps_the_best_weights_and_says_where_it_stopped(name):
    """An exploding loss stops training at the epoch it blew up; keep_best keeps
    the weights of the best epoch before it."""
    from skweights.exceptions import DivergenceWarning

    X, y = _data(name)
    kwargs = dict(
        optimizer="sgd", learning_rate=1e3, max_iter=200, on_divergence="keep_best"
    )
    model = ESTIMATORS[name]().set_params(**kwargs)
    with pytest.warns(DivergenceWarning, match="diverged"):
        model.fit(X * 1e6, y)
    history = model.history_
    assert history[-1]["event"] == "diverged"
    assert history[-1]["epoch"] == model.n_iter_ + 1 <= 200
    assert all(r["event"] is None and np.isfinite(r["loss"]) for r in history[:-1])
    assert all(np.isfinite(W).all() for W in model.coefs_ + model.intercepts_)
    losses = [r["loss"] for r in history[:-1]]
    best = int(np.argmin(losses))
    kept = [float(np.linalg.norm(W)) for W in model.coefs_]
    np.testing.assert_allclose(kept, history[best]["weight_norms"], rtol=1e-12)


# -- property-based ---------------------------------------------------------------

_DTYPES = st.sampled_from(["float32", "float64", "int64", "object", "bool"])
_VALUES = st.one_of(
    st.floats(-10, 10, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e30, -1e30, 1e300]),
)


@st.composite
def _problems(draw):
    name = draw(st.sampled_from(sorted(ESTIMATORS)))
    n_rows = draw(st.integers(0, 30))
    n_cols = draw(st.integers(0, 6))
    dtype = draw(_DTYPES)
    values = draw(hnp.arrays(np.float64, (n_rows, n_cols), elements=_VALUES))
    if dtype == "bool":
        X = values > 0
    elif dtype == "int64":
        X = np.nan_to_num(values, posinf=1e6, neginf=-1e6).clip(-1e6, 1e6)
        X = X.astype(np.int64)
    else:
        X = values.astype(dtype)
    if _is_classifier(name):
        y = np.array(
            draw(st.lists(st.integers(0, 2), min_size=n_rows, max_size=n_rows))
        )
    else:
        y = draw(hnp.arrays(np.float64, (n_rows,), elements=_VALUES))
    params = dict(
        alpha=draw(st.sampled_from([0.0, 1e-4, 1.0])),
        penalty=draw(st.sampled_from(["l2", "l1", "elasticnet", "none"])),
        optimizer=draw(st.sampled_from(["sgd", "adam", "rmsprop"])),
        learning_rate=draw(st.sampled_from([1e-3, 0.1, 10.0])),
        batch_size=draw(st.sampled_from(["auto", 1, 7])),
        max_iter=3,
    )
    if name.startswith("Linear"):
        params["optimizer"] = draw(st.sampled_from(["auto", "lbfgs", "adam"]))
    else:
        params["activation"] = draw(st.sampled_from(["relu", "tanh", "logistic"]))
        params["hidden_layer_sizes"] = (draw(st.integers(1, 4)),)
    incremental = draw(st.booleans()) and params["optimizer"] not in ("auto", "lbfgs")
    return name, X, y, params, incremental


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_problems())
def test_random_input_fits_cleanly_or_raises_a_value_error(problem):
    name, X, y, params, incremental = problem
    model = ESTIMATORS[name]().set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are allowed, errors are not
        try:
            if incremental and _is_classifier(name):
                model.partial_fit(X, y, classes=[0, 1, 2])
            elif incremental:
                model.partial_fit(X, y)
            else:
                model.fit(X, y)
        except (ValueError, NotFittedError):
            assert not hasattr(model, "coefs_")
            return
        assert all(np.isfinite(W).all() for W in model.coefs_ + model.intercepts_)
        try:
            predictions = model.predict(X)
            proba = model.predict_proba(X) if _is_classifier(name) else None
        except ValueError as error:
            # Finite weights on huge inputs can overflow: a clear error, no NaN.
            assert "Scale the features" in str(error)
            return
    if _is_classifier(name):
        assert set(predictions) <= set(model.classes_)
        assert np.isfinite(proba).all()
    else:
        assert np.isfinite(predictions).all()
