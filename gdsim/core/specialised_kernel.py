"""A simulation kernel specialised to one formula and one update rule, written as Python source,
compiled by numba in a background thread and cached on disk (``gdsim.core.kernel`` uses it).

Why: the generic kernel (``gdsim.core.numba_kernel``) interprets the gradient's register
program, which costs ~100-300 ns per step and run; the same program written out as scalar
assignments, one run at a time with its coordinates and the rule's state in registers, runs at
~7 ns. Compiling it must stay short (a student types a formula and drags a slider), so the
generated module holds only what that (formula, rule) needs: the program, that rule's update
(``RULES``, which repeat ``numba_kernel._update``'s operations in the same order, so that a step
equals the numpy path's to a few units in the last place), the loop of ``history`` or of
``final`` (one module per kind: the slider needs the first, the basins map the second), and
one explicit signature, so numba compiles exactly one version at import and nothing on a
calling thread. Hyper-parameters and learning rates are runtime inputs: changing them never
compiles.

The module is written to ``<cache dir>/specialised/kernel_<hash>.py`` (the hash of its
source), imported under that name with ``cache=True``, so the next start of the app loads it
from numba's cache in milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from gdsim.core.files import write_text_atomic

# Instruction codes of gdsim.core.kernel's register programs.
_EXPRESSIONS: dict[int, str] = {
    0: "{a} + {b}",
    1: "{a} * {b}",
    2: "{a} / {b}",
    3: "{a} ** {b}",
    4: "{a} * {a}",
    5: "-{a}",
    6: "math.sin({a})",
    7: "math.cos({a})",
    8: "math.tan({a})",
    9: "math.exp({a})",
    10: "np.log({a})",
    11: "np.sqrt({a})",
    12: "abs({a})",
    13: "math.tanh({a})",
    14: "_sigmoid({a})",
    15: "_softplus({a})",
    16: "0.0 if {a} < 0.0 else 1.0 if {a} > 0.0 else 0.5 if {a} == 0.0 else {a}",
    17: "np.sign({a})",
    18: "{a} if {a} != {a} or {a} >= {b} else {b}",
    19: "{a} if {a} != {a} or {a} <= {b} else {b}",
}
"""Each instruction as ``numba_kernel._evaluate`` computes it, on one run's scalars."""

_HELPERS = {
    14: """
@njit(inline="always", error_model="numpy")
def _sigmoid(u):
    if u < 0.0:
        e = math.exp(u)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(-u))
""",
    15: """
@njit(inline="always", error_model="numpy")
def _softplus(u):
    if u == 0.0:
        return math.log(2.0)
    if u > 0.0:
        return u + math.log1p(math.exp(-u))
    if u <= 0.0:
        return math.log1p(math.exp(u))
    return u
""",
}
"""``numba_kernel._sigmoid`` and ``_softplus``, copied into a module that uses them (importing
``numba_kernel`` there would define its functions with the package's cache directory)."""

# Per update rule (numba_kernel's codes): the hyper-parameters read once per call, the state's
# start per run, the scalars computed once per step (``count`` = the step's number, from 1),
# and the update of coordinate {d} from its gradient g{d}: numba_kernel._update's operations.
RULES: dict[int, dict[str, str]] = {
    0: {
        "hyper": "momentum, dampening, nesterov = hyper[0], hyper[1], hyper[2] == 1.0",
        "init": "a{d} = 0.0",
        "per_step": "",
        "update": """\
u = g{d}
if momentum != 0.0:
    if count == 1:
        a{d} = u
    else:
        a{d} = a{d} * momentum + (1.0 - dampening) * u
    u = u + momentum * a{d} if nesterov else a{d}
p{d} -= rate * u""",
    },
    1: {
        "hyper": "lr_decay, initial, eps = hyper[0], hyper[1], hyper[2]",
        "init": "a{d} = initial",
        "per_step": "decayed = rate / (1.0 + (count - 1) * lr_decay)",
        "update": """\
u = g{d}
a{d} += u * u
p{d} -= decayed * (u / (np.sqrt(a{d}) + eps))""",
    },
    2: {
        "hyper": ("alpha, eps, momentum, centered = hyper[0], hyper[1], hyper[2], hyper[3] == 1.0"),
        "init": "a{d} = 0.0\nb{d} = 0.0\nc{d} = 0.0",
        "per_step": "",
        "update": """\
u = g{d}
a{d} = a{d} * alpha + (1.0 - alpha) * (u * u)
if centered:
    b{d} += (1.0 - alpha) * (u - b{d})
    avg = np.sqrt(a{d} - b{d} * b{d}) + eps
else:
    avg = np.sqrt(a{d}) + eps
if momentum > 0.0:
    c{d} = c{d} * momentum + u / avg
    p{d} -= rate * c{d}
else:
    p{d} -= rate * (u / avg)""",
    },
    3: {
        "hyper": "beta1, beta2, eps, amsgrad = hyper[0], hyper[1], hyper[2], hyper[3] == 1.0",
        "init": "a{d} = 0.0\nb{d} = 0.0\nc{d} = 0.0",
        "per_step": """\
correction1 = 1.0 - math.pow(beta1, float(count))
correction2_root = math.pow(1.0 - math.pow(beta2, float(count)), 0.5)""",
        "update": """\
u = g{d}
a{d} += (1.0 - beta1) * (u - a{d})
b{d} = b{d} * beta2 + (1.0 - beta2) * (u * u)
second = b{d}
if amsgrad:
    old = c{d}
    second = old if old != old or old >= second else second
    c{d} = second
denom = np.sqrt(second) / correction2_root + eps
p{d} -= (rate / correction1) * (a{d} / denom)""",
    },
}

HISTORY_SIGNATURE = (
    "void(float64[:, ::1], float64[::1], float64[::1], float64[:, ::1], float64[:, :, ::1], "
    "int64[::1], float64[:, :, ::1], float64[:, :, ::1], float64[:, ::1], int64[::1], int8[::1])"
)
"""``history(start (D, K), lr (K,), hyper (4,), bounds (D, 2), noise (N, D, K) or (0, D, K),
columns (K,), points, grads (K_all, N+1, D), losses (K_all, N+1), stopped_at, causes)``."""

FINAL_SIGNATURE = (
    "void(float64[:, ::1], float64[::1], float64[::1], float64[:, ::1], int64, float64, "
    "float64[:, ::1], int64[::1], int64[::1])"
)
"""``final(start (D, K), lr (K,), hyper (4,), bounds (D, 2), steps, tolerance, ends (D, K),
stopped_at, settled_at)``."""

_HISTORY = """
@njit("{signature}", cache=True, nogil=True, error_model="numpy")
def history(start, lr, hyper, bounds, noise, columns, points, grads, losses, stopped_at, causes):
    steps = points.shape[1] - 1
    runs = start.shape[1]
    noisy = noise.shape[0] > 0
{bounds}
{hyper}
    for j in range(runs):
        run = columns[j]
        rate = lr[j]
{start}
{init}
        for t in range(steps + 1):
{program}
            finite = value - value == 0.0{finite}
            if not (finite{inside}):
                stopped_at[run] = t
                causes[run] = 2 if finite else 1
                for rest in range(t, steps + 1):
                    losses[run, rest] = np.nan
{nan_tail}
                break
            losses[run, t] = value
{record}
            if t == steps:
                break
            count = t + 1
            if noisy:
{noise}
{per_step}
{update}
"""

_FINAL = """
@njit("{signature}", cache=True, nogil=True, error_model="numpy")
def final(start, lr, hyper, bounds, steps, tolerance, ends, stopped_at, settled_at):
    runs = start.shape[1]
    limit = tolerance * tolerance
{bounds}
{hyper}
    for j in range(runs):
        rate = lr[j]
{start}
{anchor}
{init}
        for t in range(steps + 1):
            if t > 0:
{program}
                count = t
{per_step}
{update}
            if not ({inside_only}):
                stopped_at[j] = t
                break
            gap = {gap}
            if gap > limit:
{move_anchor}
                settled_at[j] = t
{ends}
"""


def _literal(value: float) -> str:
    """A float constant as exact Python source (repr round-trips every finite float)."""
    if value != value:
        return "math.nan"
    if value in (np.inf, -np.inf):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(float(value))


def _block(lines: list[str] | str, indent: int) -> str:
    text = lines if isinstance(lines, str) else "\n".join(lines)
    return "\n".join(" " * indent + line if line else line for line in text.splitlines())


def source(
    code: np.ndarray, constants: np.ndarray, outputs: np.ndarray, dim: int, rule: int, kind: str
) -> str:
    """The module for a ``with_value`` register program (``gdsim.core.kernel.Program``'s
    arrays), ``dim`` coordinates, update rule ``rule`` and ``kind`` "history" or "final"."""
    template = RULES[rule]
    coords = range(dim)
    program = [f"r{d} = p{d}" for d in coords]
    program += [f"r{dim + j} = {_literal(c)}" for j, c in enumerate(constants.tolist())]
    for op, dst, a, b in code.tolist():
        program.append(f"r{dst} = " + _EXPRESSIONS[op].format(a=f"r{a}", b=f"r{b}"))
    value, *gradient = outputs.tolist()
    program.append(f"value = r{value}")
    program += [f"g{d} = r{gradient[d]}" for d in coords]
    inside = "".join(f" and lo{d} <= p{d} <= hi{d}" for d in coords)
    pieces = {
        "bounds": _block([f"lo{d}, hi{d} = bounds[{d}, 0], bounds[{d}, 1]" for d in coords], 4),
        "hyper": _block(template["hyper"], 4),
        "start": _block([f"p{d} = start[{d}, j]" for d in coords], 8),
        "init": _block("\n".join(template["init"].format(d=d) for d in coords), 8),
        "update": _block("\n".join(template["update"].format(d=d) for d in coords), 12),
    }
    helpers = "".join(text for op, text in _HELPERS.items() if op in set(code[:, 0].tolist()))
    if kind == "history":
        body = _HISTORY.format(
            signature=HISTORY_SIGNATURE,
            program=_block(program, 12),
            finite="".join(f" and p{d} - p{d} == 0.0" for d in coords),
            inside=inside,
            nan_tail=_block(
                [f"points[run, rest, {d}] = grads[run, rest, {d}] = np.nan" for d in coords], 20
            ),
            record=_block(
                [f"points[run, t, {d}] = p{d}\ngrads[run, t, {d}] = g{d}" for d in coords], 12
            ),
            noise=_block([f"g{d} = g{d} + noise[t, {d}, j]" for d in coords], 16),
            per_step=_block(template["per_step"], 12),
            **pieces,
        )
    else:
        pieces["update"] = _block(pieces["update"], 4)
        body = _FINAL.format(
            signature=FINAL_SIGNATURE,
            program=_block(program, 16),
            per_step=_block(template["per_step"], 16),
            anchor=_block([f"q{d} = p{d}" for d in coords], 8),
            inside_only=inside.removeprefix(" and "),
            gap=" + ".join(f"(p{d} - q{d}) * (p{d} - q{d})" for d in coords),
            move_anchor=_block([f"q{d} = p{d}" for d in coords], 16),
            ends=_block([f"ends[{d}, j] = p{d}" for d in coords], 8),
            **pieces,
        )
    header = (
        '"""Generated by gdsim.core.specialised_kernel; edits are lost."""\n'
        "import math\n\nimport numpy as np\nfrom numba import njit\n"
    )
    return header + helpers + body


def load(directory: Path, text: str) -> ModuleType:
    """Write ``text`` to ``directory/kernel_<hash>.py`` (unless the file already holds exactly
    that text) and import it: numba compiles its one function, or loads it from its cache
    beside the file. A file with other content (damaged, or edited) is written again, so a
    kernel is never another formula's; a cache numba cannot read (a write cut short, files of
    another numba) would otherwise lose this kernel at every start: its files are removed and
    the module compiled again, once."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    path = directory / f"kernel_{digest}.py"
    if not _holds(path, text):
        directory.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    name = f"gdsim_kernel_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    try:
        return _import(name, path)
    except (ImportError, OSError):
        raise
    except Exception:
        stale = list((directory / "__pycache__").glob(f"{path.stem}.*"))
        if not stale:
            raise
        for file in stale:
            file.unlink(missing_ok=True)
        return _import(name, path)


def _holds(path: Path, text: str) -> bool:
    """Whether ``path`` exists and holds exactly ``text`` (a few KiB: read, not trusted)."""
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _import(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds the function's module through it
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
