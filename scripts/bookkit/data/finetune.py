"""Memory needed to fine-tune a model: the arithmetic behind the book's tables.

Three ways to fine-tune are compared, each as bytes per parameter of the base
model plus bytes per trainable adapter parameter:

* full fine-tuning with mixed-precision Adam: 16 bytes per parameter, the
  accounting of the ZeRO paper (Rajbhandari et al. 2020, section 3.1): a 16-bit
  copy of the weights (2) and of the gradients (2), and in 32 bits a master
  copy of the weights, Adam's momentum and its variance (4 + 4 + 4);
* LoRA: the base weights frozen in 16 bits (2 bytes per parameter, no gradient,
  no optimiser state) and the adapters trained like full fine-tuning (16 bytes
  per adapter parameter) (Hu et al. 2021);
* QLoRA: the frozen base weights in 4-bit NormalFloat with double quantisation,
  4 + 0.127 bits per parameter as the QLoRA paper computes it
  (8/64 + 32/(64*256) bits of quantisation constants per parameter), and the
  adapters as in LoRA (Dettmers et al. 2023).

Activations come on top. ``activation_bytes`` implements the estimate of
Korthikanti et al. 2022 (section 4.1, 16-bit activations, no tensor
parallelism): sbh(34 + 5as/h) bytes per layer when everything is stored; 34sbh
when the attention scores are never stored (as with FlashAttention); 2sbh per
layer when only each layer's input is kept and the rest is recomputed
(gradient checkpointing).

Compute: ``training_flops`` is the usual 6ND estimate (Hoffmann et al. 2022).

All sizes are in bytes; ``GB`` is 10**9 bytes. Nothing here reads files: the
Sphinx directive (bookkit.extensions.finetune_tables) passes in the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GB = 10**9

#: Mixed-precision Adam, per trained parameter (ZeRO paper): 2 + 2 + 4 + 4 + 4.
FULL_BYTES_PER_PARAM = 16.0
#: A frozen weight stored in 16 bits (bf16 or fp16).
FROZEN_16BIT_BYTES = 2.0
#: NF4 with double quantisation, from the QLoRA paper: 4 bits for the weight
#: plus 8/64 + 32/(64 * 256) bits of quantisation constants.
NF4_DQ_BITS = 4 + 8 / 64 + 32 / (64 * 256)
NF4_DQ_BYTES = NF4_DQ_BITS / 8
#: Default size of the LoRA adapters, as a share of the base model's parameters.
#: An assumption, stated on the page: rank 16 on every linear layer of a
#: Llama-3-8B-shaped model comes to about 0.5% (see ``lora_params``).
DEFAULT_ADAPTER_SHARE = 0.01

Method = Literal["full", "lora", "qlora"]
METHODS: tuple[Method, ...] = ("full", "lora", "qlora")


@dataclass(frozen=True)
class Estimate:
    """Memory for one model and one method, before activations."""

    method: Method
    weights: float  # bytes: the base weights as stored during training
    trainable: float  # bytes: gradients, optimiser states and master copies of what is trained

    @property
    def total(self) -> float:
        return self.weights + self.trainable


def estimate(params: float, method: Method, adapter_share: float = DEFAULT_ADAPTER_SHARE) -> Estimate:
    """Bytes to fine-tune a model of ``params`` parameters (a count, not billions)."""
    if params <= 0:
        raise ValueError("the parameter count must be positive")
    if not 0 < adapter_share < 1:
        raise ValueError("adapter_share must be between 0 and 1")
    if method == "full":
        # Weights (2 bytes) are part of the 16; show them apart from the rest.
        return Estimate(method, params * FROZEN_16BIT_BYTES, params * (FULL_BYTES_PER_PARAM - FROZEN_16BIT_BYTES))
    adapters = params * adapter_share * FULL_BYTES_PER_PARAM
    if method == "lora":
        return Estimate(method, params * FROZEN_16BIT_BYTES, adapters)
    if method == "qlora":
        return Estimate(method, params * NF4_DQ_BYTES, adapters)
    raise ValueError(f"unknown method '{method}'; use one of {METHODS}")


def lora_params(rank: int, shapes: list[tuple[int, int]], layers: int) -> int:
    """Trainable parameters of LoRA adapters: rank * (d_in + d_out) per adapted matrix."""
    if rank <= 0 or layers <= 0:
        raise ValueError("rank and layers must be positive")
    return layers * sum(rank * (d_in + d_out) for d_in, d_out in shapes)


def activation_bytes(seq: int, batch: int, hidden: int, layers: int, heads: int,
                     mode: Literal["all", "no-scores", "checkpoint"] = "checkpoint") -> float:
    """Activation memory of a transformer's layers (Korthikanti et al. 2022), in bytes."""
    s, b, h, a = seq, batch, hidden, heads
    if mode == "all":
        per_layer = s * b * h * (34 + 5 * a * s / h)
    elif mode == "no-scores":
        per_layer = 34 * s * b * h
    elif mode == "checkpoint":
        per_layer = 2 * s * b * h
    else:
        raise ValueError(f"unknown mode '{mode}'")
    return per_layer * layers


def training_flops(params: float, tokens: float) -> float:
    """About 6 * N * D floating-point operations to train N parameters on D tokens (Hoffmann et al. 2022)."""
    return 6 * params * tokens


def gb(n_bytes: float) -> str:
    """Bytes as gigabytes for a table: 128e9 -> '128'; 17.28e9 -> '17.3'; 4.13e9 -> '4.1'."""
    value = n_bytes / GB
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
