"""scikit-learn's own estimator checks, for every estimator and a few configurations."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.optimizers import sgd

# Each reason is one a scikit-learn maintainer accepts for iterative solvers
# (scikit-learn marks the same checks for its own SGD and MLP estimators).
_ITERATIVE = (
    "the solver stops at `tol`, so weighting and repeating samples give solutions "
    "that agree to the tolerance, not to the check's 1e-7"
)
_MINIBATCH = (
    "minibatch training visits repeated samples in different batches than weighted "
    "ones, so the two fits follow different stochastic paths"
)


def _expected_failed_checks(estimator):
    failures = {
        "check_sample_weight_equivalence_on_dense_data": _ITERATIVE,
        "check_sample_weight_equivalence_on_sparse_data": _ITERATIVE,
    }
    optimizer = estimator.get_params().get("optimizer")
    if isinstance(estimator, (MLPClassifier, MLPRegressor)) or optimizer not in (
        "auto",
        "lbfgs",
        "fista",
    ):
        failures = dict.fromkeys(failures, _MINIBATCH)
    return failures


ESTIMATORS = [
    LinearRegressor(),
    LinearClassifier(),
    MLPRegressor(hidden_layer_sizes=(16,), random_state=0),
    MLPClassifier(hidden_layer_sizes=(16,), random_state=0),
    LinearRegressor(penalty="l1", alpha=1e-3),
    LinearClassifier(penalty="l1", alpha=1e-3),
    LinearClassifier(optimizer=sgd(momentum=0.9), learning_rate=0.05, random_state=0),
    MLPClassifier(
        hidden_layer_sizes=(16,), optimizer="sgd", learning_rate=0.05, random_state=0
    ),
    MLPRegressor(
        hidden_layer_sizes=(16,), penalty="l1", alpha=1e-4, learning_rate=1e-2,
        random_state=0,
    ),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
