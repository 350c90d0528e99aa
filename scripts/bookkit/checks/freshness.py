"""Model records not checked against their sources for more than six months.

Each record of book/data/models.yaml has ``checked``: the day someone last
compared it with its sources. A record older than ``MAX_AGE_DAYS`` is
*stale*: not an error (the facts may still be right), but a record to look
at again. So:

* ``make lint`` prints stale records as warnings (they never fail it);
* ``python -m bookkit.checks.freshness --markdown`` prints the body of the
  "Stale model records" issue that the weekly workflow
  (.github/workflows/stale.yml) opens, updates or closes; its exit status
  is 1 when some record is stale, 0 otherwise.

Run ``python -m bookkit.checks.freshness`` for the plain list.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bookkit.data import models as modeldata, safeyaml

ROOT = modeldata.ROOT
#: Six months.
MAX_AGE_DAYS = 183
ISSUE_TITLE = "Stale model records"


@dataclass
class Stale:
    ident: str
    name: str
    checked: date
    line: int

    def days(self, today: date) -> int:
        return (today - self.checked).days


def _record_lines(path: Path) -> dict[str, int]:
    """The line of each record's ``- id:`` in the YAML file."""
    lines = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("- id:"):
            lines[line.split(":", 1)[1].strip().strip("'\"")] = number
    return lines


def stale_records(root: Path = ROOT, today: date | None = None,
                  max_age_days: int = MAX_AGE_DAYS) -> list[Stale]:
    """Records whose ``checked`` date is more than ``max_age_days`` before today, oldest first."""
    today = today or date.today()
    data_dir = root / "book" / "data"
    data = modeldata.load(data_dir / "models.yaml", data_dir / "licences.yaml", None, today=today)
    lines = _record_lines(data_dir / "models.yaml")
    limit = today - timedelta(days=max_age_days)
    stale = [Stale(m.id, m.name, m.checked, lines.get(m.id, 1)) for m in data.models if m.checked < limit]
    return sorted(stale, key=lambda s: (s.checked, s.ident))


def warnings(root: Path = ROOT, today: date | None = None) -> list[str]:
    """For `make lint`: one ``file:line: warning`` per stale record (never a failure)."""
    today = today or date.today()
    try:
        stale = stale_records(root, today)
    except modeldata.DataError:
        return []  # the data check reports why the data does not load
    return [f"book/data/models.yaml:{s.line}: warning: record '{s.ident}' was last checked on "
            f"{s.checked.isoformat()} ({s.days(today)} days ago): compare it with its sources again "
            "and update 'checked'" for s in stale]


def repository_url(root: Path) -> str:
    config = safeyaml.load_file(root / "book" / "_config.yml", "book/_config.yml")
    return str(config["repository"]["url"]).rstrip("/")


def markdown(stale: list[Stale], today: date, repo: str) -> str:
    """The tracking issue's body; ``repo`` is the repository's URL (for line links)."""
    if not stale:
        return f"Every model record was checked against its sources in the last six months ({today.isoformat()}).\n"
    rows = [f"| `{s.ident}` | {s.name.replace('|', '/')} | {s.checked.isoformat()} | {s.days(today)} | "
            f"[line {s.line}]({repo}/blob/main/book/data/models.yaml#L{s.line}) |" for s in stale]
    return "\n".join([
        f"{len(stale)} model record(s) were last checked against their sources more than six months ago "
        f"(as of {today.isoformat()}). For each: compare the record with its sources, correct it if "
        "needed, and set `checked` to the day you did.",
        "",
        "| id | model | checked | days ago | where |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        "This issue is opened and updated by the weekly `stale` workflow, and closed when no record is stale.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--markdown", action="store_true", help="print the tracking issue's body")
    args = parser.parse_args(argv)
    today = args.today or date.today()
    try:
        stale = stale_records(args.root, today)
    except modeldata.DataError as err:
        print(err, file=sys.stderr)
        return 2
    if args.markdown:
        print(markdown(stale, today, repository_url(args.root)), end="")
    else:
        for line in warnings(args.root, today):
            print(line)
        print(f"freshness: {len(stale)} stale record(s)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
