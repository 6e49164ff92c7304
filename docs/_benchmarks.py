"""Read the committed benchmark results (``benchmarks/results/latest.md``) for the docs.

The Performance page draws its figure from the tables ``make bench`` wrote, and the
Benchmark results page includes the file itself, so the docs build times nothing,
the figure does not depend on how busy the build machine is, and no number is
copied by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

LATEST = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "latest.md"


def header(path: Path = LATEST) -> dict[str, str]:
    """The ``- key: value`` lines at the top of the results (date, machine...)."""
    items = re.findall(r"^- (\w[\w ]*): (.*)$", path.read_text(), flags=re.M)
    return dict(items)


def table(case: int, index: int = 0, path: Path = LATEST) -> pd.DataFrame:
    """The ``index``-th Markdown table under the heading ``## Case <case>:``."""
    sections = re.split(r"^## ", path.read_text(), flags=re.M)
    section = next(s for s in sections if s.startswith(f"Case {case}:"))
    blocks = re.findall(r"((?:^\|.*\|\n?)+)", section, flags=re.M)
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in blocks[index].strip().splitlines()
    ]
    frame = pd.DataFrame(rows[2:], columns=rows[0])  # rows[1] is the |---| line
    for name in frame:
        numbers = pd.to_numeric(frame[name].str.replace(",", ""), errors="coerce")
        if numbers.notna().all():
            frame[name] = numbers
    return frame


def column(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """The one column whose header starts with ``prefix``.

    Headers gain details between runs (``time ratio (sw/sk)`` became ``time ratio
    (sw/sk, paired median)``); matching the start keeps the figure drawing from
    both.
    """
    names = [name for name in frame if name.startswith(prefix)]
    if len(names) != 1:
        raise KeyError(f"one column starting with {prefix!r} expected, got {names}")
    return frame[names[0]]
