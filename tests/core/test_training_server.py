"""Training in the child process (gdsim/core/training_server.py): a job's state survives the
trip bit for bit, a run trained there gives the losses and weights of the same run in the
thread (a pause, a single step and a new learning rate in the middle), and a server that dies,
never starts or sends what cannot be read leaves the run training in the thread with one line
saying so."""

from __future__ import annotations

import os
import pickle
import signal
from dataclasses import replace

import numpy as np
import pytest
import torch

from gdsim.core import training_server
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training import ConfigError, TrainingConfig, TrainingSession
from gdsim.core.training_job import TrainingJob
from gdsim.core.training_server import ProcessJob, TrainingServer

GRID = (np.linspace(-1.0, 1.0, 7), np.linspace(-1.0, 1.0, 5))


def make_job(lrs=(0.5,), steps=600, batch_size=None, optimizer="gd") -> TrainingJob:
    data = make_dataset(DatasetParams("circle", n=200))
    spec = NetworkSpec.for_task("binary", 2, hidden=((8, "tanh"), (8, "relu")))
    config = TrainingConfig(lr=0.5, steps=steps, batch_size=batch_size, optimizer=optimizer)
    sessions = [TrainingSession(spec, data, replace(config, lr=lr)) for lr in lrs]
    return TrainingJob(sessions, GRID)


def same_runs(a: TrainingJob, b: TrainingJob) -> bool:
    """Losses, step counts and weights of every run equal bit for bit."""
    for x, y in zip(a.sessions, b.sessions, strict=True):
        if x.step_count != y.step_count:
            return False
        if not np.array_equal(x.history.arrays()[1], y.history.arrays()[1], equal_nan=True):
            return False
        if not all(
            torch.equal(p, q)
            for p, q in zip(x.model.parameters(), y.model.parameters(), strict=True)
        ):
            return False
    return True


@pytest.fixture(scope="module")
def server():
    """The pytest process's one training process, as the app's (it takes a second or two to
    import torch); the tests that kill one start their own."""
    shared = training_server.shared_server()
    assert shared is not None and shared.wait_ready(60.0), "the training process did not start"
    return shared


CASES = [((0.5,), None, "gd"), ((0.5,), 32, "adam"), ((0.1, 0.5, 2.0), None, "gd"),
         ((0.01, 0.1), 32, "adam")]  # fmt: skip


@pytest.mark.parametrize(("lrs", "batch_size", "optimizer"), CASES)
def test_a_job_pickled_mid_run_trains_on_bit_for_bit(lrs, batch_size, optimizer):
    """Mid-epoch (minibatches), batched compare runs, Adam's moments, a new rate between."""
    kept, sent = (
        make_job(lrs, 400, batch_size, optimizer),
        make_job(lrs, 400, batch_size, optimizer),
    )
    assert kept.batched == (len(lrs) > 1)
    kept.advance_to(37)
    sent.advance_to(37)
    sent = pickle.loads(pickle.dumps(sent))
    assert sent.batched == kept.batched
    for job in (kept, sent):
        job.set_lr(0.3)
        job.advance_to(120)
    sent = pickle.loads(pickle.dumps(sent))
    while kept.advance():
        pass
    while sent.advance():
        pass
    assert same_runs(kept, sent)
    np.testing.assert_array_equal(kept.snapshot().prediction, sent.snapshot().prediction)


def pause_in_process(remote: ProcessJob, steps: int = 50) -> list[int]:
    """Let the child train at least `steps` steps, then pause as the worker does (a whole
    snapshot: the state comes back); each run's step then."""
    while remote.live_snapshot().runs[0].state.step < steps:
        assert remote.advance(), "the run ended before the pause"
    assert remote.in_process
    remote.snapshot()
    assert not remote.in_process
    return [session.step_count for session in remote.job.sessions]


@pytest.mark.parametrize(("lrs", "batch_size", "optimizer"), CASES[1:3])
def test_a_run_trained_in_the_process_equals_the_same_run_in_the_thread(
    server, lrs, batch_size, optimizer
):
    """Paused in the child at whatever step it reached, a new rate and a single step here,
    resumed in the child to the end: every loss and weight as in the thread."""
    remote = ProcessJob(make_job(lrs, 1500, batch_size, optimizer), server)
    paused_at = pause_in_process(remote)
    local = make_job(lrs, 1500, batch_size, optimizer)
    local.advance_to(paused_at[0], max_steps=10**6)
    assert [session.step_count for session in local.sessions] == paused_at
    for job in (remote, local):
        job.set_lr(0.25)
        job.step_once()
        job.advance()
        job.snapshot()
        while job.advance():
            pass
    assert remote.trained_in_process and local.finished
    assert same_runs(local, remote.job)


def test_commands_sent_while_the_run_is_in_the_process_reach_it(server):
    remote = ProcessJob(make_job((0.1, 0.5), 1500), server)
    while not remote.in_process or remote.live_snapshot().runs[0].state.step < 20:
        remote.advance()
    remote.set_lr(0.125)
    remote.show_run(1)
    frame = remote.snapshot()
    assert [s.config.lr for s in remote.job.sessions] == [0.125, 0.125]
    assert frame.shown == 1


def checkpointed_run() -> tuple[TrainingServer, ProcessJob]:
    """A server of the test's own (the test ends it) whose child has sent a checkpoint of an
    800-step run it is training."""
    server = TrainingServer()
    assert server.wait_ready(60.0)
    remote = ProcessJob(make_job(steps=800), server)
    remote.checkpoint_s = 0.02
    while remote._checkpoint is None:
        assert remote.advance()
    return server, remote


def test_a_run_whose_process_dies_goes_on_in_the_thread_from_its_checkpoint():
    """Nothing trained before the last checkpoint is lost, the child is reaped, one line says
    so; the run ends exactly as it would have."""
    server, remote = checkpointed_run()
    server.process.kill()
    while remote.advance():
        pass
    assert not server.process.is_alive() and server.process.exitcode is not None
    assert remote.notice is not None and "training goes on in this process" in remote.notice
    local = make_job(steps=800)
    while local.advance():
        pass
    assert same_runs(local, remote.job)


def test_a_message_that_cannot_be_read_ends_the_process_not_the_run(monkeypatch):
    server, remote = checkpointed_run()

    def unreadable(*_args):
        return b"\x80\x05not a pickle"

    monkeypatch.setattr(type(server.connection), "recv_bytes", unreadable)
    remote.live_snapshot()
    monkeypatch.undo()
    while remote.advance():
        pass
    server.process.join(5)
    assert not server.process.is_alive()
    assert "ended unexpectedly" in remote.notice
    assert remote.job.finished and remote.job.sessions[0].step_count == 800


def test_a_server_that_cannot_start_leaves_runs_in_the_thread(monkeypatch):
    def refuse(_process):
        raise OSError("no more processes")

    monkeypatch.setattr("multiprocessing.context.SpawnProcess.start", refuse)
    server = TrainingServer()
    assert server.broken and server.claim() is None
    remote = ProcessJob(make_job(), server)
    while remote.advance():
        pass
    assert not remote.trained_in_process and remote.job.finished


def test_the_switch_keeps_every_run_in_the_thread(monkeypatch):
    monkeypatch.setenv(training_server.TRAINING_ENV, "thread")
    assert training_server.shared_server() is None


def test_an_error_in_the_process_is_raised_here_as_the_thread_would_raise_it(server):
    """The worker turns it into its `failed` message; the run's state is back, not lost."""
    remote = ProcessJob(make_job(steps=1500), server)
    while not remote.in_process or remote.live_snapshot().runs[0].state.step < 20:
        remote.advance()
    remote.set_hyper(seed=5)
    with pytest.raises(ConfigError, match="the seed cannot change during a run"):
        while remote.advance():
            pass
    assert not remote.in_process and remote.job.sessions[0].step_count >= 20
    assert server.claim() is server.connection, "the process is free for the next run"
    server.release()


def test_live_frames_from_the_process_keep_the_detail_the_child_did_not_recompute(server):
    """The panel redraws the decision map and the diagram only for a prediction it has not
    drawn (known by identity): frames that crossed the pipe are new objects, yet one whose
    detail the child reused must not cost that redraw."""
    remote = ProcessJob(make_job(steps=20_000), server)
    while not remote.in_process:
        remote.advance()
    frames = [remote.live_snapshot() for _ in range(2)]  # within LIVE_DETAIL_S of each other
    assert frames[1].prediction is frames[0].prediction
    assert frames[1].weights is frames[0].weights
    remote.snapshot()


def test_a_child_slower_to_answer_than_the_liveness_check_is_waited_for(server, monkeypatch):
    """One sharpness measurement of a large network takes seconds: a fixed limit on the
    child's answer had killed it as hung and trained all its steps again in the thread."""
    monkeypatch.setattr(training_server, "REPLY_S", 1e-4)  # shorter than any chunk
    remote = ProcessJob(make_job(steps=300), server)
    while remote.advance():
        remote.live_snapshot()
    assert remote.notice is None and remote.trained_in_process
    assert server.process.is_alive() and not server.broken
    local = make_job(steps=300)
    while local.advance():
        pass
    assert same_runs(local, remote.job)


def test_a_command_that_crosses_the_finishing_run_is_applied_here(server):
    """The child had dropped a weight set, a run chosen or a rate sent as it finished: the
    badge marked one run while the map showed another."""
    remote = ProcessJob(make_job((0.1, 0.5), steps=30), server)
    remote.checkpoint_s = 1e9
    assert not remote.job.finished
    assert remote._attach()
    assert remote._connection.poll(60.0)  # the child's first news: the run is done
    remote.set_lr(0.125)
    remote.show_run(1)
    remote.set_weight(0, 0, 0, 7.0)
    while remote.advance():
        pass
    assert remote.job.finished and not remote.in_process
    assert [session.config.lr for session in remote.job.sessions] == [0.125, 0.125]
    frame = remote.snapshot()
    assert frame.shown == 1
    assert remote.job.sessions[1].parameters_numpy()[0] == 7.0


def test_commands_the_lost_child_never_took_are_applied_to_the_checkpoint():
    server, remote = checkpointed_run()
    os.kill(server.process.pid, signal.SIGSTOP)
    remote.set_lr(0.125)  # sent, never read
    server.process.kill()
    while remote.advance():
        pass
    assert "training goes on in this process" in remote.notice
    assert remote.job.sessions[0].config.lr == 0.125
