"""Saved files: the history once and as arrays, file size, and saved searches."""

import pickle
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skweights
from skweights import LinearClassifier, MLPClassifier, MLPRegressor
from skweights._training import History, TrainingState

pytest.importorskip("skops")


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_a_saved_mlp_pipeline_is_within_twice_pickles_size(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPRegressor((16,), random_state=0))
    pipe.fit(X, y / 100)
    assert pipe[-1].n_iter_ >= 100  # a long history
    path = skweights.save(pipe, tmp_path / "pipe.skops")
    size, pickled = path.stat().st_size, len(pickle.dumps(pipe))
    assert size <= 2 * pickled, (size, pickled)
    with zipfile.ZipFile(path) as archive:
        schema = archive.read("schema.json").decode()
    assert '"history_"' not in schema  # stored once, in the training state
    assert '"grad_norms"' in schema
    restored = skweights.load(path)
    np.testing.assert_array_equal(restored.predict(X), pipe.predict(X))
    assert restored[-1].history_ == pipe[-1].history_
    assert restored[-1].history_ is restored[-1]._training_state.history


def test_history_columns_round_trip_exactly():
    history = History(
        [
            {"epoch": 0, "loss": 1.5, "val_score": None, "learning_rate": None,
             "grad_norms": [1.0, np.nan], "event": None},
            {"epoch": 1, "loss": np.inf, "val_score": 0.5, "learning_rate": 0.1,
             "grad_norms": [2.0, 3.0], "event": "diverged"},
        ]
    )  # fmt: skip
    columns = history.to_columns()
    assert isinstance(columns["loss"], np.ndarray)
    assert columns["grad_norms"].shape == (2, 2)
    assert columns["val_score:none"].tolist() == [True, False]
    restored = History.from_columns(columns)
    assert restored[0]["val_score"] is None and restored[1]["event"] == "diverged"
    assert isinstance(restored[0]["epoch"], int)
    assert restored.to_frame().equals(history.to_frame())
    assert History.from_columns(History().to_columns()) == []


def test_a_training_state_saved_by_an_older_version_still_loads():
    """Before: the history as a list of dicts and fewer fields."""
    old = {
        "rng": np.random.default_rng(0),
        "optimizer_state": None,
        "schedule_state": None,
        "n_iter": 2,
        "best_loss": 0.5,
        "best_val_score": -np.inf,
        "no_improvement": 0,
        "history": History([{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 0.5}]),
        "best_params": None,
        "trainable": None,
    }
    state = TrainingState.__new__(TrainingState)
    state.__setstate__(old)
    assert state.history["loss"].tolist() == [1.0, 0.5]
    assert state.schedule_epoch == 0 and state.best_epoch == 0


@pytest.mark.parametrize(
    "scoring", [None, "accuracy", ["accuracy", "f1_macro"]], ids=str
)
def test_a_saved_grid_search_of_skweights_estimators_loads(tmp_path, scoring):
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MLPClassifier((4,), max_iter=20)),
        {"mlpclassifier__alpha": [1e-3, 1e-1]},
        cv=StratifiedKFold(3),
        scoring=scoring,
        refit="accuracy" if isinstance(scoring, list) else True,
    ).fit(X, y)
    restored = skweights.load(skweights.save(search, tmp_path / "search.skops"))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))
    assert restored.best_params_ == search.best_params_


def _my_metric(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


def test_a_custom_scorer_function_is_still_refused(tmp_path):
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        LinearClassifier(), {"alpha": [0.1, 1.0]}, cv=2, scoring=make_scorer(_my_metric)
    ).fit(X, y)
    path = skweights.save(search, tmp_path / "search.skops")
    with pytest.raises(ValueError, match="_my_metric"):
        skweights.load(path)
    name = f"{__name__}._my_metric"
    restored = skweights.load(path, trusted=[name])
    assert restored.best_params_ == search.best_params_


@pytest.mark.parametrize(
    "name",
    [
        "sklearn.utils._bunch.Bunch",  # a scikit-learn class: no splitter or scorer
        "sklearn.metrics.pairwise.pairwise_distances",  # a function: no named metric
        "sklearn.metrics._classification.fbeta_score",  # a metric no scorer names
        "sklearn.utils.validation.check_array",
    ],
)
def test_only_splitters_scorers_and_named_metrics_of_sklearn_are_trusted(name):
    from skweights._persistence import _is_sklearn_search_part, _resolve

    # Each name denotes a real scikit-learn object, so it is refused for what it
    # is, not because it does not resolve.
    assert _resolve(name, "sklearn") is not None
    assert not _is_sklearn_search_part(name)
    assert _is_sklearn_search_part("sklearn.model_selection._split.KFold")
    assert _is_sklearn_search_part("sklearn.metrics._classification.accuracy_score")


@pytest.mark.parametrize(
    "name",
    [
        "sklearn.model_selection._split.np",  # a module reached through scikit-learn
        "sklearn.model_selection.KFoldEvil",  # a name that does not exist
        "sklearn.metrics.pairwise_distances",  # re-exported: not where it is defined
    ],
)
def test_sklearn_names_that_do_not_denote_a_definition_are_refused(name):
    from skweights._persistence import _is_sklearn_search_part, _resolve

    assert _resolve(name, "sklearn") is None
    assert not _is_sklearn_search_part(name)
