"""Animation encoding (Qt-free): frames thinned evenly, a GIF that reads back frame for frame,
MP4 only with its optional extra, and nothing written until the file is whole."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from gdsim.core import animation
from gdsim.core.animation import AnimationEncoder, frame_positions, refusal


def frames(n: int, height: int = 40, width: int = 61) -> list[np.ndarray]:
    """A red square moving right on white."""
    out = []
    for i in range(n):
        frame = np.full((height, width, 3), 255, np.uint8)
        frame[10:20, 2 * i : 2 * i + 10] = (200, 30, 30)
        out.append(frame)
    return out


def encode(job: AnimationEncoder) -> None:
    while job.advance():
        pass


def test_positions_are_every_step_or_thinned_evenly_with_both_ends():
    assert frame_positions(5, 150) == [0, 1, 2, 3, 4]
    thinned = frame_positions(1001, 150)
    assert len(thinned) == 150 and thinned[0] == 0 and thinned[-1] == 1000
    assert max(np.diff(thinned)) - min(np.diff(thinned)) <= 1
    assert frame_positions(0) == []


def test_a_gif_reads_back_frame_for_frame(tmp_path: Path):
    target = tmp_path / "run.gif"
    job = AnimationEncoder(frames(12), target, fps=20)
    encode(job)
    assert job.snapshot() == 12
    back = iio.imread(target, index=None, extension=".gif")
    assert back.shape == (12, 40, 61, 3)
    assert not np.array_equal(back[0], back[-1])
    assert iio.immeta(target, extension=".gif")["duration"] == 50
    assert list(tmp_path.iterdir()) == [target]


def test_nothing_is_written_until_the_last_frame_and_a_discard_keeps_the_old_file(tmp_path):
    target = tmp_path / "run.gif"
    target.write_bytes(b"last week's animation")
    job = AnimationEncoder(frames(5), target)
    for _ in range(5):
        job.advance()
    assert target.read_bytes() == b"last week's animation"
    job.discard()
    assert target.read_bytes() == b"last week's animation"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.skipif(not animation.video_available(), reason="the video extra is not installed")
def test_an_mp4_has_every_frame_even_with_odd_sides(tmp_path):
    target = tmp_path / "run.mp4"
    encode(AnimationEncoder(frames(8), target, fps=8))
    back = iio.imread(target, index=None, plugin="FFMPEG")
    assert back.shape[0] == 8 and back.shape[1:] == (40, 60, 3)


def test_without_the_video_extra_mp4_is_refused_naming_it_and_gif_still_works(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(animation, "video_available", lambda: False)
    why = refusal(tmp_path / "run.mp4")
    assert why is not None and "pip install 'gdsim[video]'" in why
    with pytest.raises(ValueError, match=r"gdsim\[video\]"):
        AnimationEncoder(frames(2), tmp_path / "run.mp4")
    assert refusal(tmp_path / "run.gif") is None
    assert "use .gif or .mp4" in (refusal(tmp_path / "run.avi") or "")


def test_a_folder_that_is_not_there_is_refused_before_any_frame_is_drawn(tmp_path):
    assert "does not exist" in (refusal(tmp_path / "gone" / "run.gif") or "")
    (tmp_path / "mine.json").write_text("{}")
    assert "mine.json is not a folder" in (refusal(tmp_path / "mine.json" / "run.gif") or "")
    (tmp_path / "taken.gif").mkdir()
    assert "it is a folder" in (refusal(tmp_path / "taken.gif") or "")
