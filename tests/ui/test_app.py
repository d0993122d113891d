"""Starting and stopping the app as from a terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from gdsim.ui.app import APPLICATION, ORGANISATION, READY_VARIABLE, SIGINT_STATUS

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_in_the_terminal_quits_within_seconds_with_status_130_and_saves_settings(
    tmp_path,
):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "XDG_CONFIG_HOME": str(tmp_path),  # the app's settings go here, not the user's
        READY_VARIABLE: "1",
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "gdsim"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )
    try:
        for line in app.stderr:  # ends when the app exits; pytest-timeout bounds a hang
            if "event loop running" in line:
                break
        assert app.poll() is None, "the app ended before Ctrl+C"
        app.send_signal(signal.SIGINT)
        assert app.wait(timeout=10) == SIGINT_STATUS
        saved = (tmp_path / ORGANISATION / f"{APPLICATION}.conf").read_text()
        assert "window" in saved and "state=" in saved, "Ctrl+C must save like closing does"
    finally:
        app.kill()
        app.wait()
