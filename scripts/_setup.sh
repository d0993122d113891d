# Sourced by scripts/run and scripts/test: creates .venv on first use and keeps it in step
# with pyproject.toml, so that one command is all a fresh machine needs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

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

ensure_venv() {
    local extras="$1"
    local stamp="$VENV/.gdsim-setup-$extras"
    local want
    want="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/_setup.sh" | sha256sum | cut -d' ' -f1)"
    if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    if [ ! -x "$PY" ]; then
        echo "gdsim: creating $VENV (first run only)..." >&2
        "$(find_python)" -m venv "$VENV"
    fi
    # The CPU build of torch, pinned: a bare 'torch' requirement can pull a multi-GB CUDA build.
    # pyproject.toml states the supported range (torch>=2.2,<3) for installs elsewhere.
    "$PY" -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
    "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
}
