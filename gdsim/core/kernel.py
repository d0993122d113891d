"""The compiled path of ``simulate`` and ``final_states``: a surface's gradient as a register
program, run by numba kernels built in the background, with the numpy path as the fallback.

Two tiers. The gradient's sympy ``cse`` output becomes a straight-line list of instructions on
registers (``Program``). A kernel specialised to one formula and update rule
(``gdsim.core.specialised_kernel``: the program written out as scalar code, ~5 ns per step
and run for a path, ~1 ns for the basins map's ends) compiles once per formula and rule, in the
background: 1-3 s for a small formula, ~5 s for one as long as Goldstein-Price; it is cached as
a module file, so the next start loads it in milliseconds. Until it is ready, the generic kernel
(``gdsim.core.numba_kernel``, which interprets any program: compiled once for every formula,
~100-300 ns) serves, and before that the numpy path.

No pause a user feels: importing numba (~0.7 s), building a program (~100 ms for a typed
formula) and loading kernels all happen in one daemon thread (``_Loader``), the latest request
first; a kernel missing from the cache is compiled by a child process first, so that numba's
compiler does not share this process's GIL with the GUI (``_compile_in_child``), and then loaded
from the cache. A calling thread only looks up what is ready (``loops``). The numpy path stays
the reference; a formula the program does not cover (the imaginary unit, a function without an
instruction) keeps it. ``GDSIM_KERNEL=numpy`` forces the numpy path, ``GDSIM_KERNEL=generic``
the generic kernel alone; ``GDSIM_CACHE_DIR`` moves the caches (default: the user's cache
directory, never the package). A missing numba or a failed compilation costs one log line,
nothing else.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import sympy

from gdsim.core import specialised_kernel
from gdsim.core.expr import CompiledFunction, Sigmoid, Sign, Softplus, Step

LOG = logging.getLogger(__name__)

FORCE_NUMPY_ENV = "GDSIM_KERNEL"
"""``GDSIM_KERNEL=numpy`` runs every simulation on the numpy path, ``generic`` on the generic
kernel alone."""

CACHE_DIR_ENV = "GDSIM_CACHE_DIR"
"""Where numba's cache goes instead of the user's cache directory."""

# Instruction codes, as numbered in gdsim.core.numba_kernel (which this module cannot import
# without importing numba).
ADD, MUL, DIV, POW, SQUARE, NEG = 0, 1, 2, 3, 4, 5
UNARY: dict[type, int] = {
    sympy.sin: 6,
    sympy.cos: 7,
    sympy.tan: 8,
    sympy.exp: 9,
    sympy.log: 10,
    sympy.Abs: 12,
    sympy.tanh: 13,
    Sigmoid: 14,
    Softplus: 15,
    Step: 16,
    Sign: 17,
}
SQRT, MAX, MIN = 11, 18, 19

OPTIMIZER_CODES: dict[str, tuple[int, tuple[str, ...]]] = {
    "gd": (0, ()),
    "momentum": (0, ("momentum", "dampening")),
    "nesterov": (0, ("momentum", "", "nesterov")),
    "adagrad": (1, ("lr_decay", "initial_accumulator_value", "eps")),
    "rmsprop": (2, ("alpha", "eps", "momentum", "centered")),
    "adam": (3, ("beta1", "beta2", "eps", "amsgrad")),
}
"""Per surface optimizer: the update rule's code and which hyper-parameter fills each slot of
its ``hyper`` array (see ``numba_kernel._update``); "" is 0, "nesterov" is 1."""


def cache_dir() -> Path:
    """``GDSIM_CACHE_DIR``, else the platform's per-user cache directory + ``gdsim``."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "gdsim" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "gdsim"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "gdsim"


def mode() -> str:
    """``GDSIM_KERNEL`` as given (stripped, lower case), "" when unset. Read at every call (the
    tests and the benchmark switch it at run time), from the dict behind ``os.environ`` where
    there is one: ``os.environ.get`` of a name that is not set raises and catches a KeyError
    inside, ~2 us, a twentieth of a whole slider frame's simulation."""
    if _ENVIRON_DATA is None:
        return os.environ.get(FORCE_NUMPY_ENV, "").strip().lower()
    raw = _ENVIRON_DATA.get(_MODE_KEY)
    return "" if raw is None else os.environ.decodevalue(raw).strip().lower()


_ENVIRON_DATA: dict | None = getattr(os.environ, "_data", None)
_MODE_KEY = os.environ.encodekey(FORCE_NUMPY_ENV) if _ENVIRON_DATA is not None else None
"""CPython's dict behind ``os.environ`` (kept in step by ``os.environ``'s setters) and
``GDSIM_KERNEL``'s key in it; None elsewhere."""


def forced_numpy() -> bool:
    return mode() == "numpy"


def default_mode() -> bool:
    """Neither ``GDSIM_KERNEL=numpy`` nor ``generic``: the specialised kernels serve once ready."""
    return mode() not in ("numpy", "generic")


def forced_generic() -> bool:
    """``GDSIM_KERNEL=generic``: the generic kernel alone, no specialised kernel compiled (the
    test suite, which would otherwise compile one per surface and rule)."""
    return mode() == "generic"


@dataclass(frozen=True)
class Program:
    """A gradient as straight-line code: registers 0..D-1 hold the coordinates, then the
    constants (``constants[j]`` in register D + j), then one register per instruction.
    ``code`` rows are (instruction, destination, operand a, operand b); ``outputs`` are the
    registers holding the results: the gradient's components, after the value itself in a
    program built ``with_value``."""

    code: np.ndarray
    constants: np.ndarray
    outputs: np.ndarray
    n_regs: int


class Unsupported(Exception):
    """A formula the register program has no instruction for (the numpy path runs it)."""


class _Builder:
    """Turns sympy expressions into instructions, one register per distinct sub-expression."""

    def __init__(self, symbols: tuple[sympy.Symbol, ...]) -> None:
        self.dim = len(symbols)
        self.refs: dict[sympy.Basic, tuple[str, int]] = {
            s: ("in", d) for d, s in enumerate(symbols)
        }
        self.constants: list[float] = []
        self.constant_refs: dict[float | str, tuple[str, int]] = {}
        self.code: list[tuple[int, tuple[str, int], tuple[str, int]]] = []

    def constant(self, value: float) -> tuple[str, int]:
        key = value if value == value else "nan"
        if key not in self.constant_refs:
            self.constants.append(value)
            self.constant_refs[key] = ("c", len(self.constants) - 1)
        return self.constant_refs[key]

    def emit(
        self, op: int, a: tuple[str, int], b: tuple[str, int] | None = None
    ) -> tuple[str, int]:
        self.code.append((op, a, a if b is None else b))
        return ("t", len(self.code) - 1)

    def ref(self, expr: sympy.Basic) -> tuple[str, int]:
        if expr not in self.refs:
            self.refs[expr] = self.build(expr)
        return self.refs[expr]

    def build(self, expr: sympy.Basic) -> tuple[str, int]:
        if expr.is_Number or isinstance(expr, sympy.NumberSymbol):
            try:
                return self.constant(float(expr))
            except TypeError as error:  # zoo and other complex infinities
                raise Unsupported(str(expr)) from error
        if isinstance(expr, sympy.Add):
            return self.chain(ADD, tuple(expr.as_ordered_terms()))
        if isinstance(expr, sympy.Mul):
            return self.product(expr)
        if isinstance(expr, sympy.Pow):
            return self.power(*expr.args)
        if isinstance(expr, sympy.Max | sympy.Min):
            return self.chain(MAX if isinstance(expr, sympy.Max) else MIN, expr.args)
        if type(expr) in UNARY and len(expr.args) == 1:
            return self.emit(UNARY[type(expr)], self.ref(expr.args[0]))
        raise Unsupported(type(expr).__name__)

    def chain(self, op: int, args: tuple[sympy.Basic, ...]) -> tuple[str, int]:
        result = self.ref(args[0])
        for arg in args[1:]:
            result = self.emit(op, result, self.ref(arg))
        return result

    def product(self, expr: sympy.Mul) -> tuple[str, int]:
        """Factors in the order sympy's printer writes them, negative powers and a rational
        coefficient's denominator divided at the end (``2*x*y/(3*z)``), so that the numpy
        path's operations are repeated in its order, mostly to the last bit."""
        above: list[sympy.Basic] = []
        below: list[sympy.Basic] = []
        for factor in expr.as_ordered_factors():
            if isinstance(factor, sympy.Pow) and factor.exp.is_Rational and factor.exp < 0:
                below.append(sympy.Pow(factor.base, -factor.exp))
            elif factor.is_Rational:
                above.extend([sympy.Integer(factor.p)] if factor.p != 1 else [])
                below.extend([sympy.Integer(factor.q)] if factor.q != 1 else [])
            else:
                above.append(factor)
        top = self.chain(MUL, tuple(above)) if above else self.constant(1.0)
        return self.emit(DIV, top, self.chain(MUL, tuple(below))) if below else top

    def power(self, base: sympy.Basic, exponent: sympy.Basic) -> tuple[str, int]:
        """As sympy's numpy printer writes a power: sqrt, 1/sqrt, 1/x, x**2 (numpy squares),
        else ``x**e`` with ``e`` a float."""
        if exponent == 2:
            return self.emit(SQUARE, self.ref(base))
        if exponent == sympy.S.Half:
            return self.emit(SQRT, self.ref(base))
        if exponent == -sympy.S.Half:
            return self.emit(DIV, self.constant(1.0), self.emit(SQRT, self.ref(base)))
        if exponent == -1:
            return self.emit(DIV, self.constant(1.0), self.ref(base))
        return self.emit(POW, self.ref(base), self.ref(exponent))

    def program(self, outputs: list[tuple[str, int]]) -> Program:
        first_temp = self.dim + len(self.constants)

        def register(ref: tuple[str, int]) -> int:
            kind, index = ref
            return (
                index if kind == "in" else self.dim + index if kind == "c" else first_temp + index
            )

        code = np.array(
            [
                (op, first_temp + i, register(a), register(b))
                for i, (op, a, b) in enumerate(self.code)
            ],
            dtype=np.int64,
        ).reshape(-1, 4)
        return Program(
            code=code,
            constants=np.array(self.constants, dtype=float),
            outputs=np.array([register(ref) for ref in outputs], dtype=np.int64),
            n_regs=first_temp + len(self.code),
        )


@functools.lru_cache(maxsize=64)
def program_for(function: CompiledFunction, with_value: bool = False) -> Program | None:
    """The gradient of ``function`` as a register program, preceded by the value itself when
    ``with_value`` (they share sub-expressions); None where it needs the numpy path (the
    imaginary unit, which the numpy path turns into NaN, or a function without an
    instruction)."""
    exprs = [function.expr, *function.gradient_exprs] if with_value else function.gradient_exprs
    if any(expr.has(sympy.I) for expr in exprs):
        return None
    replacements, reduced = sympy.cse(list(exprs))
    builder = _Builder(function.symbols)
    try:
        for symbol, expr in replacements:
            builder.refs[symbol] = builder.ref(expr)
        outputs = [builder.ref(expr) for expr in reduced]
    except Unsupported as error:
        LOG.debug("numpy path for %s: no instruction for %s", function, error)
        return None
    return builder.program(outputs)


def rule_for(optimizer: str, hyper: Mapping[str, float]) -> tuple[int, np.ndarray]:
    """The kernel's code and hyper array for an optimizer of ``OPTIMIZER_CODES`` with
    resolved settings."""
    return _rule(optimizer, tuple(hyper.items()))


@functools.lru_cache(maxsize=64)
def _rule(optimizer: str, hyper: tuple[tuple[str, float], ...]) -> tuple[int, np.ndarray]:
    """``rule_for``, made once per setting (never written to): the slider asks at every frame."""
    code, slots = OPTIMIZER_CODES[optimizer]
    settings = dict(hyper)
    values = [1.0 if slot == "nesterov" else settings.get(slot, 0.0) for slot in slots]
    slots_array = np.array([*values, 0.0, 0.0, 0.0, 0.0][:4], dtype=float)
    return code, slots_array


class _Loader:
    """The one daemon thread that does the kernel's slow work, so that no calling thread (the
    GUI's above all) ever builds a program or compiles: importing numba and loading the
    generic kernel, building each formula's register program (~100 ms for a typed formula),
    and compiling each (formula, rule, kind)'s specialised kernel (~1 s, milliseconds from
    numba's cache). Tasks wait in one list and the latest request goes first (the formula on
    screen), programs before kernels, the generic kernel last: on a cold cache it compiles for
    seconds, and the specialised kernel of the surface on screen is wanted sooner."""

    GENERIC = ("generic",)
    QUEUED = 3

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._queue: list[tuple] = []
        self._done: dict[tuple, object] = {}
        self._running: tuple | None = None
        self._reported: set[str] = set()
        self._asked_at = 0.0
        self.module: ModuleType | None = None

    def result(self, key: tuple) -> object:
        """The finished task's result (None: it failed or does not apply), else ``_PENDING``
        with the task queued (moved ahead if it was)."""
        found = self._done.get(key, _PENDING)
        if found is _PENDING:
            self.request(key)
        return found

    def request(self, *keys: tuple) -> None:
        with self._lock:
            self._asked_at = time.monotonic()
            for key in keys:
                if key in self._done:
                    continue
                if key in self._queue:
                    self._queue.remove(key)
                self._queue.append(key)
            self._drop_stale()
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="gdsim-kernel", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _drop_stale(self) -> None:
        """Keep the latest ``QUEUED`` requests of each kind: a formula typed key by key asks
        for a program and kernels at each keystroke, and compiling those nobody looks at any
        more would cost seconds each (a dropped request is made again if it is needed)."""
        for kind in ("program", "history", "final"):
            waiting = [key for key in self._queue if key[0] == kind and key != self._running]
            for key in waiting[: -self.QUEUED]:
                self._queue.remove(key)
                self._wake.notify_all()

    def start(self) -> None:
        self.request(self.GENERIC)

    def wait(self, timeout: float | None = None) -> bool:
        """Start loading the generic kernel if needed and wait; True when it is usable."""
        return self.wait_for(self.GENERIC, timeout) is not None

    def wait_for(self, key: tuple, timeout: float | None = None) -> object:
        """Queue ``key`` and block until it is done (tests, benchmarks): its result; None
        after ``timeout`` or once newer requests dropped it."""
        self.request(key)
        with self._lock:
            self._wake.wait_for(
                lambda: key in self._done or (key not in self._queue and key != self._running),
                timeout,
            )
        found = self._done.get(key)
        return None if found is _PENDING else found

    def _report(self, key: tuple, error: Exception) -> None:
        """One warning per cause and process (a missing numba or an unwritable cache fails
        every formula and rule alike); the rest at debug level."""
        cause = f"{type(error).__name__}: {error}"
        if key == self.GENERIC:
            message = ("gdsim: simulations use numpy (no compiled kernel: %s)", error)
        else:
            message = ("gdsim: no compiled %s kernel for %s (%s)", key[0], key[1], error)
        level = logging.DEBUG if cause in self._reported else logging.WARNING
        self._reported.add(cause)
        LOG.log(level, *message)

    def _next(self) -> tuple:
        with self._lock:
            self._wake.wait_for(lambda: bool(self._queue))
        # The frame that asked runs on the numpy path meanwhile: sympy's cse and numba's
        # compiler are Python too, and starting them at once took the GIL from that frame
        # (a typed formula's first simulate went from ~16 to ~28 ms).
        time.sleep(max(0.0, self._asked_at + SETTLE_S - time.monotonic()))
        with self._lock:
            self._wake.wait_for(lambda: bool(self._queue))
            self._running = min(reversed(self._queue), key=lambda key: _RANKS[key[0]])
            return self._running

    def _work(self) -> None:
        while True:
            key = self._next()
            try:
                found = _TASKS[key[0]](*key[1:])
            except Exception as error:  # numba missing, or any compiler failure: numpy path
                found = None
                self._report(key, error)
            with self._lock:
                if key == self.GENERIC:
                    self.module = found
                self._done[key] = found
                self._queue.remove(key)
                self._running = None
                self._wake.notify_all()


SETTLE_S = 0.15
"""How long the background thread lets a new request's own frame run before it starts work."""

_PENDING = object()
"""A task's result before it is done."""

_LOADER = _Loader()


KERNEL_MODULE = "gdsim.core.numba_kernel"


def _ready_kernel() -> ModuleType:
    """The kernel imported and warmed up, compiled first in a child process where numba's
    cache holds none of it (``_compile_in_child``). A cache numba cannot read (a write cut
    short, files of another numba) would otherwise switch the kernel off at every start: it is
    cleared and the kernel compiled again, once."""
    if not any(_writable_cache_dir().glob("*/numba_kernel.*.nbi")):
        _compile_in_child(_GENERIC_IN_CHILD)
    try:
        module = _import_kernel()
        _warm_up(module)
        return module
    except (ImportError, OSError):
        raise  # numba missing, or the cache directory unusable: nothing to clear
    except Exception as error:
        if not _clear_cache():
            raise
        LOG.warning("gdsim: the kernel's cache was unreadable (%s); compiling it again", error)
        sys.modules.pop(KERNEL_MODULE, None)
        module = _import_kernel()
        _warm_up(module)
        return module


def _clear_cache() -> bool:
    """Remove the kernel's cache files under ``cache_dir()``; True if there were any."""
    files = list(cache_dir().glob("*/numba_kernel.*"))
    for file in files:
        file.unlink(missing_ok=True)
    return bool(files)


CHILD_TIMEOUT_S = 600.0
"""The longest a child process may compile (the generic kernel takes ~15 s of CPU)."""

_CHILD_HEAD = "import sys\nsys.path.insert(0, sys.argv[1])\n"
"""The start of every child's code: this process's gdsim first on the path (numba's cache is
keyed by the source file, so the child must compile the very file this process imports). The
child keeps the app's priority: niced, it waited 30 s for a kernel on a loaded machine."""

_GENERIC_IN_CHILD = "from gdsim.core import kernel\nkernel._warm_up(kernel._import_kernel())\n"

_SPECIALISED_IN_CHILD = (
    "from pathlib import Path\nfrom gdsim.core import specialised_kernel\n"
    "path = Path(sys.argv[2])\nspecialised_kernel.load(path.parent, path.read_text('utf-8'))\n"
)


def _compile_in_child(code: str, *args: str) -> None:
    """Run ``code`` (Python that compiles kernels into numba's cache) in a child process, and
    wait for it. Why: numba's compiler is seconds of Python, and in this process it held the
    GIL beside the app's thread: a typed formula's simulate took twice its time (4.3 ->
    9.3 ms) while the generic kernel compiled, with stalls up to 356 ms (its garbage
    collections, among others); this process then only loads the result from the cache. Any
    failure costs a debug line: the caller compiles in this process, as it did before."""
    if getattr(sys, "frozen", False):
        return  # a bundled app's executable is not a Python interpreter
    root = str(Path(__file__).resolve().parents[2])
    try:
        subprocess.run(
            [sys.executable, "-c", _CHILD_HEAD + code, root, *args],
            env={**os.environ, CACHE_DIR_ENV: str(cache_dir())},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=CHILD_TIMEOUT_S,
            check=True,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.SubprocessError) as error:
        stderr = getattr(error, "stderr", None) or b""
        LOG.debug("gdsim: compiling in this process (%s) %s", error, stderr[-400:])


def _writable_cache_dir() -> Path:
    """``cache_dir()``, created if needed; an OSError if files cannot be written there, since
    numba would then quietly put its cache beside the package's sources."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / f".gdsim-write-test-{os.getpid()}"
    probe.write_bytes(b"")
    probe.unlink()
    return directory


def _import_kernel() -> ModuleType:
    """Import ``numba_kernel`` with numba's cache pointed at ``cache_dir()``: numba reads the
    setting when each cached function is defined, so it is restored right after."""
    directory = _writable_cache_dir()
    from numba.core import config

    previous = config.CACHE_DIR
    config.CACHE_DIR = str(directory)
    try:
        return importlib.import_module(KERNEL_MODULE)
    finally:
        config.CACHE_DIR = previous


def _warm_up(module: ModuleType) -> None:
    """Call both loops once with the argument types every later call has, so that nothing is
    compiled (or loaded) on a calling thread."""
    program = program_for_warm_up()
    args = (program.code, program.constants, program.outputs, program.n_regs)
    start, lr, lows, highs = np.zeros((1, 2)), np.zeros(2), np.full(1, -1.0), np.full(1, 1.0)
    for code in {code for code, _ in OPTIMIZER_CODES.values()}:
        module.history(
            *args,
            code,
            np.zeros(4),
            start,
            lr,
            np.zeros((1, 1, 2)),
            lows,
            highs,
            np.arange(2),
            np.empty((2, 2, 1)),
            np.empty((2, 2, 1)),
            np.empty((2, 2)),
            np.full(2, -1),
            np.zeros(2, dtype=np.int8),
        )
        module.final(
            *args[:2],
            program.outputs[1:],
            program.n_regs,
            code,
            np.zeros(4),
            start,
            lr,
            1,
            lows,
            highs,
            0.0,
            np.empty((1, 2)),
            np.full(2, -1),
            np.zeros(2, dtype=np.int64),
        )


def program_for_warm_up() -> Program:
    """The value w (register 2 = w * 1) and its gradient 1 (register 1)."""
    return Program(
        code=np.array([[MUL, 2, 0, 1]], dtype=np.int64),
        constants=np.array([1.0]),
        outputs=np.array([2, 1], dtype=np.int64),
        n_regs=3,
    )


def _program(function: CompiledFunction) -> Program | None:
    """The background task building ``function``'s program (value and gradient)."""
    return program_for(function, with_value=True)


def _specialise(kind: str, function: CompiledFunction, rule: int) -> ModuleType | None:
    """The background task compiling (or loading from the cache) the ``kind`` loop
    ("history" or "final") specialised to ``function`` and update rule ``rule``."""
    program = program_for(function, with_value=True)
    if program is None:
        return None
    text = specialised_kernel.source(
        program.code, program.constants, program.outputs, len(function.symbols), rule, kind
    )
    directory = _writable_cache_dir() / "specialised"
    path = specialised_kernel.write(directory, text)
    if not specialised_kernel.cached(path):
        _compile_in_child(_SPECIALISED_IN_CHILD, str(path))
    return specialised_kernel.load(directory, text)


_TASKS = {
    "generic": _ready_kernel,
    "program": _program,
    "history": functools.partial(_specialise, "history"),
    "final": functools.partial(_specialise, "final"),
}
_RANKS = {"program": 0, "history": 1, "final": 1, "generic": 2}
"""The background tasks by key, and their order: lowest rank first, then the latest."""


def loaded() -> ModuleType | None:
    """The generic kernel if it is ready and not switched off; starts loading it otherwise."""
    if forced_numpy():
        return None
    if _LOADER.module is None:
        _LOADER.start()
    return _LOADER.module


def wait_until_loaded(timeout: float | None = None) -> bool:
    """Block until the generic kernel is loaded (tests and benchmarks); True when usable."""
    return not forced_numpy() and _LOADER.wait(timeout)


def wait_until_ready(
    function: CompiledFunction,
    optimizers: Iterable[str] = ("gd",),
    kind: str = "history",
    timeout: float | None = None,
) -> bool:
    """Block until ``function``'s program and, unless ``GDSIM_KERNEL=generic``, its kernels for
    these optimizers are ready (tests and benchmarks); True when ``kind`` runs compiled."""
    if forced_numpy() or _LOADER.wait_for(("program", function), timeout) is None:
        return False
    if forced_generic():
        return _LOADER.wait(timeout)
    codes = {OPTIMIZER_CODES[name][0] for name in optimizers}
    return all(_LOADER.wait_for((kind, function, code), timeout) is not None for code in codes)


def ready_program(function: CompiledFunction) -> Program | None:
    """``function``'s program if the background thread has built it (queued otherwise); None
    until then and where it has none, so a typed formula's first frame never waits for sympy's
    ``cse``."""
    found = _LOADER.result(("program", function))
    return None if found is _PENDING else found


def loops(
    function: CompiledFunction, optimizers: Iterable[str], kind: str = "history"
) -> dict[str, ModuleType] | None:
    """Per optimizer, the compiled ``kind`` loop ("history" or "final") that runs it on
    ``function`` now: its specialised kernel once compiled (queued otherwise), else the generic
    one if loaded; None where any must run on the numpy path now (no program yet, or none at
    all; no kernel loaded; an optimizer added to the registry without a code here)."""
    forced = mode()
    if forced == "numpy" or ready_program(function) is None:
        return None
    names = list(optimizers)
    if any(name not in OPTIMIZER_CODES for name in names):
        return None
    found: dict[str, ModuleType | None] = {}
    for name in names:  # every kernel requested before any answer: none waits for the others
        module = None
        if forced != "generic":
            module = _LOADER.result((kind, function, OPTIMIZER_CODES[name][0]))
        if module is None or module is _PENDING:
            module = _LOADER.module
        found[name] = module
    if None in found.values():
        _LOADER.start()
        return None
    return found


def specialised(found: Mapping[str, ModuleType]) -> bool:
    """Whether every loop ``loops`` gave is a specialised kernel: then it is the answer for
    good (a finished kernel is never replaced), and a caller may keep it."""
    return all(module is not _LOADER.module for module in found.values())


def usable(function: CompiledFunction, optimizers: Iterable[str]) -> bool:
    """Whether ``simulate`` on ``function`` with these optimizers runs compiled now; queues
    what is missing."""
    return loops(function, optimizers) is not None


def bind_history(
    module: ModuleType,
    function: CompiledFunction,
    optimizer: str,
    hyper: Mapping[str, float],
    start: np.ndarray,
    noise: np.ndarray | None,
    bounds: np.ndarray,
    columns: np.ndarray,
) -> Callable[[np.ndarray, tuple], None]:
    """One batch of ``simulate`` on ``module``, the loop ``loops`` gave for ``optimizer``, with
    everything but the learning rates bound: ``call(lr, out)`` writes the batch's columns of
    ``out`` (points, grads, losses, stopped_at, cause codes: see ``numba_kernel.history``).
    A slider drag calls the same batch again and again with new rates, so what is derived from
    the rest is derived once. ``start`` (D, K), ``lr``, ``bounds`` (D, 2) and ``columns`` come
    C-contiguous, of float64 (columns int64); none is written to."""
    code, hyper_slots = rule_for(optimizer, hyper)
    draws = _NO_NOISE[start.shape[0]] if noise is None else noise
    history = module.history
    if module is not _LOADER.module:

        def specialised_call(lr: np.ndarray, out: tuple) -> None:
            history(start, lr, hyper_slots, bounds, draws, columns, *out)

        return specialised_call
    program = ready_program(function)
    head = (program.code, program.constants, program.outputs, program.n_regs, code, hyper_slots)
    lows, highs = np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1])

    def generic_call(lr: np.ndarray, out: tuple) -> None:
        history(*head, start, lr, draws, lows, highs, columns, *out)

    return generic_call


_NO_NOISE = {dim: np.zeros((0, dim, 0)) for dim in (1, 2)}
"""The noise argument of a batch without noise, per dimension."""


def final(
    function: CompiledFunction,
    optimizer: str,
    hyper: Mapping[str, float],
    start: np.ndarray,
    lr: np.ndarray,
    steps: int,
    bounds: np.ndarray,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``final_states``' loop on the compiled path: the last iterates (D, K), the steps at
    which runs stopped (-1: none) and settled; None where that path is unavailable now."""
    found = loops(function, [optimizer], "final")
    if found is None:
        return None
    module, program = found[optimizer], ready_program(function)
    code, hyper_slots = rule_for(optimizer, hyper)
    dim, count = start.shape
    start = np.ascontiguousarray(start, dtype=float)
    lr = np.ascontiguousarray(lr, dtype=float)
    ends = np.empty((dim, count))
    stopped_at = np.full(count, -1, dtype=np.int64)
    settled_at = np.zeros(count, dtype=np.int64)
    if module is not _LOADER.module:
        module.final(
            start,
            lr,
            hyper_slots,
            np.ascontiguousarray(bounds, dtype=float),
            int(steps),
            float(tolerance),
            ends,
            stopped_at,
            settled_at,
        )
        return ends, stopped_at, settled_at
    module.final(
        program.code,
        program.constants,
        program.outputs[1:],
        program.n_regs,
        code,
        hyper_slots,
        start,
        lr,
        int(steps),
        np.ascontiguousarray(bounds[:, 0]),
        np.ascontiguousarray(bounds[:, 1]),
        float(tolerance),
        ends,
        stopped_at,
        settled_at,
    )
    return ends, stopped_at, settled_at
