"""Where gdsim's data files live (presets, lessons, icons): `resources/` at the top level."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
PRESETS = RESOURCES / "presets"
LESSONS = RESOURCES / "lessons"
ICONS = RESOURCES / "icons"
