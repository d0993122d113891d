"""The one-line set-up text: a round trip gives the same state; garbage, cut text, another
prefix, a newer version and a zip bomb are refused with one line."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from gdsim.core.setup_text import MAX_UNPACKED, PREFIX, SetupTextError, decode_setup, encode_setup
from gdsim.core.simulate import RunSpec
from gdsim.core.state import AppState, SurfaceState

STATE = AppState(
    surface=SurfaceState(
        surface="x**2 + 3*y**2",
        runs=(RunSpec(lr=0.2, start=(1.0, 1.0)), RunSpec(lr=0.3)),
        compare=True,
    )
)


def _pack(data: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(zlib.compress(data)).decode().rstrip("=")


def _refusal(text: str) -> str:
    with pytest.raises(SetupTextError) as caught:
        decode_setup(text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_round_trip_gives_the_same_state() -> None:
    text = encode_setup(STATE)
    assert text.startswith("gdsim:1:")
    assert decode_setup(text) == STATE
    assert decode_setup(encode_setup(AppState())) == AppState()


def test_it_is_compact_and_survives_line_breaks_a_mail_program_adds() -> None:
    text = encode_setup(AppState())
    assert len(text) < 600
    wrapped = "\n  ".join(text[i : i + 70] for i in range(0, len(text), 70))
    assert decode_setup(f"  {wrapped}\n") == AppState()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "the text is empty"),
        ("hello world", 'not a gdsim set-up (it should start with "gdsim:1:")'),
        ("https://playground.tensorflow.org/#lr=0.03", "not a gdsim set-up"),
        ("gdsim:2:eJwrzs9NVcjMK0ktKlFIzs8rSc0rAQA", "made by a newer gdsim"),
        ("gdsim:1:@@@###", "characters a set-up never holds"),
        ("gdsim:1:aGVsbG8gd29ybGQ", "damaged: the text was changed"),
        ("gdsim:²:aGVsbG8gd29ybGQ", "not a gdsim set-up"),  # a digit to isdigit(), not to int()
        ("gdsim:" + "9" * 5000 + ":aGVsbG8", "not a gdsim set-up"),
        ("gdsim:1:", "cut short: nothing follows the prefix"),
    ],
)
def test_garbage_and_other_prefixes_are_refused(text: str, words: str) -> None:
    assert words in _refusal(text)


def test_cut_text_is_refused() -> None:
    text = encode_setup(STATE)
    assert "cut short" in _refusal(text[: len(text) // 2])
    assert "cut short" in _refusal(text[:-1]) or "damaged" in _refusal(text[:-1])


def test_a_zip_bomb_is_refused_without_unpacking_it_all() -> None:
    bomb = _pack(b"{" + b" " * (50 * MAX_UNPACKED) + b"}")
    assert len(bomb) < 200_000
    assert "unpacks to more than 1000 kB" in _refusal(bomb)


def test_invalid_fields_and_strict_json_inside_are_refused_by_path() -> None:
    bad_lr = {"surface": {"runs": [{"lr": -1}]}}
    assert _refusal(_pack(json.dumps(bad_lr).encode())).startswith("surface.runs[0].lr: ")
    assert "NaN is not a number" in _refusal(_pack(b'{"surface": {"steps": NaN}}'))
    assert "data is not text" in _refusal(_pack(b"\xff\xfe"))
