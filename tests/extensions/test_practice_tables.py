"""The shortlist rule of {hardware-tiers} (bookkit.extensions.practice_tables), on made-up records."""

from __future__ import annotations

from datetime import date

from bookkit.data import memory
from bookkit.data.models import ModelData, ModelRecord
from bookkit.extensions import practice_tables as pt

BASE = {
    "organisation": "Lab", "modality": "text", "active_parameters_b": None, "training_tokens_t": None,
    "context_length": 32768, "architecture": "Decoder-only transformer", "licence": "Apache-2.0",
    "commercial_use": "yes", "open_weights": True, "open_training_code": False, "open_training_data": False,
    "citations": ["x2025"], "checked": date(2026, 1, 1), "layers": 32, "kv_heads": 8, "head_dim": 128,
}


def rec(ident: str, params: float, released=date(2025, 6, 1), **fields) -> ModelRecord:
    return ModelRecord.model_validate({**BASE, "id": ident, "name": ident, "released": released,
                                       "parameters_b": params, **fields})


def shortlist(models, key: str) -> list[str]:
    tiers = dict((t.key, ms) for t, ms in pt.tier_shortlists(ModelData(models, {})))
    return [m.id for m in tiers[key]]


def test_a_model_appears_where_it_fits_and_uses_over_a_third():
    # 8B at 4 bits: 4.4 GB of weights + 4.3 GB of cache at 32K = 8.7 GB.
    models = [rec("m8", 8.0)]
    need = memory.total_bytes(models[0], 4) / 1e9
    assert 8 < need < 16
    assert shortlist(models, "16") == ["m8"]
    assert shortlist(models, "24") == ["m8"]      # 8.7 > 24 / 3
    assert shortlist(models, "48") == []          # fits, but uses less than a third
    assert shortlist(models, "8") == []           # does not fit


def test_guard_models_old_models_and_missing_shapes_are_left_out():
    models = [rec("guard", 8.0, tags=["guard"]), rec("old", 8.0, released=date(2024, 5, 1)),
              rec("shapeless", 8.0, kv_heads=None, unknown={"kv_heads": "Not published."})]
    assert shortlist(models, "16") == []
    assert [m.id for m in pt.missing_shape(ModelData(models, {}))] == ["shapeless"]


def test_one_record_per_organisation_and_size_the_newest():
    models = [rec("v1", 8.0, released=date(2025, 3, 1)), rec("v2", 8.0, released=date(2025, 9, 1)),
              rec("other", 8.0, organisation="Other lab")]
    assert shortlist(models, "16") == ["v2", "other"]


def test_newest_first_and_at_most_six():
    models = [rec(f"m{i}", 7.0 + i / 10, released=date(2025, 1 + i, 1)) for i in range(8)]
    assert shortlist(models, "16") == [f"m{i}" for i in range(7, 1, -1)]


def test_mixture_of_experts_memory_follows_the_total():
    moe = rec("moe", 100.0, active_parameters_b=5.0)
    assert shortlist([moe], "80") == ["moe"] and shortlist([moe], "48") == []
    assert pt.too_large(ModelData([rec("huge", 2000.0)], {}))[0].id == "huge"
