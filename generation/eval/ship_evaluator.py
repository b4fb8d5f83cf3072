"""Ship an evaluator a training run fine-tuned from the shipped one, keeping the whole history.

    python -m generation.eval.ship_evaluator runs/evaluator_v16/best.safetensors \
        --recipe "session 13: 2,750 steps on world v12 from those weights (...)" \
        --test-accuracy '{"time_of_day": 1.0, ...}'

Machines do not outlive a session, so the shipped checkpoint's metadata is the only record of how it
was made. A run started with ``--init <shipped>`` counts its steps, seconds and clips from zero; this
adds them to the shipped totals, appends the run's recipe to the shipped recipe, and keeps the run's
held-out accuracy and the benchmark figure it was shipped on. Ship only what ``bench/world.py
--weights <shipped> <candidate>`` scored better on the same clips (BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from generation.eval.evaluator import SHIPPED_WEIGHTS, load_evaluator, save_evaluator
from reelgraph.errors import InputError

SUMMED = ("steps", "train_s", "train_clips_rendered")
"""Metadata counters that add up across fine-tuning runs."""


def read_metadata(path: Path) -> dict[str, str]:
    """The string metadata of a safetensors evaluator checkpoint."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata() or {})


def merged_metadata(shipped: dict[str, str], candidate: dict[str, str], recipe: str,
                    test_accuracy: dict[str, float] | None) -> dict[str, str]:
    """The metadata the candidate ships with: counters summed, recipes joined, the candidate's
    held-out accuracy, and the benchmark accuracy it was shipped on."""
    if not recipe.strip():
        raise InputError("say how the candidate was trained (--recipe): the shipped file is the only record")
    out = {"recipe": f"{shipped.get('recipe', '').rstrip('; ')}; {recipe.strip()}".lstrip("; ")}
    for key in SUMMED:
        try:
            total = float(shipped.get(key, 0)) + float(candidate.get(key, 0))
        except ValueError as exc:
            raise InputError(f"metadata {key!r} is not a number in one of the checkpoints") from exc
        out[key] = str(int(round(total)))
    if "heldout_accuracy" in candidate:
        out["heldout_accuracy"] = candidate["heldout_accuracy"]
    if test_accuracy is not None:
        out["test_accuracy_200"] = json.dumps(test_accuracy)
    return out


def ship(candidate: Path, recipe: str, test_accuracy: dict[str, float] | None = None,
         shipped: Path = SHIPPED_WEIGHTS) -> dict[str, str]:
    """Write ``candidate``'s weights over ``shipped`` (and its JSON beside it) with merged metadata."""
    model = load_evaluator(candidate)  # a readable evaluator, or a clear error
    if not Path(shipped).is_file():
        raise InputError(f"no shipped evaluator at {shipped} to carry the history of")
    extra = merged_metadata(read_metadata(Path(shipped)), read_metadata(Path(candidate)), recipe, test_accuracy)
    save_evaluator(model, Path(shipped), extra)
    return extra


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("candidate", type=Path, help="the run's best.safetensors")
    ap.add_argument("--recipe", required=True, help="how the run was made (command, world, machine, date)")
    ap.add_argument("--test-accuracy", default=None, help="JSON: per-attribute accuracy on the bench's 200 clips")
    ap.add_argument("--shipped", type=Path, default=SHIPPED_WEIGHTS, help="the checkpoint to replace")
    args = ap.parse_args(argv)
    acc = json.loads(args.test_accuracy) if args.test_accuracy else None
    extra = ship(args.candidate, args.recipe, acc, args.shipped)
    print(json.dumps({k: v for k, v in extra.items() if k != "recipe"}))


if __name__ == "__main__":
    main()
