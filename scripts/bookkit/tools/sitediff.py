"""Compare two built sites file by file, byte for byte: ``python -m bookkit.tools.sitediff A B``.

Used to prove that a change to the build (a faster extension, a cache, an
incremental rebuild) leaves the published site exactly as it was. Every file
of both folders is compared; the exit status is 0 when the sites are the
same, 1 otherwise, with one line per difference (and the first differing
lines of text files).

Only these differ legitimately between two builds of the same sources, and
are normalised before comparing (nothing else is ignored):

``.buildinfo``
    Sphinx's record of the configuration hash, for its own incremental
    builds; it changes when an extension is added or removed even if no page
    changes. Not part of what a reader sees; skipped.
``_downloads/<digest>/``
    Sphinx names the folder of a downloadable file after an MD5 of the
    file's *source path* (relative to the book), so the same file built from
    another output folder (the benchmark's, a test's copy of the book) gets
    another folder name. Compared by file name and content: the digest is
    replaced by ``<digest>`` in paths and in every text file.
``--ignore-dates`` (off by default)
    The "last updated" date of each page comes from git; a copy of the book
    outside git gets the build's date instead. With this flag the date
    inside ``<p class="last-updated">``, the sitemap's ``<lastmod>`` and
    the ``article:modified_time`` metadata are replaced by ``<date>``.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED = {".buildinfo"}
DOWNLOAD_DIGEST = re.compile(rb"_downloads/[0-9a-f]{32}/")
DATES = [
    re.compile(rb"(<lastmod>)[^<]*(</lastmod>)"),
    re.compile(rb'(class="last-updated"[^>]*>)[^<]*(<)'),
    re.compile(rb"(Last updated on )[^<.]*(\.?<)"),
]
TEXT_SUFFIXES = {".html", ".js", ".css", ".txt", ".xml", ".json", ".svg", ".csv", ".inv", ".md"}


@dataclass
class Report:
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    differ: list[str] = field(default_factory=list)
    details: dict[str, list[str]] = field(default_factory=dict)
    compared: int = 0

    @property
    def same(self) -> bool:
        return not (self.only_a or self.only_b or self.differ)

    def lines(self) -> list[str]:
        out = [f"only in A: {p}" for p in self.only_a] + [f"only in B: {p}" for p in self.only_b]
        for path in self.differ:
            out.append(f"differs: {path}")
            out.extend("    " + line for line in self.details.get(path, []))
        return out


def normal_path(rel: str) -> str:
    return DOWNLOAD_DIGEST.sub(b"_downloads/<digest>/", rel.encode()).decode()


def normal_bytes(data: bytes, ignore_dates: bool) -> bytes:
    data = DOWNLOAD_DIGEST.sub(b"_downloads/<digest>/", data)
    if ignore_dates:
        for pattern in DATES:
            data = pattern.sub(rb"\1<date>\2", data)
    return data


def site_files(root: Path) -> dict[str, Path]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            if rel not in SKIPPED:
                files[normal_path(rel)] = path
    return files


def first_differences(a: bytes, b: bytes, limit: int = 6) -> list[str]:
    try:
        left, right = a.decode("utf-8").splitlines(), b.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [f"binary: {len(a)} vs {len(b)} bytes"]
    if len(left) < 5 and len(right) < 5 or max(map(len, left + right), default=0) > 2000:
        # Minified or one-line files: show where they part.
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return [f"{len(a)} vs {len(b)} bytes; first difference at byte {at}:",
                f"A: ...{a[max(0, at - 60):at + 60]!r}", f"B: ...{b[max(0, at - 60):at + 60]!r}"]
    diff = difflib.unified_diff(left, right, "A", "B", n=0, lineterm="")
    lines = [line[:300] for line in diff if not line.startswith(("---", "+++"))]
    return lines[:limit] + ([f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else [])


def compare(a: Path, b: Path, *, ignore_dates: bool = False) -> Report:
    """Compare the sites in folders *a* and *b* (see the module docstring)."""
    report = Report()
    files_a, files_b = site_files(Path(a)), site_files(Path(b))
    report.only_a = sorted(set(files_a) - set(files_b))
    report.only_b = sorted(set(files_b) - set(files_a))
    for rel in sorted(set(files_a) & set(files_b)):
        report.compared += 1
        data_a, data_b = files_a[rel].read_bytes(), files_b[rel].read_bytes()
        if data_a == data_b:
            continue
        data_a, data_b = normal_bytes(data_a, ignore_dates), normal_bytes(data_b, ignore_dates)
        if data_a != data_b:
            report.differ.append(rel)
            report.details[rel] = first_differences(data_a, data_b)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].split(":")[0])
    parser.add_argument("a", type=Path, help="first built site (an html output folder)")
    parser.add_argument("b", type=Path, help="second built site")
    parser.add_argument("--ignore-dates", action="store_true",
                        help="treat 'last updated' dates as equal (a copy of the book outside git)")
    args = parser.parse_args(argv)
    for folder in (args.a, args.b):
        if not (folder / "index.html").is_file():
            parser.error(f"{folder} is not a built site (no index.html)")
    report = compare(args.a, args.b, ignore_dates=args.ignore_dates)
    for line in report.lines():
        print(line)
    print(f"{report.compared} files compared: " + ("the sites are the same" if report.same else
          f"{len(report.differ)} differ, {len(report.only_a)} only in A, {len(report.only_b)} only in B"))
    return 0 if report.same else 1


if __name__ == "__main__":
    sys.exit(main())
