"""The surface explorer's presenter: it owns the ``SurfaceState`` and every recomputation.

Views report intents (``set_lr``, ``choose_surface``, ``select``...); the presenter changes the
state, recomputes and tells the views what to show through signals. Recomputing is coalesced by
a zero-delay single-shot timer, so a dragged slider recomputes at most once per event-loop
pass; short work (4 runs x 500 steps takes a few ms) runs in the GUI thread so the plot follows
the handle, and anything longer goes through ``JobRunner`` so the window never freezes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6 import QtCore

from gdsim.core.explain import (
    ThresholdFollower,
    cursor_text,
    moved_inside,
    round_sig,
    start_of,
    surface_frame,
)
from gdsim.core.limits import MAX_RUNS
from gdsim.core.presets import Preset
from gdsim.core.simulate import RunSpec, SimulationJob, SimulationResult, simulate
from gdsim.core.state import StateError, SurfaceState
from gdsim.core.state.surface import DEFAULT_STEPS, MAX_LR, MIN_LR
from gdsim.core.surfaces import Surface, parse_point
from gdsim.core.thinning import unchanged
from gdsim.core.verdict import Verdict, classify_view
from gdsim.ui.workers import JobRunner

SYNC_WORK = 4_000
"""Runs x steps computed in the GUI thread (~5-20 ms here); more goes to a worker thread."""

Work = tuple[Surface, list[RunSpec], int]


class SimulationScheduler(QtCore.QObject):
    """Coalesced simulation: ``request`` as often as the user moves; once per event-loop pass
    ``prepare`` says what to compute, in the GUI thread when small, else in a worker (one at a
    time: a request while it runs is computed again when it ends, with the newest input)."""

    computing = QtCore.Signal()
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(self, prepare: Callable[[], Work], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._prepare = prepare
        self._pending = False
        self._runner = JobRunner(self)
        self._runner.finished.connect(self._on_job_finished)
        self._runner.failed.connect(self.failed)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run)

    def request(self) -> None:
        """Coalesce: however many changes arrive in one event-loop pass, compute once."""
        if not self._timer.isActive():
            self._timer.start()

    @QtCore.Slot()
    def _run(self) -> None:
        surface, runs, steps = self._prepare()
        if self._runner.is_running():
            self._pending = True
            return
        if steps * len(runs) <= SYNC_WORK:
            try:
                result = simulate(surface, runs, steps)
            except ValueError as error:
                self.failed.emit(str(error))
                return
            self.finished.emit(result)
            return
        self._pending = False
        self.computing.emit()
        self._runner.start(SimulationJob(surface, runs, steps))

    @QtCore.Slot(object)
    def _on_job_finished(self, result: SimulationResult | None) -> None:
        if self._pending or result is None:
            self._pending = False
            self.request()
            return
        self.finished.emit(result)


REFUSALS = ("runs", "start", "state", "demo", "params")
"""Messages about an edit that was refused: once another edit is accepted they are stale (the
state they spoke of is gone), so every accepted change clears them."""


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
    cursorInfo = QtCore.Signal(str)
    positionShown = QtCore.Signal(object)
    """Playback must show this iterate (None: all): a new surface, demo or state."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._state = SurfaceState()
        self._surface = self._state.check()
        self._result: SimulationResult | None = None
        self._verdicts: list[Verdict] = []
        self._thresholds = ThresholdFollower()
        self._thresholds_dirty = True
        self._tame_pending = False
        self._scheduler = SimulationScheduler(self._prepare, self)
        self._scheduler.computing.connect(self.computing)
        self._scheduler.finished.connect(self._show_result)
        self._scheduler.failed.connect(self._fail)

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
        return start_of(self._surface, self._state.runs[index])

    @QtCore.Slot(float, float)
    def hover(self, x: float, y: float) -> None:
        """Loss and gradient under the mouse, for the status bar."""
        point = (x,) if self._surface.dim == 1 else (x, y)
        self.cursorInfo.emit(cursor_text(self._surface, point))

    @QtCore.Slot(float, float)
    def pick_start(self, x: float, y: float) -> None:
        """A start clicked on the plot (clamped onto it: a drag may end outside)."""
        self.set_start(self._surface.clamp((x,) if self._surface.dim == 1 else (x, y)))

    def show(self) -> None:
        """Tell the views everything once (after they are connected)."""
        self._apply_surface(self._surface, keep_starts=True)

    # -- whole states --------------------------------------------------------------------------

    def set_state(self, state: SurfaceState) -> str | None:
        """Show ``state`` whole, or, when it cannot be shown, nothing: returns why (also in
        the message area), None when shown."""
        return self._show_whole(state, "state", "State not shown: ") or None

    @QtCore.Slot(object)
    def load_preset(self, preset: Preset) -> None:
        """A demo: its surface, step budget and runs (compare mode for several)."""
        state = SurfaceState(
            surface=preset.surface,
            params=dict(preset.params),
            runs=tuple(preset.runs),
            steps=preset.steps,
            compare=len(preset.runs) > 1,
            demo=preset.name,
        )
        if not self._show_whole(state, "demo", f"{preset.title}: "):
            self.statusMessage.emit(f"Demo: {preset.title}")

    def _show_whole(self, state: SurfaceState, key: str, prefix: str) -> str:
        """Show ``state`` and return "", or show nothing and return why (also as message
        ``key``). A state built in code gets the checks a loaded one gets (types, finite
        starts, whole step counts): it goes through ``to_dict`` / ``from_dict`` first."""
        try:
            state = SurfaceState.from_dict(state.to_dict())
            surface = state.check()
        except (StateError, TypeError, ValueError) as error:
            self.message.emit(key, f"{prefix}{error}")
            return str(error)
        self._state = state
        self._apply_surface(surface, keep_starts=True)
        self.positionShown.emit(state.position)
        return ""

    # -- surface -------------------------------------------------------------------------------

    @QtCore.Slot(str)
    def choose_surface(self, name_or_expression: str) -> None:
        """A new surface from the combo or the formula field: runs restart from its start, the
        step budget suits its dimension, and the previous error message goes away."""
        candidate = replace(self._state, surface=name_or_expression, params={}, domain=None)
        try:
            surface = candidate.make_surface()
        except StateError as error:
            self.message.emit("expression", str(error).removeprefix("surface: "))
            return
        steps = self._state.steps
        if surface.dim != self._surface.dim:
            steps = DEFAULT_STEPS[surface.dim]
        runs = tuple(replace(run, start=None) for run in self._state.runs)
        self._state = replace(candidate, runs=runs, steps=steps, demo=None, position=None)
        self.message.emit("outside", "")
        self._tame_pending = True
        self._thresholds.with_note("")
        self._apply_surface(surface, keep_starts=False)
        self.positionShown.emit(None)
        self.statusMessage.emit(f"Surface: {surface.title}")

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
        self._thresholds.with_note("")
        self._apply_surface(surface, keep_starts=True)

    def set_domain(self, texts: list[str]) -> None:
        """A typed formula's new box; bad text says why and keeps the current one."""
        try:
            box = tuple(parse_point(text, 2) for text in texts[: self._surface.dim])
        except ValueError as error:
            self.message.emit("expression", f"domain: {error}")
            return
        candidate = replace(self._state, domain=box)
        try:  # built from the state, as a restored session builds it: the same start
            surface = candidate.make_surface()
        except StateError as error:
            self.message.emit("expression", str(error))
            return
        self.message.emit("expression", "")
        self._state = candidate
        self._apply_surface(surface, keep_starts=True)

    def reset_domain(self) -> bool:
        """Back to a typed formula's default box; False for a named surface (only its view
        is reset: an error about a formula still typed in the field stays)."""
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
        self._accepted()
        if keep_starts:
            self._move_starts_inside()
        self._result = None
        self._verdicts = []
        self._thresholds_dirty = True
        self.surfaceChanged.emit(surface)
        self.stateChanged.emit(self._state)
        self._scheduler.request()

    def _move_starts_inside(self) -> None:
        """Typed starts follow a new box into it (a start of 5e5 typed on a +-1e6 box, then
        Reset view, would otherwise diverge at step 0 off the plot); the first move is said,
        and a warning about an earlier move goes away when no start had to move."""
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
        self.message.emit("outside", moved)  # "" clears one about a start since moved back

    # -- runs ----------------------------------------------------------------------------------

    def _accepted(self) -> None:
        for key in REFUSALS:
            self.message.emit(key, "")

    def _edit_selected(self, **changes: object) -> None:
        runs = list(self._state.runs)
        runs[self._state.selected] = replace(runs[self._state.selected], **changes)
        self._state = replace(self._state, runs=tuple(runs))
        self._accepted()
        self.stateChanged.emit(self._state)
        self._scheduler.request()

    def set_lr(self, lr: float) -> None:
        if self._thresholds.shown.note:
            self.thresholdsChanged.emit(self._thresholds.with_note(""))
        self._edit_selected(lr=lr)

    def set_optimizer(self, optimizer: str, hyper: dict[str, float]) -> None:
        self._thresholds_dirty = True
        self._edit_selected(optimizer=optimizer, hyper=hyper)

    def set_noise(self, noise: float) -> None:
        self._edit_selected(noise=noise)

    def set_steps(self, steps: int) -> None:
        self._state = replace(self._state, steps=steps)
        self._accepted()
        self._scheduler.request()

    def set_position(self, position: int | None) -> None:
        """Where playback stands (kept for ``state()``; drawing follows the playback widget)."""
        self._state = replace(self._state, position=position)

    def set_compare(self, compare: bool) -> None:
        runs, selected = self._state.runs, self._state.selected
        if not compare and len(runs) > 1:
            runs, selected = (runs[selected],), 0
            self._thresholds_dirty = True
            self._scheduler.request()
        self._state = replace(self._state, runs=runs, selected=selected, compare=compare)
        self._accepted()
        self.stateChanged.emit(self._state)

    def select(self, index: int) -> None:
        if index == self._state.selected or not 0 <= index < len(self._state.runs):
            return
        self._state = replace(self._state, selected=index)
        self._accepted()
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._scheduler.request()

    def add_run(self) -> None:
        """A copy of the selected run with a step size twice as big (or half, near the top);
        several runs are compare mode, so it is turned on."""
        runs = self._state.runs
        if len(runs) >= MAX_RUNS:
            self.message.emit("runs", f"At most {MAX_RUNS} runs side by side")
            return
        run = self._state.selected_run()
        lr = run.lr * 2 if run.lr * 2 <= MAX_LR else run.lr / 2
        added = replace(run, lr=round_sig(lr), seed=len(runs))
        self._state = replace(
            self._state, runs=(*runs, added), selected=len(runs), compare=True
        )
        self._accepted()
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._scheduler.request()

    def remove_run(self) -> None:
        runs = list(self._state.runs)
        if len(runs) <= 1:
            return
        del runs[self._state.selected]
        selected = min(self._state.selected, len(runs) - 1)
        self._state = replace(self._state, runs=tuple(runs), selected=selected)
        self._accepted()
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._scheduler.request()

    def set_start(self, start: tuple[float, ...]) -> None:
        """Move the selected run's start, and every run that started with it."""
        old = self.start_of(self._state.selected)
        runs = tuple(
            replace(run, start=start) if self.start_of(k) == old else run
            for k, run in enumerate(self._state.runs)
        )
        self._state = replace(self._state, runs=runs)
        self.message.emit("outside", "")
        self._accepted()
        self._thresholds_dirty = True
        self.stateChanged.emit(self._state)
        self._scheduler.request()

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
        self._scheduler.request()

    @QtCore.Slot()
    def _restate(self) -> None:
        self.stateChanged.emit(self._state)

    # -- computing -----------------------------------------------------------------------------

    def _prepare(self) -> Work:
        """What to simulate now; thresholds (and, on a new surface, tamed step sizes) first."""
        if self._thresholds_dirty:
            self._thresholds_dirty = False
            self.thresholdsChanged.emit(self._thresholds.at_start(self._surface, self._state))
            if self._tame_pending:
                self._tame_pending = False
                self._state, note = self._thresholds.tame(self._surface, self._state, MIN_LR)
                self.stateChanged.emit(self._state)
                self.thresholdsChanged.emit(self._thresholds.with_note(note))
        return self._surface, list(self._state.runs), self._state.steps

    def _classify(self, result: SimulationResult, k: int) -> Verdict:
        """Run ``k``'s verdict; the one shown already when the run is unchanged (while a
        slider is dragged only the selected run changes, and classifying a 20,000-step run
        costs a few milliseconds)."""
        run, shown = result.run(k), self._result
        if shown is not None and k < len(shown) and k < len(self._verdicts):
            before = shown.run(k)
            if (
                before.spec == run.spec
                and unchanged(before.losses, run.losses)
                and unchanged(before.points, run.points)
            ):
                return self._verdicts[k]
        return classify_view(run)

    @QtCore.Slot(str)
    def _fail(self, message: str) -> None:
        self._result = None
        self._verdicts = []
        self.message.emit("simulation", message)
        self.failed.emit()

    @QtCore.Slot(object)
    def _show_result(self, result: SimulationResult) -> None:
        self._verdicts = [self._classify(result, k) for k in range(len(result))]
        self._result = result
        self.message.emit("simulation", "")
        settled = self._thresholds.after_result(self._surface, self._state, result, self._verdicts)
        if settled is not None:
            self.thresholdsChanged.emit(settled)
        minima = self._thresholds.distance_minima(self._surface)
        self.frameReady.emit(
            surface_frame(self._surface, self._state, result, self._verdicts, minima)
        )
