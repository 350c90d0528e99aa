"""The one YAML loader of the book: strict, bounded, with file:line messages.

Every YAML file of the book (book/_config.yml, book/_toc.yml, book/data/*.yaml,
scripts/guards.yml) arrives by pull request, so it is read as untrusted text.
PyYAML's ``safe_load`` is not enough for that: it expands aliases (a dozen
lines of nested ``*a`` references take hours and gigabytes), keeps the last of
two equal keys without a word, and recurses once per nesting level (deep
nesting ends in a bare ``RecursionError``). This loader refuses, each with
``path:line: message`` saying what to write instead:

* anchors and aliases (``&name`` / ``*name``): write the value out;
* explicit tags (``!!python/...``, ``!custom``, even ``!!str``);
* a key that appears twice in one mapping;
* nesting deeper than MAX_DEPTH levels.

libyaml's parser is used when PyYAML has it (it is several times faster); the
composing, where the rules are enforced, is PyYAML's own Python code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

#: Deeper than any real config or record needs; far below Python's recursion limit.
MAX_DEPTH = 40


class YamlError(ValueError):
    """A YAML file that must not be loaded; ``str()`` is ``path:line: message``."""

    def __init__(self, path: str | Path, line: int, message: str):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{path}:{line}: {message}")


class _Refused(yaml.YAMLError):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(message)


class _StrictComposer(Composer):
    """Composer that enforces the rules above while it builds the node tree."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, f"alias '*{event.anchor}' is not allowed in the book's YAML: "
                                 "write the value out in full")
        if event.anchor is not None:
            raise _Refused(line, f"anchor '&{event.anchor}' is not allowed in the book's YAML: "
                                 "remove it and write values out in full")
        if getattr(event, "tag", None) not in (None, "!"):
            raise _Refused(line, f"tag '{event.tag}' is not allowed in the book's YAML: "
                                 "remove it (values are plain strings, numbers, lists and mappings)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(line, f"nested more than {MAX_DEPTH} levels deep: flatten the structure")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictConstructor(SafeConstructor):
    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _Refused(key_node.start_mark.line + 1,
                               "a mapping key must be a plain value (not a list or mapping)") from None
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _Refused(line, f"key '{key}' appears twice in the same mapping (first at line "
                                     f"{seen[key]}): keep one, since YAML would silently keep the last")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_Parser = getattr(yaml, "CParser", None)
if _Parser is not None:
    class _Loader(_StrictComposer, _Parser, _StrictConstructor, Resolver):
        def __init__(self, stream):
            _Parser.__init__(self, stream)
            _StrictComposer.__init__(self)
            _StrictConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, _StrictComposer, _StrictConstructor, Resolver):
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _StrictComposer.__init__(self)
            _StrictConstructor.__init__(self)
            Resolver.__init__(self)


def _fail(path: str | Path, err: Exception) -> YamlError:
    if isinstance(err, _Refused):
        return YamlError(path, err.line, err.message)
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    what = " ".join(str(getattr(err, "problem", "") or err).split())
    return YamlError(path, line, f"not valid YAML: {what}")


def compose(text: str, path: str | Path = "<yaml>"):
    """(node, value) of a one-document YAML text: the node keeps line numbers.

    Raises YamlError (``path:line: message``) for anything refused or invalid.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
        return node, value
    except (yaml.YAMLError, RecursionError) as err:
        raise _fail(path, err) from None
    finally:
        loader.dispose()


def loads(text: str, path: str | Path = "<yaml>") -> Any:
    """The value of a one-document YAML text (None if empty); see compose()."""
    return compose(text, path)[1]


def load_file(path: Path, shown: str | Path | None = None) -> Any:
    """Load one YAML file; errors name ``shown`` (default: the path as given)."""
    return loads(Path(path).read_text(encoding="utf-8"), shown if shown is not None else path)
