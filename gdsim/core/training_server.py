"""Network training in a child process, so that drawing never takes time from training.

Why: in one process the GUI thread's live frames (tens of milliseconds of Python each, a few a
second) hold the interpreter lock the worker thread trains with: the app trained at 0.79-0.92x
a bare torch loop, and the GUI's own turns waited on the lock the worker held. A child process
has its own interpreter and lock; the GUI process only unpickles its frames (~0.2 ms each).

Two sides, both Qt-free:
- `serve` is the child: a loop that takes a `TrainingJob` (`("run", state, ...)`), advances it
  chunk after chunk without waiting for the GUI, applies the commands sent between two
  chunks, answers `("frame",)` with a live frame, sends the job's state back when asked to
  hold (`("hold",)`) or when it finishes, and a checkpoint of it every CHECKPOINT_S. Every
  state it sends says which of the numbered commands it holds: one that crossed the pipe as
  the run finished (or after the checkpoint a run falls back to) is applied by the GUI's side.
- `ProcessJob` is the GUI's side of one run, a steppable job for the worker thread
  (gdsim/ui/workers.py) wrapped around the `TrainingJob` the panel owns: while the job trains
  at full speed it lives in the child, and whenever the worker pauses, single-steps,
  finishes or stops its state comes back into that same object, so everything that reads the
  job while nothing runs (snapshots, exports, weight edits, sessions) reads it as before. Paced
  (slow-motion) runs and single steps train in the worker thread: a few steps a second gain
  nothing from a process, and a round trip per step would cost more than the step.

`TrainingServer` is one child, started in the background (`shared_server`) and reused by
every run; until it is up, or if it fails to start, dies or sends what cannot be read, the run
trains in the worker thread from the last state that came back (`ProcessJob.notice` says so
once). `GDSIM_TRAINING=thread` keeps every run in the thread.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import multiprocessing
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from gdsim.core.training_job import TrainingFrame, TrainingJob

TRAINING_ENV = "GDSIM_TRAINING"
"""`thread` trains in the worker thread; `process` (the default) in the child process."""

CHECKPOINT_S = 1.0
"""How often the child sends the job's state while it trains (a few milliseconds of pickling
a second): what a run falls back to if the child dies."""
WAIT_S = 0.02
"""How long the worker waits for the child's news at a time: its stop, pause and commands act
within this."""
REPLY_S = 1.0
"""How often the worker, waiting for a frame or a held job, checks that the child still runs.
The child answers between two chunks: ~10 ms, but one sharpness measurement of a large network
takes seconds, so a child that takes long is waited for as the thread would be (a fixed 5 s
limit had killed such a child as hung and trained its steps again in the thread)."""


def process_training() -> bool:
    """Whether runs train in the child process (GDSIM_TRAINING, default `process`)."""
    return os.environ.get(TRAINING_ENV, "process") != "thread"


def serve(connection: Connection) -> None:
    """The child's loop (see the module docstring); it ends when the GUI side closes the
    pipe or goes away (the app exited, perhaps while this child was starting)."""
    import torch

    torch.set_num_threads(1)  # as the worker thread trains: the same kernels, the same bits
    try:
        _serve(connection)
    except (EOFError, OSError):
        return


def _serve(connection: Connection) -> None:
    _send(connection, ("ready",))
    job: TrainingJob | None = None
    checkpoint = every = 0.0
    applied = 0
    """The number of the last command the job has taken (see `ProcessJob._command`)."""
    while True:
        if job is None or connection.poll():
            message = _receive_from(connection)
            kind = message[0]
            if kind == "run":
                job = TrainingJob.__new__(TrainingJob)
                job.__setstate__(message[1])
                every, applied, checkpoint = message[2], message[3], time.monotonic()
            elif job is None:
                pass  # a frame, a hold or a command sent as the run finished: see `applied`
            elif kind == "hold":
                _send(connection, ("held", applied, job.__getstate__()))
                job = None
            elif kind == "frame":
                _send(connection, ("frame", job.live_snapshot()))
            elif kind == "call":
                applied, name, args, kwargs = message[1:]
                call = functools.partial(getattr(job, name), *args, **kwargs)
                ok, _ = _guarded(connection, job, applied, call)
                job = job if ok else None
            continue
        ok, more = _guarded(connection, job, applied, job.advance)
        if not ok:
            job = None
        elif not more:
            _send(connection, ("done", applied, job.__getstate__()))
            job = None
        elif time.monotonic() - checkpoint >= every:
            state = pickle.dumps(job.__getstate__(), protocol=5)
            _send(connection, ("checkpoint", applied, state))
            checkpoint = time.monotonic()


def _send(connection: Connection, message: tuple[Any, ...]) -> None:
    """Send `message` pickled plainly: `Connection.send` pickles with multiprocessing's
    pickler, for which torch moves every tensor into shared memory and hands its file over
    through a background thread, so that both processes would write the same weights."""
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive_from(connection: Connection) -> Any:
    return pickle.loads(connection.recv_bytes())


def _guarded(
    connection: Connection, job: TrainingJob, applied: int, work: Callable[[], Any]
) -> tuple[bool, Any]:
    """(True, what `work` returned); if it raised, the error and the job's state go back (the
    GUI side raises it, as the worker thread would have) and (False, None). A command that
    raised counts as taken (`applied`): the GUI side must not apply it again."""
    try:
        return True, work()
    except Exception as error:
        try:
            _send(connection, ("failed", error, applied, job.__getstate__()))
        except Exception:  # an error that does not pickle
            _send(connection, ("failed", RuntimeError(str(error)), applied, job.__getstate__()))
        return False, None


class TrainingServer:
    """One child process running `serve`, started at once, in the background: `claim()` is
    None until the child has said it is ready (importing torch takes a second or two), while
    another run holds it, and for good once it failed."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process running Qt
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child,), name="gdsim-training", daemon=True
        )
        self._ready = False
        self._busy = False
        self.broken = False
        try:
            with _main_left_out():
                self.process.start()
        except Exception:
            self.broken = True
        child.close()

    def claim(self) -> Connection | None:
        """The pipe to the child for one run, or None (not up yet, busy, broken)."""
        if self._busy or not self.wait_ready(0.0):
            return None
        self._busy = True
        return self.connection

    def wait_ready(self, timeout_s: float) -> bool:
        """Whether the child is up, waiting up to `timeout_s` for it to say so."""
        if self.broken:
            return False
        if not self._ready:
            try:
                self._ready = self.connection.poll(timeout_s) and _receive_from(
                    self.connection
                ) == ("ready",)
            except (EOFError, OSError):
                self.fail()
        return self._ready

    def release(self) -> None:
        self._busy = False

    def fail(self) -> None:
        """The child died, hung or sent what cannot be read: end it (no zombie) and never use
        it again; `shared_server` starts another for later runs."""
        self.broken = True
        self.close()

    def close(self, timeout_s: float = 1.0) -> None:
        """End the child (an idle child reads the closed pipe and exits), killing it after
        `timeout_s`, and reap it."""
        self.connection.close()
        if self.process.pid is None:
            return
        self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _reusing_detail(last: TrainingFrame | None, frame: TrainingFrame) -> TrainingFrame:
    """`frame` with `last`'s detail objects when the child reused them (equal weights and
    prediction: `TrainingJob.live_snapshot` refreshes them on a budget). The panel redraws the
    slow views only for a prediction it has not drawn, known by identity, and every frame that
    crosses the pipe arrives as new objects."""
    if (
        last is None
        or last.shown != frame.shown
        or not np.array_equal(last.prediction, frame.prediction)
        or not all(
            np.array_equal(a, b) and np.array_equal(c, d)
            for (a, c), (b, d) in zip(last.weights, frame.weights, strict=True)
        )
    ):
        return frame
    return dataclasses.replace(
        frame,
        weights=last.weights,
        prediction=last.prediction,
        unit_maps=last.unit_maps,
        confusion=last.confusion,
    )


@contextlib.contextmanager
def _main_left_out() -> Iterator[None]:
    """Start a child without the parent's main module: spawn runs the main script again in
    the child (as `__mp_main__`) to find what it pickled, and a teacher's script without an
    `if __name__ == "__main__"` guard would open a window and train in the child too. The
    child needs nothing from it (`serve` lives here), so the main module hides its file and
    spec while the child is started."""
    main = sys.modules["__main__"]
    saved = {
        name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


_server: TrainingServer | None = None


def shared_server() -> TrainingServer | None:
    """The one server of this process, started at the first call (and again after one
    failed); None when runs train in the thread (`GDSIM_TRAINING=thread`)."""
    global _server
    if not process_training():
        return None
    if _server is None or _server.broken:
        _server = TrainingServer()
    return _server


@atexit.register
def _close_shared() -> None:
    """End the child at exit without waiting for it to wind down. A run still in it (a
    script that exits without closing the window, its worker stopped by an exit hook that
    may run after this one) goes on from its last checkpoint in the thread until stopped."""
    if _server is not None and not _server.broken:
        _server.close(timeout_s=0.0)


class ProcessJob:
    """The GUI side of one run of `job` (see the module docstring): the steppable job
    `JobRunner` advances, and the commands the panel sends while it runs."""

    def __init__(self, job: TrainingJob, server: TrainingServer | None) -> None:
        self.job = job
        self._server = server
        self._connection: Connection | None = None
        self._checkpoint: tuple[int, bytes] | None = None
        """The child's last checkpoint: the last command it holds, and the pickled state."""
        self._sent: list[tuple[int, str, tuple[Any, ...], dict[str, Any]]] = []
        """The commands sent to the child since the job's state last came back, numbered."""
        self._numbered = 0
        self.notice: str | None = None
        """One line for the status bar when the run left the child for the thread."""
        self.trained_in_process = False
        """Whether the child has trained this run (some of it at least)."""
        self.checkpoint_s = CHECKPOINT_S
        self._last_frame: TrainingFrame | None = None

    @property
    def in_process(self) -> bool:
        """Whether the job trains in the child now."""
        return self._connection is not None

    def advance(self) -> bool:
        """Wait up to WAIT_S for the child's news (it trains meanwhile); in the thread, one
        chunk, until the child can take the run."""
        if self._connection is None and not self._attach():
            return self.job.advance()
        done = self._receive(None, WAIT_S)
        return not done or not self.job.finished

    def live_snapshot(self) -> TrainingFrame:
        if self._connection is None:
            return self.job.live_snapshot()
        frame = self._ask(("frame",), "frame")
        if frame is None:
            return self.job.live_snapshot()
        self._last_frame = frame = _reusing_detail(self._last_frame, frame)
        return frame

    def snapshot(self) -> TrainingFrame:
        """The whole frame, computed here once the job's state is back (a pause, a step, the
        end)."""
        self.hold()
        return self.job.snapshot()

    def hold(self) -> None:
        """Bring the job's state back from the child, if it is there."""
        if self._connection is not None:
            self._ask(("hold",), "held")

    def set_lr(self, lr: float) -> None:
        self._command("set_lr", lr)

    def set_hyper(self, **changes: object) -> None:
        self._command("set_hyper", **changes)

    def set_weight(self, layer: int, row: int, column: int, value: float) -> None:
        self._command("set_weight", layer, row, column, value)

    def show_run(self, index: int) -> None:
        self._command("show_run", index)

    def step_once(self) -> None:
        self.hold()
        self.job.step_once()

    def set_paced(self, paced: bool) -> None:
        if paced:
            self.hold()
        self._command("set_paced", paced)

    def _command(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Apply a command where the job is: sent to the child between two chunks, or now."""
        connection = self._connection
        if connection is not None:
            self._numbered += 1
            self._sent.append((self._numbered, name, args, kwargs))
            try:
                _send(connection, ("call", self._numbered, name, args, kwargs))
                return
            except (OSError, ValueError):
                self._fall_back("the training process stopped answering")
                return  # the fall-back applied it
        getattr(self.job, name)(*args, **kwargs)

    def _attach(self) -> bool:
        """Send the job to the child if it can train there now."""
        if self._server is None or self.job.one_step_at_a_time:
            return False
        connection = self._server.claim()
        if connection is None:
            return False
        try:
            _send(connection, ("run", self.job.__getstate__(), self.checkpoint_s, self._numbered))
        except Exception:
            self._server.release()
            self._server.fail()
            self.notice = "training process could not take the run: training in this process"
            return False
        self._connection = connection
        self._checkpoint = None
        self.trained_in_process = True
        return True

    def _ask(self, request: tuple[str], kind: str) -> Any:
        """Send `request` and read the child's news until its `kind` answer; that answer's
        content (None if the run ended or fell back meanwhile)."""
        assert self._connection is not None
        try:
            _send(self._connection, request)
        except (OSError, ValueError):
            self._fall_back("the training process stopped answering")
            return None
        while self._connection is not None:
            answer = self._receive(kind, REPLY_S)
            if isinstance(answer, tuple):
                return answer[1]
            if answer is None and not self._child_alive():
                self._fall_back("the training process ended unexpectedly")
        return None

    def _child_alive(self) -> bool:
        return self._server is not None and self._server.process.is_alive()

    def _receive(self, wanted: str | None, timeout_s: float) -> Any:
        """Read the child's next message if one comes within `timeout_s` and act on it; the
        message if it is a `wanted` one, True if the run's state came back, else None."""
        connection = self._connection
        assert connection is not None
        try:
            if not connection.poll(timeout_s):
                return None
            message = _receive_from(connection)
        except Exception:
            self._fall_back("the training process ended unexpectedly")
            return True
        kind = message[0]
        if kind == "checkpoint":
            self._checkpoint = (message[1], message[2])
        elif kind in ("held", "done", "failed"):
            self._detach(message[-1], applied=message[-2])
            if kind == "failed":
                raise message[1]
            return message if kind == wanted else True
        return message if kind == wanted else None

    def _detach(self, state: dict[str, Any] | None, applied: int) -> None:
        """The job's state is back (None: the state it was sent with is all there is): it
        continues here (or in the child at the next advance), with the commands the child had
        not taken applied here (a weight set as the run finished had been lost). Each run
        keeps the very dataset it was built with (never changed by training), which the panel
        recognises by identity."""
        if state is not None:
            for returned, kept in zip(state["sessions"], self.job.sessions, strict=True):
                returned.dataset = kept.dataset
            self.job.__setstate__(state)
        self._connection = None
        if self._server is not None:
            self._server.release()
        sent, self._sent = self._sent, []
        for number, name, args, kwargs in sent:
            if number > applied:
                getattr(self.job, name)(*args, **kwargs)

    def _fall_back(self, why: str) -> None:
        """The child is lost: end it and train on in the thread from its last checkpoint (or
        from the state it was sent)."""
        server, self._connection = self._server, None
        self._server = None
        if server is not None:
            server.release()
            server.fail()
        checkpoint, self._checkpoint = self._checkpoint, None
        applied, state = 0, None
        if checkpoint is not None:
            try:
                applied, state = checkpoint[0], pickle.loads(checkpoint[1])
            except Exception:
                why += " (its last checkpoint could not be read)"
        self._detach(state, applied)
        step = max(session.step_count for session in self.job.sessions)
        self.notice = f"{why}: training goes on in this process from step {step:,}"
