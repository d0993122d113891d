"""The surface explorer's presenter: it owns the ``SurfaceState`` and every recomputation.

Views report intents (``set_lr``, ``choose_surface``, ``select``...); the presenter changes the
state, recomputes and tells the views what to show through signals. Recomputing is coalesced by
a zero-delay single-shot timer, so a dragged slider recomputes at most once per event-loop
pass; short work (4 runs x 500 steps takes a few ms) runs in the GUI thread so the plot follows
the handle, and anything longer goes through ``JobRunner`` so the window never freezes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6 import QtCore

from gdsim.core.explain import (
    SurfaceFrame,
    Thresholds,
    cursor_text,
    lr_name,
    moved_inside,
    run_names,
    short_name,
    taming_note,
    thresholds_at,
)
from gdsim.core.limits import MAX_RUNS
from gdsim.core.presets import Preset
from gdsim.core.simulate import RunSpec, SimulationJob, SimulationResult, simulate
from gdsim.core.state import StateError, SurfaceState
from gdsim.core.state.surface import DEFAULT_STEPS
from gdsim.core.surfaces import Surface, parse_point, with_domain
from gdsim.core.verdict import (
    Verdict,
    classify_view,
    reference_minimum,
    same_minimum,
    settled_minimum,
    tame_learning_rate,
)
from gdsim.ui.widgets.log_slider import round_sig
from gdsim.ui.workers import JobRunner

SYNC_WORK = 4_000
"""Runs x steps computed in the GUI thread (~5-20 ms here); more goes to a worker thread."""

MIN_LR = 1e-5
"""The smallest step size offered: Goldstein-Price from its start needs 3.2e-5 not to diverge."""
MAX_LR = 10.0


class SurfacePresenter(QtCore.QObject):
    """State, recomputation and messages of the surface explorer (see the module docstring)."""

    surfaceChanged = QtCore.Signal(object)
    """A new ``Surface`` (or box): redraw it; the previous result is gone."""
    stateChanged = QtCore.Signal(object)
    """The ``SurfaceState`` changed: controls show it (without reporting it back)."""
    thresholdsChanged = QtCore.Signal(object)
    computing = QtCore.Signal()
    frameReady = QtCore.Signal(object)
    failed = QtCore.Signal()
    """A recompute failed: no verdict may stay showing (the reason goes to ``message``)."""
    message = QtCore.Signal(str, str)
    """(key, text) for the panel's message area; an empty text clears that message."""
    statusMessage = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._state = SurfaceState()
        self._surface = self._state.check()
        self._result: SimulationResult | None = None
        self._verdicts: list[Verdict] = []
        self._start_reference: tuple[float, ...] | None = None
        self._thresholds = Thresholds(None, None)
        self._thresholds_dirty = True
        self._tame_pending = False
        self._job_pending = False
        self._runner = JobRunner(self)
        self._runner.finished.connect(self._on_job_finished)
        self._runner.failed.connect(self._on_job_failed)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._recompute)

    # -- what the views read -------------------------------------------------------------------

    def state(self) -> SurfaceState:
        return self._state

    def surface(self) -> Surface:
        return self._surface

    def result(self) -> SimulationResult | None:
        return self._result

    def verdicts(self) -> list[Verdict]:
        return list(self._verdicts)

    def start_of(self, index: int) -> tuple[float, ...]:
        start = self._state.runs[index].start
        return tuple(self._surface.start if start is None else start)

    def describe_point(self, x: float, y: float) -> str:
        return cursor_text(self._surface, (x,) if self._surface.dim == 1 else (x, y))

    def show(self) -> None:
        """Tell the views everything once (after they are connected)."""
        self._apply_surface(self._surface, keep_starts=True)

    # -- whole states --------------------------------------------------------------------------

    def set_state(self, state: SurfaceState) -> bool:
        """Show ``state`` whole, or, when it cannot be shown, nothing (the message says why)."""
        try:
            surface = state.check()
        except StateError as error:
            self.message.emit("state", f"State not shown: {error}")
            return False
        self.message.emit("state", "")
        self._state = state
        self._apply_surface(surface, keep_starts=True)
        return True

    def load_preset(self, preset: Preset) -> bool:
        """A demo: its surface, step budget and runs (compare mode for several)."""
        state = SurfaceState(
            surface=preset.surface,
            params=dict(preset.params),
            runs=tuple(preset.runs),
            steps=preset.steps,
            compare=len(preset.runs) > 1,
            demo=preset.name,
        )
        try:
            surface = state.check()
        except StateError as error:
            self.message.emit("demo", f"{preset.title}: {error}")
            return False
        self.message.emit("demo", "")
        self._state = state
        self._apply_surface(surface, keep_starts=True)
        self.statusMessage.emit(f"Demo: {preset.title}")
        return True

    # -- surface -------------------------------------------------------------------------------

    def choose_surface(self, name_or_expression: str) -> bool:
        """A new surface from the combo or the formula field: runs restart from its start, the
        step budget suits its dimension, and the previous error message goes away."""
        candidate = replace(self._state, surface=name_or_expression, params={}, domain=None)
        try:
            surface = candidate.make_surface()
        except StateError as error:
            self.message.emit("expression", str(error).removeprefix("surface: "))
            return False
        steps = self._state.steps
        if surface.dim != self._surface.dim:
            steps = DEFAULT_STEPS[surface.dim]
        runs = tuple(replace(run, start=None) for run in self._state.runs)
        self._state = replace(candidate, runs=runs, steps=steps, demo=None, position=None)
        self.message.emit("outside", "")
        self._tame_pending = True
        self._thresholds = replace(self._thresholds, note="")
        self._apply_surface(surface, keep_starts=False)
        self.statusMessage.emit(f"Surface: {surface.title}")
        return True

    def set_params(self, params: dict[str, float]) -> None:
        """A new κ is a new surface: tame η as a change of surface does."""
        candidate = replace(self._state, params=params)
        try:
            surface = candidate.make_surface()
        except StateError as error:
            self.message.emit("params", str(error))
            return
        self.message.emit("params", "")
        self._state = candidate
        self._tame_pending = True
        self._thresholds = replace(self._thresholds, note="")
        self._apply_surface(surface, keep_starts=True)

    def set_domain(self, texts: list[str]) -> None:
        """A typed formula's new box; bad text says why and keeps the current one."""
        try:
            box = tuple(parse_point(text, 2) for text in texts[: self._surface.dim])
            surface = with_domain(self._surface, box)
        except ValueError as error:
            self.message.emit("expression", f"domain: {error}")
            return
        self.message.emit("expression", "")
        self._state = replace(self._state, domain=surface.domain)
        self._apply_surface(surface, keep_starts=True)

    def reset_domain(self) -> bool:
        """Back to a typed formula's default box; False for a named surface (only its view
        is reset)."""
        self.message.emit("expression", "")
        if not self._surface.typed:
            return False
        self._state = replace(self._state, domain=None)
        self._apply_surface(self._state.make_surface(), keep_starts=True)
        return True

    def _apply_surface(self, surface: Surface, keep_starts: bool) -> None:
        """Show ``surface``; the previous surface's result is dropped at once, so nothing
        (playback, the badge) draws old runs against the new surface before the recompute."""
        self._surface = surface
        self.message.emit("expression", "")
        if keep_starts:
            self._move_starts_inside()
        self._result = None
        self._verdicts = []
        self._thresholds_dirty = True
        self.surfaceChanged.emit(surface)
        self.stateChanged.emit(self._state)
        self._request_recompute()

    def _move_starts_inside(self) -> None:
        """Typed starts follow a new box into it (a start of 5e5 typed on a +-1e6 box, then
        Reset view, would otherwise diverge at step 0 off the plot); the first move is said."""
        moved = ""
        runs = list(self._state.runs)
        for index, run in enumerate(runs):
            if run.start is None:
                continue
            inside = self._surface.clamp(run.start)
            if inside != tuple(run.start):
                runs[index] = replace(run, start=inside)
                typed = ", ".join(f"{c:g}" for c in run.start)
                moved = moved or moved_inside(typed, inside)
        self._state = replace(self._state, runs=tuple(runs))
        if moved:
            self.message.emit("outside", moved)

    # -- runs ----------------------------------------------------------------------------------

    def _edit_selected(self, **changes: object) -> None:
        runs = list(self._state.runs)
        runs[self._state.selected] = replace(runs[self._state.selected], **changes)
        self._state = replace(self._state, runs=tuple(runs))
        self.stateChanged.emit(self._state)
        self._request_recompute()

    def set_lr(self, lr: float) -> None:
        if self._thresholds.note:
            self._thresholds = replace(self._thresholds, note="")
            self.thresholdsChanged.emit(self._thresholds)
        self._edit_selected(lr=lr)

    def set_optimizer(self, optimizer: str, hyper: dict[str, float]) -> None:
        self._thresholds_dirty = True
        self._edit_selected(optimizer=optimizer, hyper=hyper)

    def set_noise(self, noise: float) -> None:
        self._edit_selected(noise=noise)

    def set_steps(self, steps: int) -> None:
        self._state = replace(self._state, steps=steps)
        self._request_recompute()

    def set_position(self, position: int | None) -> None:
        """Where playback stands (kept for ``state()``; drawing follows the playback widget)."""
        self._state = replace(self._state, position=position)

    def set_compare(self, compare: bool) -> None:
        runs, selected = self._state.runs, self._state.selected
        if not compare and len(runs) > 1:
            runs, selected = (runs[selected],), 0
            self._thresholds_dirty = True
            self._request_recompute()
        self._state = replace(self._state, runs=runs, selected=selected, compare=compare)
        self.message.emit("runs", "")
        self.stateChanged.emit(self._state)

    def select(self, index: int) -> None:
        if index == self._state.selected or not 0 <= index < len(self._state.runs):
            return
        self._state = replace(self._state, selected=index)
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._request_recompute()

    def add_run(self) -> None:
        """A copy of the selected run with a step size twice as big (or half, near the top)."""
        runs = self._state.runs
        if len(runs) >= MAX_RUNS:
            self.message.emit("runs", f"At most {MAX_RUNS} runs side by side")
            return
        run = self._state.selected_run()
        lr = run.lr * 2 if run.lr * 2 <= MAX_LR else run.lr / 2
        added = replace(run, lr=round_sig(lr), seed=len(runs))
        self._state = replace(self._state, runs=(*runs, added), selected=len(runs))
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._request_recompute()

    def remove_run(self) -> None:
        runs = list(self._state.runs)
        if len(runs) <= 1:
            return
        del runs[self._state.selected]
        selected = min(self._state.selected, len(runs) - 1)
        self._state = replace(self._state, runs=tuple(runs), selected=selected)
        self.message.emit("runs", "")
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._request_recompute()

    def set_start(self, start: tuple[float, ...]) -> None:
        """Move the selected run's start, and every run that started with it."""
        old = self.start_of(self._state.selected)
        runs = tuple(
            replace(run, start=start) if self.start_of(k) == old else run
            for k, run in enumerate(self._state.runs)
        )
        self._state = replace(self._state, runs=runs)
        self.message.emit("outside", "")
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._request_recompute()

    def type_start(self, row: int, text: str) -> None:
        """A start typed into the runs table ("1.5", "-1, 2"); bad text keeps the old one."""
        try:
            start = parse_point(text, self._surface.dim)
        except ValueError as error:
            self.message.emit("start", f"Start not changed: {error}")
            QtCore.QTimer.singleShot(0, self._restate)  # not inside the table editor's commit
            return
        self.message.emit("start", "")
        inside = self._surface.clamp(start)
        moved = "" if inside == start else moved_inside(text.strip("() "), inside)
        self.message.emit("outside", moved)
        runs = list(self._state.runs)
        runs[row] = replace(runs[row], start=inside)
        self._state = replace(self._state, runs=tuple(runs), selected=row)
        self._thresholds_dirty = True
        QtCore.QTimer.singleShot(0, self._restate)
        self._request_recompute()

    @QtCore.Slot()
    def _restate(self) -> None:
        self.stateChanged.emit(self._state)

    # -- thresholds ----------------------------------------------------------------------------

    def _update_thresholds(self) -> None:
        """Thresholds at the minimum predicted from the selected run's start; after a change of
        surface, step sizes that would diverge at once are tamed to 1/λ first."""
        self._thresholds_dirty = False
        start = self.start_of(self._state.selected)
        with np.errstate(all="ignore"):
            self._start_reference = reference_minimum(self._surface, start)
        self._show_thresholds(self._start_reference, settled=False)
        if self._tame_pending:
            self._tame_pending = False
            note = self._tame_learning_rates(self._thresholds.lam)
            self._thresholds = replace(self._thresholds, note=note)
            self.thresholdsChanged.emit(self._thresholds)

    def _show_thresholds(self, reference: tuple[float, ...] | None, settled: bool) -> None:
        index = self._state.selected
        shown = thresholds_at(
            self._surface, reference, self._state.runs[index], self.start_of(index), settled
        )
        self._thresholds = replace(shown, note=self._thresholds.note)
        self.thresholdsChanged.emit(self._thresholds)

    def _follow_settled_minimum(self) -> None:
        """Thresholds at the minimum the selected run converged to when that is not the one
        predicted from its start (the double well's local valley), else at the predicted one."""
        result = self._result
        assert result is not None
        selected = min(self._state.selected, len(result) - 1)
        surface = self._surface
        with np.errstate(all="ignore"):
            settled = settled_minimum(surface, result.run(selected), self._verdicts[selected])
        start = self._start_reference
        if settled and start and same_minimum(surface, settled, start):
            settled = None
        shown = self._thresholds.reference
        target = self._start_reference if settled is None else settled
        if shown is None or target is None or not same_minimum(surface, shown, target):
            self._show_thresholds(target, settled=settled is not None)

    def _tame_learning_rates(self, lam: float | None) -> str:
        """Runs whose η diverges at once on the new surface get one that does not (see
        tame_learning_rate); the note says which and why, for the selected run if it was."""
        note = ""
        runs = list(self._state.runs)
        for index, run in enumerate(runs):
            taming = tame_learning_rate(self._surface, run, lam, MIN_LR)
            if taming is None:
                continue
            lr = max(round_sig(taming.lr), MIN_LR)
            runs[index] = replace(run, lr=lr)
            if index == self._state.selected or not note:
                title = self._surface.title
                note = taming_note(run.lr, lr, taming, title, lam, self._start_reference)
        if note:
            self._state = replace(self._state, runs=tuple(runs))
            self.stateChanged.emit(self._state)
        return note

    # -- computing -----------------------------------------------------------------------------

    def _request_recompute(self) -> None:
        """Coalesce: however many changes arrive in one event-loop pass, compute once."""
        if not self._timer.isActive():
            self._timer.start()

    @QtCore.Slot()
    def _recompute(self) -> None:
        if self._thresholds_dirty:
            self._update_thresholds()
        steps, runs = self._state.steps, list(self._state.runs)
        if self._runner.is_running():
            self._job_pending = True
            return
        if steps * len(runs) <= SYNC_WORK:
            try:
                result = simulate(self._surface, runs, steps)
            except ValueError as error:
                self._fail(str(error))
                return
            self._show_result(result)
            return
        self._job_pending = False
        self.computing.emit()
        self._runner.start(SimulationJob(self._surface, runs, steps))

    @QtCore.Slot(object)
    def _on_job_finished(self, result: SimulationResult | None) -> None:
        if self._job_pending or result is None:
            self._job_pending = False
            self._request_recompute()
            return
        self._show_result(result)

    @QtCore.Slot(str)
    def _on_job_failed(self, message: str) -> None:
        self._fail(message)

    def _fail(self, message: str) -> None:
        self._result = None
        self._verdicts = []
        self.message.emit("simulation", message)
        self.failed.emit()

    def _show_result(self, result: SimulationResult) -> None:
        self._result = result
        self._verdicts = [classify_view(result.run(k)) for k in range(len(result))]
        self.message.emit("simulation", "")
        self._follow_settled_minimum()
        self.frameReady.emit(self._frame(result))

    def _frame(self, result: SimulationResult) -> SurfaceFrame:
        specs: tuple[RunSpec, ...] = result.runs
        starts = [tuple(self._surface.start if s.start is None else s.start) for s in specs]
        selected = min(self._state.selected, len(result) - 1)
        return SurfaceFrame(
            surface=self._surface,
            result=result,
            verdicts=tuple(self._verdicts),
            names=tuple(run_names(specs, starts)),
            selected=selected,
            header=short_name(specs[selected]),
            header_short=lr_name(specs[selected]),
            minima=self._minima_for_distance(),
        )

    def _minima_for_distance(self) -> np.ndarray | None:
        if self._surface.minima:
            return np.asarray(self._surface.minima, dtype=float)
        if self._thresholds.reference is not None:
            return np.asarray([self._thresholds.reference], dtype=float)
        return None
