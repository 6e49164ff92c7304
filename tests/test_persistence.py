"""skweights.save / skweights.load (skops), pickle and joblib round trips."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_training_loop import standard_data

import skweights
from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.optimizers import adam

pytest.importorskip("skops")

MODELS = {
    "LinearRegressor": lambda: LinearRegressor(),
    "LinearClassifier": lambda: LinearClassifier(penalty="l1", alpha=1e-3),
    "MLPRegressor": lambda: MLPRegressor((6,), optimizer="adam", random_state=0),
    "MLPClassifier": lambda: MLPClassifier(
        (6, 4), optimizer="sgd", schedule="adaptive", random_state=0
    ),
}


class ForeignInitializer:
    """Not a skweights type: a file holding it must not load by default."""

    def __call__(self, shape, rng, dtype=np.float64):
        return rng.normal(scale=0.1, size=shape).astype(dtype)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(name, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 5))
    if name.endswith("Classifier"):
        return X, np.arange(60) % 3
    return X, X @ rng.normal(size=5)


def _fitted(name):
    X, y = _data(name)
    return MODELS[name]().set_params(max_iter=20).fit(X, y), X, y


def _skops_round_trip(model, tmp_path):
    return skweights.load(skweights.save(model, tmp_path / "model.skops"))


def _pickle_round_trip(model, tmp_path):
    return pickle.loads(pickle.dumps(model))


def _joblib_round_trip(model, tmp_path):
    joblib.dump(model, tmp_path / "model.joblib")
    return joblib.load(tmp_path / "model.joblib")


@pytest.mark.parametrize(
    "round_trip", [_skops_round_trip, _pickle_round_trip, _joblib_round_trip]
)
@pytest.mark.parametrize("name", MODELS)
def test_round_trip_gives_identical_predictions_and_continues_exactly(
    name, round_trip, tmp_path
):
    model, X, y = _fitted(name)
    restored = round_trip(model, tmp_path)
    assert type(restored) is type(model)
    assert restored.get_params().keys() == model.get_params().keys()
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    for W, W0 in zip(restored.coefs_, model.coefs_):
        np.testing.assert_array_equal(W, W0)
    assert restored.history_.to_frame().equals(model.history_.to_frame())
    # The random generator and optimizer state travel too: training continues
    # bitwise as it would have without the round trip.
    for m in (model, restored):
        m.partial_fit(X, y)
    for W, W0 in zip(restored.coefs_, model.coefs_):
        np.testing.assert_array_equal(W, W0)


def test_skops_loads_a_pipeline_and_float32_weights(tmp_path):
    X, y = _data("MLPRegressor")
    X = X.astype(np.float32)
    pipe = make_pipeline(StandardScaler(), MLPRegressor((4,), random_state=0))
    pipe.fit(X, y)
    restored = _skops_round_trip(pipe, tmp_path)
    assert restored[-1].coefs_[0].dtype == np.float32
    np.testing.assert_array_equal(restored.predict(X), pipe.predict(X))


def test_a_foreign_type_is_refused_unless_listed(tmp_path):
    X, y = _data("MLPRegressor")
    model = MLPRegressor((4,), initializer=ForeignInitializer(), random_state=0)
    path = skweights.save(model.fit(X, y), tmp_path / "foreign.skops")
    name = f"{ForeignInitializer.__module__}.ForeignInitializer"
    with pytest.raises(ValueError, match=r"trusted=\[.*ForeignInitializer") as info:
        skweights.load(path)
    assert name in str(info.value)
    restored = skweights.load(path, trusted=[name])
    assert isinstance(restored.initializer, ForeignInitializer)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


@pytest.mark.parametrize(
    "module, name",
    [
        # a foreign class: os._wrap_close runs code on close
        ("os", "_wrap_close"),
        # a foreign object reached through a skweights module
        ("skweights._training", "copy"),
        # a name that merely looks like skweights
        ("skweights.evil", "Payload"),
    ],
)
def test_a_tampered_file_is_refused(tamper, tmp_path, module, name):
    model, X, _ = _fitted("LinearRegressor")
    path = skweights.save(model, tmp_path / "model.skops")
    tamper(path, b'"skweights._training"', f'"{module}"'.encode())
    tamper(path, b'"TrainingState"', f'"{name}"'.encode())
    with pytest.raises(ValueError, match=f"{module}.{name}"):
        skweights.load(path)


@pytest.mark.parametrize("trusted", ["my.Type", True, [1]])
def test_trusted_must_be_a_list_of_type_names(tmp_path, trusted):
    model, _, _ = _fitted("LinearRegressor")
    path = skweights.save(model, tmp_path / "model.skops")
    with pytest.raises(ValueError, match="trusted must"):
        skweights.load(path, trusted=trusted)


def test_an_unfitted_model_round_trips_with_its_components(tmp_path):
    from skweights.optimizers import sgd

    model = MLPClassifier((3,), optimizer=sgd(momentum=0.5), penalty="elasticnet")
    restored = _skops_round_trip(model, tmp_path)
    assert restored.optimizer.get_params() == model.optimizer.get_params()
    assert not hasattr(restored, "coefs_")


@pytest.mark.parametrize("round_trip", [_skops_round_trip, _pickle_round_trip])
def test_saved_files_hold_the_background_rows_unless_dropped(round_trip, tmp_path):
    """What the docs' warning says: up to 100 training rows ship in saved files,
    ``background_ = None`` drops them, and explain then takes ``background=``."""
    X, y = _data("MLPRegressor")
    X = np.vstack([X, X + 1.0])  # 120 rows: more than are kept
    y = np.concatenate([y, y])
    pipe = make_pipeline(StandardScaler(), MLPRegressor((4,), random_state=0))
    pipe.fit(X, y)
    kept = round_trip(pipe, tmp_path)[-1].background_
    assert kept.shape == (100, X.shape[1])
    rows = {tuple(row) for row in pipe[0].transform(X)}
    assert all(tuple(row) in rows for row in kept)  # training rows, as scaled
    pipe[-1].background_ = None
    restored = round_trip(pipe, tmp_path)
    assert restored[-1].background_ is None
    with pytest.raises(ValueError, match="background="):
        skweights.explain(restored, X[:3])
    explanation = skweights.explain(restored, X[:3], background=X[:20])
    np.testing.assert_allclose(
        explanation.values.sum(axis=1) + explanation.base_values,
        restored.predict(X[:3]),
        atol=1e-8,
    )


# -- the trust check: which names load takes as skweights' own -------------------------
@pytest.mark.parametrize(
    "name, own",
    [
        ("skweights._training.History", True),
        # functions are never trusted (a file could hand skweights.save to a
        # FunctionTransformer); test_names_resolve_to_what_they_denote resolves them
        ("skweights._network.forward", False),
        ("skweights._training.History.to_frame", False),  # a nested qualified name
        ("skweights.linear.LinearRegressor", True),
        ("skweights", False),  # a package, no object
        ("skweights.nowhere.Thing", False),
        ("skweights._training.History.nothing", False),
        ("skweights._network.np", False),  # a foreign module
        ("skweights._base.Objective", False),  # defined in _network, not _base
        # a classmethod resolves to a bound method (neither class nor function):
        # _is_own_type mutant 10 ("and" -> "or") would trust any resolved object
        ("skweights._training.History.from_columns", False),
    ],
)
def test_own_types_are_the_classes_defined_in_skweights(name, own):
    # _is_own_type mutants 17, 23, 26, 37, 40: the name is resolved (module, then
    # attributes) and must be a class defined under exactly that name.
    from skweights._persistence import _is_own_type

    assert _is_own_type(name) is own


def test_names_resolve_to_what_they_denote():
    # _resolve: a module, then attributes, nested qualified names included.
    from skweights._network import forward
    from skweights._persistence import _resolve
    from skweights._training import History

    assert _resolve("skweights._network.forward", "skweights") is forward
    assert _resolve("skweights._training.History.to_frame", "skweights") is (
        History.to_frame
    )


@pytest.mark.parametrize(
    "module, name",
    [
        # foreign classes and functions that skweights modules import: resolving
        # them through skweights must not make them skweights' own
        ("skweights._base", "train_test_split"),
        ("skweights._training", "ConvergenceWarning"),
        ("skweights._training", "dataclass"),
        # a skweights class under another module's name: a re-export
        ("skweights", "LinearRegressor"),
        ("skweights._base", "Objective"),
    ],
)
def test_load_refuses_foreign_types_reached_through_skweights(
    tamper, tmp_path, module, name
):
    pytest.importorskip("skops")
    X, y = standard_data(n=20)
    path = skweights.save(LinearRegressor(max_iter=2).fit(X, y), tmp_path / "m.skops")
    tamper(path, b'"skweights._training"', f'"{module}"'.encode())
    tamper(path, b'"TrainingState"', f'"{name}"'.encode())
    with pytest.raises(ValueError, match=f"{module}.{name}"):
        skweights.load(path)


def test_load_trusts_skweights_own_types_without_a_list(tmp_path):
    pytest.importorskip("skops")
    X, y = standard_data(n=20)
    model = MLPRegressor((3,), optimizer=adam(epsilon=1e-7), max_iter=2).fit(X, y)
    restored = skweights.load(skweights.save(model, tmp_path / "m.skops"))
    assert restored.optimizer.epsilon == 1e-7
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
