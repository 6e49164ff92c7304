"""scikit-learn's own estimator checks, for every estimator and a few configurations.

No check is skipped or expected to fail.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.optimizers import sgd

ESTIMATORS = [
    LinearRegressor(),
    LinearClassifier(),
    MLPRegressor(hidden_layer_sizes=(16,), random_state=0),
    MLPClassifier(hidden_layer_sizes=(32,), random_state=0),
    LinearRegressor(penalty="l1", alpha=1e-3),
    LinearClassifier(penalty="l1", alpha=1e-3),
    # Some checks fit on unscaled data (features near 100), where SGD at this rate
    # diverges: keep_best returns the best epoch with a DivergenceWarning (the
    # default raises, as a diverging fit must).
    LinearClassifier(
        optimizer=sgd(momentum=0.9),
        learning_rate=0.05,
        random_state=0,
        on_divergence="keep_best",
    ),
    MLPClassifier(
        hidden_layer_sizes=(32,),
        optimizer="sgd",
        learning_rate=0.05,
        random_state=0,
        on_divergence="keep_best",
    ),
    MLPRegressor(
        hidden_layer_sizes=(16,),
        penalty="l1",
        alpha=1e-4,
        learning_rate=1e-2,
        random_state=0,
    ),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
