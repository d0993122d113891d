"""Training sessions as one steppable job for `JobRunner`: the thin layer between the core's
`TrainingSession` and the network panel.

Why a job and not the session itself: the worker wants `advance()` to take a few milliseconds
(short enough that stop, pause and a new learning rate act at once, long enough that the
worker's per-call overhead is lost in the noise), and the GUI wants one self-contained frame
(`TrainingFrame`) it can redraw from without touching the sessions, which live in the worker
thread while training runs. Compare mode is the same job over several sessions (one per
compared value, `gdsim.core.compare`) advanced together: as one batch (`SessionBatch`,
gdsim/core/batched_training.py: one backward pass and one optimizer step for every run) when
`batch_refusal` allows (runs that differ only in the learning rate), else one session after
another, each exactly as it trains alone.

Everything costly (full-set losses, weights, the decision map) is computed in `snapshot()`,
which the runner calls at most ~30 times a second, never per step. While the job runs at full
speed the runner asks for `live_snapshot()` instead: the loss curves are new in every frame, but
the full-set numbers and verdicts, and the decision map and weights, are refreshed on a budget
(`SideWorkBudget`, gdsim/core/pacing.py): each costs a forward pass over thousands of points that
the worker would otherwise give to training, so each is timed and spaced to take at most
LIVE_SHARE of the worker's time, at most every LIVE_STATE_S / LIVE_DETAIL_S and at least every
LIVE_SLOWEST_S; a frame sent when the job stops, pauses, finishes or single-steps is computed
whole.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from gdsim.core.batched_training import SessionBatch
from gdsim.core.confusion import Confusion, session_confusions
from gdsim.core.csv_export import TrainingHistory
from gdsim.core.pacing import SideWorkBudget
from gdsim.core.training import Snapshot, ThinnedRecord, TrainingConfig, TrainingSession
from gdsim.core.unit_maps import map_grid, unit_maps
from gdsim.core.verdict import Verdict

TARGET_ADVANCE_S = 0.008
"""Wall time one `advance()` aims at: stop/pause/lr react within ~10 ms, overhead stays <1%."""

MAX_CHUNK = 20_000
DISPLAY_POINTS = 1_000
"""Loss curves are thinned to about this many points (min and max kept per bin, so a spike
or an oscillation stays visible) before they cross to the GUI thread."""

METRIC_CAPACITY = 2_000
"""Full-set evaluations are made every `TrainingConfig.evaluation_every` steps (EVALUATIONS
over the budget, gdsim/core/training.py), on top of those each frame makes: frames are a few a
second while training runs at full speed, so without these a short run's validation curve
would be a handful of straight segments. They are the evaluations the stop rules count."""

LIVE_STATE_S = 0.1
"""While training runs, a run's full-set losses, metrics and verdict are refreshed at most this
often (the header's numbers change ten times a second, faster than anyone reads them)."""
LIVE_DETAIL_S = 0.25
"""While training runs, the decision map and the diagram's weights are computed at most this
often: the panel redraws them no more often than that (gdsim/ui/presenters/network.py)."""
LIVE_SLOWEST_S = 0.5
"""...and both at least this often, however costly, so the views stay live."""
LIVE_SHARE = 0.015
"""The share of the worker's time each of the two (state, detail) may take while training runs
at full speed: 3% in all, measured per frame, so a large network or a slow machine gets fewer
refreshes rather than slower training."""


class Stepper(Protocol):
    """What `TrainingJob` steps: a `TrainingSession` or a `SessionBatch` of them."""

    @property
    def config(self) -> TrainingConfig: ...

    @property
    def step_count(self) -> int: ...

    @property
    def finished(self) -> bool: ...

    def step(self, n: int = 1) -> object: ...


@dataclass(frozen=True)
class RunFrame:
    """One run as the GUI draws it. `verdict` is None before the first step; while training
    it is the verdict of the history so far. `sharpness` is measured at `sharpness_steps`
    (empty unless the run's config asks for it: `TrainingConfig.sharpness_every`).
    `smoothed` is the moving average of `losses` (`LossEma`), drawn bold over the faint raw
    losses when they are `noisy` (minibatches or dropout); `penalty_name` names the L1/L2
    penalty the losses include ("L2", "L1 + L2"; "" for none); `best_step` is early
    stopping's best validation step. Why the run ended is `state.stop_reason`."""

    lr: float
    state: Snapshot
    loss_steps: np.ndarray
    losses: np.ndarray
    val_steps: np.ndarray
    val_losses: np.ndarray
    metric_steps: np.ndarray
    train_metric: np.ndarray
    val_metric: np.ndarray
    verdict: Verdict | None
    sharpness_steps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    sharpness: np.ndarray = field(default_factory=lambda: np.empty(0))
    smoothed_steps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    smoothed: np.ndarray = field(default_factory=lambda: np.empty(0))
    noisy: bool = False
    penalty_name: str = ""
    best_step: int | None = None
    name: str = ""
    """How curves, badges and the header name the run in compare mode ('η = 0.1', 'Tanh')."""


@dataclass(frozen=True)
class TrainingFrame:
    """Everything the panel redraws, copied in the worker. `weights` and `prediction` belong
    to run `shown`: prediction is the model over the job's grid ((ny, nx) for 2D inputs, the
    fitted curve (nx,) for 1D inputs). `unit_maps` (run `shown` too, at the same rate) holds
    every layer's unit outputs over a coarse grid of the same extent (`gdsim.core.unit_maps`);
    `confusion` run `shown`'s (training, validation) confusion matrices for classification,
    computed with the prediction."""

    runs: tuple[RunFrame, ...]
    shown: int
    weights: list[tuple[np.ndarray, np.ndarray]]
    prediction: np.ndarray
    unit_maps: list[np.ndarray] = field(default_factory=list)
    confusion: tuple[Confusion, Confusion] | None = None


def thin_for_display(
    steps: np.ndarray, values: np.ndarray, max_points: int = DISPLAY_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """At most ~max_points points: per bin, the lowest and the highest value (in step order),
    so a thinned curve keeps the envelope of an oscillation and the peak of a blow-up."""
    n = len(values)
    if n <= max_points:
        return steps, values
    bin_size = -(-n // (max_points // 2))
    bins = -(-n // bin_size)
    padded = np.empty(bins * bin_size)
    padded[:n] = values
    padded[n:] = values[-1]
    padded[np.isnan(padded)] = np.inf
    padded = padded.reshape(bins, bin_size)
    offsets = np.arange(bins) * bin_size
    lows = offsets + padded.argmin(axis=1)
    highs = offsets + padded.argmax(axis=1)
    # Each bin's two picks in step order, bins in order: sorted already, so dropping repeats
    # is all `np.unique` did, without its sort (this runs in the worker at every frame).
    picks = np.minimum(np.stack([np.minimum(lows, highs), np.maximum(lows, highs)], 1), n - 1)
    picks = np.append(picks.ravel(), n - 1)
    picks = picks[np.append(True, picks[1:] != picks[:-1])]
    return steps[picks], values[picks]


class TrainingJob:
    """Advances one or more `TrainingSession`s in chunks sized to ~TARGET_ADVANCE_S.

    Call `set_lr`, `set_hyper`, `step_once` and `show_run` only in the worker thread (through
    `JobRunner.call`) while the job runs; they take effect before the next chunk.
    """

    def __init__(
        self,
        sessions: Sequence[TrainingSession],
        grid: tuple[np.ndarray, np.ndarray | None],
        shown: int = 0,
        names: Sequence[str] | None = None,
    ) -> None:
        if not sessions:
            raise ValueError("a training job needs at least one session")
        self.sessions = list(sessions)
        self.names = list(names) if names else [rate_name(s.config.lr) for s in sessions]
        """Each run's name (`gdsim.core.compare` names what a compare varies); by default
        its learning rate."""
        self._grid = grid
        self._map_grid = map_grid(*grid)
        self._shown = shown
        self._chunk = 4
        self._single_step = False
        self._paced = False
        self._metrics = [ThinnedRecord[tuple[float, float]](METRIC_CAPACITY) for _ in sessions]
        self._batch = SessionBatch.of(self.sessions)
        self._last: TrainingFrame | None = None
        self._state_budget = SideWorkBudget(LIVE_SHARE, LIVE_STATE_S, LIVE_SLOWEST_S)
        self._detail_budget = SideWorkBudget(LIVE_SHARE, LIVE_DETAIL_S, LIVE_SLOWEST_S)

    def __getstate__(self) -> dict[str, object]:
        """What a job is, for the training process (gdsim/core/training_server.py): its
        attributes less the batch, which is bound to the sessions' tensors and optimizers and
        is bound again on arrival, as after a change of settings (`_rebatch`)."""
        state = self.__dict__.copy()
        del state["_batch"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._rebatch()

    @property
    def one_step_at_a_time(self) -> bool:
        """Paced, or a single step due: what the worker thread trains itself rather than
        send to the training process (gdsim/core/training_server.py)."""
        return self._paced or self._single_step

    @property
    def batched(self) -> bool:
        """Whether the runs still training train as one batch."""
        return self._batch is not None and not self._batch.finished

    def _units(self) -> list[tuple[list[int], Stepper]]:
        """What `advance` steps: the batch (with its runs' indices) and each run outside it."""
        batch = self._batch
        inside = {id(s) for s in batch.sessions} if batch is not None else set()
        units: list[tuple[list[int], Stepper]] = [
            ([i], s) for i, s in enumerate(self.sessions) if id(s) not in inside
        ]
        if inside:
            units.insert(0, ([i for i, s in enumerate(self.sessions) if id(s) in inside], batch))
        return units

    @property
    def finished(self) -> bool:
        return all(session.finished for session in self.sessions)

    @property
    def chunk(self) -> int:
        """Steps per session in the next `advance()` (adapted to the measured speed)."""
        return self._chunk

    def advance(self) -> bool:
        """Run one chunk of steps on every unfinished session; False once all are finished."""
        if self._single_step:
            self._single_step = False
            for _, unit in self._units():
                unit.step(1)
            return not self.finished
        if self._paced:
            for indices, unit in self._units():
                self._step_and_evaluate(indices, unit, 1)
            return not self.finished
        start = time.perf_counter()
        for indices, unit in self._units():
            self._step_and_evaluate(indices, unit, self._chunk)
        self._adapt_chunk(time.perf_counter() - start)
        return not self.finished

    def fresh_copy(self) -> TrainingJob:
        """The same runs back at their initial weights (sessions are seeded), settings as now."""
        sessions = [TrainingSession(s.spec, s.dataset, s.config) for s in self.sessions]
        return TrainingJob(sessions, self._grid, shown=self._shown, names=self.names)

    def advance_to(self, step: int, max_steps: int = 256) -> bool:
        """Step every run towards `step` (at most `max_steps` updates each, evaluations
        included); True once every run is there or finished."""
        for indices, unit in self._units():
            missing = step - unit.step_count
            if missing > 0 and not unit.finished:
                self._step_and_evaluate(indices, unit, min(missing, max_steps))
        return all(s.finished or s.step_count >= step for s in self.sessions)

    def set_paced(self, paced: bool) -> None:
        """Paced (a narrated run, the worker spacing `advance()` calls): each call is one step
        per run, evaluations included, so the pace counts optimizer steps. Unpaced: chunks
        sized to TARGET_ADVANCE_S, as fast as the machine goes."""
        self._paced = paced

    def _step_and_evaluate(self, indices: list[int], unit: Stepper, steps: int) -> None:
        """`steps` updates of a session or a batch (runs `indices`, all at the same step),
        cut where an evaluation falls due (every `config.evaluation_every` steps, step 0
        included)."""
        every = unit.config.evaluation_every
        while True:
            last = self._metrics[indices[0]].last_step
            if last is None or unit.step_count - last >= every:
                for index in indices:
                    self._record(index, self.sessions[index])
                last = unit.step_count
            if steps <= 0 or unit.finished:
                return
            n = min(steps, every - (unit.step_count - last))
            unit.step(n)
            steps -= n

    def _adapt_chunk(self, elapsed: float) -> None:
        """Aim the next chunk at TARGET_ADVANCE_S; change by at most 2x per call, so one slow
        chunk (a first call that loads torch kernels) does not swing it to an extreme."""
        if elapsed <= 0:
            self._chunk = min(MAX_CHUNK, self._chunk * 2)
            return
        wanted = self._chunk * TARGET_ADVANCE_S / elapsed
        self._chunk = int(min(MAX_CHUNK, max(1, self._chunk / 2, min(wanted, self._chunk * 2))))

    def step_once(self) -> None:
        """Make the next `advance()` a single optimizer step (the panel's Step button)."""
        self._single_step = True

    def set_lr(self, lr: float) -> None:
        """New base learning rate for the (single) run; weights and optimizer state stay."""
        for session in self.sessions:
            session.set_lr(lr)
        self._rebatch()

    def set_hyper(self, **changes: object) -> None:
        for session in self.sessions:
            session.set_hyper(**changes)
        self._rebatch()

    def _rebatch(self) -> None:
        """Bind the runs still training again after a change of settings (a new optimizer
        lives in the sessions; a setting may now forbid or allow a batch)."""
        self._batch = SessionBatch.of([s for s in self.sessions if not s.finished])

    def set_weight(self, layer: int, row: int, column: int, value: float) -> None:
        """Set one weight of the shown run by hand (the diagram's editor); the next frame is
        computed at the edited weights."""
        self.sessions[self._shown].set_weight(layer, row, column, value)
        self._rebatch()

    def show_run(self, index: int) -> None:
        """Which run's weights and prediction the frames carry (compare mode's choice)."""
        self._shown = min(max(0, index), len(self.sessions) - 1)

    def snapshot(self) -> TrainingFrame:
        """Copy what the panel draws, all of it computed now."""
        return self._frame(live=False)

    def live_snapshot(self) -> TrainingFrame:
        """A frame while training runs at full speed (see the module docstring): the curves
        are current; the full-set numbers, verdicts, weights and decision map may be those
        of the last frame, each refreshed when its budget (`SideWorkBudget`) says so."""
        return self._frame(live=True)

    def _frame(self, live: bool) -> TrainingFrame:
        start = time.perf_counter()
        last = self._last
        if live and last is not None and not self._state_budget.due(start):
            runs = tuple(self._run_frame(i, s, last.runs[i]) for i, s in enumerate(self.sessions))
        else:
            runs = tuple(self._run_frame(i, s) for i, s in enumerate(self.sessions))
            self._state_budget.done(start, time.perf_counter() - start)
        detail_start = time.perf_counter()
        if (
            live
            and last is not None
            and last.shown == self._shown
            and not self._detail_budget.due(detail_start)
        ):
            weights, prediction, maps = last.weights, last.prediction, last.unit_maps
            confusion = last.confusion
        else:
            session = self.sessions[self._shown]
            xs, ys = self._grid
            prediction = np.asarray(session.predict_grid(xs, ys), dtype=np.float32)
            weights = session.layer_weights()
            maps = unit_maps(session.model, *self._map_grid)
            confusion = session_confusions(session)
            self._detail_budget.done(detail_start, time.perf_counter() - detail_start)
        self._last = TrainingFrame(runs, self._shown, weights, prediction, maps, confusion)
        return self._last

    def histories(self) -> list[TrainingHistory]:
        """Every run's whole record, unthinned for display (File > Export data). Call it
        only while no worker advances the job (paused, stopped or finished)."""
        histories = []
        for session, metrics in zip(self.sessions, self._metrics, strict=True):
            loss_steps, losses = session.history.arrays()
            histories.append(
                TrainingHistory(
                    lr=session.config.lr,
                    metric="r2" if session.spec.task == "regression" else "accuracy",
                    steps=session.step_count,
                    has_validation=len(session.dataset.x_val) > 0,
                    loss_steps=loss_steps,
                    losses=losses,
                    **_evaluations(session, metrics),
                )
            )
        return histories

    def _record(self, index: int, session: TrainingSession) -> Snapshot:
        """Evaluate the session now and, at one of its evaluations (`evaluation_due`: its
        validation history records the loss then), keep the metrics of this step."""
        state = session.snapshot()
        metrics = self._metrics[index]
        if session.evaluation_due and metrics.last_step != state.step:
            metrics.append(state.step, (state.train_metric, _or_nan(state.val_metric)))
        return state

    def _run_frame(
        self, index: int, session: TrainingSession, last: RunFrame | None = None
    ) -> RunFrame:
        """Run `index` as drawn now; with `last`, its full-set state and verdict are kept."""
        if last is None:
            state = self._record(index, session)
            # A stop rule met by the initial weights ends a run with no step, and a verdict.
            verdict = session.verdict if len(session.history) or session.finished else None
        else:
            state, verdict = last.state, last.verdict
        steps, losses = session.history.arrays()
        smoothed_steps, smoothed = thin_for_display(*session.smoothed.arrays())
        steps, losses = thin_for_display(steps, losses)
        sharpness_steps, sharpness = session.sharpness()
        config = session.config
        return RunFrame(
            lr=session.config.lr,
            state=state,
            loss_steps=steps,
            losses=losses,
            **_evaluations(session, self._metrics[index]),
            verdict=verdict,
            sharpness_steps=sharpness_steps,
            sharpness=sharpness,
            smoothed_steps=smoothed_steps,
            smoothed=smoothed,
            noisy=session.noisy_losses,
            penalty_name=config.penalty_name,
            best_step=session.best_step,
            name=self.names[index],
        )


class ReplayJob:
    """Trains fresh copies of a job's runs from the same initial weights (same spec, data,
    configuration and seed, so the same steps) and keeps a frame at each of `positions`:
    the frames of an exported training animation.

    Why a replay: a running job keeps neither past weights nor past decision maps, and frames
    recorded while training would follow the redraw rate (a full-speed run of 1,000 steps
    gives about ten); a replay gives evenly spaced frames of the whole run, at any pace it was
    trained. A learning rate moved in the middle of the run is not replayed: the replay trains
    with the settings in use now. A steppable job for `JobRunner`.
    """

    def __init__(self, job: TrainingJob, positions: Sequence[int]) -> None:
        self._job = job.fresh_copy()
        self.positions = list(positions)
        self.frames: list[TrainingFrame] = []

    def advance(self) -> bool:
        """A few hundred steps towards the next position; a frame once it is reached."""
        if self._job.advance_to(self.positions[len(self.frames)]):
            self.frames.append(self._job.snapshot())
        return len(self.frames) < len(self.positions)

    def snapshot(self) -> int:
        """How many frames are ready."""
        return len(self.frames)


def replay_length(job: TrainingJob) -> int:
    """Steps a replay covers: as far as the runs went, or their whole budget if none began."""
    done = max(session.step_count for session in job.sessions)
    return done or max(session.config.steps for session in job.sessions)


def rate_name(lr: float) -> str:
    """How a run is named on curves, badges and the header: 'η = 0.1', spelt as the surface
    explorer spells it (`gdsim.core.explain`)."""
    return f"η = {lr:g}"


def metrics_text(state: Snapshot) -> str:
    """The header's metrics line for one run: 'step 1,000  ·  train loss 0.1  ·  val loss
    0.12  ·  accuracy 97.5%  ·  val 95.0%' (R² as a plain number for regression), ending in
    '  ·  stopped: early stopping' when a stop rule ended the run."""
    name = "R²" if state.metric_name == "r2" else "accuracy"
    parts = [f"step {state.step:,}", f"train loss {state.train_loss:.4g}"]
    if state.val_loss is not None:
        parts.append(f"val loss {state.val_loss:.4g}")
    parts.append(f"{name} {_percent(state.train_metric, state.metric_name)}")
    if state.val_metric is not None:
        parts.append(f"val {_percent(state.val_metric, state.metric_name)}")
    if state.stop_reason in RULE_STOPS:
        parts.append(f"stopped: {state.stop_reason}")
    return "  ·  ".join(parts)


RULE_STOPS = ("target loss", "target accuracy", "early stopping")
"""The stop reasons of the stop rules (`TrainingConfig.stop_rules`): the ones the metrics line
and the curves name, since a run that used its budget or diverged says so already."""


def _percent(value: float, metric_name: str) -> str:
    return f"{value:.3f}" if metric_name == "r2" else f"{100 * value:.1f}%"


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _evaluations(
    session: TrainingSession, metrics: ThinnedRecord[tuple[float, float]]
) -> dict[str, np.ndarray]:
    """The validation losses and the metrics recorded so far, as arrays: what a frame draws
    and what a history exports, read one way."""
    val_items = session.val_history.items()
    metric_items = metrics.items()
    return {
        "val_steps": np.array([s for s, _ in val_items], dtype=np.int64),
        "val_losses": np.array([v for _, v in val_items], dtype=np.float64),
        "metric_steps": np.array([s for s, _ in metric_items], dtype=np.int64),
        "train_metric": np.array([m[0] for _, m in metric_items], dtype=np.float64),
        "val_metric": np.array([m[1] for _, m in metric_items], dtype=np.float64),
    }
