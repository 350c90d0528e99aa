"""bookkit.tools.sitediff: two built sites compared byte for byte, with only
the documented exceptions (.buildinfo, download digests, dates on request)."""

from __future__ import annotations

from pathlib import Path

from bookkit.tools.sitediff import compare, main

PAGE = ('<html><body><p class="last-updated">\n  Last updated on {date}.\n<br/></p>'
        '<a href="_downloads/{digest}/models.csv">csv</a>{extra}</body></html>\n')


def site(root: Path, *, date="2026-11-23", digest="a" * 32, extra="", buildinfo="config: 1") -> Path:
    root.mkdir(parents=True)
    (root / "index.html").write_text(PAGE.format(date=date, digest=digest, extra=extra))
    (root / ".buildinfo").write_text(buildinfo)
    (root / "_downloads" / digest).mkdir(parents=True)
    (root / "_downloads" / digest / "models.csv").write_text("id\nx\n")
    (root / "sitemap.xml").write_text(f"<urlset><url><loc>x</loc><lastmod>{date}</lastmod></url></urlset>\n")
    return root


def test_same_sites_are_the_same_despite_buildinfo_and_download_digests(tmp_path):
    a = site(tmp_path / "a")
    b = site(tmp_path / "b", digest="b" * 32, buildinfo="config: 2")
    report = compare(a, b)
    assert report.same, report.lines()
    assert report.compared == 3


def test_a_changed_page_is_reported_with_the_changed_line(tmp_path):
    a = site(tmp_path / "a")
    b = site(tmp_path / "b", extra="<p>new</p>")
    report = compare(a, b)
    assert report.differ == ["index.html"]
    assert any("new" in line for line in report.details["index.html"])
    assert main([str(a), str(b)]) == 1


def test_a_changed_download_and_missing_files_are_reported(tmp_path):
    a = site(tmp_path / "a")
    b = site(tmp_path / "b", digest="c" * 32)
    (b / "_downloads" / ("c" * 32) / "models.csv").write_text("id\ny\n")
    (a / "only-here.html").write_text("x")
    (b / "robots.txt").write_text("x")
    report = compare(a, b)
    assert report.differ == ["_downloads/<digest>/models.csv"]
    assert report.only_a == ["only-here.html"] and report.only_b == ["robots.txt"]


def test_dates_differ_unless_ignored(tmp_path):
    a = site(tmp_path / "a")
    b = site(tmp_path / "b", date="2026-12-01")
    assert set(compare(a, b).differ) == {"index.html", "sitemap.xml"}
    assert compare(a, b, ignore_dates=True).same
    assert main([str(a), str(b), "--ignore-dates"]) == 0
