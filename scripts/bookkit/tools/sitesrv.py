"""Serve a built book on 127.0.0.1, optionally gzip-compressed, in a thread.

Used by the browser tests (tests/browser/conftest.py) and by the benchmark
(scripts/benchmark.sh -> bookkit.tools.bench). Real static hosts (GitHub Pages,
Netlify, nginx) compress text; Python's ``http.server`` does not, so page
weight and Lighthouse scores measured through it would be wrong. With
``gzip=True`` text responses are compressed on the fly (level 6, what
nginx and GitHub Pages use) when the client sends ``Accept-Encoding: gzip``.

The site is served under the path of its base URL (``/open-models/``), as
GitHub Pages serves a project site, and missing files get the book's
``404.html`` with status 404, as GitHub Pages does: so the not-found page,
whose links are absolute under that path, is tested as readers will see it.

    python -m bookkit.tools.sitesrv _build/html --port 8000 --gzip
"""

from __future__ import annotations

import argparse
import contextlib
import gzip as gzip_mod
import http.server
import os
import socketserver
import threading
from functools import partial
from pathlib import Path
from typing import Iterator

COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    use_gzip = False
    prefix = "/"
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "application/javascript",
        ".mjs": "application/javascript",
        ".svg": "image/svg+xml",
        ".json": "application/json",
        ".xml": "application/xml",
        ".webp": "image/webp",
        ".woff2": "font/woff2",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
        pass

    def end_headers(self) -> None:
        # Static hosts let browsers revalidate; keeps repeat views honest.
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        # The site lives under its base URL's path, as on GitHub Pages.
        if not path.startswith(self.prefix):
            return os.path.join(str(self.directory), "\0outside-the-site")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_head(self):  # type: ignore[override]
        if self.path.rstrip("/") == self.prefix.rstrip("/") and not self.path.endswith("/"):
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.end_headers()
            return None
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # redirect to the slash form
            path = index
        status = 200
        if not os.path.isfile(path):
            root = Path(self.directory)
            path = str(root / "404.html")
            status = 404
            if not os.path.isfile(path):
                self.send_error(404, "File not found")
                return None
        ctype = self.guess_type(path)
        with open(path, "rb") as fh:
            body = fh.read()
        accept = self.headers.get("Accept-Encoding", "")
        compress = (
            self.use_gzip
            and "gzip" in accept
            and ctype.startswith(COMPRESSIBLE)
            and len(body) > 256
        )
        if compress:
            body = gzip_mod.compress(body, compresslevel=6, mtime=0)
        self.send_response(status)
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if compress:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        import io

        return io.BytesIO(body)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """A browser that closes a page before a response ends is no server error: stay quiet."""
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(
    directory: Path | str, *, gzip: bool = True, port: int = 0, prefix: str = "/"
) -> Iterator[str]:
    """Serve *directory* on 127.0.0.1 under *prefix*; yield the site's URL.

    The port is a free one unless given. *prefix* is the path of the site's
    base URL (``/open-models/`` for https://open-models-book.github.io/open-models/).
    """
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    handler = type("Handler", (_Handler,), {"use_gzip": gzip, "prefix": prefix})
    server = _Server(("127.0.0.1", port), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def site_prefix(config: Path | str = Path(__file__).resolve().parents[3] / "book" / "_config.yml") -> str:
    """The URL path of html.baseurl in book/_config.yml (``/`` if none)."""
    from urllib.parse import urlparse

    from bookkit.data import safeyaml

    data = safeyaml.load_file(Path(config)) or {}
    base = (data.get("html") or {}).get("baseurl") or "/"
    return urlparse(base).path or "/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="_build/html")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--prefix", default=None, help="URL path of the site (default: from book/_config.yml)")
    args = parser.parse_args()
    prefix = args.prefix if args.prefix is not None else site_prefix()
    with serve(args.directory, gzip=args.gzip, port=args.port, prefix=prefix) as url:
        print(f"Serving {args.directory} at {url} (gzip={'on' if args.gzip else 'off'}); Ctrl-C stops")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
