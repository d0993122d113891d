"""A simulation kernel specialised to one formula and one update rule, written as Python source,
compiled by numba in a background thread and cached on disk (``gdsim.core.kernel`` uses it).

Why: the generic kernel (``gdsim.core.numba_kernel``) interprets the gradient's register
program, which costs ~100-300 ns per step and run; the same program written out as scalar
assignments runs at ~5 ns in ``history`` (two runs at a time, ``LANES``, their coordinates and
the rule's state in registers) and at ~1 ns in ``final`` (a block of runs one step at a time,
which the compiler turns into vector instructions, ``BLOCK``). Compiling it must stay short
(a student types a formula and drags a slider), so the generated module holds only what that
(formula, rule) needs: the program, that rule's update (``RULES``, which repeat
``numba_kernel._update``'s operations in the same order, so that a step equals the numpy
path's to a few units in the last place), the loop of ``history`` or of ``final`` (one module
per kind: the slider needs the first, the basins map the second), and one explicit signature,
so numba compiles exactly one version at import and nothing on a calling thread.
Hyper-parameters and learning rates are runtime inputs: changing them never compiles.

The module is written to ``<cache dir>/specialised/kernel_<hash>.py`` (the hash of its
source), imported under that name with ``cache=True``, so the next start of the app loads it
from numba's cache in milliseconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
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
# start per run, the scalars computed once per step (``count`` = the step's number, from 1) for
# every run and ("per_run", optional) for each run, and the update of coordinate {d} from its
# gradient g{d}: numba_kernel._update's operations.
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
        "per_step": "",
        "per_run": "decayed = rate / (1.0 + (count - 1) * lr_decay)",
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

LANES = 2
"""Runs ``history`` advances side by side. One run's step is a chain of dependent
operations that leaves the processor idle between them (Rosenbrock: ~8 ns a step alone); a
second run's independent operations fill those gaps. Each run's own operations stay the same and
in the same order, so its numbers do not depend on its neighbours. The lanes take runs a
``stride`` apart (the first half and the second half of the batch), so each lane writes its
runs' rows one after another: lanes on neighbouring runs restarted the processor's store streams
at every group and were slower than one lane at 100 steps. Measured (CPU time, rosenbrock gd,
40,000 x 100 / 1,000 x 500 / 4 x 500): one lane 7.4 / 7.5 / 9.1 ns per step and run, two 4.7 /
5.0 / 8.4, four 5.4 / 5.5 / 8.6. ``final`` went from 5.2 (one lane) to 3.4 ns (two) at 40,000
x 100, and then to blocks (``BLOCK``)."""

_HISTORY = """
@njit("{signature}", cache=True, nogil=True, error_model="numpy")
def history(start, lr, hyper, bounds, noise, columns, points, grads, losses, stopped_at, causes):
    steps = points.shape[1] - 1
    runs = start.shape[1]
    noisy = noise.shape[0] > 0
{setup}
{hyper}
    last = runs - 1
    stride = (runs + {lanes} - 1) // {lanes}
    for first in range(stride):
{lanes_setup}
        for t in range(steps + 1):
{program}
{check}
            if t == steps or not ({any_on}):
                break
            count = t + 1
            if noisy:
{noise}
{per_step}
{update}
{tails}
"""

_LANE_CHECK = """\
finite = (value - value == 0.0){finite}
losses[run, t] = value
{record}
if on and not (finite{inside}):
    on = False
    stopped_at[run] = t
    causes[run] = 2 if finite else 1"""
"""One run's record and check after its program, without a branch on the way: a run that stops
goes on (its entries from the stop on are overwritten by ``_LANE_TAIL``), so that the others
in its group go on side by side. The last group's spare lanes repeat its last run, writing the
same numbers to the same places."""

_LANE_TAIL = """\
if not on:
    for rest in range(stopped_at[run], steps + 1):
        losses[run, rest] = np.nan
{nan_tail}"""
"""A stopped run's entries from its stop on: NaN."""

_LANE_NAMES = re.compile(
    r"\b(?:[rpgabcq]\d+|u|avg|second|old|denom|decayed|rate|value|run|j|on|finite|gap)\b"
)
"""The names that hold one run's values in the generated code (registers, coordinates,
gradient, the rule's state and scratch): each lane gets its own copy."""


def _lane(text: str, lane: int) -> str:
    """``text`` with every per-run name suffixed by ``_<lane>``."""
    return _LANE_NAMES.sub(lambda match: f"{match.group(0)}_{lane}", text)


def _lanes(text: str, count: int) -> str:
    """``text`` once per lane, lane after lane."""
    return "\n".join(_lane(text, lane) for lane in range(count))


def _interleaved(lines: list[str], count: int) -> list[str]:
    """Each straight-line statement for every lane before the next statement: the lanes'
    independent operations sit next to each other."""
    return [_lane(line, lane) for line in lines for lane in range(count)]


BLOCK = 256
"""Runs ``final`` advances together: one step of every run of the block, then the next step.
The loop over a block's runs is straight-line code on arrays (a stopped run's state kept by
selects, not branches), which LLVM vectorises: 8 runs per instruction with AVX-512, 4 with
AVX2, each run's operations the same and in the same order as alone (no fastmath), so its
numbers are bit for bit those of a run alone and of two lanes. The runs of one step are
independent, so the processor is never waiting on one run's chain of dependent operations,
which bounded the lanes; and a rule's per-step scalars (Adam's ``math.pow`` corrections) are
computed once per block and step, not per run. Measured (CPU time, old lanes vs blocks, same
process, alternating, ns per step and run, 40,000 x 100 / 1,000 x 500 / 64 x 500): rosenbrock
gd 3.15 / 2.95 / 2.80 -> 0.78 / 0.69 / 0.74, adam 23.0 / 22.6 / 22.4 -> 1.69 / 1.60 / 1.92,
rmsprop 9.7 -> 1.3, adagrad 8.8 -> 1.2 (40,000 x 100), himmelblau gd 3.9 -> 0.96; a formula
with ``sin`` and ``cos`` 21.5 -> 21.1 (numba calls them one element at a time: no gain, no
loss); sqrt and softplus, adam, 27.3 -> 10.0. Fewer runs than one vector go through the scalar
remainder, each step's state through memory: 4 x 500 3.2 -> 5.0, 1 x 500 6.5 -> 10.8 (gd;
microseconds a call, and no view runs so few); keeping the lanes' loop beside the blocks for
them would have added its compile time to every ``final`` module, which the blocks already
lengthened by 15-25% (rosenbrock gd 0.73 -> 0.88 s). The size: 128 and 256 are fastest (28
KiB of state for Adam in two dimensions, within L1); 32 and 64 0.81 / 0.83 against 0.72 (the
loop's start and remainder per step weigh more), 512 and 1024 slower for Adam (2.97 / 2.18
against 1.75: the state's rows 4 KiB apart alias in the L1 cache)."""

_FINAL = """
@njit("{signature}", cache=True, nogil=True, error_model="numpy")
def final(start, lr, hyper, bounds, steps, tolerance, ends, stopped_at, settled_at):
    runs = start.shape[1]
    limit = tolerance * tolerance
{setup}
{hyper}
    state = np.empty({size})
    for first in range(0, runs, {block}):
        n = min({block}, runs - first)
        alive = 0
        for i in range(n):
            j = first + i
{load_start}
        for t in range(1, steps + 1):
            if alive == 0:
                break
            count = t
            time = float(t)
{per_step}
            alive = 0
            for i in range(n):
{load}
{program}
{update}
{check}
        for i in range(n):
            j = first + i
{unload}
"""

"""``final``: each block's runs loaded into ``state`` (one array, a run's values ``BLOCK``
apart, at offsets the compiler sees, so that it knows the rows never overlap and vectorises
without run-time checks), checked at step 0, advanced a step at a time while one of them is
on, and their ends, stops and settling steps written out. Steps are kept as floats in
``state`` so that every select in the loop is on doubles."""

_FINAL_CHECK = """\
inside = {inside}
leaves = live & (not inside)
stays = live & inside
gap = {gap}
moved = stays & (gap > limit)
alive += stays
{store}"""
"""One run's check after its step: a run that leaves the bounds (or is not finite: NaN
compares false) stops at that iterate, which stays its end; the anchor of a run inside moves
when the run moved farther than the tolerance from it. Every store is a select on ``live``,
``stays``, ``moved`` or ``leaves``: a run that stopped earlier computes on, its state
unchanged, beside the others of its block."""


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
    names = {d: f"p{d}" for d in coords} | {dim + j: f"k{j}" for j in range(len(constants))}

    def register(index: int) -> str:
        """The coordinates are read where they are, constants from shared names."""
        return names.get(index, f"r{index}")

    program = [
        f"r{dst} = " + _EXPRESSIONS[op].format(a=register(a), b=register(b))
        for op, dst, a, b in code.tolist()
    ]
    value, *gradient = outputs.tolist()
    program.append(f"value = {register(value)}")
    program += [f"g{d} = {register(gradient[d])}" for d in coords]
    update = [*template.get("per_run", "").splitlines()]
    update += [line for d in coords for line in template["update"].format(d=d).splitlines()]
    init = [line for d in coords for line in template["init"].format(d=d).splitlines()]
    pieces = {
        "setup": _block(
            [f"lo{d}, hi{d} = bounds[{d}, 0], bounds[{d}, 1]" for d in coords]
            + [f"k{j} = {_literal(c)}" for j, c in enumerate(constants.tolist())],
            4,
        ),
        "hyper": _block(template["hyper"], 4),
    }
    helpers = "".join(text for op, text in _HELPERS.items() if op in set(code[:, 0].tolist()))
    setup = [f"j = min(first + {lane} * stride, last)" for lane in range(LANES)]
    if kind == "history":
        per_run = ["run = columns[j]", "rate = lr[j]", "on = True"]
        per_run += [f"p{d} = start[{d}, j]" for d in coords]
        check = _LANE_CHECK.format(
            finite="".join(f" & (p{d} - p{d} == 0.0)" for d in coords),
            inside="".join(f" & (lo{d} <= p{d}) & (p{d} <= hi{d})" for d in coords),
            record="\n".join(
                [f"points[run, t, {d}] = p{d}" for d in coords]
                + [f"grads[run, t, {d}] = g{d}" for d in coords]
            ),
        )
        tail = _LANE_TAIL.format(
            nan_tail=_block(
                [f"points[run, rest, {d}] = grads[run, rest, {d}] = np.nan" for d in coords], 8
            )
        )
        body = _HISTORY.format(
            signature=HISTORY_SIGNATURE,
            lanes=LANES,
            lanes_setup=_block(
                [_lane(line, lane) for lane, line in enumerate(setup)]
                + _interleaved(per_run + init, LANES),
                8,
            ),
            program=_block(_interleaved(program, LANES), 12),
            check=_block(_lanes(check, LANES), 12),
            tails=_block(_lanes(tail, LANES), 8),
            any_on=" or ".join(_lane("on", lane) for lane in range(LANES)),
            noise=_block(
                _interleaved([f"g{d} = g{d} + noise[t, {d}, j]" for d in coords], LANES), 16
            ),
            per_step=_block(template["per_step"], 12),
            update=_block(_lanes("\n".join(update), LANES), 12),
            **pieces,
        )
    else:
        body = _final(program, update, init, template, dim, pieces)
    header = (
        '"""Generated by gdsim.core.specialised_kernel; edits are lost."""\n'
        "import math\n\nimport numpy as np\nfrom numba import njit\n"
    )
    return header + helpers + body


def _final(
    program: list[str],
    update: list[str],
    init: list[str],
    template: dict[str, str],
    dim: int,
    pieces: dict[str, str],
) -> str:
    """``final``'s body: per run the coordinates, anchors, the rule's state (its ``init``
    names), rate, whether it is on, and its stop and settling steps, each at its own row of
    ``state``."""
    coords = range(dim)
    kept = [f"p{d}" for d in coords] + [f"q{d}" for d in coords]
    kept += [line.split(" = ")[0] for line in init]
    kept += ["rate", "on", "stopped", "settled"]
    slot = {name: f"state[{index * BLOCK} + i]" for index, name in enumerate(kept)}
    inside = " & ".join(f"(lo{d} <= p{d}) & (p{d} <= hi{d})" for d in coords)
    gap = " + ".join(f"(p{d} - q{d}) * (p{d} - q{d})" for d in coords)
    load_start = [f"p{d} = start[{d}, j]" for d in coords]
    load_start += [f"inside = {inside}", "alive += inside"]
    load_start += [f"{slot[f'p{d}']} = {slot[f'q{d}']} = p{d}" for d in coords]
    load_start += [f"{slot[line.split(' = ')[0]]} = {line.split(' = ')[1]}" for line in init]
    load_start += [
        f"{slot['rate']} = lr[j]",
        f"{slot['on']} = 1.0 if inside else 0.0",
        f"{slot['stopped']} = -1.0 if inside else 0.0",
        f"{slot['settled']} = 0.0",
    ]
    load = [f"{name} = {slot[name]}" for name in kept if name not in ("stopped", "settled")]
    load.append("live = on != 0.0")
    store = [f"{slot[f'p{d}']} = p{d} if live else {slot[f'p{d}']}" for d in coords]
    store += [f"{slot[name]} = {name} if live else {slot[name]}" for name in kept[2 * dim : -4]]
    store += [f"{slot[f'q{d}']} = p{d} if moved else q{d}" for d in coords]
    store += [
        f"{slot['on']} = 1.0 if stays else 0.0",
        f"{slot['stopped']} = time if leaves else {slot['stopped']}",
        f"{slot['settled']} = time if moved else {slot['settled']}",
    ]
    check = _FINAL_CHECK.format(inside=inside, gap=gap, store="\n".join(store))
    unload = [f"ends[{d}, j] = {slot[f'p{d}']}" for d in coords]
    unload += [
        f"stopped_at[j] = int({slot['stopped']})",
        f"settled_at[j] = int({slot['settled']})",
    ]
    return _FINAL.format(
        signature=FINAL_SIGNATURE,
        size=len(kept) * BLOCK,
        block=BLOCK,
        load_start=_block(load_start, 12),
        per_step=_block(template["per_step"], 12),
        load=_block(load, 16),
        program=_block(program, 16),
        update=_block(update, 16),
        check=_block(check, 16),
        unload=_block(unload, 12),
        **pieces,
    )


def load(directory: Path, text: str) -> ModuleType:
    """Write ``text`` to ``directory/kernel_<hash>.py`` (unless the file already holds exactly
    that text) and import it: numba compiles its one function, or loads it from its cache
    beside the file. A file with other content (damaged, or edited) is written again, so a
    kernel is never another formula's; a cache numba cannot read (a write cut short, files of
    another numba) would otherwise lose this kernel at every start: its files are removed and
    the module compiled again, once."""
    path = write(directory, text)
    name = f"gdsim_kernel_{path.stem.removeprefix('kernel_')}"
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


def write(directory: Path, text: str) -> Path:
    """The module file of ``text``, ``directory/kernel_<hash>.py``, written unless it already
    holds exactly that text (rewriting it would change its time stamp, which numba's cache
    checks, and lose the compiled kernel)."""
    path = directory / f"kernel_{hashlib.sha256(text.encode()).hexdigest()[:20]}.py"
    if not _holds(path, text):
        directory.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    return path


def cached(path: Path) -> bool:
    """Whether numba's cache beside the module file ``path`` has an index for it, so that
    importing it loads the kernel rather than compiling it (an index numba cannot use is
    handled by ``load``)."""
    return any((path.parent / "__pycache__").glob(f"{path.stem}.*.nbi"))


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
