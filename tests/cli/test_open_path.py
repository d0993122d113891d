"""`gdsim PATH.json` opens the window with that file; the sub-commands are untouched; a file that
is not there is refused before any window opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdsim.cli import build_parser, main
from gdsim.ui import app


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    """What the window would have been opened with (no window in a command-line test)."""
    calls: list[Path | None] = []

    def fake_run_app(path: Path | None = None) -> int:
        calls.append(path)
        return 0

    monkeypatch.setattr(app, "run_app", fake_run_app)
    return calls


def test_a_path_opens_the_window_with_it(opened, tmp_path: Path) -> None:
    path = tmp_path / "lecture.json"
    path.write_text("{}")
    assert main([str(path)]) == 0
    assert opened == [path]


def test_no_argument_opens_the_window_without_a_file(opened) -> None:
    assert main([]) == 0
    assert opened == [None]


def test_a_missing_file_exits_2_with_one_line_and_no_window(opened, capsys, tmp_path) -> None:
    assert main([str(tmp_path / "gone.json")]) == 2
    err = capsys.readouterr().err
    commands = ", ".join(build_parser().commands)  # run, train and each command added since
    assert (
        err == f"gdsim: error: {tmp_path / 'gone.json'}: no such file (nor a command: {commands})\n"
    )
    assert commands.startswith("run, train")
    assert opened == []


def test_a_path_takes_no_other_arguments(opened, capsys, tmp_path: Path) -> None:
    assert main([str(tmp_path), "--lr", "1"]) == 2
    assert (
        capsys.readouterr().err == "gdsim: error: a file to open takes no other arguments: --lr 1\n"
    )
    assert opened == []


def test_sub_commands_still_run(opened, cli_json) -> None:
    document = cli_json("run", "--surface", "parabola", "--steps", "3", "--lr", "0.2")
    assert document["runs"][0]["regime"]
    assert opened == []


def test_the_help_names_the_file_form(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "gdsim PATH.json opens the window" in capsys.readouterr().out
