"""The numba guard: lazy import, switches, and the read-only cache fallback."""

import os
import subprocess
import sys

import numpy as np
import pytest

from skweights import _jit


@_jit.kernel(nogil=True)
def _scaled_sum(x, scale):
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i] * scale
    return total


def _halve(x):
    return x * 0.5


@_jit.kernel(nogil=True)
def _halved_sum(x):
    total = 0.0
    for i in range(x.shape[0]):
        total += _halve(x[i])
    return total


def test_a_scalar_rule_is_callable_from_kernels_and_from_python():
    assert _jit.scalar_rule(_halve) is _halve
    assert _jit.scalar_rule(_halve) is _halve  # registered once, no error
    assert _halve(3.0) == 1.5
    assert _halved_sum(np.arange(4.0)) == 3.0


def _run(code, **env):
    environment = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_does_not_import_numba():
    code = "import sys, skweights; print('numba' in sys.modules)"
    assert _run(code) == "False"


def test_kernel_compiles_and_matches_python():
    x = np.arange(5.0)
    assert _scaled_sum(x, 2.0) == 20.0
    assert _scaled_sum.function(x, 2.0) == 20.0
    assert _jit.enabled()
    # the dispatcher is numba's, not the Python function
    assert _scaled_sum.compiled() is not _scaled_sum.function


def test_switches_turn_kernels_off(monkeypatch):
    with _jit.disabled():
        assert not _jit.enabled()
        with _jit.disabled():
            assert not _jit.enabled()
        assert not _jit.enabled()
    assert _jit.enabled()
    monkeypatch.setenv("SKWEIGHTS_DISABLE_NUMBA", "1")
    assert not _jit.enabled()
    monkeypatch.setenv("SKWEIGHTS_DISABLE_NUMBA", "0")
    assert _jit.enabled()


def test_numba_disable_jit_means_reference_path():
    code = "from skweights import _jit; print(_jit.enabled())"
    assert _run(code, NUMBA_DISABLE_JIT="1") == "False"


def test_no_cache_directory_falls_back_to_no_cache(monkeypatch):
    import numba

    real_njit = numba.njit
    calls = []

    def njit_without_locator(*args, cache=False, **options):
        calls.append(cache)
        if cache:
            raise RuntimeError("cannot cache function '_f': no locator available")
        return real_njit(*args, cache=cache, **options)

    monkeypatch.setattr(numba, "njit", njit_without_locator)
    fresh = _jit.kernel()(_scaled_sum.function)
    assert fresh(np.ones(3), 1.5) == pytest.approx(4.5)
    assert calls == [True, False]


def test_other_compile_errors_are_not_hidden(monkeypatch):
    import numba

    def broken_njit(*args, **options):
        raise RuntimeError("something else")

    monkeypatch.setattr(numba, "njit", broken_njit)
    with pytest.raises(RuntimeError, match="something else"):
        _jit.kernel()(_scaled_sum.function)(np.ones(3), 1.0)
