"""Session files: a state written is read back equal; every kind of bad file is refused with
one line that names what is wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gdsim.core.json_document import DocumentError
from gdsim.core.session_file import (
    MAX_BYTES,
    parse_session,
    read_session,
    session_text,
    with_recent,
    write_session,
)
from gdsim.core.simulate import RunSpec
from gdsim.core.state import AppState, SurfaceState

STATE = AppState(
    active="network",
    surface=SurfaceState(surface="rosenbrock", runs=(RunSpec(lr=0.0015),), steps=500),
)


def _refusal(text: str) -> str:
    with pytest.raises(DocumentError) as caught:
        parse_session(text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_written_session_reads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "lecture.json"
    write_session(path, STATE)
    assert read_session(path) == STATE
    document = json.loads(path.read_text())
    assert document["gdsim"] == "session"
    assert document["version"] == 1
    assert document["state"] == STATE.to_dict()


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "lecture.json"
    write_session(path, STATE)
    with pytest.raises(OSError, match="does not exist"):
        write_session(tmp_path / "missing" / "x.json", AppState())
    assert read_session(path) == STATE


def test_a_file_naming_only_one_field_takes_defaults_for_the_rest() -> None:
    text = '{"gdsim": "session", "version": 1, "state": {"active": "network"}}'
    assert parse_session(text) == AppState(active="network")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"gdsim": "session", "version": 1, "state": {', "cut short (truncated at line 1"),
        (
            '{"gdsim": "session",\n "version" 1}',
            "not valid JSON: Expecting ':' delimiter at line 2",
        ),
        ("", "cut short"),
        ("[1, 2, 3]", "not a gdsim session (the file holds a JSON list)"),
        ('"session"', "the file holds a JSON string"),
        ('{"name": "package", "dependencies": {}}', 'no "gdsim" field'),
        ('{"gdsim": "lesson", "version": 1, "steps": []}', "it says it is a 'lesson'"),
        ('{"title": "Learning rate", "surface": "parabola"}', 'no "gdsim" field'),
        ('{"gdsim": "session", "version": 2, "state": {}}', "made by a newer gdsim"),
        ('{"gdsim": "session", "version": "1", "state": {}}', "version: must be a whole number"),
        ('{"gdsim": "session", "version": 1}', "state: missing"),
        ('{"gdsim": "session", "version": 1, "state": [], "x": 1}', "'x': unknown field"),
        ('{"gdsim": "session", "version": 1, "state": []}', "state: must be an object"),
        (
            '{"gdsim": "session", "version": 1, "state": {"surface": {"runs": [{"lr": "fast"}]}}}',
            "state.surface.runs[0].lr: ",
        ),
        (
            '{"gdsim": "session", "version": 1, "state": {"version": 7}}',
            "state.version: this gdsim reads versions 1 to",
        ),
        (
            '{"gdsim": "session", "version": 1, "state": {"surface": {"steps": NaN}}}',
            "NaN is not a number JSON allows",
        ),
        ('{"gdsim": "session", "version": 1, "state": {"x": -Infinity}}', "-Infinity is not"),
        ('{"gdsim": "session", "version": 1, "state": {"x": 1e999}}', "1e999 is too large"),
        ('{"gdsim": "session", "version": 1e0}', "version: must be a whole number"),
        ("[" * 100_000, "nested too deeply"),
        ("1" * 5000, "not valid JSON: "),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else None,
)
def test_a_bad_file_is_refused_with_one_line_naming_what_is_wrong(text: str, words: str) -> None:
    assert words in _refusal(text)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + session_text(STATE).encode())
    assert read_session(path) == STATE


def _read_refusal(path: Path) -> str:
    with pytest.raises(DocumentError) as caught:
        read_session(path)
    return str(caught.value)


def test_unreadable_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    assert "No such file" in _read_refusal(tmp_path / "missing.json")
    assert "it is a folder" in _read_refusal(tmp_path)
    binary = tmp_path / "picture.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    assert _read_refusal(binary) == "not a text file (byte 0 is not UTF-8)"
    big = tmp_path / "big.json"
    with open(big, "wb") as file:
        file.truncate(MAX_BYTES + 1)
    assert "too large for a gdsim file" in _read_refusal(big)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    assert _read_refusal(pipe) == "it is not a regular file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_a_file_without_read_permission_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "locked.json"
    write_session(path, STATE)
    path.chmod(0)
    try:
        assert "Permission denied" in _read_refusal(path)
    finally:
        path.chmod(0o600)


def test_the_recent_list_is_newest_first_without_repeats_and_capped() -> None:
    recent: list[str] = []
    for name in ["a", "b", "a", *"cdefghij"]:
        recent = with_recent(recent, name)
    assert recent == ["j", "i", "h", "g", "f", "e", "d", "c"]
    assert with_recent(["x", "y"], "y") == ["y", "x"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"gdsim": "session", "state": {"active": "surf', "cut short (truncated at line 1"),
        ('{"gdsim": "session", "version": ' + "1" * 5001 + "}", "a number with too many digits"),
    ],
)
def test_json_errors_are_said_in_a_users_words(text: str, words: str) -> None:
    assert words in _refusal(text)
