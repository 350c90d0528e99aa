"""`make linkcheck` helper: a network probe, and a readable report.

``python -m bookkit.checks.linkreport --require-network``
    exits 2 with a clear message when the internet cannot be reached, so
    `make linkcheck` stops instead of reporting every link as broken.
``python -m bookkit.checks.linkreport _build/linkcheck/output.json``
    prints Sphinx linkcheck's results by file and line: broken links (exit
    status 1), then timeouts and redirects for information.

Sphinx's statuses (7.4): working, broken, timeout, redirected, ignored,
unchecked, local. How they are decided is set in book/_config.yml
(linkcheck_* settings, each exception with its reason).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections import defaultdict
from pathlib import Path

# Hosts the book links to most; reaching any one of them means we are online.
PROBES = [("doi.org", 443), ("github.com", 443), ("arxiv.org", 443)]


def online(probes: list[tuple[str, int]], timeout: float = 3.0) -> tuple[bool, str]:
    last = ""
    for host, port in probes:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True, f"{host}:{port}"
        except OSError as err:
            last = f"{host}:{port}: {err}"
    return False, last


def read_results(path: Path) -> list[dict]:
    """output.json holds one JSON object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def report(results: list[dict], srcdir: str = "book", out=sys.stdout) -> int:
    by_status: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_status[r["status"]].append(r)

    def where(r: dict) -> str:
        return f"{srcdir}/{r['filename']}:{r['lineno']}"

    def section(title: str, rows: list[dict], detail) -> None:
        if not rows:
            return
        print(f"\n{title} ({len(rows)}):", file=out)
        last_file = None
        for r in sorted(rows, key=lambda r: (r["filename"], r["lineno"], r["uri"])):
            if r["filename"] != last_file:
                print(f"  {srcdir}/{r['filename']}", file=out)
                last_file = r["filename"]
            print(f"    {where(r)}: {r['uri']}{detail(r)}", file=out)

    section("BROKEN: fix or replace these links (or add an ignore with a reason "
            "in book/_config.yml)", by_status["broken"],
            lambda r: f" -> {r['info']}" if r.get("info") else "")
    section("Timed out (not counted as broken; check by hand if it repeats)",
            by_status["timeout"], lambda r: "")
    section("Redirected: update the link to where it now lives, or allow the redirect "
            "in linkcheck_allowed_redirects with a reason", by_status["redirected"],
            lambda r: f" -> {r['info']} ({r.get('code') or 'redirect'})")
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_status.items()))
    print(f"\nlinkcheck: {counts or 'no links'}", file=out)
    return 1 if by_status["broken"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", type=Path, help="linkcheck output.json")
    parser.add_argument("--require-network", action="store_true",
                        help="exit 2 with a message if the internet is unreachable")
    parser.add_argument("--srcdir", default="book", help="prefix for file names (default: book)")
    args = parser.parse_args(argv)
    if args.require_network:
        # LINKREPORT_PROBE=host:port overrides the probe (used by the tests).
        probe = os.environ.get("LINKREPORT_PROBE")
        probes = [(probe.rsplit(":", 1)[0], int(probe.rsplit(":", 1)[1]))] if probe else PROBES
        ok, detail = online(probes)
        if not ok:
            print("make linkcheck: OFFLINE - no network, so external links were NOT checked "
                  f"(last try: {detail}). Run it on a machine with internet access; the "
                  "offline checks (make lint, make test) do not need it.", file=sys.stderr)
            return 2
        print(f"linkcheck: network reachable ({detail}); checking external links...",
              file=sys.stderr)
        if not args.output:
            return 0
    if not args.output:
        parser.error("give the path of linkcheck's output.json, or --require-network")
    if not args.output.is_file():
        print(f"linkreport: {args.output} not found: the linkcheck builder did not run "
              "(see its errors above)", file=sys.stderr)
        return 2
    return report(read_results(args.output), args.srcdir)


if __name__ == "__main__":
    sys.exit(main())
