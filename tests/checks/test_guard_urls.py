"""urlcheck: each URL hygiene rule fed its fault."""

from __future__ import annotations

import pytest

from bookkit.checks import urls as urlcheck
from guardutil import append, good_book, line_of, only

MODELS = "book/models.md"


def test_good_fixture_passes(tmp_path):
    assert urlcheck.check(good_book(tmp_path)) == []


@pytest.mark.parametrize("snippet, words", [
    ("[site](http://example.org/x)", "uses http: use https"),
    ("<https://localhost:8000/docs>", "local or private address (localhost)"),
    ("[lan](https://192.168.1.20/page)", "local or private address (192.168.1.20)"),
    ("[lo](https://127.0.0.1:8000/)", "local or private address"),
    ("[ip6](https://[::1]/x)", "local or private address"),
    ("[t](https://example.org/a?utm_source=x&id=3&fbclid=y)", "tracking parameters (utm_source, fbclid)"),
    ("[paper](https://doi.org/10.1000/xyz123)", "DOI written as a URL: put doi = {10.1000/xyz123}"),
    ("[p](https://example.org/_build/html/models.html)", "links into build output"),
    ("[built](../_build/html/models.html)", "links into build output"),
    ("[page](timeline.html#intro)", "links to a built .html file: link to the source page (timeline.md)"),
    ('<a href="models.html">x</a>', "links to a built .html file"),
    ("![logo](https://example.org/logo.png)", "remote image"),
    ("<timeline.md#start>", "'<timeline.md#start>' is not a checked link: write [text](timeline.md#start)"),
    ('<img src="https://example.org/x.png" alt="x">', "remote image"),
])
def test_page_url_rules(tmp_path, snippet, words):
    repo = good_book(tmp_path)
    append(repo, MODELS, f"\nSee {snippet}.\n")
    only(urlcheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, snippet[:10])}: ", words)


def test_remote_figure(tmp_path):
    repo = good_book(tmp_path)
    append(repo, MODELS, "\n:::{figure} https://example.org/x.png\n:name: fig-x\n:alt: X.\n\nX.\n:::\n")
    only(urlcheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, 'https://example.org/x.png')}: ",
         "remote image 'https://example.org/x.png'")


def test_urls_in_code_are_ignored(tmp_path):
    repo = good_book(tmp_path)
    append(repo, MODELS, "\nRun `curl http://localhost:8000/?utm_source=x` locally.\n")
    assert urlcheck.check(repo) == []


@pytest.mark.parametrize("rel", ["book/data/models.yaml", "book/_config.yml"])
def test_data_and_config(tmp_path, rel):
    repo = good_book(tmp_path)
    append(repo, rel, "# see http://example.org/licence\n")
    only(urlcheck.check(repo), f"{rel}:{line_of(repo, rel, 'http://example.org')}: ", "uses http")


def test_http_allowlist_needs_reason(tmp_path):
    repo = good_book(tmp_path)
    append(repo, MODELS, "\nSee [old](http://old.example.org/page).\n")
    guards = repo / "scripts/guards.yml"
    guards.write_text("http_urls:\n  - url: http://old.example.org/\n")
    only(urlcheck.check(repo), "scripts/guards.yml:2: ", "has no reason")
    guards.write_text("http_urls:\n  - url: http://old.example.org/\n    reason: The archive has no https.\n")
    assert urlcheck.check(repo) == []


def test_backslash_in_a_bib_url(tmp_path):
    """A LaTeX escape (open\\_llama) would reach the href and break the link."""
    repo = good_book(tmp_path)
    append(repo, "book/references.bib",
           "\n@misc{geng2023openllama,\n  author = {Geng, Xinyang},\n  title = {{OpenLLaMA}},\n"
           "  year = {2023},\n  url = {https://github.com/openlm-research/open\\_llama},\n}\n")
    line = line_of(repo, "book/references.bib", "open\\_llama")
    problems = urlcheck.check_file(repo, repo / "book/references.bib")
    only(problems, f"book/references.bib:{line}: ", "contains a backslash")
