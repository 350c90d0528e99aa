"""The benchmark's floors build the real book without a warning.

A floor that warns is no floor (bookkit.tools.bench refuses it), so a new
role, directive or numbered reference in the chapters that the stand-ins do
not cover would silently stop `make bench`; this test says so at once."""

from __future__ import annotations

import pytest

from bookkit.tools import bench


@pytest.mark.build
@pytest.mark.parametrize("content", [False, True], ids=["bare floor", "content floor"])
def test_floor_builds_the_book_without_warnings(tmp_path, content):
    conf = bench.floor_conf(tmp_path / "conf", content=content)
    seconds = bench.floor_build(tmp_path / "out", conf)  # raises SystemExit with the warnings
    assert seconds > 0
    assert (tmp_path / "out" / "html" / "models.html").is_file()
    generated = sorted((bench.BOOK / "model").glob("*.md"))  # written by the book's own build
    for page in generated[:3]:
        assert (tmp_path / "out" / "html" / "model" / f"{page.stem}.html").is_file(), \
            "the floors build the same pages as the book, the generated model pages included"


def test_a_floor_that_warns_is_refused(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "index.md").write_text("# Index\n\nSee {ref}`no-such-label`.\n", encoding="utf-8")
    conf = bench.floor_conf(tmp_path / "conf")
    with pytest.raises(SystemExit, match="(?s)printed warnings.*no-such-label"):
        bench.floor_build(tmp_path / "out", conf, book=book)
