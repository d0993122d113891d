"""`gdsim <command> --help` lists every name of the registry an option reads from, so a new
surface, dataset, activation or optimizer cannot be left out of the help; and building the
parser still imports none of the heavy core modules (the names are read only for the help)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from gdsim.cli import main
from gdsim.core.datasets import DATASETS
from gdsim.core.network import ACTIVATIONS
from gdsim.core.optimizers import SURFACE_OPTIMIZERS
from gdsim.core.surfaces import SURFACES


def option_help(capsys: pytest.CaptureFixture[str], command: str, flag: str) -> list[str]:
    """The words of `flag`'s entry in `gdsim command --help` (wrapped lines joined)."""
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    entry = re.search(rf"^  {flag} .*?(?=^  -)", text, re.MULTILINE | re.DOTALL)
    assert entry is not None, f"{flag} is missing from `gdsim {command} --help`"
    return re.findall(r"[\w-]+", entry.group(0))


@pytest.mark.parametrize(
    ("command", "flag", "registry"),
    [
        ("run", "--surface", SURFACES),
        ("run", "--optimizer", SURFACE_OPTIMIZERS),
        ("train", "--dataset", DATASETS),
        ("train", "--activation", ACTIVATIONS),
    ],
)
def test_option_help_lists_every_registry_name(capsys, command, flag, registry):
    words = option_help(capsys, command, flag)
    assert [name for name in registry if name not in words] == []


def test_parsing_a_command_imports_neither_torch_nor_sympy():
    script = (
        "import sys\n"
        "from gdsim.cli import build_parser\n"
        "build_parser().parse_args(['train', '--dataset', 'circle'])\n"
        "print(sorted({'torch', 'sympy'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
