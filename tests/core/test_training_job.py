"""TrainingJob: chunked stepping, single steps, live changes through the runner, compare runs
from the same init, and frames that stay small however long training runs."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training import EVALUATIONS, TrainingConfig, TrainingSession
from gdsim.core.training_job import (
    DISPLAY_POINTS,
    ReplayJob,
    TrainingJob,
    metrics_text,
    rate_name,
    replay_length,
    thin_for_display,
)

GRID = (np.linspace(-1.0, 1.0, 7), np.linspace(-1.0, 1.0, 5))


def make_job(lrs=(0.5,), steps=200, batch_size=None) -> TrainingJob:
    data = make_dataset(DatasetParams("gaussians", n=60))
    spec = NetworkSpec.for_task("binary", 2, hidden=((4, "tanh"),))
    sessions = [
        TrainingSession(spec, data, TrainingConfig(lr=lr, steps=steps, batch_size=batch_size))
        for lr in lrs
    ]
    return TrainingJob(sessions, GRID)


def test_thinning_keeps_the_peak_the_trough_and_the_last_point():
    steps = np.arange(100_000)
    values = np.ones(100_000)
    values[31_337] = 1e9
    values[77_777] = 1e-9
    values[-1] = np.inf
    kept_steps, kept = thin_for_display(steps, values)
    assert len(kept) <= DISPLAY_POINTS + 1
    assert {31_337, 77_777, 99_999} <= set(kept_steps.tolist())
    assert np.all(np.diff(kept_steps) > 0)


def test_short_histories_are_not_thinned():
    steps, values = np.arange(10), np.linspace(1, 0, 10)
    assert thin_for_display(steps, values)[1] is values


def test_advance_runs_a_chunk_and_stops_at_the_budget():
    job = make_job(steps=300)
    advances = 0
    while job.advance():
        advances += 1
    session = job.sessions[0]
    assert session.step_count == 300
    assert advances < 300, "each advance should run several steps, not one"
    assert job.finished


def test_step_once_is_exactly_one_optimizer_step():
    job = make_job()
    job.advance()
    before = job.sessions[0].step_count
    job.step_once()
    job.advance()
    assert job.sessions[0].step_count == before + 1


def test_compare_runs_start_from_the_same_weights_and_differ_only_by_lr():
    job = make_job(lrs=(0.01, 1.0, 50.0))
    frame = job.snapshot()
    first_losses = {run.state.train_loss for run in frame.runs}
    assert len(first_losses) == 1
    assert [run.lr for run in frame.runs] == [0.01, 1.0, 50.0]
    while job.advance():
        pass
    finals = [run.state.train_loss for run in job.snapshot().runs]
    assert finals[1] < finals[0], "lr 1 should beat lr 0.01 in the same number of steps"


def test_frame_carries_weights_and_prediction_of_the_shown_run():
    job = make_job(lrs=(0.1, 2.0))
    job.show_run(1)
    job.advance()
    frame = job.snapshot()
    assert frame.shown == 1
    assert frame.prediction.shape == (5, 7)
    expected = job.sessions[1].predict_grid(*GRID)
    np.testing.assert_allclose(frame.prediction, expected, rtol=1e-6)
    assert [w.shape for w, _ in frame.weights] == [(4, 2), (1, 4)]


def test_long_runs_give_bounded_frames():
    job = make_job(steps=3_000, batch_size=8)
    while job.advance():
        pass
    run = job.snapshot().runs[0]
    assert run.state.step == 3_000
    assert len(run.losses) <= DISPLAY_POINTS + 1
    assert run.loss_steps[-1] == 2_999, "the last loss (before update 3,000) is kept"


def test_validation_curves_are_sampled_across_the_run_not_only_at_frames():
    job = make_job(steps=600)
    while job.advance():
        pass
    frame = job.snapshot().runs[0]
    assert len(frame.val_steps) >= EVALUATIONS // 2
    assert frame.val_steps[-1] == 600
    assert np.all(np.diff(frame.val_steps) <= 2 * 600 // EVALUATIONS)
    assert len(frame.metric_steps) == len(frame.val_steps)


def test_curve_points_are_the_runs_evaluations_whatever_frames_were_taken_between():
    """Frames at odd steps (after one step, after each chunk) show in the header, not on the
    curves: the curves' points are the evaluation grid the stop rules use, and the last step."""
    job = make_job(steps=250)
    every = job.sessions[0].config.evaluation_every
    job.step_once()
    seen = {job.snapshot().runs[0].state.step}
    while job.advance():
        seen.add(job.snapshot().runs[0].state.step)
    assert any(step % every for step in seen)  # frames were taken between evaluations
    frame = job.snapshot().runs[0]
    expected = [*range(0, 250, every), 250]
    assert frame.val_steps.tolist() == expected
    assert frame.metric_steps.tolist() == expected


def test_the_metrics_line_names_what_the_task_measures():
    job = make_job(steps=5)
    state = job.snapshot().runs[0].state
    text = metrics_text(state)
    assert text.startswith("step 0  ·  train loss ") and "accuracy " in text and "%" in text
    regression = replace(state, metric_name="r2", train_metric=0.5, val_loss=None, val_metric=None)
    assert metrics_text(regression).endswith("R² 0.500")
    assert rate_name(1e-3) == "η = 0.001"


def test_a_replay_reproduces_the_run_with_a_frame_at_each_position():
    job = make_job(lrs=(0.5, 3.0), steps=90)
    while job.advance():
        pass
    replay = ReplayJob(job, [0, 45, 90])
    while replay.advance():
        pass
    assert [frame.runs[0].state.step for frame in replay.frames] == [0, 45, 90]
    final = replay.frames[-1]
    for run, session in zip(final.runs, job.sessions, strict=True):
        assert run.state.train_loss == session.snapshot().train_loss, "the same steps"
    assert replay_length(job) == 90
    assert replay_length(make_job(steps=70)) == 70, "a run not begun replays its budget"


def test_live_frames_reuse_the_costly_parts_and_a_snapshot_computes_them_anew(monkeypatch):
    """While training runs the worker sends `live_snapshot()` frames: curves current, the
    full-set state and the decision map those of the last frame (within the intervals,
    here made endless); `snapshot()` (pause, stop, finish) computes everything now."""
    from gdsim.core import training_job

    monkeypatch.setattr(training_job, "LIVE_STATE_S", 1e9)
    monkeypatch.setattr(training_job, "LIVE_DETAIL_S", 1e9)
    job = make_job(steps=300)
    session = job.sessions[0]
    first = job.live_snapshot()
    job.advance()
    live = job.live_snapshot()
    assert live.runs[0].loss_steps[-1] == session.step_count - 1
    assert live.runs[0].state is first.runs[0].state
    assert live.prediction is first.prediction
    whole = job.snapshot()
    assert whole.runs[0].state.step == session.step_count
    np.testing.assert_array_equal(whole.prediction, session.predict_grid(*GRID))
    assert not np.array_equal(whole.prediction, first.prediction)
    for name in ("LIVE_STATE_S", "LIVE_DETAIL_S", "LIVE_SLOWEST_S"):
        monkeypatch.setattr(training_job, name, 0.0)
    job = make_job(steps=300)
    job.live_snapshot()
    job.advance()
    assert job.live_snapshot().runs[0].state.step == job.sessions[0].step_count


def test_live_side_work_is_spaced_by_its_cost_yet_stays_a_few_times_a_second(monkeypatch):
    """A costly decision map (here a slow machine, simulated) is refreshed less often rather
    than taking training's time, but never less than every LIVE_SLOWEST_S."""
    from gdsim.core import training_job

    clock = iter(np.arange(0.0, 100.0, 0.01))  # each perf_counter call: 10 ms later
    monkeypatch.setattr(training_job.time, "perf_counter", lambda: float(next(clock)))
    job = make_job(steps=300)
    first = job.live_snapshot()
    job.advance()
    second = job.live_snapshot()
    assert second.prediction is first.prediction, "10 ms of work: not redone 40 ms later"
    for _ in range(20):
        job.advance()
        latest = job.live_snapshot()
    assert latest.prediction is not first.prediction, "...but is after LIVE_SLOWEST_S"
