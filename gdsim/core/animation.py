"""Animations for slides: which frames to take, and encoding them as an animated GIF (imageio's
Pillow plugin) or an MP4 video (imageio-ffmpeg, the optional `video` extra), one frame per
`advance()` so the worker can stop between any two.

Rendering the frames needs widgets, so it happens in the GUI (gdsim/ui/exports/); what is here
is Qt-free. Nothing reaches the destination until the whole file is encoded, and then all at
once (`write_bytes_atomic`): a cancelled export leaves the old file, or none.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import imageio.v3 as iio
import numpy as np

from gdsim.core.files import write_bytes_atomic

MAX_FRAMES = 150
"""Frames in an exported animation at most (a longer playback is thinned evenly)."""
DEFAULT_FPS = 10.0
FORMATS = (".gif", ".mp4")
VIDEO_EXTRA = "pip install 'gdsim[video]'"


def frame_positions(length: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """Positions 0 .. length - 1 to show, evenly spread, at most `max_frames` of them, the
    first and the last always among them (the start and where the run ended)."""
    if length <= 0:
        return []
    if length <= max_frames:
        return list(range(length))
    spread = np.round(np.linspace(0, length - 1, max(2, max_frames)))
    return sorted({int(p) for p in spread})


def video_available() -> bool:
    """Whether imageio-ffmpeg (the `video` extra, with its own ffmpeg) is installed."""
    return importlib.util.find_spec("imageio_ffmpeg") is not None


def refusal(path: Path) -> str | None:
    """Why `path` cannot be written as an animation (one line), or None."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        return f"unsupported animation type '{path.suffix}': use .gif or .mp4"
    if suffix == ".mp4" and not video_available():
        return f"MP4 needs the optional video support: {VIDEO_EXTRA} (GIF works without it)"
    folder = path.resolve().parent
    if not folder.is_dir():  # said before seconds of rendering, not after
        what = "is not a folder" if folder.exists() else "does not exist"
        return f"could not write {path}: {folder} {what}"
    if path.is_dir():
        return f"could not write {path}: it is a folder"
    return None


class AnimationEncoder:
    """A steppable job (see gdsim/ui/workers.py): each `advance()` encodes one frame, the last
    one writes the file. `frames` are (height, width, 3) uint8 arrays, all one size; each is
    dropped once encoded, so memory goes down as the work goes on. `discard()` after a
    stopped job removes what was encoded (the destination was never touched)."""

    def __init__(self, frames: list[np.ndarray], path: Path, fps: float = DEFAULT_FPS) -> None:
        why = refusal(path)
        if why is not None:
            raise ValueError(why)
        if not frames:
            raise ValueError("an animation needs at least one frame")
        self.path = path
        self.total = len(frames)
        self._frames = frames
        self._done = 0
        self._fps = fps
        self._folder: Path | None = None
        """A private folder for ffmpeg's output (it writes to a file), made on first use."""
        self._buffer = io.BytesIO()
        self._gif: Any = None
        if path.suffix.lower() == ".gif":
            # Opened here, on the thread that makes the encoder (the GUI's): opening imports
            # Pillow's plugins, and an import in the worker thread while the GUI thread's
            # garbage collector freed Qt objects deadlocked the two (seen in a test run).
            self._gif = iio.imopen(self._buffer, "w", extension=".gif", plugin="pillow")
        else:
            import imageio_ffmpeg  # noqa: F401  (imported here too, for the same reason)
        self._video: Generator[None, np.ndarray, None] | None = None
        self.written = False

    def advance(self) -> bool:
        """Encode the next frame; after the last, write the file. False once written."""
        if self._done < self.total:
            frame = self._frames[self._done]
            self._frames[self._done] = np.empty(0, np.uint8)
            self._encode(frame)
            self._done += 1
            return True
        write_bytes_atomic(self.path, self._finish())
        self.written = True
        self._cleanup()
        return False

    def snapshot(self) -> int:
        """How many frames are encoded."""
        return self._done

    def discard(self) -> None:
        """Drop the partial encoding (the job was stopped): nothing is written."""
        if self._video is not None:
            with contextlib.suppress(Exception):
                self._video.close()
        self._cleanup()

    def _encode(self, frame: np.ndarray) -> None:
        if self._gif is not None:
            # `bits` makes the plugin quantize this frame now (~0.1 s), not all of them
            # at close, so stopping waits for one frame at most.
            self._gif.write(frame, duration=round(1000 / self._fps), loop=0, bits=8)
            return
        frame = _even(frame)
        if self._video is None:
            import imageio_ffmpeg

            height, width = frame.shape[:2]
            self._folder = Path(tempfile.mkdtemp(prefix="gdsim-animation-"))
            self._video = imageio_ffmpeg.write_frames(
                str(self._folder / "video.mp4"),
                (width, height),
                fps=self._fps,
                macro_block_size=1,
                ffmpeg_log_level="error",
            )
            self._video.send(None)
        self._video.send(np.ascontiguousarray(frame))

    def _finish(self) -> bytes:
        if self._gif is not None:
            self._gif.close()
            return self._buffer.getvalue()
        assert self._video is not None and self._folder is not None
        self._video.close()
        return (self._folder / "video.mp4").read_bytes()

    def _cleanup(self) -> None:
        self._frames.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def _even(frame: np.ndarray) -> np.ndarray:
    """H.264 in the common yuv420p needs even sides: drop a last odd row or column."""
    height, width = frame.shape[:2]
    return frame[: height - height % 2, : width - width % 2]
