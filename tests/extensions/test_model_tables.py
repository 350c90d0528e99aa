"""Generated model tables: presets whose rows link to the models pages."""

from __future__ import annotations

from bookkit.data import models as modeldata
from bookkit.extensions.model_directives import Linked, table_spec


def test_retrieval_table_links_to_the_model_section_or_else_the_page():
    data = modeldata.load()
    records = [m for m in data.models if m.modality == "retrieval"]
    labelled, unlabelled = records[0], records[1]
    spec = table_spec(data, "retrieval-models", labels=frozenset({f"models-{labelled.id}"}))
    firsts = {cell.text: cell for cell in (row[0] for row in spec.rows)}
    assert firsts[labelled.name] == Linked(labelled.name, "ref", f"models-{labelled.id}", tuple(labelled.citations))
    assert firsts[unlabelled.name] == Linked(unlabelled.name, "doc", "/models/retrieval",
                                             tuple(unlabelled.citations))
    assert len(spec.rows) == len(records)
    kinds = {row[2] for row in spec.rows}
    assert kinds == {"embedding", "reranker"}
