"""`make linkcheck`, tested offline: Sphinx's linkcheck builder with the
book's settings against a loopback server that plays every kind of site.

Only 127.0.0.1 is used; every server is shut down at the end; the whole
module runs in well under a minute (the slow case waits 1 s, the 429 case
with Retry-After 1 s, and a 429 without Retry-After fails at once because
linkcheck_rate_limit_timeout is under Sphinx's 60 s first back-off).
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from bookkit.checks import linkreport
from guardutil import HERE

ROOT = HERE.parents[1]
PAGE = b'<html><body><h1 id="here">Here</h1></body></html>'


class Site(BaseHTTPRequestHandler):
    """One handler for every case; ``server.mode`` picks the 429 behaviour."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def reply(self, code, headers=(), body=PAGE):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?")[0]
        mode = getattr(self.server, "mode", "")
        if mode == "429-then-ok":
            self.server.hits += 1
            return self.reply(429, [("Retry-After", "1")]) if self.server.hits == 1 else self.reply(200)
        if mode == "429-always":
            return self.reply(429)
        # Hostile answers: wait a day, wait until next year, come back in 1 s for ever.
        if mode == "429-huge":
            return self.reply(429, [("Retry-After", "100000")])
        if mode == "429-far-date":
            return self.reply(429, [("Retry-After", "Fri, 01 Dec 2099 00:00:00 GMT")])
        if mode == "429-loop":
            self.server.hits += 1
            return self.reply(429, [("Retry-After", "1")])
        if path in ("/ok", "/gh/page", "/ignored"):
            return self.reply(200)
        if path in ("/moved", "/old-allowed"):
            return self.reply(301, [("Location", "/ok")])
        if path == "/found":
            return self.reply(302, [("Location", "/ok")])
        if path == "/slow":
            time.sleep(3)  # longer than linkcheck_timeout (1 s in the fixture)
            return self.reply(200)
        codes = {"/gone": 404, "/gone410": 410, "/err500": 500, "/unavailable503": 503}
        return self.reply(codes.get(path, 404))

    do_HEAD = do_GET


def serve(mode=""):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    server.block_on_close = False
    server.mode, server.hits = mode, 0
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server


def real_linkcheck_settings() -> dict:
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    return {k: v for k, v in config["sphinx"]["config"].items()
            if k.startswith(("linkcheck_", "bookkit_linkcheck_"))}


# (path, server, expected status, text expected in info)
CASES = [
    ("/ok", "main", "working", ""),
    ("/ok#here", "main", "working", ""),
    ("/ok#missing", "main", "broken", "Anchor 'missing' not found"),
    ("/gh/page#missing", "main", "working", ""),        # anchors ignored for this URL
    ("/moved", "main", "redirected", "/ok"),
    ("/found", "main", "redirected", "/ok"),
    ("/old-allowed", "main", "working", ""),            # an allowed redirect
    ("/gone", "main", "broken", "404"),
    ("/gone410", "main", "broken", "410"),
    ("/err500", "main", "broken", "500"),
    ("/unavailable503", "main", "ignored", "service unavailable"),
    ("/slow", "main", "timeout", "timed out"),
    ("/ignored", "main", "ignored", ""),
    ("/retry", "429-then-ok", "working", ""),           # honours Retry-After, then succeeds
    ("/limited", "429-always", "broken", "429"),        # no Retry-After: fails fast
    ("/huge", "429-huge", "broken", "429"),             # Retry-After: 100000 is cut short
    ("/far", "429-far-date", "broken", "429"),          # Retry-After: a date in 2099 too
    ("/loop", "429-loop", "broken", "429"),             # Retry-After: 1 for ever: retried 2 times
]
HOSTILE = ("429-huge", "429-far-date", "429-loop")


@pytest.fixture(scope="module")
def linkcheck_run(tmp_path_factory):
    servers = {"main": serve(), "429-then-ok": serve("429-then-ok"), "429-always": serve("429-always"),
               **{mode: serve(mode) for mode in HOSTILE}}
    try:
        base = {name: f"http://127.0.0.1:{s.server_address[1]}" for name, s in servers.items()}
        main = re.escape(base["main"])
        settings = real_linkcheck_settings()
        settings.update({
            # Overrides for speed only; everything else is the book's setting.
            "linkcheck_timeout": 1,
            "linkcheck_rate_limit_timeout": 2.0,
            "bookkit_linkcheck_retry_after_max": 1,
            "bookkit_linkcheck_max_rate_limited": 2,
            "linkcheck_anchors_ignore_for_url": settings.get("linkcheck_anchors_ignore_for_url", [])
            + [f"^{main}/gh/"],
            "linkcheck_ignore": settings.get("linkcheck_ignore", []) + [f"^{main}/ignored"],
            "linkcheck_allowed_redirects": {**settings.get("linkcheck_allowed_redirects", {}),
                                            f"^{main}/old-allowed": f"^{main}/ok$"},
        })
        src = tmp_path_factory.mktemp("linkbook") / "book"
        src.mkdir()
        conf = "extensions = ['myst_parser', 'bookkit.extensions.linkcheck_bounds']\n" + "".join(f"{k} = {v!r}\n" for k, v in settings.items())
        (src / "conf.py").write_text(conf)
        lines = ["# Links", "", "One link per line, so each is found by its line number.", ""]
        for path, server, _, _ in CASES:
            lines += [f"- <{base[server]}{path}>"]
        (src / "index.md").write_text("\n".join(lines) + "\n")
        out = src.parent / "_build" / "linkcheck"
        env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        # Without the bounds, the hostile servers would keep this run going for
        # days; the timeout only stops a hung test, it measures nothing.
        res = subprocess.run([sys.executable, "-m", "sphinx", "-b", "linkcheck", "-q", str(src), str(out)],
                             capture_output=True, text=True, timeout=240, env=env)
        results = linkreport.read_results(out / "output.json")
        yield {"base": base, "results": results, "res": res, "out": out, "servers": servers}
    finally:
        for s in servers.values():
            s.shutdown()
            s.server_close()


@pytest.mark.parametrize("path, server, status, info", CASES, ids=[c[0] for c in CASES])
def test_case_is_classified(linkcheck_run, path, server, status, info):
    uri = linkcheck_run["base"][server] + path
    (result,) = [r for r in linkcheck_run["results"] if r["uri"] == uri]
    assert result["status"] == status, result
    assert info in str(result["info"]), result
    assert result["filename"] == "index.md"
    assert result["lineno"] == 5 + [c[0] for c in CASES].index(path)
    if path in ("/moved", "/found"):
        assert result["code"] == int({"/moved": 301, "/found": 302}[path])


def test_hostile_retry_after_is_bounded(linkcheck_run):
    """The looping server saw at most 1 + max_rate_limited attempts (each a HEAD
    and a GET at most), and the run finished with all three links broken."""
    loop = linkcheck_run["servers"]["429-loop"]
    assert 1 <= loop.hits <= 2 * (1 + 2), loop.hits
    broken = {r["uri"] for r in linkcheck_run["results"] if r["status"] == "broken"}
    for mode, path in zip(HOSTILE, ("/huge", "/far", "/loop")):
        assert linkcheck_run["base"][mode] + path in broken


def test_runs_in_its_own_folder(linkcheck_run):
    assert (linkcheck_run["out"] / "output.json").is_file()
    assert not list(linkcheck_run["out"].glob("*.html"))  # not the deployed HTML


def test_report_lists_broken_by_file_and_line(linkcheck_run):
    buf = io.StringIO()
    status = linkreport.report(linkcheck_run["results"], "book", out=buf)
    text = buf.getvalue()
    assert status == 1
    main = linkcheck_run["base"]["main"]
    broken = text.split("BROKEN")[1].split("Timed out")[0]
    assert f"book/index.md:12: {main}/gone -> " in broken
    assert f"book/index.md:{5 + 14}: {linkcheck_run['base']['429-always']}/limited" in broken
    assert f"book/index.md:{5 + 17}: {linkcheck_run['base']['429-loop']}/loop" in broken
    assert "/ok\n" not in broken and "/slow" not in broken
    assert f"book/index.md:16: {main}/slow" in text.split("Timed out")[1]
    assert f"book/index.md:9: {main}/moved -> {main}/ok (301)" in text.split("Redirected")[1]
    assert re.search(r"linkcheck: .*4 broken", text) or "broken" in text.splitlines()[-1]


def test_report_ok_when_nothing_broken():
    buf = io.StringIO()
    assert linkreport.report([{"filename": "a.md", "lineno": 1, "status": "working",
                               "code": 0, "uri": "https://example.org", "info": ""}], out=buf) == 0
    assert "1 working" in buf.getvalue()


def test_require_network_says_offline(monkeypatch, capsys):
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("LINKREPORT_PROBE", f"127.0.0.1:{port}")
    assert linkreport.main(["--require-network"]) == 2
    assert "OFFLINE" in capsys.readouterr().err
    server = serve()
    try:
        monkeypatch.setenv("LINKREPORT_PROBE", f"127.0.0.1:{server.server_address[1]}")
        assert linkreport.main(["--require-network"]) == 0
    finally:
        server.shutdown()
        server.server_close()


def test_real_config_has_safe_settings_with_reasons():
    settings = real_linkcheck_settings()
    for key in ("linkcheck_retries", "linkcheck_timeout", "linkcheck_rate_limit_timeout",
                "linkcheck_report_timeouts_as_broken", "linkcheck_anchors_ignore_for_url",
                "linkcheck_ignore", "linkcheck_allowed_redirects"):
        assert key in settings, f"book/_config.yml: set {key} explicitly"
    assert settings["linkcheck_rate_limit_timeout"] < 300
    assert any(re.match(p, "https://github.com/o/r#readme") for p in settings["linkcheck_anchors_ignore_for_url"])
    # Every ignore / allowed redirect has a "# reason" comment on the line above it.
    lines = (ROOT / "book" / "_config.yml").read_text().splitlines()
    for section in ("linkcheck_ignore", "linkcheck_allowed_redirects"):
        start = next(i for i, ln in enumerate(lines) if ln.strip().startswith(section + ":"))
        indent = len(lines[start]) - len(lines[start].lstrip())
        for i in range(start + 1, len(lines)):
            ln = lines[i]
            if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
                break
            if ln.strip() and not ln.strip().startswith("#"):
                assert lines[i - 1].strip().startswith("#"), f"_config.yml:{i + 1}: entry needs a # reason above it"
