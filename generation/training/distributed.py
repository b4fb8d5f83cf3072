"""DDP plumbing: which rank this process is, on which device, and wrapping a model for it.

``torchrun`` sets RANK/WORLD_SIZE/LOCAL_RANK; without them everything runs as a single process, so
the same training code serves one CPU core and a multi-GPU node.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class Dist:
    """This process's place in the job."""

    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        """Rank 0 logs, checkpoints, exports and runs the evaluator probes."""
        return self.rank == 0


def setup_distributed() -> Dist:
    """torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; gloo on CPU, nccl on CUDA. Single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if world > 1 else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}") if torch.cuda.is_available() else torch.device("cpu")
    return Dist(rank=rank, world=world, device=device)


def wrap(model: torch.nn.Module, d: Dist) -> torch.nn.Module:
    """The model itself in a single process; DistributedDataParallel around it under torchrun."""
    if d.world == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel as DDP

    return DDP(model, device_ids=[d.device.index] if d.device.type == "cuda" else None)


def barrier(d: Dist) -> None:
    """Wait for every rank (no-op in a single process)."""
    if d.world > 1:
        dist.barrier()


def shutdown(d: Dist) -> None:
    """Leave the process group so torchrun sees a clean exit."""
    if d.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
