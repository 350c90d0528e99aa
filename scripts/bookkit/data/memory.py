"""Memory and decode-speed arithmetic for running a model, and the hardware data.

Pure functions (no I/O except :func:`load_hardware`), used by the tables and
figures of the chapters "Choosing an open model" and "Running open models".
The formulas, as the pages state them:

* weights (bytes) = total parameters x bits / 8, times (1 + OVERHEAD) for
  quantisation scales, layers kept at higher precision and runtime buffers;
* KV cache per token (bytes) = 2 x kv_layers x kv_heads x head_dim x bytes
  (keys and values of each layer that keeps a full cache), or, for multi-head
  latent attention, kv_layers x kv_latent_dim x bytes; kv_layers = layers
  unless the record gives fewer (sliding-window or linear-attention layers);
* decode upper bound (tokens/s) = memory bandwidth / bytes read per token,
  where bytes read per token = active parameters x bits / 8 + the KV cache
  of the context (every weight that a token uses and the whole cache are read
  once per generated token, batch 1).

book/data/hardware.yaml lists real accelerators (memory, bandwidth, datasheet);
``python -m bookkit.data.memory`` validates it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .models import ROOT, DataError, ModelRecord, Problem, _bib_keys, _rel, _validate_list

HARDWARE_FILE = ROOT / "book" / "data" / "hardware.yaml"

GB = 1e9  # memory sizes in the tables are decimal gigabytes, as vendors state them
#: Allowance on top of the raw weights, as a fraction of them (stated on the pages).
OVERHEAD = 0.10
#: Precision of the KV cache in the tables (16-bit, the engines' default).
KV_BYTES = 2
#: Context the tables assume (tokens), batch 1.
CONTEXT = 32 * 1024
PRECISIONS = (4, 8, 16)


@dataclass(frozen=True)
class Tier:
    key: str
    label: str
    memory_gb: float
    example: str  # what kind of machine has this much memory for a model (short)


#: The hardware budgets of the choosing chapter, smallest first.
TIERS = (
    Tier("8", "8 GB", 8, "phone or laptop"),
    Tier("16", "16 GB", 16, "GPU or laptop"),
    Tier("24", "24 GB", 24, "desktop GPU"),
    Tier("48", "48 GB", 48, "workstation GPU, or two 24 GB GPUs"),
    Tier("80", "80 GB", 80, "one data-centre GPU"),
    Tier("128", "128 GB unified", 128, "desktop"),
    Tier("512", "512 GB unified", 512, "desktop"),
    Tier("640", "8 × 80 GB", 640, "one 8-GPU server"),
)


def weight_bytes(parameters_b: float, bits: int, overhead: float = OVERHEAD) -> float:
    """Bytes to hold all the weights at ``bits`` per parameter, plus the overhead fraction."""
    return parameters_b * 1e9 * bits / 8 * (1 + overhead)


def kv_bytes_per_token(rec: ModelRecord, kv_bytes: float = KV_BYTES) -> float | None:
    """KV-cache bytes per token of context, or None when the record lacks the attention shape."""
    layers = rec.kv_layers or rec.layers
    if layers is None:
        return None
    if rec.kv_latent_dim is not None:
        return layers * rec.kv_latent_dim * kv_bytes
    if rec.kv_heads is None or rec.head_dim is None:
        return None
    return 2 * layers * rec.kv_heads * rec.head_dim * kv_bytes


def kv_cache_bytes(rec: ModelRecord, context: int = CONTEXT, batch: int = 1) -> float | None:
    per_token = kv_bytes_per_token(rec)
    return None if per_token is None else per_token * context * batch


def total_bytes(rec: ModelRecord, bits: int, context: int = CONTEXT) -> float | None:
    """Weights (all parameters, with overhead) plus the KV cache at ``context`` tokens, batch 1."""
    kv = kv_cache_bytes(rec, context)
    if kv is None or rec.parameters_b is None:
        return None
    return weight_bytes(rec.parameters_b, bits) + kv


def bytes_per_decoded_token(rec: ModelRecord, bits: int, context: int = CONTEXT) -> float | None:
    """Bytes read from memory for one generated token: active weights plus the whole KV cache."""
    params = rec.active_parameters_b or rec.parameters_b
    kv = kv_cache_bytes(rec, context)
    if params is None or kv is None:
        return None
    return weight_bytes(params, bits, overhead=0.0) + kv


def decode_bound(bandwidth_gb_s: float, bytes_per_token: float) -> float:
    """Upper bound on tokens per second for one sequence: bandwidth / bytes read per token."""
    return bandwidth_gb_s * GB / bytes_per_token


def fits(rec: ModelRecord, bits: int, memory_gb: float, context: int = CONTEXT) -> bool:
    need = total_bytes(rec, bits, context)
    return need is not None and need <= memory_gb * GB


# --- the hardware data ----------------------------------------------------------


class Device(BaseModel):
    """One accelerator or unified-memory machine, as its vendor's datasheet gives it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str = Field(min_length=1)
    short: str = Field(min_length=1, max_length=12)  # column heading in narrow tables
    vendor: str = Field(min_length=1)
    kind: str = Field(pattern=r"^(data-centre GPU|desktop GPU|unified memory)$")
    memory_gb: float = Field(gt=0)
    bandwidth_gb_s: float = Field(gt=0)
    citations: list[str] = Field(min_length=1)
    note: str | None = None


def load_hardware(path: Path = HARDWARE_FILE, bib_file: Path | None = ROOT / "book" / "references.bib"
                  ) -> list[Device]:
    good, problems = _validate_list(path, Device, "device")
    keys = _bib_keys(bib_file) if bib_file else None
    seen: set[str] = set()
    for dev, lines, line in good:
        if dev.id in seen:
            problems.append(Problem(path, line, f"device '{dev.id}' field 'id': duplicate id"))
        seen.add(dev.id)
        for key in dev.citations if keys is not None else ():
            if key not in keys:
                problems.append(Problem(path, lines.get("citations", line),
                                        f"device '{dev.id}' field 'citations': citation key '{key}' "
                                        f"not in {_rel(bib_file)}"))
    if problems:
        raise DataError(sorted(problems, key=lambda p: p.line))
    return [d for d, _, _ in good]


def check(root: Path = ROOT) -> list[str]:
    """Validate book/data/hardware.yaml under ``root`` (for lint); a book without the file has nothing to check."""
    if not (root / "book" / "data" / "hardware.yaml").is_file():
        return []
    try:
        load_hardware(root / "book" / "data" / "hardware.yaml", root / "book" / "references.bib")
    except DataError as err:
        return [str(p) for p in err.problems]
    return []


def main() -> int:
    problems = check()
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"{_rel(HARDWARE_FILE)}: OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
