"""The three real data sets of the explanation benchmark (case 9), as pipelines.

Each ``load_*`` returns a :class:`Case`: raw training and explained rows (DataFrames,
strings kept), 100 raw background rows drawn from the training rows, and the
preprocessing (a ``ColumnTransformer``) that the models are fitted behind. Wage and
penguins are vendored in ``benchmarks/data`` (see its README for the sources and
licences); diabetes ships with scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA = Path(__file__).resolve().parent / "data"
N_BACKGROUND = 100
# "High earner": wage above $125k, 29% of the 3,000 workers (above $250k, the
# textbook's cut, leaves only 2.6% positives, too few to fit a network on).
WAGE_THRESHOLD = 125
WAGE_NUMERIC = ["year", "age"]
WAGE_CATEGORICAL = ["maritl", "race", "education", "jobclass", "health", "health_ins"]
PENGUIN_NUMERIC = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
]
PENGUIN_CATEGORICAL = ["island", "sex"]


@dataclass
class Case:
    """One data set, split and ready to fit and explain."""

    name: str
    task: str  # "classification" or "regression"
    X_train: pd.DataFrame
    y_train: np.ndarray
    X_test: pd.DataFrame
    background: pd.DataFrame
    numeric: list
    categorical: list

    def preprocessing(self) -> ColumnTransformer:
        """Standardized numeric columns and one-hot categorical columns."""
        steps = [("num", StandardScaler(), self.numeric)]
        if self.categorical:
            steps.append(("cat", OneHotEncoder(), self.categorical))
        return ColumnTransformer(steps)


def _split(name, task, X, y, numeric, categorical, n_explain) -> Case:
    X_train, X_test, y_train, _ = train_test_split(
        X,
        y,
        test_size=0.25,
        random_state=0,
        stratify=y if task != "regression" else None,
    )
    rng = np.random.default_rng(0)
    rows = rng.choice(len(X_train), N_BACKGROUND, replace=False)
    return Case(
        name,
        task,
        X_train,
        np.asarray(y_train),
        X_test.iloc[:n_explain],
        X_train.iloc[rows],
        numeric,
        categorical,
    )


def load_wage(n_explain: int = 200) -> Case:
    """ISLR Wage: is a worker a high earner? 2 numeric and 6 categorical columns."""
    frame = pd.read_csv(DATA / "wage.csv")
    X = frame[WAGE_NUMERIC + WAGE_CATEGORICAL]
    y = np.where(frame["wage"] > WAGE_THRESHOLD, "high", "not high")
    return _split(
        "Wage", "classification", X, y, WAGE_NUMERIC, WAGE_CATEGORICAL, n_explain
    )


def load_penguins(n_explain: int = 200) -> Case:
    """Palmer penguins: the species (3 classes); 4 numeric, 2 categorical columns."""
    frame = pd.read_csv(DATA / "penguins.csv").dropna().reset_index(drop=True)
    X = frame[PENGUIN_NUMERIC + PENGUIN_CATEGORICAL]
    return _split(
        "penguins",
        "classification",
        X,
        frame["species"].to_numpy(),
        PENGUIN_NUMERIC,
        PENGUIN_CATEGORICAL,
        n_explain,
    )


def load_diabetes_case(n_explain: int = 200) -> Case:
    """scikit-learn's diabetes: progression (standardized); 10 numeric columns."""
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    y = ((y - y.mean()) / y.std()).to_numpy()
    return _split("diabetes", "regression", X, y, list(X.columns), [], n_explain)


LOADERS = (load_wage, load_penguins, load_diabetes_case)
