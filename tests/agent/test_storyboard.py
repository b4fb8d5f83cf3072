"""The storyboard schema: valid files load, bad ones are refused with field and line."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.storyboard import (
    Storyboard,
    StoryboardError,
    dump_storyboard,
    load_storyboard,
    parse_storyboard,
    size_for_aspect,
)
from reelgraph.errors import InputError

GOOD = """\
title: Mammoths at dusk
aspect: "16:9"
fps: 24
style: warm low sun, long lens
scenes:
  - id: meadow
    setting: snowy meadow, afternoon
    shots:
      - id: m1
        prompt: three woolly mammoths approach through a snowy meadow
        duration_s: 8
        camera: low angle, static
        subjects: [mammoth]
      - id: m2
        prompt: the herd walks on past the camera
        duration_s: 4.5
        continuity: {from_shot: m1, how: extend}
        seed: 42
"""


def test_good_storyboard_loads_with_derived_size(tmp_path):
    """A plain YAML storyboard loads; size comes from the aspect; totals add up."""
    path = tmp_path / "board.yaml"
    path.write_text(GOOD)
    board = load_storyboard(path)
    assert board.size == (256, 144)
    assert board.total_duration_s == 12.5
    assert [s.id for s in board.shots] == ["m1", "m2"]
    assert board.shots[1].continuity.how == "extend"


def test_json_and_yaml_round_trip(tmp_path):
    """dump -> load gives the same storyboard in both formats."""
    board = parse_storyboard(GOOD)
    for name in ("b.yaml", "b.json"):
        dump_storyboard(board, tmp_path / name)
        assert load_storyboard(tmp_path / name) == board
    json.loads((tmp_path / "b.json").read_text())


def test_utf16_storyboard_just_works(tmp_path):
    """A storyboard saved as UTF-16 (with BOM) by a Windows editor loads."""
    path = tmp_path / "board16.yaml"
    path.write_bytes(GOOD.replace("Mammoths", "Mammuts à l'aube").encode("utf-16"))
    assert load_storyboard(path).title.startswith("Mammuts à")


@pytest.mark.parametrize(
    "change, field, line",
    [
        (("duration_s: 8", "duration_s: -1"), "scenes[0].shots[0].duration_s", 11),
        (("fps: 24", "fps: 1000"), "fps", 3),
        (("aspect: \"16:9\"", "aspect: \"5:3\""), "aspect", 2),
        (("style:", "resolution: 255x144\nstyle:"), "resolution", 4),
        (("from_shot: m1", "from_shot: m9"), "scenes[0].shots[1].continuity.from_shot", 17),
        (("id: m2", "id: m1"), "scenes[0].shots[1].id", 14),
        (("id: m2", "id: ../../etc/passwd"), "scenes[0].shots[1].id", 14),
        (("        camera: low angle, static\n", "        lens: 35mm\n"), "scenes[0].shots[0].lens", 12),
    ],
)
def test_errors_name_field_and_line(change, field, line):
    """Each kind of mistake is reported with its dotted field path and its line in the file."""
    text = GOOD.replace(*change)
    with pytest.raises(StoryboardError) as info:
        parse_storyboard(text, "board.yaml")
    problems = {(p.field, p.line) for p in info.value.problems}
    assert (field, line) in problems, info.value.problems
    assert f"board.yaml:{line}: {field}" in str(info.value)


def test_missing_field_points_at_its_parent():
    """A shot without a prompt is reported at the shot's line."""
    text = GOOD.replace("        prompt: the herd walks on past the camera\n", "")
    with pytest.raises(StoryboardError) as info:
        parse_storyboard(text)
    (problem,) = info.value.problems
    assert problem.field == "scenes[0].shots[1].prompt" and problem.line == 14


def test_total_length_limit():
    """A film longer than ten minutes is refused."""
    text = GOOD.replace("duration_s: 8", "duration_s: 120").replace("      - id: m2", "      - id: m2")
    shots = "".join(f"      - {{id: x{i}, prompt: more snow, duration_s: 100}}\n" for i in range(6))
    with pytest.raises(StoryboardError, match="limit is 600"):
        parse_storyboard(text + shots)


def test_billion_laughs_is_refused_quickly():
    """Anchors/aliases are refused before anything expands."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    with pytest.raises(StoryboardError, match="aliases"):
        parse_storyboard(bomb)


@pytest.mark.parametrize(
    "text",
    ["", "   \n", "- just\n- a list\n", "title: [unclosed\n", "!!python/object:os.system {}\n", "x: \x00", "a: 1\na: {b: [}"],
)
def test_garbage_is_an_input_error(text):
    """Empty, non-mapping, malformed and code-executing YAML is an InputError, never a crash."""
    with pytest.raises(InputError):
        parse_storyboard(text)


def test_binary_and_huge_files_are_refused(tmp_path):
    """A binary file or an oversize file named .yaml is refused with its name."""
    binary = tmp_path / "film.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match="film.yaml"):
        load_storyboard(binary)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * 2_000_001)
    with pytest.raises(InputError, match="huge.yaml"):
        load_storyboard(huge)


@pytest.mark.parametrize("aspect, size", [("16:9", (256, 144)), ("9:16", (144, 256)), ("1:1", (144, 144)), ("21:9", (336, 144))])
def test_aspect_sizes_are_even(aspect, size):
    """Sizes derived from an aspect have the right shape and even sides."""
    assert size_for_aspect(aspect, 144) == size


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
    max_leaves=30,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["title", "aspect", "fps", "resolution", "style", "scenes", "extra"]), json_values))
def test_fuzzed_documents_never_crash(doc):
    """Any JSON-like document either validates or raises StoryboardError; nothing else escapes."""
    try:
        board = parse_storyboard(json.dumps(doc))
    except StoryboardError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        assert isinstance(board, Storyboard)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_fuzzed_text_never_crashes(text):
    """Arbitrary text is either a storyboard or an InputError."""
    try:
        parse_storyboard(text)
    except InputError:
        pass


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"id": st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), "prompt": st.text(min_size=1, max_size=40), "duration_s": st.floats(0.1, 60)}
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda s: s["id"],
    )
)
def test_fuzzed_valid_shots_round_trip(shots):
    """Generated valid storyboards survive YAML dump and reload unchanged."""
    doc = {"title": "fuzz", "scenes": [{"id": "s", "shots": shots}]}
    try:
        board = parse_storyboard(json.dumps(doc))
    except StoryboardError:
        assert any(not s["prompt"].strip() for s in shots)
        return
    assert board.total_duration_s == pytest.approx(sum(s["duration_s"] for s in shots))
    again = parse_storyboard(yaml.safe_dump(board.model_dump(mode="json", exclude_none=True)))
    assert again == board
