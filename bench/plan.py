"""Planning latency with the local chat model, and how often its plans validate without repair.

Plans a 100-second film (10 shots of at most 10 s; the decoder's schema allows 10..12) for several
ideas with the default local model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M through llama.cpp,
schema-constrained) and prints one JSON object per idea, with the prompt and answer token counts
llama.cpp reports, plus a summary. Set REELGRAPH_BENCH_MODEL to try another model string.

``--tokens-only`` runs no model: it loads only the GGUF's tokenizer and prints the planner prompt's
token count per idea (chat template applied) and that of a realistic 10-shot answer, written here
in the format the prompt asks for. Target (issue 6): at most 60 s per 10-shot plan, so at about
8.5 answer tokens/s under the grammar the answer must stay under ~420 tokens.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/NAME.py`, this folder comes first on sys.path and bench/memory.py would
# shadow the memory package: drop it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import tempfile
import time
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

from agent.api import Director
from agent.context import DirectorSettings
from agent.models import load_chat_model

IDEAS = [
    "woolly mammoths walk through a snowy meadow at sunset",
    "a red car drives across the desert at noon, then a storm rolls in",
    "a lighthouse keeper's dog runs along the beach at dawn",
    "birds fly over a city skyline at night in the rain",
]
DURATION_S = 100.0

# What a good answer to IDEAS[0] looks like: 10 shots, 8-11 words each, two optional joins.
SAMPLE_SHOTS = [
    ("snowy meadow at sunset", "three woolly mammoths walk slowly through deep snow toward the camera", "low angle, static", 10, None),
    ("snowy meadow at sunset", "a young mammoth follows its mother, snow falling around them", "eye level, pan right", 10, "crossfade"),
    ("snowy meadow at sunset", "the herd crosses a frozen stream under orange clouds", "high angle, static", 10, None),
    ("snowy meadow at sunset", "close on a mammoth's tusks as it lifts its trunk", "low angle, zoom in", 10, None),
    ("snowy forest at dusk", "mammoths pass between tall fir trees as the light fades", "eye level, dolly", 10, None),
    ("snowy forest at dusk", "birds fly up from the trees as the herd moves on", "low angle, tilt up", 10, None),
    ("snowy forest at dusk", "the last mammoth stops and looks back toward the meadow", "eye level, static", 10, None),
    ("snowy mountains at night", "the herd climbs a ridge below snow-capped mountains", "high angle, pan left", 10, None),
    ("snowy mountains at night", "snow falls on the sleeping mammoths under a clear sky", "high angle, static", 10, None),
    ("snowy mountains at night", "the mammoths walk away into the snowy dark", "eye level, zoom out", 10, "extend"),
]


def sample_answer() -> dict[str, Any]:
    shots = []
    for setting, shows, camera, seconds, join in SAMPLE_SHOTS:
        shots.append({"setting": setting, "shows": shows, "camera": camera, "seconds": seconds} | ({"join": join} if join else {}))
    return {"title": "The Long Walk", "style": "warm sunset light, soft snow", "shots": shots}


class UsageRecorder(BaseCallbackHandler):
    """Adds up the token usage llama.cpp reports for every chat call (repairs included)."""

    def __init__(self) -> None:
        self.calls = self.prompt_tokens = self.completion_tokens = 0

    def on_llm_end(self, response, **kwargs: Any) -> None:
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                usage = (getattr(message, "response_metadata", None) or {}).get("usage") or {}
                self.calls += 1
                self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
                self.completion_tokens += int(usage.get("completion_tokens") or 0)


def count_tokens(spec: str, ideas: list[str]) -> None:
    """Token counts from the model's own tokenizer and chat template, without running the model."""
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from agent.models import parse_model_spec
    from agent.nodes.plan import planner_messages
    from agent.plan_draft import PlanDraft, draft_to_storyboard
    from agent.state import DirectorState

    path = parse_model_spec(spec).name
    vocab = Llama(model_path=path, vocab_only=True, verbose=False)
    template = vocab.metadata.get("tokenizer.chat_template")
    if not template:
        raise SystemExit(f"{path} has no chat template in its metadata; cannot count the prompt as the model sees it")
    formatter = Jinja2ChatFormatter(template=template, eos_token=vocab.detokenize([vocab.token_eos()]).decode(), bos_token="")

    def tokens(text: str) -> int:
        return len(vocab.tokenize(text.encode(), add_bos=False, special=True))

    shots = 10
    for idea in ideas:
        messages = planner_messages(DirectorState(idea=idea, duration_s=DURATION_S, digest=""), shots)
        roles = {"system": "system", "human": "user"}
        prompt = formatter(messages=[{"role": roles[m.type], "content": m.content} for m in messages]).prompt
        print(json.dumps({"bench": "plan_tokens", "model": Path(path).name, "idea": idea, "prompt_tokens": tokens(prompt),
                          "system_prompt_tokens": tokens(str(messages[0].content))}), flush=True)
    answer = sample_answer()
    board, _ = draft_to_storyboard(PlanDraft.model_validate(answer), target_s=DURATION_S, aspect="16:9", resolution=None,
                                   fps=24, seed=0, known_ids=set(), min_shots=shots)
    for layout, separators in (("compact", (",", ":")), ("spaced", (", ", ": "))):
        text = json.dumps(answer, separators=separators)
        print(json.dumps({"bench": "plan_tokens", "model": Path(path).name, "case": f"sample 10-shot answer, {layout} JSON",
                          "answer_tokens": tokens(text) + 1, "chars": len(text), "scenes": len(board.scenes),
                          "shots": len(board.shots)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=len(IDEAS), help=f"how many of the {len(IDEAS)} ideas to plan")
    parser.add_argument("--tokens-only", action="store_true", help="count prompt and sample-answer tokens; run no model")
    args = parser.parse_args()
    spec = os.environ.get("REELGRAPH_BENCH_MODEL", "local")
    ideas = IDEAS[: max(1, min(args.ideas, len(IDEAS)))]
    if args.tokens_only:
        count_tokens(spec, ideas)
        return
    t0 = time.perf_counter()
    chat = load_chat_model(spec)
    chat._load() if hasattr(chat, "_load") else None
    load_s = time.perf_counter() - t0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, idea in enumerate(ideas):
            recorder = UsageRecorder()
            chat.callbacks = [recorder]
            settings = DirectorSettings(model=spec, seed=i)
            director = Director(tmp, settings, chat=chat, use_scorer=False)
            t0 = time.perf_counter()
            outcome = director.run(idea, duration_s=DURATION_S)
            took = time.perf_counter() - t0
            board = outcome.pending_storyboard
            plan_line = next(line for line in outcome.log if line.startswith("plan:"))
            first_try = "first try" in plan_line
            results.append((took, first_try))
            print(json.dumps({"bench": "plan", "model": spec, "idea": idea, "seconds": round(took, 1),
                              "prompt_tokens": recorder.prompt_tokens, "completion_tokens": recorder.completion_tokens,
                              "calls": recorder.calls, "scenes": len(board.scenes), "shots": len(board.shots),
                              "total_s": board.total_duration_s, "valid_without_repair": first_try, "log": plan_line}), flush=True)
            director.close()
    times = sorted(t for t, _ in results)
    print(json.dumps({"bench": "plan", "model": spec, "case": "summary", "model_load_s": round(load_s, 1),
                      "median_s": round(times[len(times) // 2], 1), "max_s": round(times[-1], 1),
                      "valid_without_repair": sum(ok for _, ok in results) / len(results)}), flush=True)


if __name__ == "__main__":
    main()
