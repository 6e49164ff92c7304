"""Parameter checks shared by the building blocks.

Components validate their parameters when used, never in ``__init__``; each check
returns the converted value or raises a ``ValueError`` naming the owner, the
parameter and the accepted range.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_real(
    owner: str,
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_closed: bool = True,
    high_closed: bool = True,
) -> float:
    """Return ``value`` as a float if it is a real in the interval, else raise."""
    # Plain floats take the fast path: optimizers check their rate at every step.
    ok = type(value) is float or (
        isinstance(value, numbers.Real) and not isinstance(value, bool)
    )
    if ok:
        value = float(value)
        ok = math.isfinite(value)
        if ok and low is not None:
            ok = value >= low if low_closed else value > low
        if ok and high is not None:
            ok = value <= high if high_closed else value < high
    if not ok:
        left = "-inf" if low is None else repr(low)
        right = "inf" if high is None else repr(high)
        interval = (
            f"{'[' if low_closed and low is not None else '('}{left}, "
            f"{right}{']' if high_closed and high is not None else ')'}"
        )
        raise ValueError(
            f"{owner}: {name} must be a real number in {interval}, got {value!r}."
        )
    return value


def check_int(owner: str, name: str, value: Any, low: int) -> int:
    """Return ``value`` as an int if it is an integer ``>= low``, else raise."""
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < low
    ):
        raise ValueError(
            f"{owner}: {name} must be an integer in [{low}, inf), got {value!r}."
        )
    return int(value)


def check_bool(owner: str, name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is one, else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {value!r}.")
    return bool(value)


def as_float(values: Any) -> np.ndarray:
    """``values`` as an ndarray of a floating dtype (float arrays are kept as is)."""
    values = np.asarray(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return values


def check_param(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> None:
    """Check an estimator parameter; raise a ValueError naming it and its range.

    The estimators' form of :func:`check_real`/:func:`check_int`: the message says
    "the 'alpha' parameter", as scikit-learn's do, and nothing is returned.
    """
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        ok = np.isfinite(value)
        if low is not None:
            ok = ok and (value > low if low_open else value >= low)
        if high is not None:
            ok = ok and (value < high if high_open else value <= high)
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        interval = f"{lo}{'-inf' if low is None else low}, "
        interval += f"{'inf' if high is None else high}{hi}"
        what = "an integer" if integer else "a real number"
        raise ValueError(
            f"{owner}: the {name!r} parameter must be {what} in {interval}; "
            f"got {value!r}."
        )
