"""Say, in one line, why no window can open, instead of Qt's abort.

Qt 6 on Linux/X11 needs a few xcb libraries that a minimal system lacks (libxcb-cursor0 is the
usual one); without them Qt prints a plugin error and aborts the process. We look for them
first and tell the user the one command that fixes it.
"""

from __future__ import annotations

import ctypes
import os
import sys

# Shared objects the Qt xcb platform plugin loads, with the Debian/Ubuntu package for each.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def _loadable(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def display_problem() -> str | None:
    """A one-line explanation when Qt cannot open a window here, else None."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            "no display found (DISPLAY is not set): start gdsim from a desktop session; "
            "without one, 'gdsim run' and 'gdsim train' work in the terminal"
        )
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return None
    missing = [package for lib, package in XCB_LIBRARIES.items() if not _loadable(lib)]
    if missing:
        return (
            "Qt needs system libraries that are missing to open a window; install them with: "
            f"sudo apt-get install {' '.join(missing)}"
        )
    return None
