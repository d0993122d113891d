"""simulate's prepared calls: a call that differs from a recent one only in its learning rates
reuses that call's checked starts, noise, batches and bounds (the slider's every frame). It must
give exactly what a fresh call gives, never serve another input's result, and keep every
message."""

from dataclasses import replace

import numpy as np
import pytest
from test_kernel import on_numpy

from gdsim.core import kernel
from gdsim.core import simulate as simulation
from gdsim.core.simulate import RunBatch, RunSpec, simulate
from gdsim.core.surfaces import get_surface

SURFACE = get_surface("rosenbrock")
STEPS = 60
BASE = (
    RunSpec(lr=1e-3, start=(-1.0, 1.5)),
    RunSpec(lr=2e-3, start=(0.5, 0.5), noise=0.5, seed=3),
    RunSpec(lr=1e-3, optimizer="momentum", hyper={"momentum": 0.8}),
)


def with_rate(runs, lr):
    return tuple(replace(run, lr=lr) for run in runs)


def fresh(surface, runs, steps, bounds=None):
    """``simulate`` with nothing prepared."""
    simulation.forget_prepared()
    return simulate(surface, runs, steps, bounds)


def assert_same(result, expected):
    """Equal to the last bit (the sign of a zero, a NaN's bits)."""
    for name in ("points", "losses", "grads", "stopped_at", "lengths"):
        ours, theirs = getattr(result, name), getattr(expected, name)
        np.testing.assert_array_equal(ours.view(np.int64), theirs.view(np.int64))
    assert result.stop_causes == expected.stop_causes
    assert result.runs == expected.runs and result.bounds == expected.bounds


@pytest.mark.parametrize("mode", ["specialised", "generic", "numpy"])
def test_a_repeat_call_with_a_new_rate_equals_a_fresh_call(monkeypatch, mode):
    """On the specialised kernels the repeat runs the loops bound by the first call."""
    if mode == "specialised":
        monkeypatch.delenv(kernel.FORCE_NUMPY_ENV, raising=False)
        assert kernel.wait_until_ready(SURFACE.function, ["gd", "momentum"], timeout=120)
    else:
        monkeypatch.setenv(kernel.FORCE_NUMPY_ENV, mode)
    fresh(SURFACE, BASE, STEPS)
    assert (simulation._PREPARED.find(SURFACE, BASE, STEPS, None).settled is not None) == (
        mode == "specialised"
    )
    diverging = with_rate(BASE, 0.01)  # noise and the momentum batch included; all stop
    repeat = simulate(SURFACE, diverging, STEPS)
    assert simulation._PREPARED.find(SURFACE, diverging, STEPS, None) is not None
    expected = fresh(SURFACE, diverging, STEPS)
    assert_same(repeat, expected)
    assert set(repeat.stop_causes) != {None}


def test_the_prepared_specialised_kernel_gives_way_to_the_numpy_path_when_asked(monkeypatch):
    monkeypatch.delenv(kernel.FORCE_NUMPY_ENV, raising=False)
    assert kernel.wait_until_ready(SURFACE.function, ["gd", "momentum"], timeout=120)
    first = simulate(SURFACE, BASE, STEPS)
    assert simulation._PREPARED.find(SURFACE, BASE, STEPS, None).settled  # kept, bound
    assert_same(simulate(SURFACE, BASE, STEPS), first)
    integrated = []
    numpy_loop = simulation._integrate
    monkeypatch.setattr(
        simulation, "_integrate", lambda *args: integrated.append(1) or numpy_loop(*args)
    )
    numpy_result = on_numpy(monkeypatch, lambda: simulate(SURFACE, BASE, STEPS))
    assert len(integrated) == 2  # one per batch: the numpy path ran
    np.testing.assert_allclose(numpy_result.points, first.points, rtol=1e-9)


def hyper_mutated(runs):
    runs[2].hyper["momentum"] = 0.5  # the caller's own dict, changed in place
    return runs


CHANGES = {
    "surface": lambda runs: (get_surface("beale"), runs, STEPS, None),
    "start": lambda runs: (SURFACE, (replace(runs[0], start=(-1.0, 1.25)), *runs[1:]), STEPS, None),
    "default start": lambda runs: (SURFACE, (replace(runs[0], start=None), *runs[1:]), STEPS, None),
    "steps": lambda runs: (SURFACE, runs, STEPS - 1, None),
    "optimizer": lambda runs: (
        SURFACE,
        (replace(runs[0], optimizer="adam"), *runs[1:]),
        STEPS,
        None,
    ),
    "hyper": lambda runs: (
        SURFACE,
        (*runs[:2], replace(runs[2], hyper={"momentum": 0.8, "dampening": 0.5})),
        STEPS,
        None,
    ),
    "hyper mutated": lambda runs: (SURFACE, hyper_mutated(runs), STEPS, None),
    "noise": lambda runs: (SURFACE, (runs[0], replace(runs[1], noise=0.25), runs[2]), STEPS, None),
    "seed": lambda runs: (SURFACE, (runs[0], replace(runs[1], seed=4), runs[2]), STEPS, None),
    "bounds": lambda runs: (SURFACE, runs, STEPS, ((-2.0, 2.0), (-1.0, 3.0))),
    "one run fewer": lambda runs: (SURFACE, runs[:2], STEPS, None),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_input_is_never_served_stale(change):
    runs = (BASE[0], BASE[1], replace(BASE[2], hyper=dict(BASE[2].hyper)))
    simulation.forget_prepared()
    simulate(SURFACE, runs, STEPS)
    surface, changed, steps, bounds = CHANGES[change](list(runs))
    changed = with_rate(changed, 2e-3)
    served = simulate(surface, changed, steps, bounds)
    assert_same(served, fresh(surface, changed, steps, bounds))


def test_a_start_of_minus_zero_is_not_served_the_start_of_zero():
    parabola = get_surface("parabola")
    simulation.forget_prepared()
    simulate(parabola, [RunSpec(lr=0.1, start=(0.0,))], 5)
    minus_zero = [RunSpec(lr=0.2, start=(-0.0,))]  # equal to (0.0,), but another number
    served = simulate(parabola, minus_zero, 5)
    assert np.signbit(served.points[0, 0, 0])
    assert_same(served, fresh(parabola, minus_zero, 5))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": -0.1}, "learning rate must be a finite number >= 0, got -0.1"),
        ({"lr": float("nan")}, "learning rate must be a finite number >= 0, got nan"),
        ({"lr": "fast"}, "could not convert string to float"),
    ],
)
def test_bad_input_keeps_its_message_on_a_prepared_call(changes, message):
    simulation.forget_prepared()
    simulate(SURFACE, BASE, STEPS)
    bad = (BASE[0], replace(BASE[1], **changes), BASE[2])
    assert simulation._PREPARED.find(SURFACE, bad, STEPS, None) is not None
    with pytest.raises(ValueError, match=message):
        simulate(SURFACE, bad, STEPS)
    with pytest.raises(ValueError, match="number of steps"):
        simulate(SURFACE, BASE, True)  # equal to 1, but not a number of steps


def test_a_seed_equal_to_an_int_is_not_served_a_prepared_noise_stream():
    simulation.forget_prepared()
    simulate(SURFACE, BASE, STEPS)
    float_seed = (BASE[0], replace(BASE[1], seed=3.0), BASE[2])  # 3.0 == 3
    assert simulation._PREPARED.find(SURFACE, float_seed, STEPS, None) is None
    with pytest.raises(TypeError):
        simulate(SURFACE, float_seed, STEPS)  # as on a fresh call: numpy's seeds are ints


def test_runs_given_as_arrays_are_checked_afresh_and_never_kept():
    simulation.forget_prepared()
    runs = (RunSpec(lr=1e-3, start=np.array([-1.0, 1.5])),)
    simulate(SURFACE, runs, STEPS)
    assert simulation._PREPARED._entries == ()
    simulate(SURFACE, BASE[:1], STEPS)
    assert_same(simulate(SURFACE, runs, STEPS), fresh(SURFACE, runs, STEPS))


@pytest.mark.parametrize("mode", ["generic", "numpy"])
def test_runs_given_as_arrays_equal_the_same_runs_given_as_run_specs(monkeypatch, mode):
    monkeypatch.setenv(kernel.FORCE_NUMPY_ENV, mode)
    starts = np.array([[-1.0, 1.5], [0.5, 0.5], [1.2, 1.2]])
    lrs = np.array([1e-3, 2e-3, 0.01])  # the last one diverges
    hyper = {"momentum": 0.8}
    for noise, start_rows in ((0.0, starts), (0.5, None)):
        batch = RunBatch(lrs, start_rows, "momentum", hyper, noise=noise, seed=3)
        specs = [
            RunSpec(
                lr=lr,
                optimizer="momentum",
                start=None if start_rows is None else tuple(start),
                hyper=hyper,
                noise=noise,
                seed=3,
            )
            for lr, start in zip(lrs.tolist(), starts.tolist(), strict=True)
        ]
        result = simulate(SURFACE, batch, STEPS)
        assert result.runs is batch and tuple(batch) == tuple(specs)
        expected = fresh(SURFACE, specs, STEPS)
        for name in ("points", "losses", "grads", "stopped_at", "lengths"):
            np.testing.assert_array_equal(getattr(result, name), getattr(expected, name))
        assert result.stop_causes == expected.stop_causes
        assert result.run(2).spec == specs[2]


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (RunBatch([0.1, -0.1]), "learning rate must be a finite number >= 0, got -0.1"),
        (RunBatch([0.1, np.inf]), "learning rate must be a finite number >= 0, got inf"),
        (
            RunBatch([0.1], [[1.0, 2.0, 3.0]]),
            r"start needs 2 coordinates, got 3: \(1.0, 2.0, 3.0\)",
        ),
        (RunBatch([0.1, 0.2], [[1.0, 2.0]]), r"starts must be a \(2, 2\) array"),
        (RunBatch([0.1], noise=-1.0), "gradient noise must be a finite number >= 0, got -1.0"),
        (RunBatch([0.1], optimizer="newton"), "newton"),
        (RunBatch([0.1], optimizer="momentum", hyper={"momentum": 2.0}), "must lie between"),
        (RunBatch([[0.1]]), "learning rates must be a list of numbers"),
    ],
)
def test_runs_given_as_arrays_get_the_run_specs_messages(batch, message):
    with pytest.raises(ValueError, match=message):
        simulate(SURFACE, batch, STEPS)
    specs = list(batch) if batch.lrs.ndim == 1 and batch.starts is None else None
    if specs is not None:  # the same message as the same runs given one by one
        with pytest.raises(ValueError, match=message):
            simulate(SURFACE, specs, STEPS)
