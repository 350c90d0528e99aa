"""Memory and decode-speed arithmetic (bookkit.data.memory), checked by hand against published numbers."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from bookkit.data import memory
from bookkit.data.models import DataError, ModelRecord

BASE = {
    "name": "X", "organisation": "Lab", "released": date(2024, 4, 18), "modality": "text",
    "active_parameters_b": None, "training_tokens_t": None, "context_length": 8192,
    "architecture": "Decoder-only transformer", "licence": "Apache-2.0", "commercial_use": "yes",
    "open_weights": True, "open_training_code": False, "open_training_data": False,
    "citations": ["x2024"], "checked": date(2024, 5, 1),
}


def record(**fields) -> ModelRecord:
    return ModelRecord.model_validate({**BASE, "id": "x", **fields})


# Llama 3 8B: 32 layers, 8 key/value heads of 128 (grouped-query attention).
LLAMA3_8B = dict(parameters_b=8.0, layers=32, kv_heads=8, head_dim=128)
# DeepSeek-V3: 61 layers caching a 512-wide latent plus a 64-wide rotary key (MLA).
DEEPSEEK_V3 = dict(parameters_b=671.0, active_parameters_b=37.0, layers=61, kv_latent_dim=576)
# gpt-oss-120b: 36 layers, half of them banded (128-token window): 18 keep a full cache.
GPT_OSS_120B = dict(parameters_b=117.0, active_parameters_b=5.1, layers=36, kv_heads=8, head_dim=64,
                    kv_layers=18)


def test_llama3_8b_kv_cache_is_128_kib_per_token():
    # 2 (K and V) x 32 layers x 8 heads x 128 values x 2 bytes = 131,072 bytes = 128 KiB.
    assert memory.kv_bytes_per_token(record(**LLAMA3_8B)) == 128 * 1024


def test_llama3_8b_kv_cache_at_8k_is_1_gib():
    # 128 KiB x 8,192 tokens = 1 GiB, the figure commonly quoted for its full 8K window.
    assert memory.kv_cache_bytes(record(**LLAMA3_8B), context=8192) == 1024 ** 3


def test_mla_kv_cache_uses_the_latent():
    # 61 layers x 576 values x 2 bytes = 70,272 bytes per token.
    assert memory.kv_bytes_per_token(record(**DEEPSEEK_V3)) == 61 * 576 * 2


def test_kv_layers_overrides_layers():
    # 2 x 18 x 8 x 64 x 2 bytes = 36,864 bytes (not 73,728 for all 36 layers).
    assert memory.kv_bytes_per_token(record(**GPT_OSS_120B)) == 36_864


def test_missing_shape_gives_none():
    rec = record(parameters_b=7.0, layers=32)
    assert memory.kv_bytes_per_token(rec) is None
    assert memory.total_bytes(rec, 4) is None
    assert not memory.fits(rec, 4, 1000)


@pytest.mark.parametrize(("bits", "expected_gb"), [(16, 16.0), (8, 8.0), (4, 4.0)])
def test_weights_are_parameters_times_bits_over_eight(bits, expected_gb):
    assert memory.weight_bytes(8.0, bits, overhead=0.0) == pytest.approx(expected_gb * 1e9)


def test_overhead_is_a_fraction_of_the_weights():
    assert memory.weight_bytes(10.0, 16) == pytest.approx(20e9 * (1 + memory.OVERHEAD))


def test_total_is_weights_plus_cache():
    rec = record(**LLAMA3_8B)
    assert memory.total_bytes(rec, 16, context=32768) == pytest.approx(
        16e9 * (1 + memory.OVERHEAD) + 128 * 1024 * 32768)


def test_decode_reads_active_weights_only():
    rec = record(**DEEPSEEK_V3)
    # 37e9 parameters x 0.5 bytes + 70,272 bytes x 32,768 tokens.
    assert memory.bytes_per_decoded_token(rec, 4, context=32768) == pytest.approx(
        18.5e9 + 70_272 * 32_768)


def test_decode_bound_is_bandwidth_over_bytes():
    # 3,350 GB/s over 16 GB read per token: about 209 tokens per second.
    assert memory.decode_bound(3350, 16e9) == pytest.approx(209.375)


def test_fits_compares_with_decimal_gigabytes():
    rec = record(**LLAMA3_8B)
    need = memory.total_bytes(rec, 4)
    assert memory.fits(rec, 4, need / 1e9 + 0.01)
    assert not memory.fits(rec, 4, need / 1e9 - 0.01)


def test_tiers_grow():
    sizes = [t.memory_gb for t in memory.TIERS]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


def test_real_hardware_data_is_valid():
    devices = memory.load_hardware()
    assert devices and all(d.bandwidth_gb_s > 0 for d in devices)


def test_bad_device_names_file_line_and_field(tmp_path):
    path = tmp_path / "hardware.yaml"
    path.write_text(yaml.safe_dump([{
        "id": "gpu", "name": "GPU", "short": "GPU", "vendor": "V", "kind": "desktop GPU",
        "memory_gb": 24, "bandwidth_gb_s": "fast", "citations": ["nokey2025"]}], sort_keys=False))
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{x2024, title={X}, author={Lab}, year={2024}, url={https://example.org/x}}\n")
    with pytest.raises(DataError) as err:
        memory.load_hardware(path, bib)
    messages = [str(p) for p in err.value.problems]
    lines = path.read_text().splitlines()
    assert any(m.startswith(f"{path}:{lines.index('  bandwidth_gb_s: fast') + 1}: device 'gpu' field "
                            "'bandwidth_gb_s'") for m in messages), messages
    assert not any("nokey2025" in m for m in messages)  # a record that fails the schema is not checked further


def test_unknown_citation_key_is_reported(tmp_path):
    path = tmp_path / "hardware.yaml"
    path.write_text(yaml.safe_dump([{
        "id": "gpu", "name": "GPU", "short": "GPU", "vendor": "V", "kind": "desktop GPU",
        "memory_gb": 24, "bandwidth_gb_s": 1000, "citations": ["nokey2025"]}], sort_keys=False))
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{x2024, title={X}, author={Lab}, year={2024}, url={https://example.org/x}}\n")
    with pytest.raises(DataError) as err:
        memory.load_hardware(path, bib)
    assert "citation key 'nokey2025' not in" in str(err.value)
