"""scikit-learn's callback API (experimental, scikit-learn >= 1.9): one subtask per
epoch, on the estimators and through GridSearchCV."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor

callback = pytest.importorskip("sklearn.callback")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class EpochCounter:
    """An auto-propagated callback that records every task that ends."""

    max_propagation_depth = None

    def __init__(self):
        self.ended = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.ended.append((type(estimator).__name__, context.task_name))


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, random_state=0)


@pytest.mark.parametrize(
    "model",
    [
        MLPClassifier((8,), max_iter=7, random_state=0),
        LinearClassifier(optimizer="adam", max_iter=6, random_state=0),
        LinearClassifier(max_iter=5),  # L-BFGS: one step per iteration
    ],
    ids=["mlp-adam", "linear-adam", "linear-lbfgs"],
)
def test_scoring_monitor_sees_each_epoch(data, model):
    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model.set_callbacks(monitor).fit(X, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(rows) == model.n_iter_
    # The last epoch's network is the fitted one.
    assert rows[-1]["accuracy"] == pytest.approx(model.score(X, y))


def test_exact_solve_is_one_step():
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = X @ [1.0, 2.0, 3.0]
    counter = EpochCounter()
    LinearRegressor().set_callbacks(counter).fit(X, y)
    assert counter.ended == [("LinearRegressor", "epoch"), ("LinearRegressor", "fit")]


def test_callbacks_set_on_grid_search_reach_each_epoch(data):
    X, y = data
    counter = EpochCounter()
    search = GridSearchCV(
        MLPRegressor((4,), max_iter=3, tol=0, random_state=0),
        {"alpha": [1e-3, 1e-1]},
        cv=2,
    ).set_callbacks(counter)
    search.fit(X, y.astype(float))
    epochs = [task for name, task in counter.ended if name == "MLPRegressor"]
    # 4 fits (2 alphas x 2 folds) and the refit, 3 epochs each, plus their fit tasks.
    assert epochs.count("epoch") == 5 * 3
    assert epochs.count("fit") == 5


def test_without_callbacks_nothing_is_left_behind(data):
    X, y = data
    model = MLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    assert not [k for k in vars(model) if "callback" in k]


def test_cv_estimator_reports_the_refit(data):
    from skweights import LinearClassifierCV

    X, y = data
    counter = EpochCounter()
    model = LinearClassifierCV(alphas=[1e-2, 1e-1], cv=2).set_callbacks(counter)
    model.fit(X, y)
    tasks = [task for _, task in counter.ended]
    assert tasks.count("epoch") == model.n_iter_ and tasks[-1] == "fit"
