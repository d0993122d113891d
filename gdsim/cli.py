"""The `gdsim` command: no arguments opens the window; sub-commands serve scripts and tests.

Errors in what the user typed end with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gdsim.commands import common


class _Parser(argparse.ArgumentParser):
    """argparse exits with status 2 and a usage block; we want the same status, one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise common.UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    from gdsim.commands import run, train

    parser = _Parser(prog="gdsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    run.register(subparsers)
    train.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
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
