"""A machine that cannot show a window gets one clear line, not Qt's abort."""

from gdsim.ui import display_check


def test_no_display_is_explained(monkeypatch):
    monkeypatch.setattr(display_check.sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert "DISPLAY is not set" in display_check.display_problem()


def test_missing_xcb_libraries_name_the_packages(monkeypatch):
    monkeypatch.setattr(display_check.sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(display_check, "_loadable", lambda name: "cursor" not in name)
    assert display_check.display_problem().endswith("sudo apt-get install libxcb-cursor0")


def test_offscreen_needs_nothing(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display_check.display_problem() is None
