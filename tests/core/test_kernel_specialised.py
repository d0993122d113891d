"""The kernels specialised per formula and update rule against the numpy path (the reference).

The suite runs the generic kernel alone (tests/conftest.py sets GDSIM_KERNEL=generic): each
specialised kernel compiles for ~1 s on a fresh cache, so only these tests use them, on a few
surfaces that together take every update rule and both dimensions."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from test_kernel import HYPER, TYPED, on_numpy, runs_of

from gdsim.core import kernel, specialised_kernel
from gdsim.core.optimizers import SURFACE_OPTIMIZERS, get_surface_optimizer
from gdsim.core.presets import load_presets
from gdsim.core.simulate import RunSpec, StopCause, default_bounds, final_states, simulate
from gdsim.core.surfaces import get_surface
from gdsim.core.verdict import classify_view


@pytest.fixture
def specialised(monkeypatch):
    """The app's setting: specialised kernels compiled in the background."""
    monkeypatch.delenv(kernel.FORCE_NUMPY_ENV, raising=False)


def ready(surface, optimizers, kind="history"):
    assert kernel.wait_until_ready(surface.function, optimizers, kind, timeout=120)
    codes = {kernel.OPTIMIZER_CODES[name][0] for name in optimizers}
    for code in codes:  # the specialised kernel is ready, and serves
        assert kernel.loops(surface.function, optimizers, kind) is not None
        assert kernel._LOADER.result((kind, surface.function, code)) is not None


def both_paths(monkeypatch, surface, runs, steps):
    ready(surface, {spec.optimizer for spec in runs})
    return simulate(surface, runs, steps), on_numpy(
        monkeypatch, lambda: simulate(surface, runs, steps)
    )


@pytest.mark.parametrize(
    ("name", "optimizers"), [("rosenbrock", SURFACE_OPTIMIZERS), (TYPED, ["gd", "momentum"])]
)
def test_one_step_equals_the_numpy_paths(specialised, monkeypatch, name, optimizers):
    """Every update rule on one surface; every instruction with one rule on the other."""
    surface = get_surface(name)
    runs = [spec for optimizer in optimizers for spec in runs_of(surface, optimizer)]
    compiled, reference = both_paths(monkeypatch, surface, runs, 1)
    np.testing.assert_allclose(compiled.points, reference.points, rtol=1e-12)
    np.testing.assert_allclose(compiled.losses, reference.losses, rtol=1e-12)
    scale = np.nanmax(np.abs(reference.grads))
    np.testing.assert_allclose(compiled.grads, reference.grads, rtol=1e-12, atol=1e-13 * scale)


def test_whole_runs_and_the_noise_stream_equal_the_numpy_path(specialised, monkeypatch):
    surface = get_surface("rosenbrock")
    runs = [spec for optimizer in SURFACE_OPTIMIZERS for spec in runs_of(surface, optimizer)]
    compiled, reference = both_paths(monkeypatch, surface, runs, 300)
    loops = kernel.loops(surface.function, ["gd", "momentum", "nesterov"])
    assert len(set(map(id, loops.values()))) == 1  # settings are inputs, not compiled in
    assert len(loops["gd"].history.signatures) == 1
    np.testing.assert_array_equal(compiled.stopped_at, reference.stopped_at)
    assert compiled.stop_causes == reference.stop_causes
    np.testing.assert_allclose(compiled.points, reference.points, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.losses, reference.losses, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.grads, reference.grads, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("name", "spec", "cause"),
    [
        ("w**2", RunSpec(lr=1.5), StopCause.OUT_OF_BOUNDS),
        ("rosenbrock", RunSpec(lr=0.01, optimizer="momentum"), StopCause.OUT_OF_BOUNDS),
        ("log(w)", RunSpec(lr=2.0, start=(1.0,)), StopCause.NON_FINITE),
    ],
)
def test_stops_at_the_same_step_with_the_same_cause(specialised, monkeypatch, name, spec, cause):
    surface = get_surface(name)
    compiled, reference = both_paths(monkeypatch, surface, [spec, RunSpec(lr=1e-3)], 200)
    assert compiled.stop_causes == reference.stop_causes
    assert compiled.stop_causes[0] == cause
    np.testing.assert_array_equal(compiled.stopped_at, reference.stopped_at)
    np.testing.assert_array_equal(np.isnan(compiled.points), np.isnan(reference.points))
    np.testing.assert_array_equal(np.isnan(compiled.grads), np.isnan(reference.grads))


def test_the_presets_on_these_surfaces_get_the_same_verdicts(specialised, monkeypatch):
    presets = [p for p in load_presets() if str(p.make_surface().function.expr) in ("w**2",)]
    presets += [p for p in load_presets() if "Rosenbrock" in p.title]
    assert len(presets) == 2
    for preset in presets:
        surface = preset.make_surface()
        compiled, reference = both_paths(monkeypatch, surface, preset.runs, preset.steps)
        for k in range(len(preset.runs)):
            ours, theirs = classify_view(compiled.run(k)), classify_view(reference.run(k))
            assert ours.regime == theirs.regime, preset.title


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_final_states_equal_the_numpy_path_and_simulate(specialised, monkeypatch, optimizer):
    surface = get_surface("rosenbrock")
    grid = np.linspace(-2.0, 2.0, 9)
    starts = np.array([(x, y) for x in grid for y in grid])
    lr = 2e-3 if optimizer == "gd" else 0.05
    hyper = HYPER[optimizer]
    ready(surface, [optimizer], "final")
    ends = final_states(surface, starts, lr, 150, optimizer, hyper, tolerance=1e-3)
    reference = on_numpy(
        monkeypatch,
        lambda: final_states(surface, starts, lr, 150, optimizer, hyper, tolerance=1e-3),
    )
    assert (ends.stopped_at < 0).any() and (optimizer != "gd" or (ends.stopped_at >= 0).any())
    np.testing.assert_array_equal(ends.stopped_at, reference.stopped_at)
    np.testing.assert_array_equal(ends.settled_at, reference.settled_at)
    np.testing.assert_allclose(ends.points, reference.points, rtol=1e-9, atol=1e-12)
    runs = [RunSpec(lr=lr, optimizer=optimizer, hyper=hyper, start=tuple(p)) for p in starts]
    whole = simulate(surface, runs, 150)
    kept = ends.stopped_at < 0
    np.testing.assert_array_equal(ends.points[kept], whole.points[kept, -1])  # to the last bit


@pytest.mark.parametrize(("name", "optimizer"), [("rosenbrock", "gd"), ("log(w)", "adam")])
def test_a_run_beside_others_equals_the_run_alone(specialised, name, optimizer):
    """The kernel advances runs side by side (``LANES``), the last group's spare lane repeating
    the last run: a run's numbers, stop and cause must not depend on its neighbours, whether
    they stop before it (out of bounds, non-finite), draw noise or run on."""
    surface = get_surface(name)
    ready(surface, [optimizer])
    runs = [
        RunSpec(lr=lr, optimizer=optimizer, hyper=HYPER[optimizer], noise=noise, seed=seed)
        for lr, noise, seed in [(1e-3, 0.0, 0), (2.5, 0.0, 0), (1e-2, 0.3, 7), (0.9, 0.0, 0)]
    ]
    runs.append(RunSpec(lr=0.2, optimizer=optimizer, start=surface.start, hyper=HYPER[optimizer]))
    together = simulate(surface, runs, 120)
    stop = StopCause.NON_FINITE if name == "log(w)" else StopCause.OUT_OF_BOUNDS
    assert set(together.stop_causes) == {None, stop}
    for k, spec in enumerate(runs):
        alone = simulate(surface, [spec], 120)
        for field in ("points", "grads", "losses", "stopped_at", "lengths"):
            assert getattr(together, field)[k].tobytes() == getattr(alone, field)[0].tobytes()
        assert together.stop_causes[k] == alone.stop_causes[0]


@pytest.mark.parametrize(
    ("name", "optimizer"), [("rosenbrock", "gd"), ("w**4 - 2*w**2", "momentum")]
)
def test_a_basins_run_beside_others_equals_the_run_alone(specialised, name, optimizer):
    """``final`` advances runs side by side too: a run's end, stop and settling step must not
    depend on its neighbour, whether that one stops first, settles or runs on, nor on the spare
    lane of an odd count."""
    surface = get_surface(name)
    assert kernel.wait_until_ready(surface.function, [optimizer], "final", timeout=120)
    if name == "rosenbrock":
        starts = np.array([[2.0, 2.0], [0.9, 0.8], [-1.9, 2.9], [1.0, 1.0], [3.0, -1.0]])
    else:
        starts = np.array([[0.5], [3.0], [-1.2], [1.0], [-2.9]])
    lr, hyper = (2e-3, None) if name == "rosenbrock" else (0.05, HYPER[optimizer])
    together = final_states(surface, starts, lr, 300, optimizer, hyper, tolerance=1e-3)
    assert (together.stopped_at >= 0).any() and (together.stopped_at < 0).any()
    for k, start in enumerate(starts):
        alone = final_states(surface, start[None], lr, 300, optimizer, hyper, tolerance=1e-3)
        for field in ("points", "stopped_at", "settled_at"):
            assert getattr(together, field)[k].tobytes() == getattr(alone, field)[0].tobytes()


@pytest.mark.parametrize(("optimizer", "fastest"), [("gd", 4e-3), ("momentum", 1e-3)])
def test_basins_runs_in_blocks_keep_their_own_numbers(specialised, optimizer, fastest):
    """``final`` advances ``BLOCK`` runs at a time, step by step, in vector registers: over
    several blocks (the last one partial), each run with its own rate, runs that leave the
    bounds at many steps beside runs that settle or run on, each run's end (the iterate where
    it stopped, or its last), stop and settling step must be its own: its stop and last iterate
    those of ``simulate`` (the history kernel), all three the same in the reversed batch and
    alone."""
    surface = get_surface("rosenbrock")
    ready(surface, [optimizer], "final")
    ready(surface, [optimizer])
    count = 2 * specialised_kernel.BLOCK + 37
    rng = np.random.default_rng(5)
    starts = rng.uniform((-3.0, -2.0), (3.0, 8.0), (count, 2))
    lr = rng.uniform(0.0, fastest, count)
    hyper = get_surface_optimizer(optimizer).resolve(HYPER[optimizer])
    bounds = np.array(default_bounds(surface))

    def final(runs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out = kernel.final(
            surface.function, optimizer, hyper, starts[runs].T, lr[runs], 300, bounds, 1e-3
        )
        assert out is not None
        return out

    ends, stopped_at, settled_at = final(np.arange(count))
    assert len(set(stopped_at[stopped_at >= 0].tolist())) > 5
    assert len(set(settled_at[stopped_at < 0].tolist())) > 5
    specs = [
        RunSpec(lr=rate, optimizer=optimizer, hyper=HYPER[optimizer], start=tuple(start))
        for start, rate in zip(starts, lr, strict=True)
    ]
    paths = simulate(surface, specs, 300)
    np.testing.assert_array_equal(stopped_at, paths.stopped_at)
    kept = stopped_at < 0
    assert ends.T[kept].tobytes() == paths.points[kept, -1].tobytes()
    backwards = final(np.arange(count)[::-1])
    assert backwards[0][:, ::-1].tobytes() == ends.tobytes()
    assert backwards[1][::-1].tobytes() == stopped_at.tobytes()
    assert backwards[2][::-1].tobytes() == settled_at.tobytes()
    for k in range(count):
        alone = final(np.array([k]))
        assert alone[0][:, 0].tobytes() == ends[:, k].tobytes()
        assert (alone[1][0], alone[2][0]) == (stopped_at[k], settled_at[k])


def test_the_basins_loop_is_vectorised():
    """The basins map's speed is the compiler vectorising ``final``'s loop over a block's runs
    (~4x on rosenbrock); a branch or a call per run in that loop would quietly undo it. Compiled
    here, uncached: a kernel loaded from numba's cache holds no IR to look at."""
    program = kernel.program_for(get_surface("rosenbrock").function, with_value=True)
    for rule in specialised_kernel.RULES:
        text = specialised_kernel.source(
            program.code, program.constants, program.outputs, 2, rule, "final"
        )
        namespace: dict = {}
        exec(compile(text.replace("cache=True", "cache=False"), "final", "exec"), namespace)
        assert "llvm.loop.isvectorized" in "".join(namespace["final"].inspect_llvm().values())


def test_programs_and_kernels_are_built_off_the_calling_thread(specialised, monkeypatch):
    """A typed formula's first frame must not wait for sympy's cse nor for numba."""
    threads = []
    build = kernel._TASKS["program"]
    monkeypatch.setitem(
        kernel._TASKS, "program", lambda f: threads.append(threading.current_thread()) or build(f)
    )
    surface = get_surface("x**2 + 3*y**2 + x*y/7")
    runs = [RunSpec(lr=0.05)]
    first = simulate(surface, runs, 50)  # the numpy path serves meanwhile
    assert kernel.wait_until_ready(surface.function, ["gd"], timeout=120)
    assert threads and all(t is not threading.current_thread() for t in threads)
    np.testing.assert_allclose(simulate(surface, runs, 50).points, first.points, rtol=1e-12)


def test_a_formula_without_a_program_keeps_the_numpy_path(specialised):
    surface = get_surface("(-1)**w")
    assert not kernel.wait_until_ready(surface.function, ["gd"], timeout=120)
    assert simulate(surface, [RunSpec(lr=0.1)], 5).n_steps == 5


def test_a_second_start_loads_the_kernel_from_the_cache_without_compiling(specialised):
    ready(get_surface("rosenbrock"), ["gd"])
    probe = (
        "from gdsim.core import kernel; from gdsim.core.surfaces import get_surface\n"
        "f = get_surface('rosenbrock').function\n"
        "assert kernel.wait_until_ready(f, ['gd'], timeout=120)\n"
        "module = kernel.loops(f, ['gd'])['gd']\n"
        "print(sum(module.history.stats.cache_hits.values()),"
        " sum(module.history.stats.cache_misses.values()))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != kernel.FORCE_NUMPY_ENV}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["1", "0"]


def test_the_generated_module_holds_only_its_rule():
    program = kernel.program_for(get_surface("rosenbrock").function, with_value=True)
    text = specialised_kernel.source(
        program.code, program.constants, program.outputs, 2, 3, "history"
    )
    assert "correction1" in text and "momentum" not in text and "def final" not in text


def test_a_formula_typed_key_by_key_queues_only_its_latest_versions():
    """Each keystroke asks for a program and kernels; compiling every stale one would keep the
    background thread busy for seconds per keystroke."""
    loader = kernel._Loader()
    typed = [("program", f"x**{n}") for n in range(6)] + [("history", f"x**{n}", 0) for n in (4, 5)]
    loader._queue = [("generic",), *typed]
    with loader._lock:
        loader._drop_stale()
    assert loader._queue == [("generic",), *typed[3:]]


def test_an_unreadable_cache_is_removed_and_the_kernel_compiled_again(tmp_path):
    program = kernel.program_for(get_surface("w**2").function, with_value=True)
    text = specialised_kernel.source(
        program.code, program.constants, program.outputs, 1, 0, "final"
    )
    digest = specialised_kernel.load(tmp_path, text).__name__.removeprefix("gdsim_kernel_")
    index = next((tmp_path / "__pycache__").glob(f"kernel_{digest}.*.nbi"))
    index.write_bytes(b"not a pickle")
    del sys.modules[f"gdsim_kernel_{digest}"]
    module = specialised_kernel.load(tmp_path, text)
    assert _square_final(module) == 0.5


def test_a_kernel_file_holding_other_text_is_written_again_before_it_is_imported(tmp_path):
    """A damaged or overwritten kernel_<hash>.py must never run another formula's numbers."""
    program = kernel.program_for(get_surface("w**2").function, with_value=True)
    text = specialised_kernel.source(
        program.code, program.constants, program.outputs, 1, 0, "final"
    )
    digest = specialised_kernel.load(tmp_path, text).__name__.removeprefix("gdsim_kernel_")
    path = tmp_path / f"kernel_{digest}.py"
    path.write_text(text.replace("p0 * p0", "p0 * 3.0") + "\nthis is garbage (\n")
    del sys.modules[f"gdsim_kernel_{digest}"]
    specialised_kernel.load(tmp_path, text)
    assert path.read_text() == text


def test_a_view_with_two_optimizers_asks_for_both_kernels_at_once(specialised, monkeypatch):
    """Answering at the first missing kernel left the others unasked, queued only after the
    generic kernel's long first compilation."""
    function = get_surface("x**2 + 3*y**2").function
    loader = kernel._Loader()
    loader._thread = threading.current_thread()  # nothing runs the queue: it is only read
    loader._done[("program", function)] = kernel.program_for(function, with_value=True)
    monkeypatch.setattr(kernel, "_LOADER", loader)
    assert kernel.loops(function, ["gd", "adam"]) is None  # nothing compiled yet
    codes = [kernel.OPTIMIZER_CODES[name][0] for name in ("gd", "adam")]
    assert {("history", function, code) for code in codes} <= set(loader._queue)


def test_a_cause_that_fails_every_kernel_is_reported_once(caplog):
    loader = kernel._Loader()
    error = OSError("[Errno 20] Not a directory: '/cache'")
    with caplog.at_level("DEBUG", logger=kernel.LOG.name):
        for formula in ("x**2", "x**4", "sin(x)"):
            loader._report(("history", formula, 0), error)
    warnings = [record for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 1 and "Not a directory" in warnings[0].getMessage()
    assert len(caplog.records) == 3


def test_the_background_thread_lets_the_frame_that_asked_run_first():
    """Building a program or compiling is Python too: started at once, it took the GIL from
    the typed formula's first frame, which runs on the numpy path meanwhile."""
    loader = kernel._Loader()
    loader._queue = [("program", "x**2")]
    loader._asked_at = time.monotonic()
    assert loader._next() == ("program", "x**2")
    assert time.monotonic() - loader._asked_at >= 0.9 * kernel.SETTLE_S


def _compiles_here(monkeypatch) -> list:
    """numba's compilations in this process from now on (a load from its cache is none)."""
    from numba.core import compiler

    calls = []
    compile_extra = compiler.compile_extra

    def counted(*args, **kwargs):
        calls.append(args)
        return compile_extra(*args, **kwargs)

    monkeypatch.setattr(compiler, "compile_extra", counted)
    return calls


def _square_final(module) -> float:
    """One gradient step of rate 1/4 from w = 1 on w**2 through ``module``'s final loop."""
    ends = np.empty((1, 1))
    module.final(
        np.ones((1, 1)),
        np.full(1, 0.25),
        np.zeros(4),
        np.array([[-9.0, 9.0]]),
        1,
        0.0,
        ends,
        np.full(1, -1),
        np.zeros(1, dtype=np.int64),
    )
    return ends[0, 0]


def test_a_kernel_missing_from_the_cache_compiles_in_a_child_process(monkeypatch, tmp_path):
    """numba's compiler, run in the app's process, held the GIL beside the GUI thread for the
    whole compilation: this process only loads what a child compiled into the cache."""
    monkeypatch.setenv(kernel.CACHE_DIR_ENV, str(tmp_path))
    compiles = _compiles_here(monkeypatch)
    module = kernel._specialise("final", get_surface("w**2 + 0.125*w").function, 0)
    assert compiles == []
    assert _square_final(module) == 1.0 - 0.25 * 2.125


def test_a_child_that_cannot_start_leaves_the_compilation_to_this_process(monkeypatch, tmp_path):
    """The fallback (a bundled app, a missing interpreter): the kernel as before, compiled here."""
    monkeypatch.setenv(kernel.CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    compiles = _compiles_here(monkeypatch)
    module = kernel._specialise("final", get_surface("w**2 + 0.375*w").function, 0)
    assert compiles
    assert _square_final(module) == 1.0 - 0.25 * 2.375


def test_kernels_in_the_cache_start_no_child_process(monkeypatch, tmp_path):
    """A child costs ~0.3 s of start-up before it finds nothing to compile: a start whose
    kernels are all in the cache must load them here, at once."""
    children = []
    with monkeypatch.context() as patch:
        patch.setattr(kernel, "_compile_in_child", lambda *args: children.append(args))
        kernel._ready_kernel()  # the suite's cache holds the generic kernel (tests/conftest.py)
    monkeypatch.setenv(kernel.CACHE_DIR_ENV, str(tmp_path))
    function = get_surface("w**2 + 0.625*w").function
    name = kernel._specialise("final", function, 0).__name__  # compiled (in a child), cached
    monkeypatch.setattr(kernel, "_compile_in_child", lambda *args: children.append(args))
    monkeypatch.delitem(sys.modules, name)  # as at the app's next start
    module = kernel._specialise("final", function, 0)
    assert children == []
    assert _square_final(module) == 1.0 - 0.25 * 2.625
