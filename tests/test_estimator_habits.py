"""Small habits a user relies on (issue 30, findings 8 and 10): negative
``frozen_layers``, a warning when nothing trains, the optimizer factories'
signatures, ``SelectFromModel`` with its default getter, float32 kept with a
custom ``init_network``."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.preprocessing import StandardScaler

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    optimizers,
)

X, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# -- frozen_layers -------------------------------------------------------------------


@pytest.mark.parametrize("negative, positive", [((-1,), (1,)), ((-2,), (0,))])
def test_negative_frozen_layers_count_from_the_output_layer(negative, positive):
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    ours = MLPClassifier(frozen_layers=negative, **params).fit(X, Y)
    same = MLPClassifier(frozen_layers=positive, **params).fit(X, Y)
    for W, V in zip(ours.coefs_ + ours.intercepts_, same.coefs_ + same.intercepts_):
        np.testing.assert_array_equal(W, V)
    start = MLPClassifier(frozen_layers=(0, 1), **params)
    with pytest.warns(UserWarning, match="every layer is frozen"):
        start.fit(X, Y)
    layer = positive[0]
    np.testing.assert_array_equal(ours.coefs_[layer], start.coefs_[layer])
    assert not np.array_equal(ours.coefs_[1 - layer], start.coefs_[1 - layer])


@pytest.mark.parametrize("bad", [(2,), (-3,), (0.5,), (True,)])
def test_frozen_layers_out_of_range_say_both_ranges(bad):
    with pytest.raises(ValueError, match=r"layers 0\.\.1 \(or -2\.\.-1"):
        MLPClassifier((5,), frozen_layers=bad).fit(X, Y)


def test_freezing_every_layer_warns_that_nothing_trains():
    model = MLPRegressor((3,), frozen_layers=(0, -1), random_state=0)
    with pytest.warns(UserWarning, match=r"every layer is frozen.*n_iter_ = 0"):
        model.fit(X, X[:, 0])
    assert model.n_iter_ == 0


# -- factories -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY.entries))
def test_optimizer_factories_are_annotated_with_what_they_return(name):
    factory = getattr(optimizers, name)
    returned = inspect.signature(factory).return_annotation
    assert returned == type(factory()).__name__ != "None"
    # the parameters are the constructor's (get_params reads the same)
    assert list(inspect.signature(factory).parameters) == sorted(
        factory().get_params()
    ) or set(inspect.signature(factory).parameters) == set(factory().get_params())


def test_a_subclass_gets_its_own_factory_signature():
    class Mine(optimizers.Adam):
        def __init__(self, shrink: float = 0.5) -> None:
            self.shrink = shrink

    assert str(inspect.signature(Mine)) == "(shrink: 'float' = 0.5) -> 'Mine'"


# -- SelectFromModel -----------------------------------------------------------------


@pytest.mark.parametrize(
    "estimator, target",
    [
        (MLPClassifier((6,), max_iter=50, random_state=0), "class"),
        (MLPRegressor((6,), max_iter=50, random_state=0), "value"),
        (LinearClassifier(), "class"),
        (LinearRegressor(), "value"),
    ],
    ids=["MLPClassifier", "MLPRegressor", "LinearClassifier", "LinearRegressor"],
)
def test_select_from_model_works_with_its_default_importance_getter(estimator, target):
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(len(X), 3))
    data = np.hstack([X, noise])
    y = Y if target == "class" else X @ np.array([1.0, -2.0, 0.5, 3.0])
    selector = SelectFromModel(estimator).fit(data, y)
    kept = selector.get_support()
    assert 0 < kept.sum() < data.shape[1]
    assert selector.transform(data).shape == (len(data), kept.sum())


def test_mlp_feature_importances_are_the_shares_of_the_input_weight_norms():
    model = MLPClassifier((6,), max_iter=20, random_state=0).fit(X, Y)
    norms = np.linalg.norm(model.coefs_[0], axis=1)
    np.testing.assert_allclose(model.feature_importances_, norms / norms.sum())
    assert model.feature_importances_.sum() == pytest.approx(1.0)
    selector = SelectFromModel(model, prefit=True)
    mean = model.feature_importances_.mean()
    np.testing.assert_array_equal(
        selector.get_support(), model.feature_importances_ >= mean
    )
    assert not hasattr(MLPClassifier(), "feature_importances_")


# -- dtype ---------------------------------------------------------------------------


class _Float64Network:
    """A custom whole-network initializer that ignores the dtype it is given."""

    def __call__(self, shape, rng, dtype=np.float64):  # an initializer's form
        raise AssertionError("init_network is used")

    def init_network(self, shapes, rng, dtype=np.float64):
        coefs = [rng.normal(size=shape).astype(dtype) for shape in shapes]
        intercepts = [np.full(n_out, 0.1) for _, n_out in shapes]  # float64
        return coefs, intercepts


@pytest.mark.parametrize(
    "params",
    [
        dict(optimizer="adam"),  # one fused flat array
        dict(optimizer="sgd", frozen_layers=(0,)),  # arrays apart
        dict(optimizer="lbfgs"),
    ],
    ids=["fused", "per-array", "full-batch"],
)
def test_float32_stays_float32_with_float64_intercepts_from_init_network(params):
    X32 = X.astype(np.float32)
    model = MLPRegressor((4,), initializer=_Float64Network(), max_iter=3, **params)
    model.fit(X32, X32[:, 0])
    assert {a.dtype for a in model.coefs_ + model.intercepts_} == {np.dtype("float32")}
    assert model.predict(X32).dtype == np.float32


def test_fuse_takes_the_weights_dtype():
    from skweights._training import _flatten

    coefs = [np.ones((2, 3), np.float32), np.ones((3, 1), np.float32)]
    intercepts = [np.zeros(3), np.zeros(1)]  # float64
    flat = _flatten(coefs, intercepts)
    assert flat.dtype == np.float32
    assert all(a.dtype == np.float32 for a in coefs + intercepts)
    assert all(np.shares_memory(a, flat) for a in coefs + intercepts)
