"""The build layer: pages match the table of contents, config facts live in
one place, strictness catches a broken cross-reference, and the automation
files call the Makefile's targets."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from bookpaths import BOOK, ROOT, copy_book, sphinx_build

# Pages Sphinx always writes besides the chapters.
SPHINX_PAGES = {"genindex", "search", "404"}


def toc_files() -> set[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = {toc["root"]}

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.add(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def model_pages() -> set[str]:
    """The pages generated from the data (bookkit.extensions.model_pages), not in the toc."""
    records = yaml.safe_load((BOOK / "data" / "models.yaml").read_text())
    return {f"model/{r['id']}" for r in records}


def config() -> dict:
    return yaml.safe_load((BOOK / "_config.yml").read_text())


@pytest.mark.build
def test_every_toc_page_is_built_and_nothing_else(html_dir):
    built = {p.relative_to(html_dir).with_suffix("").as_posix() for p in html_dir.rglob("*.html")
             if not p.relative_to(html_dir).parts[0].startswith("_")}
    expected = toc_files() | model_pages()
    assert expected - built == set(), "pages in _toc.yml (or model pages) that were not built"
    assert built - expected - SPHINX_PAGES == set(), "pages built that are not in _toc.yml"


@pytest.mark.build
def test_every_chapter_source_is_in_the_toc():
    sources = {p.relative_to(BOOK).with_suffix("").as_posix() for p in BOOK.rglob("*.md")
               if "_build" not in p.parts}
    missing = sorted(sources - toc_files() - model_pages())
    assert not missing, "\n".join(f"book/{m}.md: not in book/_toc.yml, so it is not published: add "
                                  f"'- file: {m}' to book/_toc.yml, or delete the file" for m in missing)


@pytest.mark.parametrize("key", ["title", "author"])
def test_book_facts_are_stated_once(key):
    value = config()[key]
    text = (BOOK / "_config.yml").read_text()
    assert text.count(value) == 1, f"{key} {value!r} must appear exactly once in book/_config.yml"


def test_repository_and_licence_are_stated_once():
    cfg = config()
    text = (BOOK / "_config.yml").read_text()
    slug = re.sub(r"^https://github.com/", "", cfg["repository"]["url"])
    assert text.count(slug) == 1, "the repository owner/name is typed more than once in _config.yml"
    licence = cfg["sphinx"]["config"]["book_licence"]
    assert text.count(licence) == 1


@pytest.mark.build
def test_rendered_pages_show_the_config_facts(html_dir):
    cfg = config()
    index = (html_dir / "index.html").read_text()
    assert cfg["title"].split(":")[0] in index
    assert cfg["author"] in index
    assert cfg["repository"]["url"] in index
    footer = index[index.index('<footer class="bd-footer-content'):]
    assert 'rel="license"' in footer and "creativecommons.org/licenses/by/4.0" in footer, \
        "every page footer must state the text licence"
    slug = cfg["repository"]["url"].removeprefix("https://github.com/")
    models = (html_dir / "models.html").read_text()
    assert f'data-repo="{slug}"' in models, "the comments widget must use the book's repository"


def test_broken_cross_reference_fails_the_build_naming_the_file(tmp_path):
    book = copy_book(tmp_path)
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: timeline\n")
    timeline = book / "timeline.md"
    timeline.write_text(timeline.read_text() + "\n\nSee {ref}`no-such-label-anywhere`.\n")
    # Only the page under test (and the front page) is built.
    result = sphinx_build(book, tmp_path / "out")
    assert result.returncode != 0, "a broken cross-reference must fail the strict build"
    assert re.search(r"timeline\.md:\d+: (WARNING|ERROR).*no-such-label-anywhere", result.stderr), result.stderr


def test_make_help_lists_every_target():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("html", "test", "serve", "linkcheck", "lint", "format", "clean", "bench"):
        assert re.search(rf"make {target}\s+\S", out), f"make help does not describe '{target}'"


def test_ci_runs_the_readme_test_command():
    run = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and re.search(r"^\s*make test\b", run, re.M)


def workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def run_steps(wf: dict) -> str:
    return "\n".join(step.get("run", "") for job in wf["jobs"].values() for step in job["steps"])


def test_pull_request_workflow_tests_and_deploys():
    wf = workflow("book.yml")
    triggers = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on` as True
    assert "pull_request" in triggers and "push" in triggers
    assert "make test" in run_steps(wf)
    uses = [s.get("uses", "") for job in wf["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    deploy = wf["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"]


def test_weekly_linkcheck_reports_into_one_issue():
    wf = workflow("linkcheck.yml")
    triggers = wf[True] if True in wf else wf["on"]
    assert "schedule" in triggers
    assert "make linkcheck" in run_steps(wf)
    text = (ROOT / ".github" / "workflows" / "linkcheck.yml").read_text()
    assert "Broken links" in text, "the workflow must update one tracking issue by its title"


def test_dependabot_never_proposes_jupyter_book_2():
    cfg = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    pip = next(u for u in cfg["updates"] if u["package-ecosystem"] == "pip")
    ignored = {i["dependency-name"]: i for i in pip.get("ignore", [])}
    assert ">=2" in str(ignored["jupyter-book"]["versions"])


def test_extension_list_is_complete_and_has_no_notebook_machinery():
    """_config.yml's sphinx.config.extensions replaces Jupyter Book's list, so
    extra_extensions would be ignored silently, and myst_nb must stay out."""
    sphinx = config()["sphinx"]
    assert "extra_extensions" not in sphinx, \
        "book/_config.yml: list extensions under sphinx.config.extensions (extra_extensions is ignored)"
    extensions = sphinx["config"]["extensions"]
    assert "myst_parser" in extensions and "myst_nb" not in extensions
    ours = {f"bookkit.extensions.{p.stem}" for p in (ROOT / "scripts" / "bookkit" / "extensions").glob("*.py")
            if p.stem != "__init__"}
    # Every bookkit extension is loaded (or pulled in by one that is).
    loaded = set(extensions) | {"bookkit.extensions.book"}
    assert ours <= loaded, f"bookkit extensions not in book/_config.yml: {sorted(ours - loaded)}"
    conf = (BOOK / "conf.py").read_text()
    assert "'myst_nb'" not in conf and "'myst_parser'" in conf, "regenerate book/conf.py (make html)"
