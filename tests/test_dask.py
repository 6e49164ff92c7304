"""Scaling out on Dask: the ``skweights[distributed]`` extra.

The tests start their own two-process ``LocalCluster`` on loopback and close it
(``explain``'s row-parallel tests a cheaper one-process cluster with two threads).
They are skipped only when the extra is not installed.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweights import LinearClassifier, MLPClassifier, MLPRegressor, explain

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


@pytest.fixture(scope="module")
def thread_client():
    """A one-process cluster (threads): cheap to start, enough for row-parallelism."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=False,
            threads_per_worker=1,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.mark.parametrize("method", ["exact", "sampling", "deep"])
def test_explain_runs_row_parallel_on_dask_arrays(thread_client, method):
    X, y = make_regression(n_samples=400, n_features=5, random_state=0)
    model = MLPRegressor((8,), max_iter=20, random_state=0).fit(X, y / y.std())
    options = dict(method=method, random_state=0)
    dX = da.from_array(X[:90], chunks=(30, 5))
    lazy = explain(model, dX, X[300:330], **options)
    assert isinstance(lazy, da.Array) and lazy.numblocks[0] == 3
    with distributed.get_task_stream(thread_client) as tasks:
        values = thread_client.compute(lazy).result()
    assert len(tasks.data) >= 3
    expected = explain(model, X[:90], X[300:330], **options).values
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-13)


def test_explain_takes_a_dask_dataframe_through_a_pipeline(thread_client):
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "age": rng.uniform(20, 70, 300),
            "city": rng.choice(["north", "south", "east"], 300),
            "score": rng.normal(size=300),
        }
    )
    y = (frame["age"] / 50 + (frame["city"] == "north")).to_numpy() > 1
    pipe = make_pipeline(
        make_column_transformer(
            (StandardScaler(), ["age", "score"]), (OneHotEncoder(), ["city"])
        ),
        MLPClassifier((6,), max_iter=20, random_state=0),
    ).fit(frame, y)
    background = frame.iloc[200:230]
    lazy = explain(
        pipe, dd.from_pandas(frame.iloc[:60], npartitions=3), background,
        output="probability",
    )  # fmt: skip
    values = thread_client.compute(lazy).result()
    expected = explain(pipe, frame.iloc[:60], background, output="probability")
    np.testing.assert_allclose(values, expected.values, rtol=0, atol=1e-13)
