"""Paths and helpers shared by the build and data tests (import as `bookpaths`)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = ROOT / "_build" / "html"


def copy_book(tmp_path: Path) -> Path:
    """A throw-away copy of book/ (with its generated conf.py) to break on purpose."""
    import shutil

    if not (BOOK / "conf.py").is_file():
        pytest.fail("book/conf.py is missing: run make html (it generates conf.py from _config.yml)")
    dest = tmp_path / "book"
    shutil.copytree(BOOK, dest, ignore=shutil.ignore_patterns("_build"))
    return dest


def seed_caches(outdir: Path) -> None:
    """Give a build in *outdir* the main build's content-keyed caches.

    The build cache (_build/.cache: formatted citations, icon fonts) and the
    model data's figures and downloads (_build/modeldata, with the stamp of
    the data and code they were made from) are reused only when their keys
    match, so a test that changes the data still redraws; one that does not
    skips the work.
    """
    import shutil

    for name in (".cache", "modeldata"):
        source, target = ROOT / "_build" / name, outdir / name
        if source.is_dir() and not target.exists():
            shutil.copytree(source, target)


def sphinx_build(srcdir: Path, outdir: Path, *extra: str):
    """Build like `make test` does (strict, keep going); return the finished process."""
    import subprocess
    import sys

    seed_caches(outdir)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
           "-d", str(outdir / "doctrees"), *extra, str(srcdir), str(outdir / "html")]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=srcdir, timeout=600)
