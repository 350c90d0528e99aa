"""Source-level guards fed their attacks: symlinks, SVG, eval-rst, invisible
characters, deceptive URLs, unclosed directives, bib faults, lossy formatting."""

from __future__ import annotations

import os

import pytest

from bookkit.checks import bib as bibcheck
from bookkit.checks import lint
from bookkit.checks import pages as pagecheck
from bookkit.checks import safety
from bookkit.checks import urls as urlcheck
from bookkit.data import models as modeldata
from guardutil import append, edit, good_book, line_of, only

MODELS = "book/models.md"
BIB = "book/references.bib"


def test_good_fixture_is_safe(tmp_path):
    assert safety.check(good_book(tmp_path)) == []


def test_symlink_out_of_the_book(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book" / "figures" / "passwd.png").symlink_to("/etc/passwd")
    only(safety.check(repo), "book/figures/passwd.png: ", "symbolic link to /etc/passwd (outside book/)",
         "put the file itself in book/")


def test_symlink_inside_the_book_is_fine(tmp_path):
    repo = good_book(tmp_path)
    os.symlink("small.svg", repo / "book" / "figures" / "alias.svg")
    assert safety.check(repo) == []


@pytest.mark.parametrize("svg, marker, words", [
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script>\n</svg>\n', "<script>",
     "SVG has a <script>"),
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<rect width="1" height="1"\n onload="alert(1)"/>\n</svg>\n',
     '<rect', "SVG has an event handler onload="),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
     '<image xlink:href="https://evil.example/x.png"/>\n</svg>\n', "<image", "refers to 'https://evil.example/x.png'"),
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<foreignObject><p>x</p></foreignObject>\n</svg>\n',
     "foreignObject", "<foreignObject>"),
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<style>\n@import url(https://evil.example/a.css);\n</style>\n</svg>\n',
     "@import", "<style> refers to another file"),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaa">]>\n<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>\n',
     "DOCTYPE", "SVG has a DOCTYPE with declarations"),
])
def test_svg_that_runs_or_loads_anything_is_refused(tmp_path, svg, marker, words):
    repo = good_book(tmp_path)
    rel = "book/figures/small.svg"
    (repo / rel).write_text(svg)
    problems = safety.check(repo)
    line = line_of(repo, rel, marker)
    assert any(p.startswith(f"{rel}:{line}: ") and words in p and "re-export it" in p for p in problems), problems


def test_svg_with_a_plain_public_doctype_is_fine(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book/figures/small.svg").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
        '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>\n')
    assert safety.check(repo) == []


def test_eval_rst_with_raw_html_is_refused_at_its_line(tmp_path):
    repo = good_book(tmp_path)
    append(repo, MODELS, "\n```{eval-rst}\n.. raw:: html\n\n   <script>alert(1)</script>\n```\n")
    only(safety.check(repo), f"{MODELS}:{line_of(repo, MODELS, '.. raw:: html')}: ",
         "'.. raw::' inside {eval-rst}: not allowed", "write it in Markdown")


@pytest.mark.parametrize("text, code", [
    ("Prices rise \u202eesrever ni\u202c here.", "U+202E"),
    ("A zero\u200bwidth space.", "U+200B"),
    ("See [docs](https://exa\u200dmple.org/).", "U+200D"),
])
def test_invisible_characters_in_prose_and_urls(tmp_path, text, code):
    repo = good_book(tmp_path)
    append(repo, MODELS, f"\n{text}\n")
    problems = safety.check(repo)
    line = line_of(repo, MODELS, text[:5])
    assert any(p.startswith(f"{MODELS}:{line}: invisible character {code}") and "remove it" in p
               for p in problems), problems


def test_invisible_character_in_data(tmp_path):
    repo = good_book(tmp_path)
    rel = "book/data/models.yaml"
    edit(repo, rel, "  architecture: Decoder-only transformer", "  architecture: Decoder-only \u2066transformer")
    problems = safety.check(repo)
    assert any(p.startswith(f"{rel}:{line_of(repo, rel, 'architecture')}: invisible character U+2066")
               for p in problems), problems


@pytest.mark.parametrize("url, words", [
    ("https://xn--pypal-4ve.com/login", "non-ASCII host name"),
    ("https://\u0440\u0430ypal.com/login", "non-ASCII host name"),
    ("https://93.184.216.34/page", "bare IP address (93.184.216.34)"),
    ("https://bit.ly/3abcde", "link shortener (bit.ly)"),
    ("https://t.co/abc", "link shortener (t.co)"),
])
def test_deceptive_links(tmp_path, url, words):
    repo = good_book(tmp_path)
    append(repo, MODELS, f"\nSee [this page]({url}) for more.\n")
    only(urlcheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, 'See [this page]')}: ", words)


@pytest.mark.parametrize("fence", ["```{note}", ":::{admonition} Unclosed", "````markdown"])
def test_unclosed_directive_names_its_line(tmp_path, fence):
    repo = good_book(tmp_path)
    append(repo, MODELS, f"\n{fence}\nText of the block.\n\nAnd more text.\n")
    problems = [p for p in pagecheck.check(repo) if "never closed" in p]
    only(problems, f"{MODELS}:{line_of(repo, MODELS, fence)}: ", "is opened here and never closed", "add a line")


# --- the bibliography ------------------------------------------------------------


def test_missing_comma_is_reported_at_its_line_and_data_check_does_not_crash(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  title = {Mistral {7B}},\n", "  title = {Mistral {7B}}\n")
    line = line_of(repo, BIB, "title = {Mistral")
    problems = bibcheck.check(repo)
    assert problems[0].startswith(f"{BIB}:{line}: BibTeX syntax error: field 'title': missing ','"), problems
    assert modeldata.check(repo) == []  # no TokenRequired crash; the bib check names the fault


def test_unclosed_brace_is_reported_where_it_opens(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  author = {Jiang, Albert Q. and others},\n", "  author = {Jiang, Albert Q. and others,\n")
    problems = bibcheck.check(repo)
    assert problems[0].startswith(f"{BIB}:{line_of(repo, BIB, 'author = {Jiang')}: BibTeX syntax error: "
                                  "field 'author': the '{' opened here is not closed"), problems


def test_lint_does_not_crash_on_a_malformed_entry(tmp_path, capsys):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  title = {Mistral {7B}},\n", "  title = {Mistral {7B}}\n")
    assert lint.main([str(repo)]) == 1
    out = capsys.readouterr().out
    assert "crashed" not in out and "TokenRequired" not in out, out


@pytest.mark.parametrize("extra, marker, words", [
    ("% a note for editors\n", "% a note", "a % comment"),
    ("@comment{kept for history}\n", "@comment", "an @comment block"),
    ("@string{acl = {Association for Computational Linguistics}}\n", "@string", "an @string block"),
    ("@preamble{\"\\newcommand{\\x}{y}\"}\n", "@preamble", "an @preamble block"),
])
def test_format_refuses_to_lose_content(tmp_path, capsys, extra, marker, words):
    repo = good_book(tmp_path)
    path = repo / BIB
    before = extra + path.read_text()
    path.write_text(before)
    assert bibcheck.main(["--root", str(repo), "--format"]) == 1
    captured = capsys.readouterr()
    assert f"{BIB}:{line_of(repo, BIB, marker)}: make format would not keep this line: {words}" in captured.out
    assert "The file was not changed" in captured.err
    assert path.read_text() == before
    # The lint says the same, and does not tell the contributor to run make format.
    problems = bibcheck.check(repo)
    assert any(words in p and "cannot keep it" in p for p in problems), problems
    assert not any("run `make format`" in p for p in problems), problems


def test_format_refuses_to_expand_macros(tmp_path, capsys):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  year = {2023},\n  eprint = {2310.06825},", "  year = {2023},\n  month = oct,\n  eprint = {2310.06825},")
    before = (repo / BIB).read_text()
    assert bibcheck.main(["--root", str(repo), "--format"]) == 1
    assert f"{BIB}:{line_of(repo, BIB, 'month = oct')}: make format would not keep this line: field 'month' " \
           "uses the macro 'oct'" in capsys.readouterr().out
    assert (repo / BIB).read_text() == before


def test_format_keeps_every_field_when_it_rewrites(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  title = {Mistral {7B}},\n  year = {2023},", "  year = {2023},\n    title = {Mistral {7B}},")
    assert bibcheck.main(["--root", str(repo), "--format"]) == 0
    assert bibcheck.check(repo) == []
    assert "title = {Mistral {7B}}" in (repo / BIB).read_text()


def test_page_missing_from_the_toc_names_path_and_fix(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book" / "orphan.md").write_text("# Orphan\n\nA page nobody listed.\n")
    only(pagecheck.check(repo), "book/orphan.md: ", "not in book/_toc.yml, so it is not published",
         "add '- file: orphan' to book/_toc.yml")


# --- the built pages' visible text ----------------------------------------------------


def _built(tmp_path, source: str, html_body: str):
    from bookkit.checks import rendered

    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    (root / "book" / "page.md").write_text(source)
    html = tmp_path / "html"
    html.mkdir()
    (html / "page.html").write_text(f'<html><body><article class="bd-article">{html_body}</article></body></html>')
    return rendered.check(html, root)


def test_doubled_word_from_data_and_prose_is_traced_to_the_source_line(tmp_path):
    source = "# Page\n\nIntro.\n\nIt has {fact}`gpt-3:parameters_b` billion\nparameters, built to last.\n"
    body = "<p>It has <span class='model-fact'>175 billion</span> billion parameters, built to last.</p>"
    only(_built(tmp_path, source, body), "book/page.md:5: ", "'billion billion' reads as a doubled word",
         "remove one")


def test_doubled_title_word(tmp_path):
    source = "# Page\n\nIntro.\n\nSee the chapter.\nThe {doc}`data` chapter covers it.\n"
    body = '<p>See the chapter. The <a href="data.html">The model data</a> chapter covers it.</p>'
    only(_built(tmp_path, source, body), "book/page.md:6: ", "'The The'")


@pytest.mark.parametrize("shown", ["{cite:p}`smith2020x`", "```{note}", ":::{figure} x.png"])
def test_unexpanded_markup_is_reported(tmp_path, shown):
    source = f"# Page\n\nIntro.\n\nText before {shown} after.\n"
    only(_built(tmp_path, source, f"<p>Text before {shown} after.</p>"), "book/page.md:5: ",
         "shows as text on the built page.html", "not expanded")


def test_code_is_not_read_as_prose(tmp_path):
    body = "<p>Write <code>{cite:p}`key`</code> to cite.</p><pre>the the</pre>"
    assert _built(tmp_path, "# Page\n\nIntro.\n", body) == []


def test_spelling_with_project_word_list(tmp_path):
    from bookkit.checks import rendered

    repo = good_book(tmp_path)
    append(repo, MODELS, "\nThe model was recieved well.\n")
    problems = rendered.spelling(repo)
    only(problems, f"{MODELS}:{line_of(repo, MODELS, 'recieved')}: ", "spelling: recieved ==> received",
         "scripts/codespell-words.txt")
    (repo / "scripts" / "codespell-words.txt").write_text("recieved\n")
    assert rendered.spelling(repo) == []
