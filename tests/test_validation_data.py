"""fit(..., X_val=, y_val=, sample_weight_val=): your own early-stopping set, the
scoring it watches, the validation loss in history_, and the route through a
Pipeline."""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import log_loss, mean_absolute_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def _mlp(**params):
    return MLPClassifier(
        (8,),
        early_stopping=True,
        max_iter=40,
        learning_rate=1e-2,
        random_state=0,
        **params,
    )


def test_given_set_is_the_early_stopping_set(classification):
    X, X_val, y, y_val = classification
    model = _mlp().fit(X, y, X_val=X_val, y_val=y_val)
    # Every training row is trained on (no validation_fraction held out) ...
    assert model.t_ == model.n_iter_ * len(X)
    # ... and the best weights, restored, score best_validation_score_ on X_val.
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)
    assert model.validation_scores_ == [
        r["val_score"] for r in model.history_ if r["val_score"] is not None
    ]


def test_scoring_chooses_what_early_stopping_watches(classification):
    X, X_val, y, y_val = classification
    model = _mlp(scoring="neg_log_loss").fit(X, y, X_val=X_val, y_val=y_val)
    proba = model.predict_proba(X_val)
    assert model.best_validation_score_ == pytest.approx(-log_loss(y_val, proba))
    # The validation loss (log-loss without the penalty) sits beside the score.
    best = max(model.history_, key=lambda r: r["val_score"] or -np.inf)
    assert best["val_loss"] == pytest.approx(log_loss(y_val, proba), rel=1e-6)
    assert best["val_loss"] == pytest.approx(-best["val_score"], rel=1e-6)


def test_callable_scoring_and_weights():
    X, y = make_regression(n_samples=200, n_features=5, noise=5, random_state=0)
    X_val, y_val = X[150:], y[150:]
    w_val = np.random.default_rng(0).uniform(0.5, 2, 50)

    def neg_mae(estimator, X, y, sample_weight=None):
        pred = estimator.predict(X)
        return -mean_absolute_error(y, pred, sample_weight=sample_weight)

    model = MLPRegressor(
        (8,),
        early_stopping=True,
        max_iter=30,
        learning_rate=1e-2,
        scoring=neg_mae,
        random_state=0,
    ).fit(X[:150], y[:150], X_val=X_val, y_val=y_val, sample_weight_val=w_val)
    expected = -mean_absolute_error(y_val, model.predict(X_val), sample_weight=w_val)
    assert model.best_validation_score_ == pytest.approx(expected)


def test_exact_solver_records_the_validation_score():
    X, y = make_regression(n_samples=120, n_features=4, noise=1, random_state=0)
    model = LinearRegressor(early_stopping=True).fit(
        X[:100], y[:100], X_val=X[100:], y_val=y[100:]
    )
    assert model.validation_scores_ == [pytest.approx(model.score(X[100:], y[100:]))]
    residual = y[100:] - model.predict(X[100:])
    assert model.history_[-1]["val_loss"] == pytest.approx(np.mean(residual**2) / 2)


def test_bad_validation_input_is_refused_and_changes_nothing(classification):
    X, X_val, y, y_val = classification
    model = LinearClassifier().fit(X, y)
    before = model.coef_.copy()
    with pytest.raises(ValueError, match="early_stopping=True"):
        model.fit(X, y, X_val=X_val, y_val=y_val)
    with pytest.raises(ValueError, match="X_val and y_val together"):
        model.set_params(early_stopping=True).fit(X, y, X_val=X_val)
    with pytest.raises(ValueError, match="features"):
        model.fit(X, y, X_val=X_val[:, :3], y_val=y_val)
    np.testing.assert_array_equal(model.coef_, before)


def test_pipeline_routes_transformed_validation_data(classification):
    """scikit-learn's metadata routing with ``transform_input=["X_val"]``: the
    fitted scaler transforms X_val before it reaches the final step."""
    X, X_val, y, y_val = classification
    X, X_val = 10 * X + 3, 10 * X_val + 3  # the scaler matters
    with sklearn.config_context(enable_metadata_routing=True):
        step = _mlp().set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("mlp", step)], transform_input=["X_val"]
        )
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X)
    direct = _mlp().fit(
        scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
    )
    assert pipe[-1].validation_scores_ == direct.validation_scores_
    assert pipe.score(X_val, y_val) == pytest.approx(direct.best_validation_score_)


def test_cv_estimator_passes_the_set_to_every_fit(classification):
    X, X_val, y, y_val = classification
    model = MLPClassifierCV(
        (8,),
        alphas=[1e-3, 1e-1],
        cv=3,
        early_stopping=True,
        max_iter=20,
        learning_rate=1e-2,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert model.t_ == model.n_iter_ * len(X)  # the refit trained on every row
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)
