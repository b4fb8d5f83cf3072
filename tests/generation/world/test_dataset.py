"""Dataset shards: deterministic by seed (byte-identical), streamed (one clip in memory), readable
back, equal to the live WorldStream, and refusing damaged or misplaced input."""

from __future__ import annotations

import tarfile
import tracemalloc

import numpy as np
import pytest

from generation.world.caption import STYLES
from generation.world.dataset import WorldStream, iter_dataset, read_manifest, write_dataset
from generation.world.parse import parse_prompt
from reelgraph.errors import InputError

ARGS = dict(width=32, height=18, num_frames=4, fps=8.0)


def test_same_seed_same_bytes(tmp_path):
    """Two writes with one seed give byte-identical shards; another seed differs."""
    a = write_dataset(tmp_path / "a", clips=5, seed=3, shard_size=2, **ARGS)
    b = write_dataset(tmp_path / "b", clips=5, seed=3, shard_size=2, **ARGS)
    c = write_dataset(tmp_path / "c", clips=5, seed=4, shard_size=2, **ARGS)
    assert [s.name for s in a.shards] == ["shard-00000.tar", "shard-00001.tar", "shard-00002.tar"]
    for sa, sb in zip(a.shards, b.shards):
        assert (tmp_path / "a" / sa.name).read_bytes() == (tmp_path / "b" / sb.name).read_bytes()
    assert [s.sha256 for s in a.shards] != [s.sha256 for s in c.shards]
    assert read_manifest(tmp_path / "a") == a


def test_read_back_matches_the_stream_and_captions_parse(tmp_path):
    """iter_dataset yields the written clips in order; they equal WorldStream's first clips; every
    caption parses back to the stored spec."""
    write_dataset(tmp_path / "d", clips=4, seed=9, shard_size=3, **ARGS)
    samples = list(iter_dataset(tmp_path / "d"))
    stream = WorldStream(9, **ARGS)
    assert [s.index for s in samples] == [0, 1, 2, 3]
    for s in samples:
        live = next(stream)
        assert np.array_equal(s.frames, live.frames) and s.spec == live.spec and s.captions == live.captions
        assert s.frames.shape == (4, 18, 32, 3) and s.frames.dtype == np.uint8
        assert set(s.captions) == set(STYLES)
        assert all(parse_prompt(c).spec == s.spec for c in s.captions.values())
    resumed = WorldStream(9, start=2, **ARGS)
    assert np.array_equal(next(resumed).frames, samples[2].frames)


def test_writing_streams_one_shard_at_a_time(tmp_path):
    """Memory held between clips does not grow with the clips written (each is written out and
    dropped), and the shards appear one by one while writing."""
    args = dict(width=64, height=36, num_frames=12, fps=24.0)
    clip_bytes = 12 * 36 * 64 * 3
    held: list[int] = []
    shards_seen: list[int] = []

    def progress(done: int) -> None:
        held.append(tracemalloc.get_traced_memory()[0])
        shards_seen.append(len(list((tmp_path / "m").glob("shard-*.tar"))))

    tracemalloc.start()
    try:
        write_dataset(tmp_path / "m", clips=6, seed=0, shard_size=2, progress=progress, **args)
    finally:
        tracemalloc.stop()
    assert max(held[2:]) < held[1] + clip_bytes  # holding the clips would add one per step
    assert shards_seen == [0, 0, 1, 1, 2, 2]


def test_refuses_non_empty_folder_and_bad_counts(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="empty folder"):
        write_dataset(tmp_path / "full", clips=1, seed=0, shard_size=1, **ARGS)
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"
    for bad in (dict(clips=0), dict(shard_size=0), dict(seed=-1), dict(clips=2.5)):
        with pytest.raises(InputError):
            write_dataset(tmp_path / "x", **(dict(clips=1, seed=0, shard_size=1) | bad), **ARGS)


def test_damaged_or_missing_input_is_a_clear_error(tmp_path):
    """A folder without a manifest, a truncated shard or a shard with the wrong shapes is refused."""
    with pytest.raises(InputError, match="manifest"):
        list(iter_dataset(tmp_path))
    write_dataset(tmp_path / "d", clips=2, seed=1, shard_size=2, **ARGS)
    shard = tmp_path / "d" / "shard-00000.tar"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError):
        list(iter_dataset(tmp_path / "d"))
    shard.unlink()
    with pytest.raises(InputError, match="missing"):
        list(iter_dataset(tmp_path / "d"))


def test_shards_are_webdataset_style(tmp_path):
    """Each clip is <key>.frames.npy + <key>.meta.json in one tar, in order."""
    write_dataset(tmp_path / "w", clips=2, seed=0, shard_size=2, **ARGS)
    with tarfile.open(tmp_path / "w" / "shard-00000.tar") as tar:
        names = tar.getnames()
    assert names == ["clip-00000000.frames.npy", "clip-00000000.meta.json", "clip-00000001.frames.npy", "clip-00000001.meta.json"]
