"""The shipped checkpoint (generation/weights/generator) loads from safetensors and makes short clips
that follow their prompts: night prompts come out darker than noon prompts (the coarsest attribute an
early checkpoint learns), and the shipped evaluator reads held-out prompts' clips better than chance.
The full per-attribute figures on 200 prompts are bench/quality.py's."""

import numpy as np
import pytest

from generation.pipeline import DEFAULT_WEIGHTS, Generator

pytestmark = pytest.mark.skipif(not (DEFAULT_WEIGHTS / "config.json").is_file(), reason="no shipped generator checkpoint")


@pytest.fixture(scope="module")
def shipped(text_encoder):
    gen = Generator.load(DEFAULT_WEIGHTS, device="cpu")
    gen.text_encoder = text_encoder
    return gen


@pytest.mark.slow
def test_night_is_darker_than_noon(shipped):
    """Mean brightness over 3 seeds: 'at night' clips are clearly darker than 'at noon' clips."""
    def brightness(prompt):
        return np.mean([shipped.text_to_video(prompt, seconds=9 / 24, width=64, height=36, seed=s, steps=6).frames.mean()
                        for s in range(3)])

    night = brightness("a quiet city skyline at night under the stars")
    noon = brightness("a wide beach by the sea at noon under a clear blue sky")
    assert night + 30 < noon, (night, noon)


@pytest.mark.slow
def test_evaluator_reads_generated_clips_above_chance(shipped):
    """Eight held-out prompts, generated as the quality bench does (1 s preview, the prompt's seed):
    the evaluator reads time of day far above chance, and every attribute together above chance."""
    from generation.eval.evaluator import load_evaluator
    from generation.eval.quality import heldout_prompts, score_clips

    evaluator = load_evaluator()
    prompts = heldout_prompts(8)
    clips = [shipped.text_to_video(p.prompt, seconds=1.0, preview=True, seed=p.seed).frames for p in prompts]
    score = score_clips(evaluator, clips, [p.spec for p in prompts])
    chance = {name: 1.0 / len(labels) for name, labels in evaluator.config.heads.items()}
    assert score.accuracy["time_of_day"] >= 0.75 > 3 * chance["time_of_day"], score.accuracy
    assert score.mean_accuracy > np.mean(list(chance.values())) + 0.15, (score.accuracy, chance)


def test_shipped_shapes(shipped):
    v = shipped.text_to_video("a red ball bounces in a green meadow", seconds=9 / 24, width=64, height=36, steps=2)
    assert v.frames.shape == (9, 36, 64, 3)
    assert shipped.cfg.recipe  # the checkpoint says how it was made
