"""The compiled simulation kernel against the numpy path (the reference), and the fallback.

tests/conftest.py loads the kernel before the first test, so ``simulate`` here runs compiled
unless a test sets ``GDSIM_KERNEL=numpy``."""

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

import gdsim
from gdsim.core import kernel
from gdsim.core.optimizers import SURFACE_OPTIMIZERS
from gdsim.core.presets import load_presets
from gdsim.core.simulate import RunSpec, StopCause, final_states, simulate
from gdsim.core.surfaces import SURFACES, get_surface
from gdsim.core.verdict import classify_view

TYPED = (
    "x^2 + relu(y)*sigmoid(x) + abs(x - y)/3 + softplus(x*y) + max(x, y, 0.3) + tanh(y)/(1 + x^2)"
)

HYPER = {
    "gd": {},
    "momentum": {"momentum": 0.8, "dampening": 0.1},
    "nesterov": {"momentum": 0.7},
    "adagrad": {"lr_decay": 0.01, "initial_accumulator_value": 0.1},
    "rmsprop": {"momentum": 0.5, "centered": 1.0},
    "adam": {"amsgrad": 1.0},
}
"""Settings that take every branch of each update rule."""


def on_numpy(monkeypatch, work):
    """``work()`` on the numpy path."""
    with monkeypatch.context() as patch:
        patch.setenv(kernel.FORCE_NUMPY_ENV, "numpy")
        return work()


def both_paths(monkeypatch, surface, runs, steps):
    assert kernel.wait_until_ready(surface.function, {spec.optimizer for spec in runs})
    assert kernel.usable(surface.function, {spec.optimizer for spec in runs})
    return simulate(surface, runs, steps), on_numpy(
        monkeypatch, lambda: simulate(surface, runs, steps)
    )


def runs_of(surface, optimizer):
    """A small and a large learning rate, and one with gradient noise (its own seed)."""
    hyper = HYPER[optimizer]
    return [
        RunSpec(lr=1e-3, optimizer=optimizer, hyper=hyper),
        RunSpec(lr=0.05, optimizer=optimizer, hyper=hyper),
        RunSpec(lr=1e-2, optimizer=optimizer, hyper=hyper, noise=0.3, seed=7),
    ]


def test_the_mode_follows_the_environment_as_it_changes(monkeypatch):
    """``kernel.mode`` reads the dict behind ``os.environ``: a name set or removed at run time
    (as the tests and the benchmark do) is seen at once, spelled in any case."""
    monkeypatch.setenv(kernel.FORCE_NUMPY_ENV, " NumPy ")
    assert kernel.forced_numpy() and not kernel.default_mode()
    monkeypatch.setenv(kernel.FORCE_NUMPY_ENV, "generic")
    assert kernel.forced_generic() and not kernel.forced_numpy()
    monkeypatch.delenv(kernel.FORCE_NUMPY_ENV)
    assert kernel.mode() == "" and kernel.default_mode()


def test_the_kernel_is_loaded_for_the_suite():
    assert kernel.loaded() is not None


@pytest.mark.parametrize("name", [*SURFACES, TYPED])
def test_one_step_equals_the_numpy_paths_on_every_surface_and_optimizer(monkeypatch, name):
    surface = get_surface(name)
    runs = [spec for optimizer in SURFACE_OPTIMIZERS for spec in runs_of(surface, optimizer)]
    compiled, reference = both_paths(monkeypatch, surface, runs, 1)
    np.testing.assert_allclose(compiled.points, reference.points, rtol=1e-12)
    np.testing.assert_allclose(compiled.losses, reference.losses, rtol=1e-12)
    scale = np.nanmax(np.abs(reference.grads))  # a component that cancels to ~0 keeps ulps
    np.testing.assert_allclose(compiled.grads, reference.grads, rtol=1e-12, atol=1e-13 * scale)
    assert compiled.stop_causes == reference.stop_causes


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "beale", "parabola", TYPED])
def test_whole_runs_equal_the_numpy_path(monkeypatch, name):
    surface = get_surface(name)
    runs = [spec for optimizer in SURFACE_OPTIMIZERS for spec in runs_of(surface, optimizer)]
    compiled, reference = both_paths(monkeypatch, surface, runs, 300)
    np.testing.assert_array_equal(compiled.stopped_at, reference.stopped_at)
    np.testing.assert_allclose(compiled.points, reference.points, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.losses, reference.losses, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "spec", "cause"),
    [
        ("parabola", RunSpec(lr=1.5), StopCause.OUT_OF_BOUNDS),
        ("rosenbrock", RunSpec(lr=0.01, optimizer="momentum"), StopCause.OUT_OF_BOUNDS),
        ("log(w)", RunSpec(lr=2.0, start=(1.0,)), StopCause.NON_FINITE),
        ("sqrt(w)", RunSpec(lr=1.0, start=(0.3,)), StopCause.NON_FINITE),
    ],
)
def test_stops_at_the_same_step_with_the_same_cause(monkeypatch, name, spec, cause):
    surface = get_surface(name)
    compiled, reference = both_paths(monkeypatch, surface, [spec, RunSpec(lr=1e-3)], 200)
    assert compiled.stop_causes == reference.stop_causes
    assert compiled.stop_causes[0] == cause
    np.testing.assert_array_equal(compiled.stopped_at, reference.stopped_at)
    np.testing.assert_array_equal(compiled.lengths, reference.lengths)
    np.testing.assert_array_equal(np.isnan(compiled.points), np.isnan(reference.points))
    np.testing.assert_array_equal(np.isnan(compiled.grads), np.isnan(reference.grads))


def test_the_noise_stream_is_the_numpy_paths(monkeypatch):
    surface = get_surface("bowl")
    runs = [RunSpec(lr=0.1, noise=1.0, seed=seed) for seed in (1, 2)]
    compiled, reference = both_paths(monkeypatch, surface, runs, 50)
    np.testing.assert_allclose(compiled.points, reference.points, rtol=1e-12, atol=1e-15)
    assert not np.allclose(compiled.points[0], compiled.points[1])  # the seeds differ


def test_the_presets_get_the_same_verdicts(monkeypatch):
    for preset in load_presets():
        surface = preset.make_surface()
        compiled, reference = both_paths(monkeypatch, surface, preset.runs, preset.steps)
        for k in range(len(preset.runs)):
            ours, theirs = classify_view(compiled.run(k)), classify_view(reference.run(k))
            assert ours.regime == theirs.regime, preset.title


@pytest.mark.parametrize("optimizer", SURFACE_OPTIMIZERS)
def test_final_states_equal_the_numpy_path_and_simulate(monkeypatch, optimizer):
    surface = get_surface("himmelblau")
    grid = np.linspace(-6.0, 6.0, 12)
    starts = np.array([(x, y) for x in grid for y in grid])
    lr = 0.02 if optimizer in ("gd", "momentum", "nesterov") else 0.2
    hyper = HYPER[optimizer]
    ends = final_states(surface, starts, lr, 120, optimizer, hyper, tolerance=1e-3)
    reference = on_numpy(
        monkeypatch,
        lambda: final_states(surface, starts, lr, 120, optimizer, hyper, tolerance=1e-3),
    )
    np.testing.assert_array_equal(ends.stopped_at, reference.stopped_at)
    np.testing.assert_array_equal(ends.settled_at, reference.settled_at)
    np.testing.assert_allclose(ends.points, reference.points, rtol=1e-9, atol=1e-12)
    runs = [RunSpec(lr=lr, optimizer=optimizer, hyper=hyper, start=tuple(p)) for p in starts]
    whole = simulate(surface, runs, 120)
    kept = ends.stopped_at < 0
    np.testing.assert_array_equal(ends.points[kept], whole.points[kept, -1])  # to the last bit


def test_a_formula_without_instructions_keeps_the_numpy_path():
    surface = get_surface("(-1)**w")  # the imaginary unit: the numpy path turns it into NaN
    assert kernel.program_for(surface.function) is None
    assert not kernel.usable(surface.function, ["gd"])
    assert simulate(surface, [RunSpec(lr=0.1)], 5).n_steps == 5


def test_without_numba_simulate_runs_on_numpy_with_one_log_line(monkeypatch, caplog):
    surface = get_surface("rosenbrock")
    runs = [RunSpec(lr=1e-3), RunSpec(lr=1e-3, optimizer="adam", noise=0.1)]
    reference = on_numpy(monkeypatch, lambda: simulate(surface, runs, 100))
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "gdsim.core.numba_kernel")
    monkeypatch.setattr(kernel, "_LOADER", kernel._Loader())
    with caplog.at_level(logging.WARNING, logger=kernel.__name__):
        assert not kernel.wait_until_loaded(timeout=30)
        result = simulate(surface, runs, 100)
    np.testing.assert_array_equal(result.points, reference.points)
    assert [r.message for r in caplog.records] == [
        "gdsim: simulations use numpy (no compiled kernel: import of numba halted; "
        "None in sys.modules)"
    ]


def test_the_cache_lives_in_the_users_cache_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(kernel.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    assert kernel.cache_dir() == tmp_path / "gdsim"
    monkeypatch.setenv(kernel.CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert kernel.cache_dir() == tmp_path / "elsewhere"
    assert not list(Path(gdsim.__file__).parent.rglob("*.nbi"))  # nothing cached in the package


def test_calls_never_compile_beyond_the_warm_up():
    """A new signature would compile on the calling thread: seconds in the GUI thread."""
    module = kernel.loaded()
    surface = get_surface(TYPED)
    simulate(surface, [RunSpec(lr=0.1, noise=0.1), RunSpec(lr=0.2, optimizer="adam")], 20)
    final_states(surface, np.zeros((3, 2)), 0.1, 20, "rmsprop")
    assert len(module.history.signatures) == 1
    assert len(module.final.signatures) == 1


def _fresh_loader(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "gdsim.core.numba_kernel")
    monkeypatch.setattr(kernel, "_LOADER", kernel._Loader())


def test_an_unwritable_cache_directory_leaves_the_numpy_path_and_the_package_clean(
    monkeypatch, tmp_path, caplog
):
    """numba, refused its cache directory, would write its cache beside the package's sources."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(kernel.CACHE_DIR_ENV, str(blocker / "gdsim"))
    _fresh_loader(monkeypatch)
    with caplog.at_level(logging.WARNING, logger=kernel.__name__):
        assert not kernel.wait_until_loaded(timeout=30)
    assert len(caplog.records) == 1 and "no compiled kernel" in caplog.records[0].message
    assert not list(Path(gdsim.__file__).parent.rglob("*.nbi"))


def test_an_unreadable_cache_is_cleared_and_compiled_again(monkeypatch, tmp_path):
    """Garbage cache files must not switch the kernel off at every start."""
    monkeypatch.setenv(kernel.CACHE_DIR_ENV, str(tmp_path))
    garbage = tmp_path / "core_0" / "numba_kernel.history-1.py311.nbi"
    garbage.parent.mkdir()
    garbage.write_bytes(b"not a pickle")
    loaded = kernel.loaded()
    calls = []

    def import_kernel():
        calls.append(garbage.exists())
        if len(calls) == 1:
            raise ValueError("invalid load key, 'n'")
        return loaded

    monkeypatch.setattr(kernel, "_import_kernel", import_kernel)
    assert kernel._ready_kernel() is loaded
    assert calls == [True, False]  # the second import found the garbage gone


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (  # flattened, these would make 2 x 2 coordinates
            [RunSpec(0.1, start=(1.0, 2.0, 3.0)), RunSpec(0.1, start=(1.0,))],
            r"the start needs 2 coordinates, got 3",
        ),
        ([RunSpec(float("inf"))], "learning rate must be a finite number >= 0, got inf"),
        ([RunSpec(0.1, noise=float("nan"))], "gradient noise must be a finite number >= 0"),
        ([RunSpec(0.1, optimizer="adamw")], "differs from Adam only by its weight decay"),
    ],
)
def test_the_whole_array_checks_still_name_a_bad_run_among_good_ones(bad, message):
    """simulate checks its runs as whole arrays (fast at 40,000 runs); the message is the
    per-run check's."""
    good = [RunSpec(0.1, start=(0.5, 0.5)), RunSpec(0.2, optimizer="adam", hyper={"eps": 1e-6})]
    with pytest.raises(ValueError, match=message):
        simulate(get_surface("bowl"), [*good, *bad, *good], 5)
