"""Where gdsim's data files live (presets, icons): `resources/` at the project's top level."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
PRESETS = RESOURCES / "presets"
ICONS = RESOURCES / "icons"
