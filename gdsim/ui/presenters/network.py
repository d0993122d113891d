"""The network builder's presenter: the training job, the worker thread and the paced redraw.

Data flow: the panel's `NetworkSpec` / `TrainingConfig` / `Dataset` (the core's frozen data)
-> `TrainingSession`s wrapped in a `TrainingJob` -> `JobRunner` (the one worker thread) ->
`TrainingFrame`s. The presenter keeps only the latest frame and emits it (`frameReady`) on its
own timer, never in the worker signal's slot, so drawing cost never slows training down; the
timer's interval follows `RedrawPacer`, which keeps the GUI thread's CPU share near GUI_SHARE,
and the slow views (decision map, diagram) are redrawn only when the worker computed them anew
and their own budget (`SideWorkBudget`, DETAIL_SHARE of the GUI thread) allows.

While the worker runs, the sessions belong to it: every change reaches them through
`JobRunner.call` (a new learning rate takes effect at the next step). A change to the network
or the data rebuilds the job from scratch after the worker has stopped.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore

from gdsim.core.compare import (
    SETTINGS,
    CompareError,
    CompareRun,
    CompareValue,
    compare_runs,
    parse_values,
    values_text,
)
from gdsim.core.datasets import Dataset
from gdsim.core.limits import MAX_RUNS
from gdsim.core.network import NetworkSpec
from gdsim.core.pacing import RedrawPacer, SideWorkBudget
from gdsim.core.state.network import DEFAULT_COMPARE_LRS
from gdsim.core.training import (
    ConfigError,
    TrainingConfig,
    TrainingSession,
    configs_for_rates,
    parse_learning_rates,
    rates_text,
)
from gdsim.core.training_job import LIVE_DETAIL_S, LIVE_SLOWEST_S, TrainingFrame, TrainingJob
from gdsim.core.training_server import ProcessJob, shared_server
from gdsim.core.unit_maps import check_weight_index, parse_weight
from gdsim.ui.workers import JobRunner

GRID_POINTS = 80
"""Decision-map resolution per axis: 6,400 forward passes per frame, well under a millisecond."""

REDRAW_MS = 33
SLOWEST_REDRAW_MS = 333
"""While training runs the curves are redrawn at least three times a second, however slow
the machine: they stay live."""
GUI_SHARE = 0.04
"""While training runs, drawing may take this share of the time (it holds the GIL the worker
needs); redraws, and the worker's frames with them, are spaced to keep it so."""
DETAIL_SHARE = 0.03
"""The decision map and the network diagram change slowly and cost most to paint: while
training runs they are redrawn only when the worker computed them anew, at most every
LIVE_DETAIL_S and no more often than keeps their cost (the GUI thread's CPU time from their
redraw to the next frame: painting included) near this share; every frame when paused or
done."""
PAUSE_TO_EDIT = "pause training to edit a weight (it changes at every step)"
"""Why a weight is not edited while training runs (`edit_weight`)."""


class NetworkPresenter(QtCore.QObject):
    """Owns the job and its worker; emits `frameReady(frame, detail)` at the paced rate, where
    `detail` says whether the slow views (decision map, diagram) are due a redraw."""

    frameReady = QtCore.Signal(object, bool)
    paused = QtCore.Signal(object)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    notice = QtCore.Signal(str)
    """A run left the training process for the worker thread: one line for the status bar."""
    runningChanged = QtCore.Signal()

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(self, max_rate=1000 / REDRAW_MS)
        self._pacer = RedrawPacer(
            fastest_ms=REDRAW_MS, slowest_ms=SLOWEST_REDRAW_MS, share=GUI_SHARE
        )
        self._detail_budget = SideWorkBudget(DETAIL_SHARE, LIVE_DETAIL_S, LIVE_SLOWEST_S)
        self._detail_drawn: tuple[float, float] | None = None
        """(wall, GUI thread CPU) when the slow views were last redrawn while training ran,
        until their cost is booked at the next redraw."""
        self._drawn_prediction: np.ndarray | None = None
        """The prediction the slow views show: a frame that reuses it needs no detail."""
        self.job: TrainingJob | None = None
        self._server = shared_server()
        """The training process, started now in the background (None: runs train in the
        worker thread, `GDSIM_TRAINING=thread`)."""
        self._run: TrainingJob | ProcessJob | None = None
        """What the worker advances: `job`, or its `ProcessJob` when it may train in the
        training process; commands sent while it runs go to it."""
        self.frame: TrainingFrame | None = None
        self.pace: float | None = None
        """Optimizer steps per second per run while training (None: full speed)."""
        self.shown_run = 0
        """The compare run the decision map and the diagram show; kept across rebuilds."""
        self.compare_rates = list(DEFAULT_COMPARE_LRS)
        """The compare rates in use: the last ones typed that training accepted. A refused
        text stays in its field to be corrected, but never reaches the runs."""
        self.compare_setting = "lr"
        """The setting compare mode varies (`gdsim.core.compare.SETTINGS`)."""
        self._held: tuple[str, ...] = ()
        """The training settings each run of the job keeps as its own (see `rebuild`)."""
        self.compare_values: dict[str, tuple[CompareValue, ...]] = {
            key: compared.defaults for key, compared in SETTINGS.items() if key != "lr"
        }
        """Every other setting's values in use, kept while another setting is compared."""
        self._dirty = False
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.runner.progress.connect(self._on_frame)
        self.runner.pausedAt.connect(self._on_paused)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self.failed)
        self.runner.runningChanged.connect(self.runningChanged)
        self._timer.start()

    # ------------------------------------------------------------------ state

    @property
    def live(self) -> bool:
        """The worker is computing (not paused yet): the pacer stretches the redraw interval,
        and exports wait (the job is whole and here only once the pause is reached)."""
        return not self.runner.is_at_rest()

    def can_train(self) -> bool:
        return self.job is not None

    def needs_rebuild(self) -> bool:
        """Train and Step start over from the initial weights when nothing is left to run."""
        return not self.runner.is_running() and (self.job is None or self.job.finished)

    def accept_rates(self, text: str, config: TrainingConfig) -> bool:
        """Put typed compare rates in use if `config` can train at each (an optimizer may
        allow less than float32 does); True if they differ from those in use. A refusal
        raises ConfigError saying which rates stay in use, and changes nothing."""
        try:
            rates = parse_learning_rates(text, MAX_RUNS)
            parse_values("lr", text)  # refuses a rate typed twice (0.1, 0.10) as the CLI does
            configs_for_rates(config, rates)
        except ConfigError as error:
            raise ConfigError(
                f"{error}; the previous rates {rates_text(self.compare_rates)} stay in use"
            ) from None
        changed = rates != self.compare_rates
        self.compare_rates = rates
        return changed

    def fall_back_to_usable_rates(self, config: TrainingConfig) -> None:
        """The rates last in use may not suit the optimizer chosen since (1e38 with Adam):
        then compare mode starts from the lecture's rates rather than with no runs at all."""
        try:
            configs_for_rates(config, self.compare_rates)
        except ConfigError:
            self.compare_rates = list(DEFAULT_COMPARE_LRS)

    def values_in_use(self) -> tuple[CompareValue, ...]:
        """The compared setting's values in use (the rates for the learning rate)."""
        if self.compare_setting == "lr":
            return tuple(self.compare_rates)
        return self.compare_values[self.compare_setting]

    def accept_values(self, text: str, spec: NetworkSpec, config: TrainingConfig) -> bool:
        """Put typed values of the compared setting in use if every run can be built with
        them; True if they differ from those in use. A refusal raises ConfigError saying which
        values stay in use, and changes nothing (the learning rate: `accept_rates`)."""
        key = self.compare_setting
        if key == "lr":
            return self.accept_rates(text, config)
        try:
            values = parse_values(key, text)
            compare_runs(spec, config, key, values)
        except CompareError as error:
            raise CompareError(
                f"{error}; the previous values {values_text(self.values_in_use())} stay in use"
            ) from None
        changed = values != self.compare_values[key]
        self.compare_values[key] = values
        return changed

    def fall_back_to_usable_values(self, spec: NetworkSpec, config: TrainingConfig) -> None:
        """Values last in use that no longer build (an activation compare on a network left
        with no hidden layer keeps failing) give way to the setting's defaults."""
        key = self.compare_setting
        if key == "lr":
            self.fall_back_to_usable_rates(config)
            return
        try:
            compare_runs(spec, config, key, self.values_in_use())
        except CompareError:
            self.compare_values[key] = SETTINGS[key].defaults_for(spec)

    def runs(
        self,
        spec: NetworkSpec,
        config: TrainingConfig,
        compare: bool,
        train_size: int | None = None,
    ) -> list[CompareRun]:
        """The runs to train: one per compared value, or the one run `config` describes
        (raises ConfigError naming a run that cannot be built); `train_size` names a batch
        that large the full batch."""
        if not compare:
            return compare_runs(spec, config, "lr", [config.lr])
        return compare_runs(spec, config, self.compare_setting, self.values_in_use(), train_size)

    # ------------------------------------------------------------------ commands

    def rebuild(
        self, runs: Sequence[CompareRun], data: Dataset, held: Sequence[str] = ()
    ) -> TrainingJob:
        """A new job from the initial weights (the worker must be stopped). A refused setting
        raises the core's error and leaves no job (Train stays disabled until one is built).
        `held` names the training settings the runs differ in (a compare's `config_fields`):
        a live change of settings leaves each run its own."""
        self.runner.stop()
        self._held = tuple(held)
        self.job = None
        sessions = [TrainingSession(run.spec, data, run.config) for run in runs]
        (x_low, x_high), *rest = data.input_range
        xs = np.linspace(x_low, x_high, GRID_POINTS)
        ys = np.linspace(*rest[0], GRID_POINTS) if rest else None
        self.shown_run = min(self.shown_run, len(sessions) - 1)
        names = [run.name for run in runs]
        self.job = TrainingJob(sessions, (xs, ys), shown=self.shown_run, names=names)
        self.job.set_paced(self.pace is not None)
        return self.job

    def clear(self) -> None:
        """No job and no frame (drawn points that cannot train yet): Train waits for a
        rebuild."""
        self.runner.stop()
        self.job = None
        self.frame = None
        self.runningChanged.emit()

    def start(self, paused: bool = False) -> None:
        """Start the job in the worker, or resume a paused one."""
        if self.runner.is_running():
            self.runner.resume()
        elif self.job is not None:
            self._start_worker(self.job, paused)
        self.runningChanged.emit()

    def _start_worker(self, job: TrainingJob, paused: bool) -> None:
        """Run `job` in the worker: through the training process when there is one (the
        job's state comes back whenever the worker pauses, steps or ends, gdsim/core/
        training_server.py), else in the worker thread itself."""
        self._server = shared_server()
        self._run = job if self._server is None else ProcessJob(job, self._server)
        self.runner.start(self._run, paused=paused)

    def step(self) -> None:
        """One optimizer step per run, then stay paused."""
        if self.job is None:
            return
        if not self.runner.is_running():
            self._start_worker(self.job, paused=True)
        self._send("step_once")
        self.runner.step()
        self.runningChanged.emit()

    def set_pace(self, rate: float | None) -> None:
        """Train at `rate` steps a second per run (None: full speed), so a teacher can narrate
        it; a running job takes it before its next step. The worker waits between steps on
        its wake event, so pause, Step and Stop stay immediate at every pace."""
        self.pace = rate
        self.runner.set_pace(rate)
        if self.job is not None:
            self._send("set_paced", rate is not None)

    def toggle_pause(self) -> None:
        if not self.runner.is_running():
            return
        if self.runner.is_paused():
            self.runner.resume()
        else:
            self.runner.pause()
        self.runningChanged.emit()

    def stop(self) -> None:
        """End the worker; the trained state stays (shown at once)."""
        self.runner.stop()
        if self.job is not None:
            self.show_now(self.job.snapshot())
        self.runningChanged.emit()

    def set_lr(self, lr: float) -> None:
        if self.job is not None:
            self._send("set_lr", lr)

    def set_hyper(self, **changes: object) -> None:
        """Change training settings between steps, every run alike but for those it holds."""
        changes = {name: value for name, value in changes.items() if name not in self._held}
        if self.job is not None:
            self._send("set_hyper", **changes)

    def edit_weight(self, layer: int, row: int, column: int, text: str) -> str | None:
        """Set a weight of the shown run to the typed `text` between two steps (through the
        worker while it is paused, at once while nothing runs); the next frame shows it.
        Never while training runs: then, or for bad text, the reason, and nothing changes."""
        job = self.job
        if self.live:
            return PAUSE_TO_EDIT
        if job is None:
            return "no network to edit: see the message above"
        try:
            value = parse_weight(text)
            check_weight_index(job.sessions[self.shown_run].model, layer, row, column)
        except (ValueError, IndexError) as error:
            return f"weight not changed: {error}"
        self._send("set_weight", layer, row, column, value)
        if not self.runner.is_running():
            self.show_now(job.snapshot())
        return None

    def show_run(self, index: int) -> bool:
        """Show run `index`: while the worker runs its next frame carries it; a stopped or
        finished session is shown at once. False for an index no run has."""
        job = self.job
        if job is None or not 0 <= index < len(job.sessions):
            return False
        self.shown_run = index
        self._send("show_run", index)
        if not self.runner.is_running():
            self.show_now(job.snapshot())
        return True

    def _send(self, command: str, *args: object, **kwargs: object) -> None:
        """Call the job's `command`: through the worker between two steps if it runs (the
        job may be in the training process then), else now."""
        if self.runner.is_running() and self._run is not None:
            self.runner.call(functools.partial(getattr(self._run, command), *args, **kwargs))
        elif self.job is not None:
            getattr(self.job, command)(*args, **kwargs)

    # ------------------------------------------------------------------ frames

    def show_now(self, frame: TrainingFrame) -> None:
        """Emit `frame` now (a rebuild, a stop, a run chosen while nothing runs)."""
        self.frame = frame
        self._dirty = True
        self.redraw()

    @QtCore.Slot()
    def redraw(self) -> None:
        """Emit the latest frame, at most once per timer tick, only if a new one arrived."""
        frame = self.frame
        if frame is None or not self._dirty:
            return
        self._dirty = False
        live = self.live
        wall, cpu = time.perf_counter(), time.thread_time()
        if self._detail_drawn is not None:
            started, cpu_before = self._detail_drawn
            self._detail_budget.done(started, cpu - cpu_before)
            self._detail_drawn = None
        new_detail = frame.prediction is not self._drawn_prediction
        detail = not live or (new_detail and self._detail_budget.due(wall))
        if detail:
            self._drawn_prediction = frame.prediction
            if live:
                self._detail_drawn = (wall, cpu)
        self.frameReady.emit(frame, detail)
        interval = self._pacer.next_interval(live)
        self._timer.setInterval(interval)
        self.runner.set_max_rate(1000 / interval)

    @QtCore.Slot(object)
    def _on_frame(self, frame: TrainingFrame) -> None:
        """Keep only the latest frame; the timer emits it."""
        self.frame = frame
        self._dirty = True
        run = self._run
        if isinstance(run, ProcessJob) and run.notice is not None:
            message, run.notice = run.notice, None
            self.notice.emit(message)

    @QtCore.Slot(object)
    def _on_paused(self, frame: TrainingFrame) -> None:
        """A paused worker sends a frame only when something changed (a run chosen, a
        setting): draw it whole at once, or the header showed the previous run's numbers
        for up to two seconds."""
        self._on_frame(frame)
        self._detail_budget.reset()
        self.redraw()
        self.paused.emit(frame)

    @QtCore.Slot(object)
    def _on_finished(self, frame: TrainingFrame) -> None:
        self._on_frame(frame)
        self.redraw()
        self.finished.emit(frame)
