"""Behaviour of the four estimators beyond scikit-learn's generic checks."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.optimizers import sgd

SMALL_MLP = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)


def _classification(n=200, classes=3, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=6, n_informative=4, n_classes=classes, random_state=seed
    )
    return StandardScaler().fit_transform(X), y


def _regression(n=200, seed=0):
    X, y = make_regression(n_samples=n, n_features=6, noise=5.0, random_state=seed)
    return X, y / y.std()


def _all_estimators():
    return [
        (LinearRegressor(), _regression),
        (LinearClassifier(), _classification),
        (MLPRegressor(**SMALL_MLP), _regression),
        (MLPClassifier(**SMALL_MLP), _classification),
    ]


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize("estimator, data", _all_estimators())
def test_float32_stays_float32_and_float64_stays_float64(estimator, data):
    X, y = data()
    for dtype in (np.float32, np.float64):
        model = clone(estimator).fit(X.astype(dtype), y)
        assert all(W.dtype == dtype for W in model.coefs_ + model.intercepts_)
        out = (
            model.predict_proba(X.astype(dtype))
            if hasattr(model, "predict_proba")
            else model.predict(X.astype(dtype))
        )
        assert out.dtype == dtype


@pytest.mark.parametrize("estimator, data", _all_estimators())
def test_same_random_state_gives_bitwise_identical_weights(estimator, data):
    X, y = data()
    a = clone(estimator).set_params(random_state=3).fit(X, y)
    b = clone(estimator).set_params(random_state=3).fit(X, y)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)


@pytest.mark.parametrize("estimator, data", _all_estimators())
def test_pickle_and_clone_round_trip(estimator, data):
    X, y = data()
    model = clone(estimator).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    refit = clone(model).fit(X, y)
    np.testing.assert_array_equal(refit.predict(X), model.predict(X))


def test_components_as_objects_survive_clone_and_grid_search():
    X, y = _classification()
    model = LinearClassifier(
        optimizer=sgd(momentum=0.9, nesterov=True), learning_rate=0.05
    )
    cloned = clone(model)
    assert cloned.optimizer is not model.optimizer
    assert cloned.optimizer.get_params() == model.optimizer.get_params()
    assert cloned.optimizer.get_params()["momentum"] == 0.9
    search = GridSearchCV(model, {"optimizer__momentum": [0.5, 0.9]}, cv=3).fit(X, y)
    assert search.best_params_["optimizer__momentum"] in (0.5, 0.9)
    assert model.optimizer.momentum == 0.9  # the original is untouched


@pytest.mark.parametrize("estimator, data", _all_estimators())
def test_grid_search_over_alpha_in_a_pandas_pipeline(estimator, data):
    X, y = data()
    frame = pd.DataFrame(X, columns=[f"feature_{i}" for i in range(X.shape[1])])
    pipe = Pipeline(
        [
            ("scale", StandardScaler().set_output(transform="pandas")),
            ("model", estimator),
        ]
    )
    search = GridSearchCV(pipe, {"model__alpha": np.logspace(-5, 1, 7)}, cv=3, n_jobs=2)
    search.fit(frame, y)
    fitted = search.best_estimator_.named_steps["model"]
    assert list(fitted.feature_names_in_) == list(frame.columns)
    assert search.best_params_["model__alpha"] in np.logspace(-5, 1, 7)
    scores = cross_val_score(pipe, frame, y, cv=3)
    again = cross_val_score(clone(pipe), frame, y, cv=3)
    np.testing.assert_array_equal(scores, again)


def test_strong_l2_shrinks_and_l1_zeroes_weights():
    X, y = _regression()
    weak = LinearRegressor(alpha=1e-6).fit(X, y)
    strong = LinearRegressor(alpha=10.0).fit(X, y)
    assert np.linalg.norm(strong.coef_) < 0.2 * np.linalg.norm(weak.coef_)
    sparse_model = LinearRegressor(penalty="l1", alpha=0.3).fit(X, y)
    assert (sparse_model.coef_ == 0).sum() >= 1


@pytest.mark.parametrize(
    "optimizer, learning_rate",
    [
        ("sgd", 0.1),
        ("adam", 0.01),
        ("rmsprop", 0.01),
        ("adagrad", 0.1),
        ("adamw", 0.01),
    ],
)
def test_minibatch_l1_gives_exact_zeros_in_an_mlp(optimizer, learning_rate):
    X, y = _classification()
    model = MLPClassifier(
        hidden_layer_sizes=(8,),
        penalty="l1",
        alpha=0.02,
        optimizer=optimizer,
        learning_rate=learning_rate,
        batch_size=32,
        max_iter=40,
        random_state=0,
    ).fit(X, y)
    assert sum((W == 0).sum() for W in model.coefs_) > 0


def test_diverging_fit_keeps_finite_weights_warns_and_records_it():
    from skweights.exceptions import DivergenceWarning

    X, y = _regression()
    X = X * 1000
    model = MLPRegressor(
        hidden_layer_sizes=(8,),
        optimizer="sgd",
        learning_rate=1e3,
        random_state=0,
        on_divergence="keep_best",
    )
    with pytest.warns(DivergenceWarning, match="learning_rate"):
        model.fit(X, y)
    assert all(np.isfinite(W).all() for W in model.coefs_ + model.intercepts_)
    assert np.isfinite(model.predict(X)).all()
    assert model.history_[-1]["event"] == "diverged"


def test_keyboard_interrupt_keeps_weights_trained_so_far(monkeypatch):
    import skweights._training as training

    X, y = _classification()
    calls = {"n": 0}
    original = training.run_epoch

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(training, "run_epoch", interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        model = MLPClassifier(**SMALL_MLP).fit(X, y)
    assert model.n_iter_ == 3
    monkeypatch.setattr(training, "run_epoch", original)
    three_epochs = MLPClassifier(**{**SMALL_MLP, "max_iter": 3}).fit(X, y)
    for W, W3 in zip(model.coefs_, three_epochs.coefs_):
        np.testing.assert_array_equal(W, W3)


def test_failure_inside_training_leaves_previous_fit_untouched(monkeypatch):
    import skweights._training as training

    X, y = _classification()
    model = MLPClassifier(**SMALL_MLP).fit(X, y)
    before = [W.copy() for W in model.coefs_]
    predictions = model.predict(X)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(training, "run_epoch", broken)
    with pytest.raises(RuntimeError):
        model.fit(X[:, :4], y)
    assert model.n_features_in_ == 6
    for W, W0 in zip(model.coefs_, before):
        np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(model.predict(X), predictions)


def test_partial_fit_over_chunks_reaches_fit_accuracy():
    X, y = _classification(n=2000, seed=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    full = LinearClassifier().fit(X_train, y_train).score(X_test, y_test)
    stream = LinearClassifier(learning_rate=0.01, random_state=0)
    for _ in range(5):
        for chunk in np.array_split(np.arange(len(y_train)), 10):
            stream.partial_fit(X_train[chunk], y_train[chunk], classes=np.unique(y))
    assert stream.score(X_test, y_test) >= full - 0.02


def test_partial_fit_requires_classes_and_rejects_unknown_labels():
    X, y = _classification()
    model = MLPClassifier(**SMALL_MLP)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert list(model.classes_) == [0, 1, 2]
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X, np.where(y == 2, 7, y))


def test_partial_fit_rejects_full_batch_solvers():
    X, y = _regression()
    with pytest.raises(ValueError, match="minibatch optimizer"):
        LinearRegressor(optimizer="lbfgs").partial_fit(X, y)


def test_warm_start_continues_from_current_weights():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    model.fit(X, y)
    first = [W.copy() for W in model.coefs_]
    model.set_params(warm_start=True, max_iter=1).fit(X, y)
    fresh = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, random_state=0).fit(X, y)
    assert (
        np.abs(model.coefs_[0] - first[0]).max()
        < np.abs(fresh.coefs_[0] - first[0]).max()
    )


def test_early_stopping_restores_the_best_weights():
    X, y = _classification(n=400)
    model = MLPClassifier(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=200,
        learning_rate=0.05,
        random_state=0,
    ).fit(X, y)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.n_iter_ < 200
    assert model.best_loss_ is None


def test_history_records_norms_per_layer():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=(8, 4), max_iter=5, random_state=0).fit(
        X, y
    )
    frame = model.history_.to_frame()
    assert len(frame) == model.n_iter_ + 1 == 6  # epoch 0 is the initialization
    assert frame["epoch"].tolist() == list(range(6))
    for layer in range(3):
        assert (frame[f"grad_norm_{layer}"] > 0).all()
        assert (frame[f"weight_norm_{layer}"] > 0).all()
    np.testing.assert_allclose(model.history_["loss"][1:], model.loss_curve_)


def test_sparse_input_matches_dense():
    X, y = _classification()
    X[np.abs(X) < 0.5] = 0
    dense = LinearClassifier().fit(X, y)
    sparse = LinearClassifier().fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-8)


def test_multi_output_regression_shapes():
    X, y = _regression()
    Y = np.column_stack([y, -y])
    model = MLPRegressor(**SMALL_MLP).fit(X, Y)
    assert model.predict(X).shape == (len(y), 2)
    linear = LinearRegressor().fit(X, Y)
    assert linear.coef_.shape == (2, X.shape[1]) and linear.intercept_.shape == (2,)


def test_linear_models_have_sklearn_shaped_coef_and_mlps_have_none():
    X, y = _classification(classes=2)
    binary = LinearClassifier().fit(X, y)
    assert binary.coef_.shape == (1, 6) and binary.intercept_.shape == (1,)
    reg = LinearRegressor().fit(*_regression())
    assert reg.coef_.shape == (6,) and np.ndim(reg.intercept_) == 0
    mlp = MLPClassifier(**SMALL_MLP).fit(X, y)
    assert not hasattr(mlp, "coef_") and not hasattr(mlp, "intercept_")


def test_frozen_linear_layer_fits_only_the_intercept():
    X, y = _regression()
    model = LinearRegressor(initializer="ones", frozen_layers=(0,)).fit(X, y)
    np.testing.assert_array_equal(model.coef_, np.ones(6))
    assert model.intercept_ == pytest.approx(np.mean(y - X @ np.ones(6)), abs=1e-4)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(alpha=-1.0), "'alpha'"),
        (dict(l1_ratio=1.5), "'l1_ratio'"),
        (dict(optimizer="adamm"), "Valid names"),
        (dict(penalty="l3"), "Valid names"),
        (dict(initializer="glorot"), "Valid names"),
        (dict(activation="relu6"), "Valid names"),
        (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes"),
        (dict(batch_size=0), "batch_size"),
        (dict(learning_rate=0.0), "'learning_rate'"),
    ],
)
def test_invalid_hyperparameters_raise_clear_errors(params, message):
    X, y = _classification()
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**SMALL_MLP).set_params(**params).fit(X, y)


def test_verbose_prints_one_line_per_epoch(capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    X, y = _classification()
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, verbose=1, random_state=0).fit(
        X, y
    )
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if "loss=" in line]
    assert len(lines) == 4  # epochs 0 (initialization) to 3
    assert out[-1].startswith("MLPClassifier: stopped: max_iter reached")


@pytest.mark.parametrize(
    "loader, hidden", [(load_digits, (64,)), (load_breast_cancer, (32,))]
)
def test_mlp_classifier_accuracy_close_to_sklearn(loader, hidden):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        StandardScaler().fit_transform(X), y, test_size=0.3, random_state=0, stratify=y
    )
    settings = dict(hidden_layer_sizes=hidden, batch_size=64, max_iter=40, alpha=1e-4)
    ours, theirs = [], []
    for seed in range(3):
        ours.append(
            MLPClassifier(**settings, random_state=seed, n_iter_no_change=40)
            .fit(X_train, y_train)
            .score(X_test, y_test)
        )
        theirs.append(
            SkMLPClassifier(
                **settings,
                solver="adam",
                learning_rate_init=1e-3,
                random_state=seed,
                n_iter_no_change=40,
            )
            .fit(X_train, y_train)
            .score(X_test, y_test)
        )
    assert np.mean(ours) >= np.mean(theirs) - 0.01


def test_mlp_regressor_r2_close_to_sklearn():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        StandardScaler().fit_transform(X), y, random_state=0
    )
    settings = dict(hidden_layer_sizes=(32,), batch_size=32, max_iter=200, alpha=1e-4)
    ours = MLPRegressor(**settings, learning_rate=1e-2, random_state=0)
    theirs = SkMLPRegressor(**settings, learning_rate_init=1e-2, random_state=0)
    r2_ours = ours.fit(X_train, y_train).score(X_test, y_test)
    r2_theirs = theirs.fit(X_train, y_train).score(X_test, y_test)
    assert r2_ours >= r2_theirs - 0.02
