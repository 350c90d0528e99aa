"""Generated model tables: presets whose rows link to the models pages."""

from __future__ import annotations

from bookkit.data import models as modeldata
from bookkit.extensions.model_directives import table_markdown


def test_retrieval_table_links_to_the_model_section_or_else_the_page():
    data = modeldata.load()
    records = [m for m in data.models if m.modality == "retrieval"]
    labelled, unlabelled = records[0], records[1]
    text = table_markdown(data, "retrieval-models", labels=frozenset({f"models-{labelled.id}"}))
    assert f"{{ref}}`{labelled.name} <models-{labelled.id}>`" in text
    assert f"{{doc}}`{unlabelled.name} </models/retrieval>`" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == len(records)
    kinds = {row.split(" | ")[2] for row in rows}
    assert kinds == {"embedding", "reranker"}
