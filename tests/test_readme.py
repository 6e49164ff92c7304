"""README.md: its code runs as written, its links resolve, and it copies no benchmark
number (the docs and the README both read ``benchmarks/results/latest.md``)."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
LATEST = ROOT / "benchmarks" / "results" / "latest.md"


def _python_blocks():
    return re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.M | re.S)


def _section(title):
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_readme_has_python_examples():
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_every_python_block_of_the_readme_runs_as_written(index, tmp_path, monkeypatch):
    pytest.importorskip("shap")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")  # shap's plots call plt.show()
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    code = _python_blocks()[index]
    namespace = {"__name__": f"readme_block_{index}"}
    try:
        exec(compile(code, f"README.md, python block {index}", "exec"), namespace)
    finally:
        plt.close("all")


def test_every_relative_link_of_the_readme_resolves():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text())
    local = [link for link in links if "://" not in link]
    assert "docs/user_guide/from_scikit_learn.rst" in local
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing


def test_the_readme_states_how_long_make_test_takes():
    row = next(
        line
        for line in README.read_text().splitlines()
        if line.startswith("| `make test`")
    )
    assert re.search(r"about \d+ minutes on \d+ cores", row)


def test_the_readme_quotes_no_benchmark_number_and_points_to_the_results():
    performance = _section("Performance")
    assert "benchmarks/results/latest.md" in performance
    # Ratios and timings such as "0.77×", "1.5–1.7×", "0.30 ms", "+2.7 s" or "~4,200×"
    numbers = re.findall(r"\d[\d.,]*\s*(?:×|x\b|ms\b|s\b|%)", performance)
    assert not numbers


def test_the_docs_show_the_file_the_readme_points_to():
    page = ROOT / "docs" / "user_guide" / "benchmark_results.md"
    included = re.findall(r"^```\{include\} (\S+)", page.read_text(), flags=re.M)
    assert [(page.parent / path).resolve() for path in included] == [LATEST.resolve()]
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import _benchmarks
    finally:
        sys.path.remove(str(ROOT / "docs"))
    assert _benchmarks.LATEST.resolve() == LATEST.resolve()
    # The Performance page's figure reads these columns.
    mlp, linear = _benchmarks.table(1), _benchmarks.table(4)
    assert {"model", "dtype", "skweights s/epoch", "sklearn s/epoch"} <= set(mlp)
    assert _benchmarks.column(linear, "time ratio (sw/sk").dtype.kind == "f"
    assert "date" in _benchmarks.header()


#: Words of the project's own bookkeeping, which mean nothing to a user.
# "session" as onnxruntime names its runtime object (``session.run``) is not internal.
INTERNAL = re.compile(
    r"\bissues?\b|issue's|\bsessions?\b(?! ?=|\.run)|\bthe lead\b", re.I
)


def test_user_docs_use_no_internal_wording():
    pages = [README, ROOT / "docs" / "index.rst"]
    pages += sorted((ROOT / "docs" / "user_guide").glob("*.rst"))
    pages += sorted((ROOT / "docs" / "user_guide").glob("*.md"))
    found = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for page in pages
        for number, line in enumerate(page.read_text().splitlines(), 1)
        if INTERNAL.search(line)
    ]
    assert not found
