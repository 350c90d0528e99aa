"""The book's YAML settings, checked before any build: _config.yml, _toc.yml, guards.yml.

* every file loads with the strict loader (bookkit.data.safeyaml: no aliases,
  tags or duplicate keys, bounded nesting);
* book/_config.yml follows Jupyter Book 1's own schema (the one ``jupyter-book
  build`` applies, which only prints a warning box), has no unknown top-level
  key (Jupyter Book ignores those silently), and every extension it names in
  ``sphinx.extra_extensions`` can be imported;
* book/_toc.yml is a mapping with a ``root``.

Each problem is ``path:line: message`` at the offending key.
Run alone: ``python -m bookkit.checks.config``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import yaml

from bookkit.checks.source import ROOT, problem, report
from bookkit.data import safeyaml


def _schema() -> dict | None:
    spec = importlib.util.find_spec("jupyter_book")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "config_schema.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def node_line(node, path: list) -> int:
    """Line of the value at ``path`` (keys and indexes) in a composed YAML node."""
    line = node.start_mark.line + 1 if node is not None else 1
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _load(root: Path, path: Path, out: list[str]):
    try:
        return safeyaml.compose(path.read_text(encoding="utf-8"), path)
    except safeyaml.YamlError as err:
        out.append(problem(root, path, err.line, err.message))
        return None, None


def check_config(root: Path, out: list[str]) -> None:
    path = root / "book" / "_config.yml"
    if not path.is_file():
        out.append(problem(root, path, None, "missing: the book's settings live here"))
        return
    node, data = _load(root, path, out)
    if node is None:
        return
    if not isinstance(data, dict):
        out.append(problem(root, path, 1, "must be a mapping of settings (title:, author:, html: ...)"))
        return
    schema = _schema()
    if schema is None:
        return
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema)
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in err.path) or "(top level)"
        out.append(problem(root, path, node_line(node, list(err.path)),
                           f"setting '{where}': {err.message} (see Jupyter Book 1's configuration reference)"))
    # Keys Jupyter Book 1 reads that its schema does not list.
    known = set(schema.get("properties", {})) | {"only_build_toc_files"}
    for key in data:
        if known and key not in known:
            out.append(problem(root, path, node_line(node, [key]),
                               f"unknown setting '{key}' (Jupyter Book would ignore it): check its spelling; "
                               "Sphinx settings go under sphinx: config:"))
    extensions = ((data.get("sphinx") or {}) if isinstance(data.get("sphinx"), dict) else {}).get("extra_extensions")
    for i, name in enumerate(extensions or []):
        if not isinstance(name, str):
            continue
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(problem(root, path, node_line(node, ["sphinx", "extra_extensions", i]),
                               f"extension '{name}' cannot be imported: check its name, or add the package "
                               "that provides it to pyproject.toml"))


def check_toc(root: Path, out: list[str]) -> None:
    path = root / "book" / "_toc.yml"
    if not path.is_file():
        out.append(problem(root, path, None, "missing: the table of contents lives here"))
        return
    node, data = _load(root, path, out)
    if node is None and data is None:
        return
    if not isinstance(data, dict) or not isinstance(data.get("root"), str):
        out.append(problem(root, path, 1, "must be a mapping with `root: <first page>` "
                                          "(and `chapters:` or `parts:`)"))


def check(root: Path = ROOT) -> list[str]:
    out: list[str] = []
    check_config(root, out)
    check_toc(root, out)
    guards = root / "scripts" / "guards.yml"
    if guards.is_file():
        _load(root, guards, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    return report("configcheck", check(parser.parse_args(argv).root))


if __name__ == "__main__":
    sys.exit(main())
