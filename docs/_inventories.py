"""Write small intersphinx inventories for scikit-learn, numpy, pandas and shap.

The docs build must work offline (CI and the build machines reach package registries
only), and Sphinx cannot silence its "failed to reach any of the inventories" warning
(it has no warning type), which ``-W`` turns into an error. So ``conf.py`` lists a
local inventory first for every project: this module writes one from the *installed*
package, mapping each public name to the page its project's documentation generates
for it (``modules/generated/sklearn.pipeline.Pipeline.html`` and so on). Links then
point at the real online documentation, and the remote ``objects.inv`` is never
downloaded.
"""

from __future__ import annotations

import importlib
import inspect
import zlib
from collections.abc import Iterable
from pathlib import Path


def _role(obj: object) -> str | None:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    if inspect.ismodule(obj):
        return "module"
    return None


def _public(module_name: str) -> Iterable[tuple[str, str]]:
    """``(full name, role)`` for every name in a module's ``__all__`` (or dir)."""
    try:
        module = importlib.import_module(module_name)
    except Exception:  # an optional dependency of a submodule is missing
        return []
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    out = []
    for name in names:
        try:
            obj = getattr(module, name, None)
        except ImportError:  # experimental names that need an enable_* import
            continue
        role = _role(obj)
        if role in ("class", "function"):
            out.append((f"{module_name}.{name}", role))
    return out


def _write(path: Path, project: str, version: str, entries: list[tuple]) -> None:
    """Write a version-2 ``objects.inv``: a text header, then zlib-compressed lines."""
    lines = [
        f"{name} py:{role} 1 {uri} -\n" for name, role, uri in sorted(set(entries))
    ]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode() + zlib.compress("".join(lines).encode()))


def _sklearn() -> tuple[str, list[tuple]]:
    import sklearn

    entries = []
    for sub in sklearn.__all__:
        module_name = f"sklearn.{sub}"
        if _role(getattr(sklearn, sub, None)) == "function":
            entries.append(
                (module_name, "function", f"modules/generated/{module_name}.html#$")
            )
            continue
        if sub in ("experimental", "externals", "callback"):
            continue
        entries.append((module_name, "module", f"api/{module_name}.html#module-$"))
        for name, role in _public(module_name):
            entries.append((name, role, f"modules/generated/{name}.html#$"))
    return sklearn.__version__, entries


def _numpy() -> tuple[str, list[tuple]]:
    import numpy

    entries = [(n, r, f"reference/generated/{n}.html#$") for n, r in _public("numpy")]
    entries += [
        ("numpy.ndarray", "class", "reference/generated/numpy.ndarray.html#$"),
        ("numpy.random.Generator", "class", "reference/random/generator.html#$"),
        ("numpy.random.default_rng", "function", "reference/random/generator.html#$"),
    ]
    return numpy.__version__, entries


def _pandas() -> tuple[str, list[tuple]]:
    import pandas

    names = ["DataFrame", "Series", "Index", "read_csv", "concat"]
    entries = [
        (f"pandas.{n}", _role(getattr(pandas, n)), f"reference/api/pandas.{n}.html#$")
        for n in names
    ]
    return pandas.__version__, entries


def _shap() -> tuple[str, list[tuple]]:
    import shap

    entries = [(n, r, f"generated/{n}.html#$") for n, r in _public("shap")]
    entries += [(n, r, f"generated/{n}.html#$") for n, r in _public("shap.plots")]
    return shap.__version__, entries


PROJECTS = {
    "sklearn": ("scikit-learn", "https://scikit-learn.org/stable/", _sklearn),
    "numpy": ("NumPy", "https://numpy.org/doc/stable/", _numpy),
    "pandas": ("pandas", "https://pandas.pydata.org/docs/", _pandas),
    "shap": ("SHAP", "https://shap.readthedocs.io/en/latest/", _shap),
}


def write_inventories(directory: Path) -> dict[str, tuple[str, tuple[str, None]]]:
    """Write one inventory per project; return an ``intersphinx_mapping``.

    Each mapping entry lists the local file first, then ``None`` (the remote
    ``objects.inv``), which Sphinx only tries if the local file cannot be read.
    """
    mapping = {}
    for key, (project, url, build) in PROJECTS.items():
        path = directory / f"{key}.inv"
        version, entries = build()
        _write(path, project, version, entries)
        mapping[key] = (url, (str(path), None))
    return mapping
