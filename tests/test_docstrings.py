"""Every public name has a complete numpydoc docstring.

"Public" is everything in ``__all__`` of :mod:`skweights` and of each public
submodule. Each docstring needs a summary, a Parameters section when the callable
takes parameters, a Returns section when a function returns something, and an
Examples section (which ``pytest --doctest-modules skweights`` runs). The checks are
numpydoc's own validation codes; modules that do not exist yet are skipped.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest

validate = pytest.importorskip("numpydoc.validate").validate

MODULES = [
    "skweights",
    "skweights.initializers",
    "skweights.transfer",
    "skweights.penalties",
    "skweights.optimizers",
    "skweights.schedules",
    "skweights.activations",
    "skweights.losses",
    "skweights.inspection",
    "skweights.plotting",
    "skweights.exceptions",
]

# numpydoc codes -> what is missing.
REQUIRED = {
    "GL08": "a docstring",
    "SS01": "a one-line summary",
    "PR01": "every parameter in Parameters",
    "RT01": "a Returns section",
    "EX01": "an Examples section",
}


def _public_names() -> list:
    names = []
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            # A module still being written (or whose optional dependency is
            # missing): skipped, like pytest.importorskip.
            names.append(
                pytest.param(
                    module_name,
                    None,
                    marks=pytest.mark.skip(reason=f"{module_name} not importable"),
                )
            )
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            # Modules, version strings and registry instances have no signature
            # to document; their types are documented where they are defined.
            if inspect.isclass(obj) or inspect.isfunction(obj):
                names.append(
                    pytest.param(module_name, name, id=f"{module_name}.{name}")
                )
    return names


def _fields(obj) -> tuple | None:
    """Field names of a NamedTuple or dataclass; None for other objects."""
    if isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
        return tuple(obj._fields)
    if dataclasses.is_dataclass(obj):
        return tuple(field.name for field in dataclasses.fields(obj))
    return None


def _record_fields_documented(obj, errors: list) -> list:
    """Records (NamedTuple, dataclass) document their fields under Attributes."""
    fields = _fields(obj)
    if fields is None:
        return errors
    documented = {
        line.split(" : ")[0].strip()
        for line in (obj.__doc__ or "").splitlines()
        if " : " in line
    }
    if set(fields) <= documented:
        return [(code, msg) for code, msg in errors if code != "PR01"]
    return errors


@pytest.mark.parametrize(("module_name", "name"), _public_names())
def test_public_name_has_complete_numpydoc_docstring(module_name, name):
    obj = getattr(importlib.import_module(module_name), name)
    result = validate(f"{module_name}.{name}")
    errors = [(code, msg) for code, msg in result["errors"] if code in REQUIRED]
    errors = _record_fields_documented(obj, errors)
    assert not errors, f"{module_name}.{name}: docstring lacks " + "; ".join(
        f"{REQUIRED[code]} ({code}: {msg})" for code, msg in errors
    )


def test_checks_catch_an_incomplete_docstring():
    """The validation codes used above do flag a bare docstring."""

    def bare(x: int) -> int:
        """Double x."""
        return 2 * x

    import sys
    import types

    module = types.ModuleType("_docstring_probe")
    module.bare = bare
    bare.__module__ = "_docstring_probe"
    sys.modules["_docstring_probe"] = module
    try:
        codes = {code for code, _ in validate("_docstring_probe.bare")["errors"]}
    finally:
        del sys.modules["_docstring_probe"]
    assert {"PR01", "RT01", "EX01"} <= codes
