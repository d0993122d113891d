"""scripts/make_figures.py: the lecture figures regenerated from the lesson files, headless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import QtGui

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_figures.py"


def make_figures(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=environment,
    )


@pytest.mark.slow
def test_the_learning_rate_lesson_becomes_one_figure_per_plot_and_step(tmp_path: Path) -> None:
    done = make_figures("--lesson", "02_learning_rate", "--out", str(tmp_path), "--scale", "2")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "02_learning_rate"
    written = sorted(path.name for path in folder.iterdir())
    assert "06-loss.png" in written and "01-surface.png" in written
    first = QtGui.QImage(str(folder / "01-loss.png"))
    last = QtGui.QImage(str(folder / "06-loss.png"))
    assert first.width() >= 600 and first.height() >= 400  # twice the plot's size on screen
    assert first != last  # one run at the start, the four regimes at the end


def test_a_lesson_name_that_matches_nothing_is_refused_in_one_line(tmp_path: Path) -> None:
    done = make_figures("--lesson", "no such lesson", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "no lesson file" in done.stderr
    assert not any(tmp_path.iterdir())
