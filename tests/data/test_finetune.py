"""Fine-tuning memory arithmetic: every expected number below was worked out by hand."""

from __future__ import annotations

import pytest

from bookkit.data import finetune as ft

B = 10**9  # parameters per billion


def test_nf4_double_quantisation_bits():
    # QLoRA paper: 4 bits + 8/64 + 32/(64*256) = 4 + 0.125 + 0.001953125 bits.
    assert ft.NF4_DQ_BITS == pytest.approx(4.126953125)
    assert ft.NF4_DQ_BYTES == pytest.approx(0.515869140625)


def test_full_fine_tuning_is_16_bytes_per_parameter():
    # 8B parameters * 16 bytes = 128 GB, of which 16 GB are the 16-bit weights.
    e = ft.estimate(8 * B, "full")
    assert e.weights == pytest.approx(16e9)
    assert e.trainable == pytest.approx(112e9)
    assert e.total == pytest.approx(128e9)
    assert ft.gb(e.total) == "128"


def test_lora_8b():
    # 16 GB of frozen 16-bit weights + 1% adapters: 0.08e9 * 16 bytes = 1.28 GB.
    e = ft.estimate(8 * B, "lora")
    assert e.weights == pytest.approx(16e9)
    assert e.trainable == pytest.approx(1.28e9)
    assert ft.gb(e.total) == "17.3"


def test_qlora_8b():
    # 8e9 * 0.515869140625 = 4.126953125 GB + 1.28 GB of adapters = 5.406953125 GB.
    e = ft.estimate(8 * B, "qlora")
    assert e.weights == pytest.approx(4.126953125e9)
    assert e.total == pytest.approx(5.406953125e9)
    assert ft.gb(e.total) == "5.4"


def test_70b_and_a_moe_total():
    # 70B: 1,120 GB full; 140 + 11.2 = 151.2 GB LoRA; 36.11 + 11.2 = 47.31 GB QLoRA.
    assert ft.gb(ft.estimate(70 * B, "full").total) == "1,120"
    assert ft.gb(ft.estimate(70 * B, "lora").total) == "151"
    assert ft.estimate(70 * B, "qlora").total == pytest.approx(47.310839844e9)
    # 30.5B (memory follows total, not active, parameters): 488 / 65.88 / 20.61 GB.
    assert ft.gb(ft.estimate(30.5 * B, "full").total) == "488"
    assert ft.gb(ft.estimate(30.5 * B, "lora").total) == "65.9"
    assert ft.gb(ft.estimate(30.5 * B, "qlora").total) == "20.6"


def test_adapter_share_changes_only_the_trainable_part():
    # 0.5% of 8B = 40M adapter parameters * 16 bytes = 0.64 GB.
    e = ft.estimate(8 * B, "lora", adapter_share=0.005)
    assert e.trainable == pytest.approx(0.64e9)
    assert e.weights == pytest.approx(16e9)


def test_lora_params_llama3_8b_shape_rank_16():
    # Llama 3 8B: width 4,096, FFN 14,336, 8 KV heads of 128 (k/v width 1,024), 32 layers.
    # Per layer, sum of (d_in + d_out) over q, k, v, o, gate, up, down:
    # 8192 + 5120 + 5120 + 8192 + 3 * 18432 = 81,920; * 16 = 1,310,720; * 32 = 41,943,040.
    shapes = [(4096, 4096), (4096, 1024), (4096, 1024), (4096, 4096),
              (4096, 14336), (4096, 14336), (14336, 4096)]
    assert ft.lora_params(16, shapes, 32) == 41_943_040


def test_activation_bytes_llama3_8b_shape():
    # s=4096, b=1, h=4096, L=32, a=32: sbh = 16,777,216.
    # all stored: 34 + 5*32*4096/4096 = 194 -> 194 * sbh * 32 = 104,152,956,928 bytes.
    # no attention scores: 34 * sbh * 32 = 18,253,611,008; checkpointing: 2 * sbh * 32 = 1,073,741,824.
    args = dict(seq=4096, batch=1, hidden=4096, layers=32, heads=32)
    assert ft.activation_bytes(**args, mode="all") == 104_152_956_928
    assert ft.activation_bytes(**args, mode="no-scores") == 18_253_611_008
    assert ft.activation_bytes(**args, mode="checkpoint") == 1_073_741_824


@pytest.mark.parametrize("bad", [
    lambda: ft.estimate(0, "full"),
    lambda: ft.estimate(8 * B, "lora", adapter_share=1.5),
    lambda: ft.estimate(8 * B, "prompt-tuning"),
    lambda: ft.lora_params(0, [(1, 1)], 1),
    lambda: ft.activation_bytes(1, 1, 1, 1, 1, mode="some"),
])
def test_bad_input_is_refused(bad):
    with pytest.raises(ValueError):
        bad()


@pytest.mark.parametrize(("n_bytes", "shown"), [(128e9, "128"), (1120e9, "1,120"), (17.28e9, "17.3"),
                                                 (99.96e9, "100.0"), (0.4e9, "0.4")])
def test_gb_formatting(n_bytes, shown):
    assert ft.gb(n_bytes) == shown


def test_table_rows_from_records():
    # The directive's rows, from records shaped like the model data (one dense, one MoE).
    from types import SimpleNamespace

    from bookkit.extensions import finetune_tables as tables

    recs = [SimpleNamespace(id="dense-8b", name="Dense 8B", parameters_b=8.0, active_parameters_b=None, unknown={}),
            SimpleNamespace(id="moe-30b", name="MoE 30B", parameters_b=30.5, active_parameters_b=3.3, unknown={}),
            SimpleNamespace(id="mystery", name="Mystery", parameters_b=None, active_parameters_b=None,
                            unknown={"parameters_b": "Not disclosed."})]
    data = SimpleNamespace(by_id=lambda: {r.id: r for r in recs})
    assert tables.rows(data, ["moe-30b", "dense-8b"], 0.01) == [
        ["MoE 30B", "30.5B (3.3B active)", "488 GB", "65.9 GB", "20.6 GB"],
        ["Dense 8B", "8B", "128 GB", "17.3 GB", "5.4 GB"],
    ]
    with pytest.raises(ValueError, match="no record with id 'nope'"):
        tables.rows(data, ["nope"], 0.01)
    with pytest.raises(ValueError, match="Not disclosed"):
        tables.rows(data, ["mystery"], 0.01)


def test_training_flops():
    # 6 * 8e9 parameters * 1e8 tokens = 4.8e18 operations; at 1e15 per second, 4,800 s = 80 minutes.
    assert ft.training_flops(8 * B, 1e8) == pytest.approx(4.8e18)
    assert ft.training_flops(8 * B, 1e8) / 1e15 / 60 == pytest.approx(80)
