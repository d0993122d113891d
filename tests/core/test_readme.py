"""The README's and docs' promises that code can check: every surface name the README lists is
one the registry (and so `gdsim run --surface NAME`) accepts, and it lists them all; every file
path docs/architecture.md names exists, so the architecture notes cannot rot silently."""

from __future__ import annotations

import re
from pathlib import Path

from gdsim.core.surfaces import SURFACES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

PATH = re.compile(r"(?:gdsim|tests|docs|resources|scripts)/[\w./<>*-]*|\w+\.(?:toml|md)\b")
"""A repository path as the docs write one: under a top-level folder, or a file at the root."""


def test_readme_names_exactly_the_registry_surfaces():
    text = README.read_text(encoding="utf-8")
    bullet = text.split("**Surfaces**:", 1)[1].split("or a typed", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", bullet))
    assert named == set(SURFACES)


def test_readme_layout_links_the_architecture_notes():
    assert "(docs/architecture.md)" in README.read_text(encoding="utf-8")


def test_every_path_the_architecture_notes_name_exists():
    named = {match.rstrip(".") for match in PATH.findall(ARCHITECTURE.read_text("utf-8"))}
    concrete = {path for path in named if "<" not in path}  # "<panel>" stands for any panel
    assert len(concrete) > 20, "the path pattern no longer finds the notes' paths"
    assert sorted(path for path in concrete if not (ROOT / path).exists()) == []
