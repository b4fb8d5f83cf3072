"""Which number format the generator computes in, decided once per device at run time.

bf16 autocast is ~3x faster than fp32 on CPUs with AVX-512 BF16 and on recent GPUs, but on a CPU
without native bf16 (AVX2-only machines, e.g. the AMD EPYC this project was first trained on)
PyTorch falls back to reference kernels that are 10-60x *slower* than fp32 (measured 2026-11-25:
bf16 matmul 0.9 GFLOP/s against 59 GFLOP/s fp32 on one thread). So bf16 is used only where the
hardware has it, and every benchmark reports which path ran.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Precision:
    """The compute format for one device: ``dtype`` is what autocast uses (None: plain fp32)."""

    device_type: str
    dtype: torch.dtype | None

    @property
    def name(self) -> str:
        return "bf16-autocast" if self.dtype is torch.bfloat16 else "fp32"

    def autocast(self) -> contextlib.AbstractContextManager:
        """Context manager that runs the forward pass in this precision."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)


def cpu_has_fast_bf16() -> bool:
    """True when oneDNN has native bf16 kernels on this CPU (AVX-512 BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # builds without oneDNN
        return False


def choose_precision(device: torch.device | str, allow_bf16: bool = True) -> Precision:
    """bf16 autocast where the device runs it natively, else fp32."""
    device = torch.device(device)
    if not allow_bf16:
        return Precision(device.type, None)
    if device.type == "cuda" and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return Precision("cuda", torch.bfloat16)
    if device.type == "cpu" and cpu_has_fast_bf16():
        return Precision("cpu", torch.bfloat16)
    return Precision(device.type, None)
