"""Save and load fitted models in skops' secure format.

A pickle can run any code when it is loaded; a skops file only rebuilds the types
its loader is told to trust. :func:`load` trusts skweights' own classes and what
skops already treats as safe (builtins, numpy, scipy and scikit-learn types) and
refuses a file holding anything else unless the caller names it in ``trusted``.

Everything a fitted estimator holds is saved, the private training state included
(the random generator, the optimizer's moments, the schedule and the history), so
``partial_fit`` and ``warm_start`` continue after :func:`load` exactly as they would
have without the round trip.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_OWN_PACKAGE = "skweights"


def _skops_io():
    try:
        import skops.io
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skweights.save and skweights.load need skops; install it with "
            "`pip install skweights[persist]` (or `pip install skops`)."
        ) from error
    return skops.io


def save(model: Any, path: str | os.PathLike) -> Path:
    """Save a model to ``path`` in skops' secure format.

    Parameters
    ----------
    model : object
        Usually a fitted skweights estimator, or a scikit-learn ``Pipeline`` or
        search containing one. Unfitted models are saved too.
    path : str or path-like
        The file to write (conventionally ``*.skops``); it is overwritten.

    Returns
    -------
    path : pathlib.Path
        The file written.

    See Also
    --------
    load : read it back, refusing unknown types.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_iris
    >>> from skweights import LinearClassifier, load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LinearClassifier().fit(X, y)
    >>> path = save(model, Path(tempfile.mkdtemp()) / "model.skops")
    >>> bool((load(path).predict(X) == model.predict(X)).all())
    True
    """
    path = Path(path)
    _skops_io().dump(model, path)
    return path


def load(path: str | os.PathLike, trusted: Sequence[str] | None = None) -> Any:
    """Load a model saved by :func:`save`, trusting only known types.

    skweights' own classes are trusted, and so are the builtin, numpy, scipy and
    scikit-learn types that skops trusts by default. A file that holds any other
    type (a user-defined initializer, a class from another package, or a tampered
    file) is refused unless that type is listed in ``trusted``.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save` (or by ``skops.io.dump``).
    trusted : sequence of str, default=None
        Further types to trust, as fully qualified names such as
        ``"mypackage.module.MyInitializer"``; the error raised for an untrusted
        file lists the names it found. Only list types whose code you trust:
        loading runs it.

    Returns
    -------
    model : object
        The saved model, ready to ``predict`` or continue with ``partial_fit``.

    Raises
    ------
    ValueError
        If the file holds types that are neither trusted by default nor listed in
        ``trusted``; the message names them.

    See Also
    --------
    save : write a model.
    skops.io.get_untrusted_types : inspect a file's types without loading it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import MLPRegressor, load, save
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = MLPRegressor((8,), max_iter=3, random_state=0).fit(X, y / 100)
    >>> restored = load(save(model, Path(tempfile.mkdtemp()) / "mlp.skops"))
    >>> bool((restored.predict(X) == model.predict(X)).all())
    True
    """
    sio = _skops_io()
    extra = _check_trusted(trusted)
    # Read the bytes once so the types checked are the types loaded.
    data = Path(path).read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    foreign = sorted(
        name for name in untrusted if name not in extra and not _is_own_type(name)
    )
    if foreign:
        raise ValueError(
            f"skweights.load: {os.fspath(path)!r} contains types that are not "
            f"skweights', numpy's or scikit-learn's: {foreign}. Loading them would "
            "run their code. If you trust where the file comes from, list them: "
            f"skweights.load(path, trusted={foreign!r})."
        )
    return sio.loads(data, trusted=untrusted)


def _check_trusted(trusted: Any) -> set[str]:
    if trusted is None:
        return set()
    if isinstance(trusted, (str, bytes)) or not isinstance(trusted, Sequence):
        raise ValueError(
            "skweights.load: trusted must be a list of fully qualified type names "
            f"such as ['mypackage.module.MyClass']; got {trusted!r}."
        )
    bad = [name for name in trusted if not isinstance(name, str)]
    if bad:
        raise ValueError(
            f"skweights.load: trusted must contain type names (str); got {bad!r}."
        )
    return set(trusted)


def _is_own_type(name: str) -> bool:
    """Whether ``name`` is a class or function *defined* in skweights.

    Resolving the name (rather than matching its prefix) rejects names such as
    ``skweights._base.np`` that reach a foreign object through one of our modules.
    """
    parts = name.split(".")
    if parts[0] != _OWN_PACKAGE:
        return False
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        qualname = ".".join(parts[split:])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return False
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            return False
        if obj.__module__ == module_name and obj.__qualname__ == qualname:
            return True
        # A class moved to another skweights module and re-exported under its old
        # path (files saved before the move name the old path): trust it only when
        # its own home is a skweights module where it is found under its own name.
        return _is_own_type(f"{obj.__module__}.{obj.__qualname__}")
    return False
