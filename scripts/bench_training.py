"""Training throughput in the app vs a bare PyTorch loop, and the GUI's longest stall.

For each network (2-50-1, 2-8-8-1) and batch mode (full batch, batch 32) on 1,000 training
points, one run measures:
- `bare`: the lecture's canonical loop (zero_grad, forward, loss, backward, step, loss.item())
  on the same model, data, optimizer and minibatch order, in this thread;
- `worker`: the app's training path alone, the GUI receiving but not drawing: JobRunner's
  thread feeding `ProcessJob` (the job trains in the training process, gdsim/core/
  training_server.py, and sends 30 frames a second with full-set metrics and the decision map
  over the pipe), or with `GDSIM_TRAINING=thread` the TrainingJob in the worker thread;
- `app`: the network panel itself training the same configuration as a user gets it (the
  training process, frames redrawn by the panel's timer), from its first frame to finished;
  the click-to-first-frame start-up is reported apart; `training_path` says which path ran;
- `stall`: the longest gap between ticks of a 5 ms GUI timer while the app trains, minus 5 ms,
  and the 99th percentile of those gaps (`p99`: what a hand dragging a slider feels);
- `gui_cpu_share`: the GUI thread's CPU time from the click to finished over the wall time
  (drawing holds the GIL the worker trains with: the share it can take from training);
- `compare`: `gdsim train --dataset circle --layers 16 --steps 3000` at 1 rate and at 4 rates,
  the 4 rates as one batch (`SessionBatch`: its stacked step, `StackedDescent`, and its generic
  step, autograd and torch.optim, which other optimizers take) and as separate sessions, each
  against the 1 rate.
Targets (issue 4): app/bare >= 0.9, stall < 50 ms; (issue 16) app/bare >= 0.95, p99 < 20 ms,
4 rates batched <= 1.5x one.
`lesson 9` (resources/lessons/09_edge_of_stability.json: sine, 1-32-32-1 tanh, full batch,
sharpness every 10 steps) cut to LESSON_STEPS steps: seconds from the click on Train to the
finished frame in the app, against the same session run headless (`TrainingSession.run`).
Both sides run with one torch thread (the worker's and the training process's setting), so
the ratio measures our overhead, not thread counts. The training process is started and
waited for before anything is timed (the app starts it when the network panel is built).
This machine's speed drifts by up to 2x over seconds (shared cores), so bare, worker and app
runs alternate `repeats` times and each ratio is the median of the back-to-back pairs.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_training.py [section ...]
(sections: compare, training, lesson9; all by default)
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from unittest.mock import patch

import numpy as np
import torch
from _timing import median_seconds
from PySide6 import QtCore, QtWidgets

from gdsim.cli import build_parser
from gdsim.commands.network_options import network_setup
from gdsim.core.batched_training import SessionBatch, StackedDescent
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.lessons import load_lesson, state_at
from gdsim.core.network import NetworkSpec, build_model, loss_function
from gdsim.core.training import TrainingConfig, TrainingSession, batch_indices, build_optimizer
from gdsim.core.training_job import TrainingJob
from gdsim.core.training_server import ProcessJob, process_training, shared_server
from gdsim.ui.presenters.network import GRID_POINTS
from gdsim.ui.workers import JobRunner

CASES = (((50,), None), ((50,), 32), ((8, 8), None), ((8, 8), 32))
POINTS = 1_250
VAL_FRACTION = 0.2
TARGET_SECONDS = 1.0
TIMER_MS = 5
SETTLE_PASSES = 4
LESSON_FILE = "resources/lessons/09_edge_of_stability.json"
LESSON_STEPS = 500


def bare_steps_per_second(spec: NetworkSpec, config: TrainingConfig, steps: int) -> float:
    data = make_dataset(DatasetParams("circle", n=POINTS, val_fraction=VAL_FRACTION))
    model = build_model(spec)
    loss_fn = loss_function(spec.task)
    optimizer = build_optimizer(model.parameters(), config)
    batches = batch_indices(len(data.x_train), config.batch_size, torch.Generator().manual_seed(0))
    x, y = data.x_train, data.y_train
    start = time.perf_counter()
    for _ in range(steps):
        index = next(batches)
        xb, yb = (x, y) if index is None else (x[index], y[index])
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        loss.item()
    return steps / (time.perf_counter() - start)


def configure_panel(panel: object, hidden: tuple[int, ...], batch: int | None, steps: int) -> None:
    panel.picker.size_spin.setValue(POINTS)
    panel.picker.val_spin.setValue(VAL_FRACTION)
    while panel.layers.count():
        panel.layers.remove_layer()
    for width in hidden:
        panel.layers.add_layer(width, "relu")
    panel.lr_slider.setValue(0.1)
    panel.batch_spin.setValue(batch or 0)
    panel.steps_spin.setValue(steps)


def app_run(panel: object, app: QtWidgets.QApplication) -> tuple[float, float, float, float, float]:
    """One press of Train on the panel: (steps per second from the first frame to the end,
    longest GUI stall in ms, its 99th percentile, ms from the click to the first frame, the
    GUI thread's CPU share from the click to the end). The start-up (building the session,
    starting the thread) is reported apart: it is paid once per click, not per step."""
    ticks: list[float] = []
    first: list[tuple[float, int]] = []
    timer = QtCore.QTimer()
    timer.setInterval(TIMER_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QtCore.QEventLoop()

    def on_frame(frame: object) -> None:
        if not first:
            first.append((time.perf_counter(), frame.runs[0].state.step))

    panel.runner.progress.connect(on_frame)
    panel.runner.finished.connect(loop.quit)
    timer.start()
    start, cpu = time.perf_counter(), time.thread_time()
    panel.train()
    loop.exec()
    end, cpu = time.perf_counter(), time.thread_time() - cpu
    timer.stop()
    panel.runner.finished.disconnect(loop.quit)
    panel.runner.progress.disconnect(on_frame)
    steps = panel.job.sessions[0].step_count
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    stall = max(0.0, max(gaps, default=0.0) * 1000 - TIMER_MS)
    p99 = max(0.0, float(np.percentile(gaps, 99)) * 1000 - TIMER_MS) if gaps else 0.0
    app.processEvents()
    first_time, first_step = first[0] if first else (start, 0)
    rate = (steps - first_step) / (end - first_time)
    return rate, stall, p99, (first_time - start) * 1000, cpu / (end - start)


def worker_steps_per_second(spec: NetworkSpec, config: TrainingConfig, steps: int) -> float:
    """The app's training path alone (see the module docstring): JobRunner + TrainingJob, in
    the training process unless GDSIM_TRAINING=thread, sending 30 frames a second (full-set
    losses, weights and the decision map, as for the panel) to a GUI that does not draw."""
    data = make_dataset(DatasetParams("circle", n=POINTS, val_fraction=VAL_FRACTION))
    session = TrainingSession(spec, data, replace(config, steps=steps))
    (x_low, x_high), (y_low, y_high) = data.input_range
    grid = (np.linspace(x_low, x_high, GRID_POINTS), np.linspace(y_low, y_high, GRID_POINTS))
    job = TrainingJob([session], grid)
    server = shared_server()
    runner = JobRunner(max_rate=30.0)
    loop = QtCore.QEventLoop()
    runner.finished.connect(loop.quit)
    start = time.perf_counter()
    runner.start(job if server is None else ProcessJob(job, server))
    loop.exec()
    return steps / (time.perf_counter() - start)


def _paired_ratio(measured: list[float], bares: list[float]) -> float:
    """Median of the ratios of runs made back to back: the machine's drift, which is slow,
    cancels within a pair."""
    return round(statistics.median(m / b for m, b in zip(measured, bares, strict=True)), 3)


def bench_window() -> tuple[QtWidgets.QApplication, object]:
    """The app and its main window, shown at a lecture-room size, on the network tab."""
    from gdsim.ui.app import create_application
    from gdsim.ui.main_window import MainWindow

    torch.set_num_threads(1)
    app = QtWidgets.QApplication.instance() or create_application(["bench"])
    window = MainWindow()
    window.resize(1280, 800)
    window.tabs.setCurrentWidget(window.mlp_panel)
    window.show()
    server = shared_server()
    if server is not None and not server.wait_ready(60.0):
        raise SystemExit("the training process did not start")
    settle(app)
    return app, window


def settle(app: QtWidgets.QApplication) -> None:
    """Let the window draw what it was shown or set to (its first exposure, a changed network's
    diagram and activation preview) before a run is timed: a user clicks Train on a window
    already drawn, so those repaints are not stalls of training. A few passes: painting posts
    layout requests and repaints of its own."""
    for _ in range(SETTLE_PASSES):
        app.processEvents()


def bench_training(repeats: int = 7) -> dict[str, dict[str, float]]:
    """Per case: steps/s of the bare loop, of the worker alone and of the app drawing live plots,
    the ratios to the bare loop, and the longest GUI stall and its 99th percentile in ms (the
    worst run's)."""
    app, window = bench_window()
    panel = window.mlp_panel
    results: dict[str, dict[str, float]] = {}
    for hidden, batch in CASES:
        name = f"2-{'-'.join(map(str, hidden))}-1, " + (f"batch {batch}" if batch else "full batch")
        spec = NetworkSpec.for_task("binary", 2, hidden=tuple((w, "relu") for w in hidden))
        config = replace(TrainingConfig(lr=0.1), batch_size=batch)
        probe = bare_steps_per_second(spec, config, 200)
        steps = max(500, int(probe * TARGET_SECONDS))
        configure_panel(panel, hidden, batch, steps)
        settle(app)
        bares, workers, apps, stalls, p99s, starts, shares = [], [], [], [], [], [], []
        for _ in range(repeats):
            bares.append(bare_steps_per_second(spec, config, steps))
            workers.append(worker_steps_per_second(spec, config, steps))
            rate, gap, p99, first_frame, share = app_run(panel, app)
            apps.append(rate)
            stalls.append(gap)
            p99s.append(p99)
            starts.append(first_frame)
            shares.append(share)
        bare, worker, shown = (statistics.median(v) for v in (bares, workers, apps))
        stall = max(stalls)
        results[name] = {
            "bare_steps_per_s": round(bare),
            "worker_steps_per_s": round(worker),
            "worker_ratio": _paired_ratio(workers, bares),
            "app_steps_per_s": round(shown),
            "app_ratio": _paired_ratio(apps, bares),
            "max_gui_stall_ms": round(stall, 1),
            "p99_gui_stall_ms": round(max(p99s), 1),
            "click_to_first_frame_ms": round(statistics.median(starts), 1),
            "gui_cpu_share": round(statistics.median(shares), 3),
        }
    window.close()
    return results


def bench_lesson(repeats: int = 5) -> dict[str, float]:
    """Lesson 9's first step cut to LESSON_STEPS steps: seconds from the click on Train to the
    finished frame in the app and headless (alternating, medians), their ratio, the app's
    worst GUI stall and p99 in ms, and its GUI thread's CPU share."""
    app, window = bench_window()
    window.set_state(state_at(window.state(), load_lesson(LESSON_FILE), 0))
    panel = window.mlp_panel
    panel.steps_spin.setValue(LESSON_STEPS)
    settle(app)
    network = window.state().network
    data = make_dataset(network.dataset)
    config = replace(network.training, steps=LESSON_STEPS)

    def headless() -> None:
        TrainingSession(network.network, data, config).run()

    apps, headlesses, stalls, p99s, shares = [], [], [], [], []
    headless()
    for _ in range(repeats):
        headlesses.append(_seconds(headless))
        start = time.perf_counter()
        _, stall, p99, _, share = app_run(panel, app)
        apps.append(time.perf_counter() - start)
        stalls.append(stall)
        p99s.append(p99)
        shares.append(share)
    window.close()
    return {
        "app_s": round(statistics.median(apps), 3),
        "headless_s": round(statistics.median(headlesses), 3),
        "app_over_headless": _paired_ratio(apps, headlesses),
        "max_gui_stall_ms": round(max(stalls), 1),
        "p99_gui_stall_ms": round(max(p99s), 1),
        "gui_cpu_share": round(statistics.median(shares), 3),
    }


def _seconds(work: Callable[[], object]) -> float:
    """Wall time of one call (the runs alternate, so no warm-up call per sample)."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


COMPARE_COMMAND = "train --dataset circle --layers 16 --steps 3000"
COMPARE_RATES = (0.1, 1.0, 6.0, 10.0)


def bench_compare(repeats: int = 3) -> dict[str, float]:
    """Compare mode's cost: `gdsim train` (COMPARE_COMMAND) at one rate, and at four rates as
    one batch (its stacked step, and its generic step as other optimizers take) and as
    separate sessions, in seconds beyond start-up (median of `repeats` alternating runs) and
    as ratios to the one rate."""
    torch.set_num_threads(1)
    setup = network_setup(build_parser().parse_args(COMPARE_COMMAND.split()))

    def sessions(rates: tuple[float, ...]) -> list[TrainingSession]:
        return [
            TrainingSession(setup.spec, setup.dataset, replace(setup.config, lr=lr))
            for lr in rates
        ]

    def batched() -> None:
        batch = SessionBatch(sessions(COMPARE_RATES))
        while not batch.finished:
            batch.step(setup.config.steps)

    def generic() -> None:
        with patch.object(StackedDescent, "of", return_value=None):
            batch = SessionBatch(sessions(COMPARE_RATES))
        while not batch.finished:
            batch.step(setup.config.steps)

    def separate() -> None:
        for session in sessions(COMPARE_RATES):
            session.run()

    def one() -> None:
        sessions(COMPARE_RATES[:1])[0].run()

    works = {"one": one, "batched": batched, "generic": generic, "separate": separate}
    times: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repeats):
        for name, work in works.items():
            times[name].append(median_seconds(work, 1))
    one_s, batched_s, generic_s, separate_s = (statistics.median(times[k]) for k in times)
    return {
        "one_rate_s": round(one_s, 3),
        "four_rates_batched_s": round(batched_s, 3),
        "four_rates_generic_batch_s": round(generic_s, 3),
        "four_rates_separate_s": round(separate_s, 3),
        "batched_ratio": _paired_ratio(times["batched"], times["one"]),
        "generic_batch_ratio": _paired_ratio(times["generic"], times["one"]),
        "separate_ratio": _paired_ratio(times["separate"], times["one"]),
    }


SECTIONS = {"compare": bench_compare, "training": bench_training, "lesson9": bench_lesson}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(SECTIONS)
    results: dict[str, object] = {"training_path": "process" if process_training() else "thread"}
    for section in chosen:
        measured = SECTIONS[section]()
        results.update({section: measured} if section != "training" else measured)
    print(json.dumps(results, indent=2))
