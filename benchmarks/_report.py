"""Markdown tables, the environment header and timing helpers of the benchmark."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

DASH = "—"


def median(values: Sequence[float]) -> float:
    """The median of the repeats (NaN when there are none).

    Examples
    --------
    >>> median([3.0, 1.0, 2.0])
    2.0
    """
    return statistics.median(values) if values else float("nan")


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``function()`` once; return (wall seconds, its result)."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def fmt(value: Any, digits: int = 3) -> str:
    """A table cell: numbers with ``digits`` significant digits, None as a dash.

    Examples
    --------
    >>> fmt(1234.5678), fmt(0.000123456), fmt(None), fmt(True)
    ('1.23e+03', '0.000123', '—', 'yes')
    """
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return DASH
        return f"{value:.{digits}g}"
    return str(value)


def met(ok: bool | None) -> str:
    """The "met?" cell: yes, **NO** (bold, so a miss stands out) or a dash."""
    if ok is None:
        return DASH
    return "yes" if ok else "**NO**"


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A markdown table of ``rows`` (dicts), columns in first-seen key order.

    Examples
    --------
    >>> print(table([{"a": 1, "b": 0.5}, {"a": 2}]))
    | a | b |
    |---|---|
    | 1 | 0.5 |
    | 2 | — |
    """
    if not rows:
        return "_(no rows)_"
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(key for key in row if key not in columns)
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        cells = [fmt(row.get(column)) for column in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def blas_threads() -> int:
    """The number of threads the BLAS libraries use (the largest, if several)."""
    from threadpoolctl import threadpool_info

    counts = [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]
    return max(counts) if counts else 1


def environment() -> str:
    """The header: versions, CPUs, load, and every BLAS/OpenMP pool (threadpoolctl)."""
    import numpy
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    import skweights

    try:
        import torch

        torch_version = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        torch_version = "not installed (case 3 skipped)"
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- machine: {platform.machine()}, {platform.processor() or platform.system()}"
        f"; CPUs available to this process: {cpus}; load average (1/5/15 min) at "
        f"start: {load}",
        f"- python {sys.version.split()[0]}, numpy {numpy.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, skweights "
        f"{getattr(skweights, '__version__', '?')}, torch {torch_version}",
        f"- BLAS threads in use: {blas_threads()}",
        "",
    ]
    pools = [
        {
            "user_api": info.get("user_api"),
            "internal_api": info.get("internal_api"),
            "version": info.get("version"),
            "num_threads": info.get("num_threads"),
            "threading_layer": info.get("threading_layer"),
            "architecture": info.get("architecture"),
            "library": os.path.basename(info.get("filepath", "")),
        }
        for info in threadpool_info()
    ]
    lines.append(table(pools))
    return "\n".join(lines)
