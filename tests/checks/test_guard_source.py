"""The MyST reader the guards share: prose vs code, directives and options."""

from __future__ import annotations

from pathlib import Path

from bookkit.checks.source import scan, strip_code_spans

DOC = """\
# Title

Prose {cite:p}`a2020x`.

````markdown
```{figure} example.png
TODO inside an example
```
````

::::{tab-set}
:::{tab-item} One
```{figure} figures/one.svg
:name: fig-one
:alt: One: with a colon.

Caption one.
```
:::
::::

```{code-block} python
:caption: Example
print("TODO")
```

~~~
TODO in a tilde fence
~~~

```{raw} html
<script></script>
```

After.
"""


def kinds(page):
    return {ln.text: ln.kind for ln in page.lines}


def test_code_and_prose_are_told_apart():
    page = scan(Path("x.md"), DOC)
    k = kinds(page)
    assert k["TODO inside an example"] == "code"
    assert k['print("TODO")'] == "code"
    assert k["TODO in a tilde fence"] == "code"
    assert k["<script></script>"] == "raw"
    assert k["Caption one."] == "text"
    assert k["After."] == "text"
    assert k[":caption: Example"] == "option"


def test_nested_directives_and_options():
    page = scan(Path("x.md"), DOC)
    figures = [d for d in page.directives if d.name == "figure"]
    assert len(figures) == 1  # the one in the ````markdown example is code
    fig = figures[0]
    assert fig.arg == "figures/one.svg" and fig.line == 13
    assert fig.options["name"] == ("fig-one", 14)
    assert fig.options["alt"][0] == "One: with a colon."
    assert [ln.text for ln in fig.body if ln.text] == ["Caption one."]
    assert [d.name for d in page.directives] == ["tab-set", "tab-item", "figure", "code-block", "raw"]


def test_code_spans_blanked_but_roles_kept():
    s = "a `TODO` b {cite:t}`key2020x` c ``x ` y``"
    out = strip_code_spans(s)
    assert "TODO" not in out and "{cite:t}`key2020x`" in out and len(out) == len(s)
