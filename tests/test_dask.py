"""Scaling out on Dask: the ``skweights[distributed]`` extra.

The tests start their own two-process ``LocalCluster`` on loopback and close it.
They are skipped only when the extra is not installed.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, MLPClassifier, MLPRegressor

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
wrappers = pytest.importorskip("dask_ml.wrappers")
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.slow
CHUNK = 250


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _classification():
    X, y = make_classification(
        n_samples=2000, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return train_test_split(StandardScaler().fit_transform(X), y, random_state=0)


def _in_process_partial_fit(model, X, y, **kwargs):
    for start in range(0, len(y), CHUNK):
        model.partial_fit(X[start : start + CHUNK], y[start : start + CHUNK], **kwargs)
    return model


@pytest.mark.parametrize(
    "make", [lambda: LinearClassifier(learning_rate=0.01, random_state=0),
             lambda: MLPClassifier((16,), learning_rate=0.01, random_state=0)],
    ids=["LinearClassifier", "MLPClassifier"],
)  # fmt: skip
def test_incremental_drives_partial_fit_over_dask_blocks(client, make):
    X_train, X_test, y_train, y_test = _classification()
    dX = da.from_array(X_train, chunks=(CHUNK, X_train.shape[1]))
    dy = da.from_array(y_train, chunks=CHUNK)
    classes = np.unique(y_train)

    # In block order, the cluster computes exactly what the local loop computes.
    with distributed.get_task_stream(client) as tasks:
        ordered = wrappers.Incremental(make(), shuffle_blocks=False)
        ordered.fit(dX, dy, classes=classes)
    workers = set(client.scheduler_info()["workers"])
    assert tasks.data and {task["worker"] for task in tasks.data} <= workers
    local = _in_process_partial_fit(make(), X_train, y_train, classes=classes)
    for W, W_local in zip(ordered.estimator_.coefs_, local.coefs_):
        np.testing.assert_array_equal(W, W_local)

    # Shuffled blocks (the default) reach a comparable accuracy.
    shuffled = wrappers.Incremental(make(), random_state=0)
    shuffled.fit(dX, dy, classes=classes)
    accuracy = shuffled.estimator_.score(X_test, y_test)
    assert accuracy >= local.score(X_test, y_test) - 0.05
    assert accuracy > 0.6  # chance is 1/3


def test_incremental_regressor(client):
    X, y = make_regression(n_samples=1000, n_features=5, noise=1.0, random_state=0)
    y = y / y.std()
    dX = da.from_array(X, chunks=(CHUNK, 5))
    dy = da.from_array(y, chunks=CHUNK)
    model = MLPRegressor((8,), learning_rate=0.01, random_state=0)
    inc = wrappers.Incremental(model, shuffle_blocks=False).fit(dX, dy)
    local = _in_process_partial_fit(
        MLPRegressor((8,), learning_rate=0.01, random_state=0), X, y
    )
    np.testing.assert_array_equal(inc.estimator_.predict(X), local.predict(X))


@pytest.mark.parametrize(
    "make",
    [
        lambda: LinearClassifier(),
        lambda: MLPClassifier((8,), max_iter=30, random_state=0),
    ],
    ids=["LinearClassifier", "MLPClassifier"],
)
def test_grid_search_on_the_cluster_matches_in_process(client, make):
    X_train, _, y_train, _ = _classification()
    grid = {"alpha": [1e-4, 1e-2, 1.0]}
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_config(backend="dask"):
            remote = GridSearchCV(make(), grid, cv=3).fit(X_train, y_train)
    # The fits ran on the cluster's workers, not in this process.
    workers = set(client.scheduler_info()["workers"])
    assert tasks.data and {task["worker"] for task in tasks.data} <= workers
    local = GridSearchCV(make(), grid, cv=3).fit(X_train, y_train)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    for W, W_local in zip(remote.best_estimator_.coefs_, local.best_estimator_.coefs_):
        np.testing.assert_array_equal(W, W_local)
