"""Read the committed benchmark results (``benchmarks/results/latest.md``) for the docs.

The Performance page draws its figure from the tables ``make bench`` wrote, so the
docs build times nothing and the figure does not depend on how busy the build
machine is.
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
