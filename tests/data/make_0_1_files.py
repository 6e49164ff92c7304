"""Write the 0.1 files of tests/test_persistence_moved.py (run with skweights 0.1).

Each case is saved with ``skweights.save`` (``*_0.1.skops``, where skops can write
it) and with ``pickle`` (``*_0.1.pkl``), beside the numbers it must give back
(``*_0.1_expected.npz``). The pickled states name the modules of 0.1 (for instance
``skweights.inspection.RegularizationPath``, ``skweights._explanation``), so the
tests fail if a type moves without an import path that still resolves.
Run from the repository root: ``PYTHONPATH=. python tests/data/make_0_1_files.py``.
"""

import pickle
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skweights
from skweights import LinearRegressor, LinearRegressorCV, MLPClassifier, MLPRegressor
from skweights.inspection import (
    diagnose_gradients,
    learning_rate_range,
    regularization_path,
)

HERE = Path(__file__).parent


def data():
    X, y = load_iris(return_X_y=True)
    Xd, yd = load_diabetes(return_X_y=True)
    return X[::5], y[::5], Xd[::10, :4], yd[::10] / 100


def cases():
    X, y, Xd, yd = data()
    mlp = MLPClassifier((4,), max_iter=4, record_weights=True, random_state=0)
    mlp.fit(X, y)
    net = MLPRegressor((3,), max_iter=3, random_state=0)
    pipe = make_pipeline(StandardScaler(), net)
    pipe.fit(Xd, yd)
    explanation = skweights.explain(pipe, Xd[:2])
    cv = LinearRegressorCV(cv=2, n_alphas=3).fit(Xd, yd)
    path = regularization_path(LinearRegressor(penalty="l1"), Xd, yd, [1.0, 0.1])
    probe = MLPRegressor((3,), random_state=0)
    lr_range = learning_rate_range(probe, Xd, yd, n_steps=10)
    diagnosis = diagnose_gradients(mlp)
    return {
        "mlp_history": (mlp, {"predict_proba": mlp.predict_proba(X)}),
        "explained_pipeline": (pipe, {"predict": pipe.predict(Xd)}),
        "explanation": (explanation, {"values": explanation.values}),
        "linear_cv": (cv, {"predict": cv.predict(Xd)}),
        "regularization_path": (path, {"coefs": path.coefs}),
        "lr_range": (lr_range, {"losses": np.asarray(lr_range.losses)}),
        "gradient_diagnosis": (diagnosis, {"values": diagnosis.to_numpy(float)}),
    }


def main():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        made = cases()
    for name, (obj, expected) in made.items():
        (HERE / f"{name}_0.1.pkl").write_bytes(pickle.dumps(obj, protocol=4))
        np.savez(HERE / f"{name}_0.1_expected.npz", **expected)
        try:
            skweights.save(obj, HERE / f"{name}_0.1.skops")
        except Exception as error:  # skops cannot write every type
            print(f"{name}: no skops file ({type(error).__name__}: {error})")


if __name__ == "__main__":
    main()
