"""Supply chain and CI bounds: what the workflows run and what pip installs is pinned."""

from __future__ import annotations

import re
import tomllib

import pytest

from bookkit.data import safeyaml
from guardutil import HERE

ROOT = HERE.parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LOCK = ROOT / "requirements" / "lock.txt"


def workflow(path):
    return safeyaml.load_file(path)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actions_are_pinned_by_commit_sha(path):
    for no, line in enumerate(path.read_text().splitlines(), start=1):
        m = re.search(r"uses:\s*(\S+)", line)
        if m and not m[1].startswith("./"):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", m[1]), \
                f"{path.name}:{no}: pin {m[1]} by its full commit SHA (release in a comment)"
            assert re.search(r"#\s*v\d", line), f"{path.name}:{no}: say the release in a comment (# vX.Y.Z)"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_every_job_has_a_time_limit(path):
    for name, job in workflow(path)["jobs"].items():
        assert 0 < job.get("timeout-minutes", 0) <= 90, f"{path.name}: job {name} needs timeout-minutes"


def test_linkcheck_issue_is_updated_even_when_the_check_fails():
    steps = workflow(ROOT / ".github" / "workflows" / "linkcheck.yml")["jobs"]["linkcheck"]["steps"]
    update = next(s for s in steps if "tracking issue" in s.get("name", ""))
    assert update.get("if") == "always()"
    check = next(s for s in steps if s.get("id") == "check")
    assert check.get("timeout-minutes")


def test_dependabot_keeps_actions_and_pip_current():
    cfg = safeyaml.load_file(ROOT / ".github" / "dependabot.yml")
    assert {u["package-ecosystem"] for u in cfg["updates"]} >= {"github-actions", "pip"}


def lock_pins() -> dict[str, tuple[str, list[str]]]:
    pins = {}
    for block in re.split(r"\n(?=[a-z0-9])", LOCK.read_text()):
        m = re.match(r"^([a-z0-9][a-z0-9._-]*)==([^\s;\\]+)", block)
        if m:
            pins[m[1].replace("_", "-").replace(".", "-")] = (m[2], re.findall(r"--hash=sha256:[0-9a-f]{64}", block))
    return pins


def test_lock_is_hashed_and_matches_pyproject():
    pins = lock_pins()
    assert all(hashes for _, hashes in pins.values()), "every locked package needs --hash lines"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = project["project"]["dependencies"] + sum(project["project"]["optional-dependencies"].values(), [])
    wanted += project["build-system"]["requires"]
    for req in wanted:
        name, version = re.match(r"^([A-Za-z0-9._-]+)==(\S+)$", req).groups()
        key = name.lower().replace("_", "-").replace(".", "-")
        assert key in pins, f"{name} is not in requirements/lock.txt: run `make lock`"
        assert pins[key][0] == version, f"{name}: pyproject has {version}, the lock {pins[key][0]}: run `make lock`"
    assert "pip" in pins and "setuptools" in pins, "the lock pins the installers too"


def test_makefile_installs_only_from_the_lock():
    make = (ROOT / "Makefile").read_text()
    rule = re.search(r"^\$\(VENV\)/\.installed:(.*)\n((?:\t.*\n)+)", make, re.M)
    assert rule, "the .installed rule is missing"
    assert "pyproject.toml" in rule[1] and "$(LOCK)" in rule[1]
    assert "--require-hashes" in rule[2] and "--no-deps" in rule[2] and "--no-build-isolation" in rule[2]
    assert not re.search(r"pip install(?!.*(--require-hashes|--no-deps))", rule[2])
    assert re.search(r"^lock:", make, re.M)


def test_make_linkcheck_has_a_total_time_limit():
    make = (ROOT / "Makefile").read_text()
    recipe = make.split("\nlinkcheck:", 1)[1].split("\n\n", 1)[0]
    assert "timeout $(LINKCHECK_MAX)" in recipe and "-eq 124" in recipe
    assert re.search(r"^LINKCHECK_MAX \?= \d+", make, re.M)
