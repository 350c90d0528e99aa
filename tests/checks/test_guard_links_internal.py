"""linkcheck_internal: broken links, anchors, images, downloads, scripts and
the comments container in built HTML, each fed its fault."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from bookkit.checks import links_internal as linkcheck_internal
from guardutil import FIXTURES, append, good_book, line_of, only

HTML = "_build/html"


@pytest.fixture
def site(tmp_path):
    """The good fixture repo, with a hand-made built site in _build/html."""
    repo = good_book(tmp_path)
    shutil.copytree(FIXTURES / "site", repo / HTML)
    return repo


def check(repo):
    return linkcheck_internal.check(repo / HTML, repo)


def test_good_site_passes(site):
    assert check(site) == []


def replace_html(repo, page, old, new):
    path = repo / HTML / page
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("old, new, words", [
    ('href="models.html#models-intro"', 'href="models.html#no-such-anchor"',
     "broken link 'models.html#no-such-anchor' (anchor not found)"),
    ('href="#a-section"', 'href="#a-sectoin"', "broken link '#a-sectoin' (anchor not found)"),
    ('href="models.html">', 'href="modles.html">', "broken link 'modles.html' (file not found)"),
])
def test_broken_links_in_index(site, old, new, words):
    replace_html(site, "index.html", old, new)
    line = line_of(site, f"{HTML}/index.html", new)
    only(check(site), f"{HTML}/index.html:{line}: ", words, "(built from book/index.md)")


@pytest.mark.parametrize("old, new, words", [
    ('src="_images/small.svg"', 'src="_images/gone.svg"', "'_images/gone.svg' (file not found)"),
    ('href="_downloads/abc/data.csv"', 'href="_downloads/abc/gone.csv"', "'_downloads/abc/gone.csv'"),
    ('<script src="_static/book.js">', '<script src="_static/gone.js">', "script '_static/gone.js' not found"),
])
def test_broken_images_downloads_scripts(site, old, new, words):
    replace_html(site, "models.html", old, new)
    line = line_of(site, f"{HTML}/models.html", new)
    only(check(site), f"{HTML}/models.html:{line}: ", words)


@pytest.mark.parametrize("old, new, words", [
    ('alt="A small square."', 'alt=""', "figure 'fig-models-small' has an image without alt text"),
    ('<span class="caption-text">A caption.</span>', "", "figure 'fig-models-small' has no caption"),
    ('<figure id="fig-models-small">', "<figure>", "a figure has no label (id)"),
])
def test_built_figures_need_label_caption_alt(site, old, new, words):
    """Catches generated figures too (e.g. {model-figure}), not only authored ones."""
    replace_html(site, "models.html", old, new)
    line = line_of(site, f"{HTML}/models.html", "<figure")
    only(check(site), f"{HTML}/models.html:{line}: ", words, "(built from book/models.md)")


def test_raw_html_link_is_traced_to_its_source_line(site):
    # A raw <a> in the chapter source reaches the HTML unchanged.
    append(site, "book/models.md", '\nSee <a href="timeline.html#start">the timeline</a>.\n')
    replace_html(site, "models.html", "</section>", '<p>See <a href="timeline.html#start">the timeline</a>.</p></section>')
    line = line_of(site, "book/models.md", "timeline.html")
    only(check(site), f"book/models.md:{line}: ", "broken link 'timeline.html#start' (file not found)")


def test_comments_container_required(site):
    replace_html(site, "models.html", '<div class="book-comments"></div>', "")
    only(check(site), f"{HTML}/models.html: ", "chapter 'models' has no comments container")


def test_chapter_not_built(site):
    (site / HTML / "models.html").unlink()
    replace_html(site, "index.html", 'href="models.html">', 'href="index.html">')
    replace_html(site, "index.html", 'href="models.html#models-intro"', 'href="#a-section"')
    only(check(site), f"book/_toc.yml:{line_of(site, 'book/_toc.yml', 'models')}: ",
         "chapter 'models' was not built")


def test_cli(site, capsys):
    assert linkcheck_internal.main([str(site / HTML), "--root", str(site)]) == 0
    replace_html(site, "index.html", 'href="#a-section"', 'href="#nope"')
    assert linkcheck_internal.main([str(site / HTML), "--root", str(site)]) == 1
    assert "index.html" in capsys.readouterr().out


def test_sphinx_strict_build_misses_raw_html_but_this_check_catches_it(tmp_path):
    """End to end: a MyST page with raw HTML links builds cleanly under -W,
    and linkcheck_internal reports each broken target at its source line."""
    src = tmp_path / "book"
    src.mkdir()
    (src / "conf.py").write_text("extensions = ['myst_parser']\nmyst_heading_anchors = 3\n")
    (src / "index.md").write_text(textwrap.dedent("""\
        # Home

        Intro.

        ## Part one

        <a href="missing.html">a raw link</a> and <img src="gone.png" alt="gone">
        and <a href="#part-two">an anchor that does not exist</a>
        and <a href="#part-one">one that does</a>.
        """))
    out = tmp_path / "_build"
    res = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
                          str(src), str(out / "html")], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr  # Sphinx sees nothing wrong
    (src / "_toc.yml").write_text("root: index\n")
    problems = [p for p in linkcheck_internal.check(out / "html", tmp_path) if "comments" not in p]
    text = "\n".join(problems)
    assert len(problems) == 3, text
    for words in ("book/index.md:7: broken link 'missing.html'", "book/index.md:7: broken link 'gone.png'",
                  "book/index.md:8: broken link '#part-two' (anchor not found)"):
        assert words in text, text


def test_absolute_links_under_the_site_path(site):
    """404.html links with /<site path>/...: resolved against the build."""
    (site / "book/_config.yml").write_text("html:\n  baseurl: https://example.org/fixture/\n")
    (site / HTML / "404.html").write_text(
        '<html><head><script src="/fixture/_static/book.js"></script></head><body>'
        '<a href="/fixture/index.html#a-section">home</a>\n'
        '<a href="/fixture/gone.html">gone</a></body></html>\n')
    only(check(site), f"{HTML}/404.html:2: ", "broken link '/fixture/gone.html' (file not found)")
