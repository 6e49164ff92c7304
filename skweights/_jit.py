"""Fused kernels compiled by numba: lazily, cached when possible, optional always.

skweights' engine is numpy. A few hot loops also have a compiled numba version (a
*kernel*); the numpy code stays the reference and the fallback. This module is the
only place that imports numba, and only when a kernel is first needed, so ``import
skweights`` does not pay numba's import time.

- :func:`enabled` says whether kernels are used: numba is importable, its JIT is not
  disabled (``NUMBA_DISABLE_JIT=1`` would run the kernels as plain, very slow Python
  loops), ``SKWEIGHTS_DISABLE_NUMBA`` is unset or ``0``, and no :func:`disabled`
  block is active.
- :func:`kernel` marks a function as a kernel. The function is compiled on its first
  call with ``cache=True`` (compiled code is reused across processes) when numba
  finds a writable cache directory, and without the cache otherwise: on a read-only
  install numba refuses ``cache=True`` with "no locator available", which must not
  break a fit.
- :func:`scalar_rule` lets kernels call a component's scalar rule (a plain Python
  function of numbers), inlined where it is called.

Callers choose the path: ``if _jit.enabled(): kernel(...) else: numpy reference``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Kernel", "disabled", "enabled", "kernel", "scalar_rule"]

_DISABLE_VARIABLE = "SKWEIGHTS_DISABLE_NUMBA"
_lock = threading.RLock()
_local = threading.local()
_numba_usable: bool | None = None
_rules: set[Callable] = set()


def _numba_importable() -> bool:
    """Whether numba imports and compiles (decided once per process)."""
    global _numba_usable
    if _numba_usable is None:
        with _lock:
            try:
                import numba
            except ImportError:  # numba is a dependency, but keep the fallback honest
                _numba_usable = False
            else:
                _numba_usable = not numba.config.DISABLE_JIT
    return _numba_usable


def enabled() -> bool:
    """Whether numba kernels are used in this thread now.

    Returns
    -------
    bool
        False when numba is missing, its JIT is disabled, the environment variable
        ``SKWEIGHTS_DISABLE_NUMBA`` is set to anything but ``0``, or inside a
        :func:`disabled` block.
    """
    if getattr(_local, "disabled", 0):
        return False
    if os.environ.get(_DISABLE_VARIABLE, "0") not in ("", "0"):
        return False
    return _numba_importable()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Use the numpy reference path inside this block (in this thread).

    Tests compare the kernel path against the reference with it; nesting is allowed.
    """
    _local.disabled = getattr(_local, "disabled", 0) + 1
    try:
        yield
    finally:
        _local.disabled -= 1


class Kernel:
    """A function compiled by numba on its first call.

    Parameters
    ----------
    function : callable
        The Python source of the kernel, written in numba's nopython subset.
    options : dict
        Options for ``numba.njit`` (``cache`` is decided here).

    Notes
    -----
    Calling the kernel when numba is unusable runs ``function`` as Python, which is
    correct but slow: callers check :func:`enabled` and take the numpy path instead.
    """

    def __init__(self, function: Callable, options: dict[str, Any]) -> None:
        self.function = function
        self.options = options
        self._compiled: Callable | None = None
        self.__name__ = function.__name__
        self.__doc__ = function.__doc__

    def compiled(self) -> Callable:
        """The numba dispatcher (made once; each signature compiles on first call)."""
        if self._compiled is None:
            with _lock:
                if self._compiled is None:
                    self._compiled = _njit(self.function, self.options)
        return self._compiled

    def __call__(self, *args: Any) -> Any:
        """Run the compiled kernel (or the Python function when numba is unusable)."""
        if not _numba_importable():
            return self.function(*args)
        return self.compiled()(*args)


def _njit(function: Callable, options: dict[str, Any]) -> Callable:
    """``numba.njit`` with the on-disk cache when a cache directory is writable."""
    import numba

    try:
        return numba.njit(cache=True, **options)(function)
    except RuntimeError as error:
        # numba raises at decoration when neither the package's __pycache__ nor a
        # user cache directory is writable ("cannot cache function ...: no locator
        # available"); compiling without the cache is slower to start, not wrong.
        if "cannot cache" not in str(error):
            raise
        return numba.njit(cache=False, **options)(function)


def kernel(**options: Any) -> Callable[[Callable], Kernel]:
    """Decorator: make ``function`` a lazily compiled :class:`Kernel`.

    Parameters
    ----------
    **options
        Passed to ``numba.njit`` (e.g. ``nogil=True``, ``fastmath=False``).

    Returns
    -------
    callable
        A decorator returning a :class:`Kernel`.
    """

    def decorate(function: Callable) -> Kernel:
        return Kernel(function, options)

    return decorate


def scalar_rule(function: Callable) -> Callable:
    """Let compiled kernels call ``function``, inlined into each kernel that does.

    Parameters
    ----------
    function : callable
        A plain function of numbers (arithmetic, ``math`` and numpy scalar
        functions, in numba's nopython subset), e.g. an activation's
        ``scalar_forward``. Registered with numba once; Python calls are unchanged.

    Returns
    -------
    callable
        ``function`` itself.
    """
    with _lock:
        if function not in _rules:
            from numba.extending import register_jitable

            # Inlined into the kernel's IR: compiled with the kernel's options
            # (error_model="numpy"), so the arithmetic is the kernel's own.
            register_jitable(inline="always", error_model="numpy")(function)
            _rules.add(function)
    return function
