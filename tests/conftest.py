"""Fixtures shared by several test files."""

import io
import sys
import zipfile

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened (only if pyplot is in use)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def _rewrite_schema(path, old: bytes, new: bytes) -> None:
    """Rewrite a type name in a skops file's schema, as an attacker could."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "schema.json":
                assert old in data
                data = data.replace(old, new)
            target.writestr(item, data)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def tamper():
    """``tamper(path, old, new)``: rewrite a type name in a saved skops file."""
    return _rewrite_schema
