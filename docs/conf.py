"""Sphinx configuration of the skweights documentation (``make docs``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

# Figures are rendered to files, never shown: no display is needed.
matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _inventories.py, _gallery.py
sys.path.insert(1, str(HERE.parent / "tests"))  # figure_check.py

from _inventories import write_inventories  # noqa: E402

import skweights  # noqa: E402

project = "skweights"
author = "the skweights developers"
copyright = "the skweights developers, BSD-3-Clause"
version = release = skweights.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax from the build's own _static/mathjax, not a CDN: formulas render
    # offline (sphinx-mathjax-offline sets mathjax_path and copies the files).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",  # docs/architecture.md, kept in Markdown for contributors
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb"]
default_role = "py:obj"

# -- API reference ------------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters section already gives the types
numpydoc_show_class_members = False  # the autosummary class template lists them
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- intersphinx, offline -----------------------------------------------------------
# The build must pass with -W where only package registries are reachable. When
# Sphinx cannot download an inventory it logs "failed to reach any of the
# inventories", a warning with no type, so suppress_warnings cannot silence it and -W
# fails the build. Instead each project lists a local inventory FIRST, written at
# build time from the installed package by docs/_inventories.py (public name -> the
# page that project's docs generate for it); Sphinx stops at the first inventory it
# can read, so the remote one (``None``, listed second) is never fetched. Links still
# point at the real online documentation of scikit-learn, numpy, pandas and shap.
intersphinx_mapping = write_inventories(HERE / "_build" / "inventories")
intersphinx_timeout = 5

# -- example gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every examples/plot_*.py runs during the build, and so does demo.py (`make
    # demo`'s script, "skweights in one minute"), so its output shows too.
    "filename_pattern": r"/(plot_|demo)",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "_gallery.ExampleOrder",
    "doc_module": ("skweights",),
    "backreferences_dir": "api/generated/backreferences",
    "reference_url": {"skweights": None},
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "plot_gallery": "True",
    # matplotlib's scraper, each figure at full width (not side-by-side thumbnails)
    "image_scrapers": ("_gallery.full_width_matplotlib_scraper",),
    "matplotlib_animations": False,
    "abort_on_example_error": False,
}

# -- `.. plot::` figures in the user guide ------------------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
}
plot_apply_rcparams = True
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\n"

# -- HTML ---------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skweights {version}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}


# -- every figure is checked before it is saved -----------------------------------
# The user guide's `.. plot::` figures and the gallery's figures are all written by
# Figure.savefig during the build. The wrapper below runs skweights' figure check
# first (no overlapping or clipped text, no empty panel, a sane size, no text under
# 6.5 pt as the page shows it) and raises on a bad figure; the plot directive turns
# that into a warning and sphinx-gallery into a failed example, and -W / the
# gallery's error summary fail the build. build-finished lists every bad figure.
# The content column of a page with an "On this page" sidebar is about 620 px
# wide in a 1280 px browser window: 6.2 inches at the figures' 100 dpi.
FIGURE_CHECK = {"display_width": 6.2, "min_fontsize": 6.5}
_bad_figures: list[str] = []


def _install_figure_check() -> None:
    from figure_check import FigureCheckError, figure_problems
    from matplotlib.figure import Figure

    if getattr(Figure.savefig, "_skweights_checked", False):
        return
    save = Figure.savefig

    def checked_savefig(self, fname, *args, **kwargs):
        problems = figure_problems(self, **FIGURE_CHECK)
        if problems:
            message = f"{fname}: " + "; ".join(problems)
            _bad_figures.append(message)
            raise FigureCheckError(message)
        return save(self, fname, *args, **kwargs)

    checked_savefig._skweights_checked = True
    Figure.savefig = checked_savefig


def _report_bad_figures(app, exception) -> None:
    from sphinx.errors import ExtensionError

    if _bad_figures:
        raise ExtensionError(
            f"{len(_bad_figures)} figure(s) failed the figure check:\n"
            + "\n".join(_bad_figures)
        )


_install_figure_check()


def setup(app):
    """Fail the build when a figure failed the check."""
    app.connect("build-finished", _report_bad_figures)


# -- API pages, generated from ``__all__`` ------------------------------------------
# One page per public module (``skweights`` and every non-underscore submodule), each
# with an autosummary table of everything in its ``__all__``: a name added to
# ``__all__`` appears in the reference without editing the docs. Written under
# gen_modules/ (git-ignored) before Sphinx reads the sources.
def _public_modules() -> list[str]:
    import pkgutil

    names = [
        f"skweights.{info.name}"
        for info in pkgutil.iter_modules(skweights.__path__)
        if not info.name.startswith("_")
    ]
    return ["skweights", *sorted(names)]


def _kind(obj: object) -> str:
    import inspect

    if inspect.isclass(obj):
        return "Classes"
    if inspect.ismodule(obj):
        return "Modules"
    if callable(obj):
        return "Functions"
    return "Objects"


def _write_api_pages() -> None:
    import importlib

    out = HERE / "gen_modules"
    out.mkdir(exist_ok=True)
    toc = [".. toctree::", "   :maxdepth: 2", ""]
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        groups: dict[str, list[str]] = {}
        for name in getattr(module, "__all__", []):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            if _kind(obj) == "Modules":
                continue
            groups.setdefault(_kind(obj), []).append(name)
        title = f"``{module_name}``"
        lines = [
            title,
            "=" * len(title),
            "",
            f".. automodule:: {module_name}",
            "",
            f".. currentmodule:: {module_name}",
            "",
        ]
        for group in ("Classes", "Functions", "Objects"):
            if group not in groups:
                continue
            lines += [group, "-" * len(group), "", ".. autosummary::"]
            lines += ["   :toctree: generated/", "   :nosignatures:", ""]
            lines += [f"   {name}" for name in sorted(groups[group], key=str.lower)]
            lines.append("")
        page = out / f"{module_name}.rst"
        text = "\n".join(lines)
        # Rewriting an unchanged page would make Sphinx re-read it every build.
        if not page.exists() or page.read_text() != text:
            page.write_text(text)
        toc.append(f"   gen_modules/{module_name}")
    text = "\n".join(toc) + "\n"
    path = out / "api_toctree.rst.inc"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


_write_api_pages()
