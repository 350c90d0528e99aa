"""Shared fixtures for the test suite.

Tests marked ``build`` read the HTML that ``make test`` builds strictly into
_build/html just before pytest runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bookpaths import HTML


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML}/index.html is missing: build the book first (make html, or run make test)")
    return HTML
