"""The one way gdsim runs long work off the GUI thread.

The core exposes long work as a *steppable job* (`advance()` does one bounded unit of work and
says whether more remains; `snapshot()` returns what the GUI needs now). `JobRunner` moves the
job to a QThread and streams at most `max_rate` snapshots a second, so the GUI is never flooded
with one signal per step (measured here: redrawing per signal drops training from ~1,800 to
~280 steps/s). Between two `advance()` calls the worker applies queued commands (e.g. a new
learning rate), honours pause / single step, and checks the stop flag.

Why not superqt's workers (which napari uses): they run generators in Qt's global thread
pool and emit one signal per yield; here every job needs its own QThread to stop and wait
for, pause and single-step, commands applied between steps, and snapshots taken only when
sent -- about a hundred lines on top of QThread.

Threading rules this module enforces (each one a crash or a hang met in PySide6 otherwise):
- worker signals reach the GUI through `JobRunner`'s own slots, a QObject living in the GUI
  thread, so they are queued onto the GUI thread, never run in the worker;
- every QThread is referenced until it has finished, and `stop()` waits for it, so Qt never
  destroys a running thread ("QThread: Destroyed while thread is still running", an abort);
  the runner also stops and joins its thread when Qt destroys the runner, so every way its
  owner can go (`close()`, `deleteLater()`, its parent's deletion) is covered here, once;
- the process may end with a job still running or paused and its window open (a script that
  calls `sys.exit` without closing it): an exit hook stops every job before Python and Qt tear
  down the objects the worker emits through ("Signal source has been deleted", or an abort);
- exceptions in the job become `failed(str)`, a human message, never a crash.
"""

from __future__ import annotations

import atexit
import queue
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6 import QtCore

from gdsim.core.pacing import StepPacer


class SteppableJob(Protocol):
    """What the core gives the worker: bounded units of work plus a cheap summary."""

    def advance(self) -> bool:
        """Do one bounded unit of work; return False once the job is complete."""
        ...

    def snapshot(self) -> Any:
        """Return what the GUI needs now (copies are made here, only when asked)."""
        ...


def live_snapshot(job: SteppableJob) -> Callable[[], Any]:
    """What the worker calls for the frames it streams while the job runs: the job's
    `live_snapshot()` if it has one (a cheaper frame that may reuse costly parts of the last
    one, e.g. `TrainingJob`'s), else `snapshot()`. Frames sent when the job pauses, stops,
    finishes or single-steps always come from `snapshot()`."""
    return getattr(job, "live_snapshot", job.snapshot)


class _Worker(QtCore.QObject):
    """Runs a job's loop inside the worker thread."""

    progress = QtCore.Signal(object)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    paused = QtCore.Signal(object)

    def __init__(self, job: SteppableJob, max_rate: float, pace: float | None = None) -> None:
        super().__init__()
        self._job = job
        self._live_snapshot = live_snapshot(job)
        self._interval = 1.0 / max_rate
        self._pacer = StepPacer(pace)
        """Touched only in the worker thread: a new pace arrives as a queued command."""
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()
        self._wake = threading.Event()
        """Set whenever there is something for a paused loop to look at (a command, a step,
        resume or stop); `_go` alone says whether to run."""
        self._single_steps = 0
        self._lock = threading.Lock()

    def set_interval(self, seconds: float) -> None:
        self._interval = seconds

    def request_stop(self) -> None:
        self._stop.set()
        self._go.set()
        self._wake.set()

    def request_pause(self) -> None:
        self._go.clear()
        self._wake.set()  # a loop waiting for its pace pauses at once

    def request_resume(self) -> None:
        self._go.set()
        self._wake.set()

    def request_step(self) -> None:
        with self._lock:
            self._single_steps += 1
        self._go.set()
        self._wake.set()

    def call(self, command: Callable[[], None]) -> None:
        """Queue `command`; a paused job applies it and stays paused."""
        self._commands.put(command)
        self._wake.set()

    def request_pace(self, rate: float | None) -> None:
        """At most `rate` units of work a second from the next one on (None: full speed)."""
        self.call(lambda: self._pacer.set_rate(rate))

    @QtCore.Slot()
    def run(self) -> None:
        """The loop: commands, pause/step, one unit of work, throttled snapshots."""
        try:
            _limit_torch_threads()
            self._loop()
        except Exception as error:
            self.failed.emit(_describe(error))

    def _loop(self) -> None:
        last_emit = 0.0
        was_paused = False
        while not self._stop.is_set():
            applied = self._apply_commands()
            single_step = False
            if not self._go.is_set():
                if not was_paused or applied:
                    self.paused.emit(self._job.snapshot())
                    was_paused = True
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            with self._lock:
                if self._single_steps:
                    self._single_steps -= 1
                    single_step = True
            was_paused = False
            delay = 0.0 if single_step else self._pacer.delay(time.monotonic())
            if delay > 0:
                # Waiting on the wake event, not sleeping: stop, pause, a step or a command
                # (a new pace among them) end the wait at once.
                self._wake.wait(delay)
                self._wake.clear()
                continue
            more = self._job.advance()
            self._pacer.done(time.monotonic())
            if not more:
                break
            if single_step:
                self._go.clear()
                self.progress.emit(self._job.snapshot())
                last_emit = time.monotonic()
                continue
            now = time.monotonic()
            if now - last_emit >= self._interval:
                self.progress.emit(self._live_snapshot())
                last_emit = now
        self._apply_commands()
        self.finished.emit(self._job.snapshot())

    def _apply_commands(self) -> bool:
        """Run the queued commands; True if there were any."""
        applied = False
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return applied
            command()
            applied = True


def _limit_torch_threads() -> None:
    """Leave a core to the GUI: torch-heavy work in the worker uses one intra-op thread
    (measured cost <= 6%). Only if torch is already loaded: plain numpy jobs don't pay for it."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


@dataclass
class _Running:
    """A runner's thread and worker, held apart from the runner: when Qt destroys the runner
    (its owner was deleted) its Python side is half gone, yet these must still be stopped."""

    thread: QtCore.QThread | None = None
    worker: _Worker | None = None


def _stop_and_join(running: _Running, timeout_ms: int) -> bool:
    """Ask the worker to stop and wait for its thread; True once no thread is left running.
    A thread that outlives the wait is kept referenced until it ends (Qt aborts the process
    if a running QThread is destroyed)."""
    thread, worker = running.thread, running.worker
    if thread is None or worker is None:
        return True
    worker.request_stop()
    thread.quit()
    if thread.wait(timeout_ms):
        return True
    _stragglers.add(thread)
    thread.finished.connect(lambda: _stragglers.discard(thread))
    return False


def _forget_destroyed(runner: weakref.ref[JobRunner], running: _Running) -> None:
    """Qt destroyed a runner (its owner was deleted): stop its thread, then drop the thread
    and the runner from the registry, so no later `stop_all` (the window's close) emits on the
    dead object ("Signal source has been deleted", and a segfault while the window closes)."""
    _stop_and_join(running, 5000)
    running.thread = running.worker = None
    dead = runner()
    if dead is not None:
        _live_runners.discard(dead)


_live_runners: weakref.WeakSet[JobRunner] = weakref.WeakSet()
_stragglers: set[QtCore.QThread] = set()


def running_threads() -> int:
    """How many worker threads are alive (the test suite fails a test that leaks one)."""
    return sum(1 for runner in list(_live_runners) if runner.is_running())


def stop_all(timeout_ms: int = 5000) -> None:
    """Stop every running job and wait for its thread: called when the window closes, and at
    exit, whatever way the process ends (registered below)."""
    for runner in list(_live_runners):
        runner.stop(timeout_ms)


atexit.register(stop_all)


class JobRunner(QtCore.QObject):
    """Owns at most one running job at a time; lives in the GUI thread.

    Signals are emitted in the GUI thread: `progress(snapshot)` at most `max_rate` times a
    second, `pausedAt(snapshot)` when a pause takes effect, `finished(snapshot)` when the job
    completes or is stopped, `failed(message)` if it raised, `runningChanged(bool)`.
    """

    progress = QtCore.Signal(object)
    pausedAt = QtCore.Signal(object)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    runningChanged = QtCore.Signal(bool)

    def __init__(self, parent: QtCore.QObject | None = None, max_rate: float = 30.0) -> None:
        super().__init__(parent)
        self._max_rate = max_rate
        self._pace: float | None = None
        self._running = running = _Running()
        self._paused = False
        self._pause_reached = False
        """Whether the worker has said it paused (`pausedAt`): `_paused` is set at the request,
        while the unit of work under way (and a job's state coming back from the training
        process) may still be changing the job."""
        _live_runners.add(self)
        this = weakref.ref(self)
        self.destroyed.connect(lambda *_: _forget_destroyed(this, running))

    @property
    def _thread(self) -> QtCore.QThread | None:
        return self._running.thread

    @property
    def _worker(self) -> _Worker | None:
        return self._running.worker

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def is_paused(self) -> bool:
        return self.is_running() and self._paused

    def is_at_rest(self) -> bool:
        """No work under way: nothing runs, or the worker has paused (not just been asked
        to): the job may be read whole then. A CSV exported the instant Pause was pressed
        had one row of a run the screen showed at step 4,107."""
        return not self.is_running() or (self._paused and self._pause_reached)

    def start(self, job: SteppableJob, paused: bool = False) -> None:
        """Run `job` in a new thread (stopping any job already running first)."""
        self.stop()
        thread = QtCore.QThread()
        thread.setObjectName(f"gdsim-worker-{type(job).__name__}")
        worker = _Worker(job, self._max_rate, self._pace)
        worker.moveToThread(thread)
        worker.progress.connect(self._on_progress)
        worker.paused.connect(self._on_paused)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        thread.started.connect(worker.run)
        thread.finished.connect(worker.deleteLater)
        self._running.thread, self._running.worker = thread, worker
        self._paused, self._pause_reached = paused, False
        if paused:
            worker.request_pause()
        thread.start()
        self.runningChanged.emit(True)

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the job to stop and wait for its thread; True when no thread is left running."""
        stopped = _stop_and_join(self._running, timeout_ms)
        if stopped:
            self._release()
        return stopped

    def set_max_rate(self, rate: float) -> None:
        """Change how many snapshots a second the job may send (e.g. to match the redraws)."""
        self._max_rate = rate
        if self._worker is not None:
            self._worker.set_interval(1.0 / rate)

    def set_pace(self, rate: float | None) -> None:
        """At most `rate` units of work a second (None: full speed), for this job and the
        next; a running job takes the new pace before its next unit, even mid-wait."""
        self._pace = rate
        if self._worker is not None:
            self._worker.request_pace(rate)

    def pause(self) -> None:
        if self._worker is not None:
            self._paused = True
            self._worker.request_pause()

    def resume(self) -> None:
        if self._worker is not None:
            self._paused = self._pause_reached = False
            self._worker.request_resume()

    def step(self) -> None:
        """Advance exactly one unit of work, then stay paused."""
        if self._worker is not None:
            self._paused, self._pause_reached = True, False
            self._worker.request_step()

    def call(self, command: Callable[[], None]) -> None:
        """Run `command` in the worker thread between two units of work (e.g. set a new lr)."""
        if self._worker is not None:
            self._worker.call(command)

    def _release(self) -> None:
        thread, worker = self._thread, self._worker
        self._running.thread, self._running.worker, self._paused = None, None, False
        if thread is not None and worker is not None:
            thread.deleteLater()
            self.runningChanged.emit(False)

    def _from_current_worker(self) -> bool:
        """Signals queued by a worker that was since stopped or replaced are stale: drop them."""
        return self._worker is not None and self.sender() is self._worker

    @QtCore.Slot(object)
    def _on_progress(self, snapshot: Any) -> None:
        if self._from_current_worker():
            self.progress.emit(snapshot)

    @QtCore.Slot(object)
    def _on_paused(self, snapshot: Any) -> None:
        if self._from_current_worker():
            self._pause_reached = True
            self.pausedAt.emit(snapshot)

    @QtCore.Slot(object)
    def _on_finished(self, snapshot: Any) -> None:
        if self._from_current_worker():
            self._finish_thread()
            self.finished.emit(snapshot)

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._from_current_worker():
            self._finish_thread()
            self.failed.emit(message)

    def _finish_thread(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._release()
