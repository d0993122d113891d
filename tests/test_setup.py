"""The set-up behind scripts/run and scripts/test, and the README's words about it: each step
said, pip's progress shown, silence once up to date, torch's index chosen by the user, and the
system packages Qt needs named exactly as the app names them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gdsim.ui.display_check import XCB_LIBRARIES

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FAKE_PYTHON = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/calls.log"
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the set-up with a .venv whose python only logs what it is asked to do."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "_setup.sh", tmp_path / "scripts")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return tmp_path


def set_up(checkout: Path, **env: str) -> tuple[str, list[str]]:
    """Run ensure_venv as scripts/test does; its stderr and the pip calls it made."""
    environ = {k: v for k, v in os.environ.items() if k != "GDSIM_TORCH_INDEX_URL"}
    result = subprocess.run(
        ["bash", "-c", f'source "{checkout}/scripts/_setup.sh" && ensure_venv test'],
        capture_output=True, text=True, env={**environ, **env}, timeout=60, check=True,
    )
    log = checkout / ".venv" / "bin" / "calls.log"
    calls = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return result.stderr, calls


def test_a_set_up_says_each_step_and_lets_pip_show_progress(checkout):
    said, calls = set_up(checkout)
    assert re.search(r"2/3 installing torch==\S+", said)
    assert "3/3 installing gdsim" in said
    assert len(calls) == 2 and all("--quiet" not in call and " -q" not in call for call in calls)


def test_an_up_to_date_environment_is_silent(checkout):
    set_up(checkout)
    said, calls = set_up(checkout)
    assert said == "" and calls == []


def test_torch_comes_from_the_index_the_user_names_and_nothing_else_does(checkout):
    index = "https://download.pytorch.org/whl/cpu"
    _, calls = set_up(checkout, GDSIM_TORCH_INDEX_URL=index)
    torch_call, gdsim_call = calls
    assert f"--index-url {index}" in torch_call and "torch==" in torch_call
    assert "--index-url" not in gdsim_call


def test_without_the_variable_pip_uses_its_own_index(checkout):
    _, calls = set_up(checkout)
    assert not any("--index-url" in call for call in calls)


def test_the_readme_names_the_torch_index_variable_and_the_cuda_download():
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert "GDSIM_TORCH_INDEX_URL" in setup and "CUDA" in setup


def test_the_readme_names_exactly_the_packages_the_app_asks_for():
    """One list (gdsim/ui/display_check.py); the README's install line must match it."""
    text = README.read_text(encoding="utf-8")
    line = re.search(r"sudo apt-get install (lib[^\n`]*)", text)
    assert line is not None, "the README gives no apt-get line for Qt's libraries"
    assert line.group(1).split() == list(XCB_LIBRARIES.values())


def test_the_whole_suite_s_groups_in_scripts_test_run_every_test_file():
    """scripts/test runs the suite in several processes: a test file no group names would
    never run in CI."""
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    start = script.index("for group in")
    loop = script[start : script.index("; do", start)]
    ran: set[Path] = set()
    for group in re.findall(r'"([^"]+)"', loop):
        for pattern in group.split():
            matches = list(ROOT.glob(pattern))
            assert matches, f"{pattern} names no file"
            for match in matches:
                ran |= set(match.rglob("test_*.py")) if match.is_dir() else {match}
    assert ran == set((ROOT / "tests").rglob("test_*.py"))
