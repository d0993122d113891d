"""The README's promises that code can check: every surface name it lists is one the
registry (and so `gdsim run --surface NAME`) accepts, and it lists them all."""

from __future__ import annotations

import re
from pathlib import Path

from gdsim.core.surfaces import SURFACES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_names_exactly_the_registry_surfaces():
    text = README.read_text(encoding="utf-8")
    bullet = text.split("**Surfaces**:", 1)[1].split("or a typed", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", bullet))
    assert named == set(SURFACES)
