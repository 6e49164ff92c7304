"""Parameter checks: one range check for the components, one table for the estimators.

Components validate their parameters when used, never in ``__init__``, with
:func:`check_real` (its ``integer=True`` form, :func:`check_int`, for counts) and
:func:`check_bool`: each returns the converted value or raises a ``ValueError``
naming the owner, the parameter and the accepted range. Estimators declare theirs in
a ``_parameter_constraints`` table (a parameter name mapped to an :class:`Interval`,
:class:`Options` or a tuple of them, any of which may accept the value), as
scikit-learn's ``_parameter_constraints``; :func:`check_parameters` reads it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np


def _interval_text(
    low: float | None, high: float | None, low_open: bool, high_open: bool
) -> str:
    left = "(-inf" if low is None else f"{'(' if low_open else '['}{low!r}"
    right = "inf)" if high is None else f"{high!r}{')' if high_open else ']'}"
    return f"{left}, {right}"


def check_real(
    owner: str,
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float:
    """Return ``value`` as a float (an int with ``integer``) if in range, else raise.

    The package's one range check. The bounds are closed unless ``low_open`` /
    ``high_open``; None means unbounded. The message reads
    ``"{owner}: {name} must be a real number in [low, high); got value."``.
    """
    # Plain floats take the fast path: optimizers check their rate at every step.
    if integer:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        ok = type(value) is float or (
            isinstance(value, numbers.Real) and not isinstance(value, bool)
        )
    if ok:
        value = int(value) if integer else float(value)
        ok = integer or math.isfinite(value)
        if ok and low is not None:
            ok = value > low if low_open else value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
    if not ok:
        what = Interval(low, high, low_open, high_open, integer).describe()
        raise ValueError(f"{owner}: {name} must be {what}; got {value!r}.")
    return value


def check_int(owner: str, name: str, value: Any, low: int) -> int:
    """``check_real(owner, name, value, low, integer=True)``: an integer ``>= low``."""
    return check_real(owner, name, value, low, integer=True)


def check_bool(owner: str, name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is one, else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False; got {value!r}.")
    return bool(value)


def as_float(values: Any) -> np.ndarray:
    """``values`` as an ndarray of a floating dtype (float arrays are kept as is)."""
    values = np.asarray(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return values


# ------------------------------------------------------------ the estimators' table
class Interval(NamedTuple):
    """Real numbers (or integers) between two bounds, closed unless said open.

    ``hint(value)`` may add advice to the message for a value it recognises.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    note: str | None = None
    hint: Callable[[Any], str] | None = None

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` lies in the interval (as :func:`check_real` checks)."""
        try:
            check_real(
                "",
                "",
                value,
                self.low,
                self.high,
                low_open=self.low_open,
                high_open=self.high_open,
                integer=self.integer,
            )
        except ValueError:
            return False
        return True

    def describe(self) -> str:
        """What the interval accepts, in words."""
        if self.integer and self.high is None and not self.low_open:
            text = f"an integer >= {self.low!r}"
        else:
            kind = "an integer" if self.integer else "a real number"
            text = f"{kind} in " + _interval_text(
                self.low, self.high, self.low_open, self.high_open
            )
        return text if self.note is None else f"{text} ({self.note})"

    def words(self) -> list[str]:
        """The interval in words, as a one-item list (see :class:`Options`)."""
        return [self.describe()]


class Options(NamedTuple):
    """Exact values (strings, True/False, ``np.inf``), each with an optional note."""

    values: Mapping[Any, str | None]

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is one of the options, of the same kind."""
        return any(_same(value, option) for option in self.values)

    def describe(self) -> str:
        """The options, in words (``'raise' (note) or 'keep_best' (note)``)."""
        return _either(self.words())

    def words(self) -> list[str]:
        """Each option in words, with its note."""
        return [
            repr(option) if note is None else f"{option!r} ({note})"
            for option, note in self.values.items()
        ]


def _either(words: list[str]) -> str:
    """``"a"``, ``"a or b"``, ``"a, b or c"``."""
    return words[-1] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _same(value: Any, option: Any) -> bool:
    if isinstance(option, bool):  # True/False: never 1 or 0
        return isinstance(value, (bool, np.bool_)) and bool(value) is option
    if isinstance(option, str):
        return isinstance(value, str) and value == option
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and value == option
    )


#: A flag: True or False (numpy's booleans too).
FLAG = Options({True: None, False: None})

Rule = Interval | Options | tuple


def check_parameter(owner: str, name: str, value: Any, rule: Rule) -> None:
    """Raise a ValueError unless one of ``rule``'s constraints accepts ``value``.

    The message reads ``"{owner}: the {name!r} parameter must be {what}; got
    {value!r}."``, as scikit-learn's name the parameter.
    """
    rules = (rule,) if hasattr(rule, "accepts") else rule
    if any(r.accepts(value) for r in rules):
        return
    what = _either([word for r in rules for word in r.words()])
    hints = "".join(
        r.hint(value) for r in rules if getattr(r, "hint", None) is not None
    )
    raise ValueError(
        f"{owner}: the {name!r} parameter must be {what}; got {value!r}.{hints}"
    )


def check_parameters(estimator: Any) -> None:
    """Check every parameter of ``estimator._parameter_constraints``, in its order."""
    owner = type(estimator).__name__
    for name, rule in estimator._parameter_constraints.items():
        check_parameter(owner, name, getattr(estimator, name), rule)
