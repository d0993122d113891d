"""Helpers for command-line tests: run `gdsim ... --json` in-process and parse its output
strictly (NaN or Infinity would not be JSON, so they fail the test)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from gdsim.cli import main


def parse_strict_json(text: str) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"non-JSON constant {constant} in output")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def strict_json() -> Callable[[str], dict]:
    return parse_strict_json


@pytest.fixture
def cli_json(capsys: pytest.CaptureFixture[str]) -> Callable[..., dict]:
    """`cli_json("run", "--surface", "parabola")` -> the parsed JSON document."""

    def run(*argv: str) -> dict:
        assert main([*argv, "--json"]) == 0
        return parse_strict_json(capsys.readouterr().out)

    return run
