"""
Choosing alpha with the CV estimators
=====================================

``LinearRegressorCV`` and ``MLPRegressorCV`` choose ``alpha`` by cross-validation
the way ``LassoCV`` does: on each fold they walk the whole grid of alphas, each fit
warm-started from the previous one, score every alpha on the held-out part, and
refit at the best one. The result is the base estimator fitted at ``alpha_``.

Here on scikit-learn's diabetes data, inside a pipeline with its scaler (which each
fold of an outer search would refit; inside the CV estimator, the folds see the
scaled data).
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearRegressorCV, MLPRegressorCV
from skweights.plotting import plot_cv_path

X, y = load_diabetes(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
folds = KFold(5, shuffle=True, random_state=0)

# %%
# A linear model: the same choice as LassoCV's grid search
# --------------------------------------------------------
# With an L1 penalty the folds run one coordinate-descent path each, over
# ``LassoCV``'s grid (100 alphas from the smallest alpha that zeroes every weight).
# ``GridSearchCV`` over the same alphas and folds, scored the same way (minus the
# mean squared error), refits a ``Lasso`` 500 times and picks the same alpha.
lasso_cv = make_pipeline(
    StandardScaler(), LinearRegressorCV(penalty="l1", cv=folds)
).set_output(transform="pandas")
lasso_cv.fit(X_train, y_train)
model = lasso_cv[-1]
search = GridSearchCV(
    make_pipeline(StandardScaler(), Lasso()),
    {"lasso__alpha": model.alphas_},
    cv=folds,
    scoring="neg_mean_squared_error",
).fit(X_train, y_train)
print(f"LinearRegressorCV alpha_ = {model.alpha_:.4g}")
print(f"GridSearchCV(Lasso)      = {search.best_params_['lasso__alpha']:.4g}")
print(f"features kept: {model.n_features_selected_} of {X.shape[1]}")
print(pd.Series(model.coef_, index=model.feature_names_in_).round(2))
ax = plot_cv_path(model)

# %%
# A network: one warm-started path per fold
# -----------------------------------------
# ``MLPRegressorCV`` fits each fold's grid from the weakest alpha to the strongest:
# the first fit trains the network, each later one starts from the previous
# solution and stops when its loss stops improving. The default scoring is the
# estimator's ``score`` (R²).
with warnings.catch_warnings():  # a few fits stop at max_iter
    warnings.simplefilter("ignore", ConvergenceWarning)
    mlp_cv = make_pipeline(
        StandardScaler(),
        MLPRegressorCV(
            (16,),
            alphas=np.logspace(-4, 0, 8),
            cv=folds,
            learning_rate=1e-2,
            max_iter=300,
            random_state=0,
        ),
    ).fit(X_train, y_train)
print(
    pd.DataFrame(mlp_cv[-1].cv_results_)[
        ["param_alpha", "mean_test_score", "std_test_score", "rank_test_score"]
    ].round(3)
)
ax = plot_cv_path(mlp_cv)

# %%
# Held-out scores
# ---------------
# Both CV estimators are fitted models: the pipelines predict directly.
for name, pipe in [("LinearRegressorCV", lasso_cv), ("MLPRegressorCV", mlp_cv)]:
    print(
        f"{name}: alpha_ = {pipe[-1].alpha_:.3g}, "
        f"test R2 = {pipe.score(X_test, y_test):.3f}"
    )
