"""The learning-rate sweep against quadratic theory: the verdicts switch at 1/λ and 2/λ
(2(1+β)/λ with heavy-ball momentum) within one step of the log grid, and the bifurcation of a
non-quadratic well shows a fixed point below the stability limit and a period-2 orbit past it."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from gdsim.core.simulate import RunSpec
from gdsim.core.state import SurfaceState
from gdsim.core.surfaces import get_surface
from gdsim.core.sweep import (
    DEPTH,
    EDGE_BOTTOM,
    EDGE_TOP,
    Measure,
    SweepConfig,
    SweepJob,
    fitted_range,
    nearest_run,
    plotted,
    run_sweep,
    sweep_csv,
)
from gdsim.core.verdict import Regime


def _sweep(surface: str = "parabola", **settings: object):
    built = get_surface(surface)
    settings = {"start": built.start, "lr_min": 0.01, "lr_max": 10.0, "count": 100} | settings
    return run_sweep(SweepConfig(surface=built, **settings))  # type: ignore[arg-type]


def _first(result, regime: Regime) -> int:
    return int(np.flatnonzero([r is regime for r in result.regimes])[0])


def test_verdicts_switch_at_one_and_two_over_lambda_on_the_parabola():
    result = _sweep()
    assert result.complete and result.lambda_max == pytest.approx(2.0)
    lrs, regimes = result.lrs, result.regimes
    oscillating, diverged = _first(result, Regime.OSCILLATING), _first(result, Regime.DIVERGED)
    # The lecture: 0.8 oscillates and 1.1 diverges on w**2 (1/λ = 0.5, 2/λ = 1); the switches
    # fall between two neighbours of the grid.
    assert lrs[oscillating - 1] < 0.5 <= lrs[oscillating]
    assert lrs[diverged - 1] <= 1.0 < lrs[diverged]
    assert set(regimes[:oscillating]) <= {Regime.SLOW, Regime.CONVERGED}
    assert set(regimes[oscillating:diverged]) == {Regime.OSCILLATING}
    assert set(regimes[diverged:]) == {Regime.DIVERGED}
    assert regimes[0] is Regime.SLOW  # 0.01 for 100 steps keeps 0.98**100 of w
    assert [label for label, _ in result.critical_marks()] == ["1/λ", "2/λ"]
    assert result.lr_critical == pytest.approx(1.0)


def test_momentum_moves_the_divergence_to_two_times_one_plus_beta_over_lambda():
    result = _sweep(optimizer="momentum", hyper={"momentum": 0.5})
    limit = 2 * 1.5 / 2.0
    diverged = _first(result, Regime.DIVERGED)
    assert result.lrs[diverged - 1] <= limit < result.lrs[diverged]
    assert set(result.regimes[diverged:]) == {Regime.DIVERGED}
    assert result.lr_critical == pytest.approx(limit)
    assert result.critical_marks()[-1] == ("2(1+β)/λ", pytest.approx(limit))


def _clusters(tail: np.ndarray, gap: float = 1e-3) -> int:
    values = np.sort(tail[np.isfinite(tail)])
    return 0 if values.size == 0 else 1 + int(np.sum(np.diff(values) > gap))


def test_bifurcation_of_the_double_well_has_a_fixed_point_then_a_period_two_orbit():
    result = _sweep("double_well", steps=500, lr_min=0.15, lr_max=0.25)
    limit = result.rates.stable
    assert result.minimum == pytest.approx((-1.0574537707,))
    assert result.tails.shape == (100, 50)
    counts = [_clusters(tail) for tail in result.tails]
    below = [c for lr, c in zip(result.lrs, counts, strict=True) if lr < limit]
    past = [c for lr, c in zip(result.lrs, counts, strict=True) if lr > limit]
    assert below and set(below) == {1}
    assert 2 in past


def test_the_largest_converged_step_picks_the_minimum_that_sets_lambda():
    """From w = 1.8 small steps settle in the local valley (2/λ ~ 0.31), larger ones are thrown
    into the global one, where they oscillate and diverge past its 2/λ ~ 0.21."""
    result = _sweep("double_well", start=(1.8,), steps=300, lr_min=1e-3, lr_max=0.5)
    assert result.rates.stable == pytest.approx(0.2123, abs=1e-3)
    diverged = _first(result, Regime.DIVERGED)
    assert result.lrs[diverged] == pytest.approx(result.rates.stable, rel=0.1)
    # The distance is to the valley each run ended in: near zero for both kinds of runs.
    converged = [k for k, r in enumerate(result.regimes) if r is Regime.CONVERGED]
    assert np.all(result.distance[converged] < 1e-3)
    assert result.loss_floor == pytest.approx(-1.5147536, abs=1e-6)
    assert plotted(result, Measure.LOSS).label == "final loss + 1.51"  # not "− (-1.51)"


def test_a_fitted_range_brackets_the_stability_limit():
    result = run_sweep(SweepConfig(surface=get_surface("rosenbrock"), start=(-1.5, 2.0), steps=50))
    limit = result.lr_critical
    assert result.lrs[0] < limit / 100 and result.lrs[-1] > 2 * limit
    assert result.config.lr_min == result.lrs[0]
    assert fitted_range(None, "gd") == (1e-4, 1.0)
    assert fitted_range(result.rates, "adam") == (1e-4, 1.0)


def test_the_job_steps_in_chunks_smallest_rates_first(monkeypatch):
    monkeypatch.setattr("gdsim.core.sweep.CHUNK_WORK", 10_000)
    built = get_surface("parabola")
    job = SweepJob(SweepConfig(surface=built, start=(3.0,), lr_min=0.01, lr_max=2.0, count=300))
    assert job.snapshot() is None
    assert job.advance()  # the plan: λ, the grid
    assert job.snapshot().done == 0 and job.snapshot().lambda_max == pytest.approx(2.0)
    assert job.advance()
    partial = job.snapshot()
    assert partial.done == 100 and not partial.complete
    assert partial.lrs[partial.done - 1] < 0.2
    while job.advance():
        pass
    assert job.snapshot().complete and len(job.snapshot().regimes) == 300


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"count": 99}, "from 100 to 2000"),
        ({"count": 2001}, "from 100 to 2000"),
        ({"steps": 0}, "number of steps"),
        ({"lr_min": 1.0, "lr_max": 0.5}, "must lie below"),
        ({"lr_min": 0.0, "lr_max": 0.5}, "above 0"),
        ({"lr_min": 0.1, "lr_max": None}, "both ends"),
        ({"lr_max": float("inf"), "lr_min": 0.1}, "finite"),
        ({"start": (1.0, 2.0)}, "1 coordinate"),
        ({"optimizer": "momentum", "hyper": {"momentum": 1.5}}, "momentum"),
    ],
)
def test_bad_settings_are_one_line_errors(settings, words):
    base = {"surface": get_surface("parabola"), "start": (3.0,), "lr_min": 0.01, "lr_max": 1.0}
    with pytest.raises(ValueError, match=words) as error:
        SweepJob(SweepConfig(**(base | settings)))  # type: ignore[arg-type]
    assert "\n" not in str(error.value)


def test_plotted_values_keep_diverged_runs_at_the_top_and_exact_hits_at_the_bottom():
    result = _sweep(steps=60)
    points = plotted(result, Measure.LOSS)
    diverged = np.array([r is Regime.DIVERGED for r in result.regimes])
    assert len(points.values) == result.done
    assert np.all(np.isfinite(points.values)) and np.all(points.values > 0)
    assert np.all(points.edge[diverged] == EDGE_TOP)
    assert np.all(points.values[diverged] == points.values.max())
    assert points.low < points.values.min() and points.values.max() < points.high
    # w² near η = 1/λ ends below 1e-100: at the bottom edge, not 100 decades down.
    deep = ~diverged & (result.final_loss < DEPTH * result.final_loss[~diverged].max())
    assert deep.any() and np.all(points.edge[deep] == EDGE_BOTTOM)
    assert points.low > DEPTH * points.values[~diverged].max() / 100
    assert result.lrs[nearest_run(result, 0.52)] == pytest.approx(0.52, rel=0.04)
    assert plotted(result, Measure.DISTANCE).label.startswith("distance")
    exact = _sweep(steps=20, lr_min=0.5, lr_max=5.0)  # η = 1/λ jumps to w = 0: loss 0
    assert exact.final_loss[0] == 0.0
    assert plotted(exact, Measure.LOSS).edge[0] == EDGE_BOTTOM


def test_no_known_minimum_means_no_distance_measure():
    built = get_surface("3*w")
    result = run_sweep(SweepConfig(surface=built, start=(0.0,), lr_min=0.01, lr_max=1.0))
    assert result.distance is None and result.rates is None
    assert plotted(result, Measure.DISTANCE) is None
    assert plotted(result, Measure.LOSS) is not None


def test_csv_has_one_row_per_learning_rate():
    result = _sweep(steps=40)
    rows = list(csv.DictReader(io.StringIO(sweep_csv(result))))
    assert list(rows[0]) == ["lr", "regime", "final_loss", "distance", "stopped_at"]
    assert len(rows) == 100 and float(rows[0]["lr"]) == 0.01
    assert rows[-1]["regime"] == "diverged" and int(rows[-1]["stopped_at"]) > 0
    assert rows[0]["stopped_at"] == "" and float(rows[0]["distance"]) > 0


def test_config_from_the_explorer_state_takes_the_selected_run():
    state = SurfaceState(
        surface="ill_conditioned",
        params={"kappa": 20.0},
        runs=(RunSpec(lr=0.01), RunSpec(lr=0.02, optimizer="momentum", start=(1.0, 1.0))),
        selected=1,
        compare=True,
        steps=80,
    )
    config = SweepConfig.from_state(state, count=150)
    assert config.surface.name == "ill_conditioned" and config.start == (1.0, 1.0)
    assert config.optimizer == "momentum" and config.steps == 80 and config.count == 150
    result = run_sweep(config)
    assert result.lambda_max == pytest.approx(20.0)
