# Sourced by scripts/run and scripts/test: creates .venv on first use and keeps it in step
# with pyproject.toml, so that one command is all a fresh machine needs. An up-to-date .venv
# costs one checksum and prints nothing; a set-up says each step and lets pip show progress.
#
# GDSIM_TORCH_INDEX_URL: a wheel index for the torch install only (pip's --index-url), e.g.
# https://download.pytorch.org/whl/cpu; unset, pip's configured index is used.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
TORCH="torch==2.13.0"

find_python() {
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "gdsim needs Python 3.11 or newer on PATH." >&2
    return 1
}

say() {
    echo "gdsim set-up: $*" >&2
}

ensure_venv() {
    local extras="$1"
    local stamp="$VENV/.gdsim-setup-$extras"
    local want
    want="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/_setup.sh" | sha256sum | cut -d' ' -f1)"
    if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    if [ ! -x "$PY" ]; then
        say "1/3 creating the virtual environment $VENV (first run only)"
        "$(find_python)" -m venv "$VENV"
    fi
    # torch pinned: a bare 'torch' requirement lets pip pick any build (on Linux from PyPI,
    # the CUDA one, several GB). pyproject.toml states the supported range (torch>=2.2,<3).
    local index=()
    if [ -n "${GDSIM_TORCH_INDEX_URL:-}" ]; then
        index=(--index-url "$GDSIM_TORCH_INDEX_URL")
        say "2/3 installing $TORCH from $GDSIM_TORCH_INDEX_URL (the largest download)"
    else
        say "2/3 installing $TORCH (the largest download; see GDSIM_TORCH_INDEX_URL in README.md)"
    fi
    "$PY" -m pip install --disable-pip-version-check ${index[@]+"${index[@]}"} "$TORCH"
    say "3/3 installing gdsim with PySide6, pyqtgraph, numpy, scipy, sympy ($extras extras)"
    "$PY" -m pip install --disable-pip-version-check -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
    say "done"
}
