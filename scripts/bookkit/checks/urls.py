"""External URL hygiene, offline: the rules a URL must follow to be written.

Over the published pages (prose only, not code), book/references.bib,
book/data/*.yaml and book/_config.yml:

* https only (exceptions: ``http_urls`` in scripts/guards.yml, each with a reason);
* no localhost, loopback, private or link-local addresses;
* no tracking parameters (utm_*, fbclid, gclid, ...);
* written verbatim: no backslash (a LaTeX escape like ``\\_`` breaks the link);
* no links into build output (``_build/``, or ``page.html`` instead of the source);
* DOIs written as DOIs (a bib entry's ``doi`` field), not doi.org URLs;
* no remote images (pages only): images are stored in the book;
* nothing deceptive: no invisible characters (bidi controls, zero-width)
  inside a URL, no non-ASCII (look-alike) or punycode host names, no bare IP
  addresses, no link shorteners.

Whether the URLs answer is checked online by ``make linkcheck``.
Run alone: ``python -m bookkit.checks.urls``.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from bookkit.checks.source import ROOT, book_pages, load_allowlist, problem, scan, strip_code_spans, report

URL_RE = re.compile(r"""https?://[^\s<>"'`{}|\\^]+""")
TRAILING = ".,;:!?*_'\""
TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi"
    r"|igshid|yclid|twclid|ref_src|trk|mkt_tok|_ga|_gl|oly_enc_id|oly_anon_id|vero_id)$",
    re.I,
)
LOCAL_HOSTS = re.compile(r"^(localhost|.*\.localhost|.*\.local|.*\.internal|.*\.lan)$", re.I)
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
# Link shorteners hide where a link goes (and can change it later).
SHORTENERS = {
    "bit.ly", "bitly.com", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "buff.ly", "is.gd", "v.gd",
    "lnkd.in", "rebrand.ly", "t.ly", "shorturl.at", "cutt.ly", "rb.gy", "tiny.cc", "s.id", "trib.al",
    "dlvr.it", "soo.gd", "bl.ink", "short.io", "tiny.one", "shorturl.com", "x.co", "qr.ae", "amzn.to",
    "youtu.be", "fb.me", "wp.me", "aka.ms", "db.tt", "1drv.ms", "forms.gle", "shorte.st", "adf.ly",
}
INVISIBLE_RE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Relative link targets in prose: [text](target), <target>, href= / src=.
REL_LINK_RE = re.compile(
    r"\]\(\s*<?([^)\s>]+)>?|<([^>\s:]+\.(?:md|html?))>|\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']",
    re.I,
)
# <page.md> is not a link in MyST (autolinks need a scheme), and unchecked.
MD_AUTOLINK_RE = re.compile(r"<([\w./-]+\.md(?:#[\w-]*)?)>")
IMAGE_RE = re.compile(
    r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*?\ssrc\s*=\s*[\"']([^\"']+)[\"']", re.I)


def clean(url: str) -> str:
    """Trim punctuation that ends a sentence rather than the URL."""
    url = url.rstrip(TRAILING)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(TRAILING)
    return url


def url_problems(url: str, http_ok: list[str]) -> list[str]:
    """What is wrong with one absolute URL (empty list = nothing)."""
    out = []
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and not any(url.startswith(p) for p in http_ok):
        out.append(f"'{url}' uses http: use https (if the site has no https, add the URL "
                   "under http_urls in scripts/guards.yml with a reason)")
    local = bool(LOCAL_HOSTS.match(host))
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
        local = local or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    except ValueError:
        pass
    if local:
        out.append(f"'{url}' points to a local or private address ({host}): "
                   "readers cannot reach it; link to a public address")
    bad_char = INVISIBLE_RE.search(url)
    if bad_char:
        out.append(f"'{url}' contains the invisible character U+{ord(bad_char[0]):04X}: remove it (the link "
                   "would go somewhere other than it reads)")
    if host and not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
        out.append(f"'{url}' has a non-ASCII host name ({host}): letters that look alike (Cyrillic 'а' for "
                   "Latin 'a') can send readers elsewhere; write the site's ASCII address")
    if not local:
        try:
            ipaddress.ip_address(host.strip("[]"))
            out.append(f"'{url}' uses a bare IP address ({host}): link to the site's name, which "
                       "readers can check")
        except ValueError:
            pass
    if host in SHORTENERS or host.removeprefix("www.") in SHORTENERS:
        out.append(f"'{url}' is a link shortener ({host}): it hides where it goes; link to the address "
                   "it leads to")
    tracking = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if TRACKING.match(k)]
    if tracking:
        out.append(f"'{url}' has tracking parameters ({', '.join(tracking)}): remove them")
    if host in DOI_HOSTS and parts.path.strip("/"):
        out.append(f"'{url}' is a DOI written as a URL: put doi = {{{parts.path.strip('/')}}} "
                   "in the bib entry and cite it")
    if "/_build/" in parts.path:
        out.append(f"'{url}' links into build output (_build/): link to the published page")
    return out


def relative_problems(target: str) -> list[str]:
    """Relative links: never into the build output."""
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//|^#", target, re.I):
        return []
    path = target.split("#")[0].split("?")[0]
    if "_build/" in path or path.startswith("_build"):
        return [f"'{target}' links into build output (_build/): link to the source page "
                "(e.g. models.md) or use {doc}`models`"]
    if path.endswith((".html", ".htm")):
        return [f"'{target}' links to a built .html file: link to the source page "
                f"({path.rsplit('.', 1)[0]}.md) or use {{doc}}, so the build checks it"]
    return []


def check_file(root: Path, path: Path, http_ok: list[str] | None = None) -> list[str]:
    """URL rules for one file (a page, the bib, a data or config file)."""
    if http_ok is None:
        entries, _ = load_allowlist(root, "http_urls")
        http_ok = [str(e.get("url", "")) for e in entries if e.get("url")]
    out = []
    is_page = path.suffix == ".md"
    if is_page:
        page = scan(path)
        lines = [(ln.no, strip_code_spans(ln.text)) for ln in page.lines if ln.kind in ("text", "raw")]
        for d in page.directives:  # {figure} and {image} arguments
            if d.name in ("figure", "image") and re.match(r"^(https?:)?//", d.arg):
                out.append(problem(root, path, d.line, f"remote image '{d.arg}': save it under "
                                   "book/figures/ (check its licence) and use the local path"))
    else:
        text = path.read_text(encoding="utf-8")
        lines = list(enumerate(text.splitlines(), start=1))
        if path.suffix == ".bib":  # the doi field's form is bibcheck's rule
            lines = [(no, t) for no, t in lines if not re.match(r"^\s*doi\s*=", t, re.I)]
    for no, text in lines:
        for m in URL_RE.finditer(text):
            url = clean(m[0])
            # (_config.yml holds regular expressions, where backslashes belong.)
            if text[m.end():m.end() + 1] == "\\" and path.suffix in (".bib", ".md"):
                # A LaTeX escape such as open\_llama ends up in the href, and breaks it.
                out.append(problem(root, path, no, f"'{m[0]}\\...' contains a backslash: write the URL "
                                   "verbatim (open_llama, not open\\_llama)"))
            for msg in url_problems(url, http_ok):
                out.append(problem(root, path, no, msg))
        if not is_page:
            continue
        for m in REL_LINK_RE.finditer(text):
            target = next(g for g in m.groups() if g)
            for msg in relative_problems(target):
                out.append(problem(root, path, no, msg))
        for m in MD_AUTOLINK_RE.finditer(text):
            out.append(problem(root, path, no, f"'<{m[1]}>' is not a checked link: write "
                               f"[text]({m[1]}) or {{doc}}`{m[1].split('#')[0][:-3]}` so the build checks it"))
        for m in IMAGE_RE.finditer(text):
            target = next(g for g in m.groups() if g)
            if re.match(r"^(https?:)?//", target):
                out.append(problem(root, path, no, f"remote image '{target}': save it under "
                                   "book/figures/ (check its licence) and use the local path"))
    return out


def files(root: Path) -> list[Path]:
    """Everything urlcheck looks at (references.bib is covered by bibcheck)."""
    book = root / "book"
    out = list(book_pages(root)) + sorted((book / "data").glob("*.yaml"))
    config = book / "_config.yml"
    return out + ([config] if config.exists() else [])


def check(root: Path = ROOT) -> list[str]:
    entries, out = load_allowlist(root, "http_urls")
    http_ok = [str(e.get("url", "")) for e in entries if e.get("url")]
    for path in files(root):
        out += check_file(root, path, http_ok)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    parser.add_argument("--with-bib", action="store_true",
                        help="also check book/references.bib (bibcheck does this too)")
    args = parser.parse_args(argv)
    problems = check(args.root)
    bib = args.root / "book" / "references.bib"
    if args.with_bib and bib.exists():
        problems += check_file(args.root, bib)
    return report("urlcheck", problems)


if __name__ == "__main__":
    sys.exit(main())
