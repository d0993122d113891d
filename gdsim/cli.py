"""The `gdsim` command: no arguments opens the window; sub-commands serve scripts and tests.

`gdsim PATH.json` opens the window with that file (a saved session). The path is told from a
sub-command by its first word: one that is not a command's name is a file.

Errors in what the user typed end with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gdsim.commands import common

NEGATIVE_VALUE = re.compile(r"-(\.?\d|inf|nan)", re.IGNORECASE)
"""What starts a negative number, or a list like -1.5,2: a value, never one of our options."""


class _Parser(argparse.ArgumentParser):
    """argparse exits with status 2 and a usage block; we want the same status, one line.
    Option help may list a core registry's names (`common.registry_option`).

    argparse reads a value starting with '-' as an option unless it looks like -1 or -.5, so
    `--start -1.5,2` and `--start -1e-3` ended in "expected one argument". That test is the
    private matcher ArgumentParser.__init__ sets (tests/cli try both spellings, so a Python
    that renames it fails there); ours takes every number or list of numbers for a value,
    which its own parser then judges.
    """

    commands: tuple[str, ...] = ()
    """The sub-commands' names (a first word that is none of them is a file to open)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", common.RegistryHelpFormatter)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_VALUE

    def error(self, message: str) -> None:  # type: ignore[override]
        raise common.UsageError(message)


def build_parser() -> _Parser:
    from gdsim.commands import basins, graph, grid, landscape, lrfind, run, sweep, train

    parser = _Parser(
        prog="gdsim",
        description=__doc__.splitlines()[0],
        epilog="gdsim PATH.json opens the window with the session saved in PATH.json.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    for command in (run, train, sweep, basins, lrfind, grid, graph, landscape):
        command.register(subparsers)
    parser.commands = tuple(subparsers.choices)
    parser.usage = f"%(prog)s [-h] [--version] [PATH.json | {{{','.join(parser.commands)}}} ...]"
    return parser


def file_to_open(parser: _Parser, argv: list[str]) -> Path | None:
    """The file in `gdsim PATH.json`, or None for an option or a sub-command. A file that is
    not there is a usage error, said before any window opens."""
    if not argv or argv[0].startswith("-") or argv[0] in parser.commands:
        return None
    if len(argv) > 1:
        raise common.UsageError(f"a file to open takes no other arguments: {' '.join(argv[1:])}")
    path = Path(argv[0])
    if not path.exists():
        commands = ", ".join(parser.commands)
        raise common.UsageError(f"{argv[0]}: no such file (nor a command: {commands})")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        path = file_to_open(parser, args_list)
        if path is not None:
            from gdsim.ui.app import run_app

            return run_app(path)
        args = parser.parse_args(args_list)
        if args.version:
            from gdsim import __version__

            print(__version__)
            return 0
        if args.command is None:
            from gdsim.ui.app import run_app

            return run_app()
        return int(args.func(args))
    except common.UsageError as error:
        print(f"gdsim: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `gdsim run ... | head` closed our output: stop quietly, as the shell tools do. Point
        # stdout at devnull so that Python's final flush does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
