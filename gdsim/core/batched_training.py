"""Compare mode's runs trained as one batch: one backward pass and one optimizer step for every
learning rate.

Compare mode trains the same network from the same initial weights at a few learning rates.
Trained one session after another, R rates cost R times one, and for the lecture's networks
(a 2-16-1 network on a few hundred points) most of a step is torch's fixed cost per call:
the autograd engine's start, the optimizer's step, zero_grad, reading the loss. A batch pays
those once per step for all its runs: every run's forward pass on the shared minibatch, all
the runs' losses backward in one pass (each run's gradient is its own: the runs share no
tensor), and one torch optimizer whose param groups *are* the sessions' own param-group dicts
and whose state is theirs (shared), so every run gets torch.optim's own update at its own
learning rate, for every optimizer the builder offers, with no hand-written rule.

What is stacked and what is not. Stacked weights with batched matrix products
(`torch.baddbmm`) would be cheaper still (4 runs at about 1.3x one run's time), but their losses
drift from the separate runs' by 1e-7 at once and by 1e-5 to 1e-1 (relative) within 200 steps
wherever training is sensitive (momentum near its edge, minibatches), so a rate's curve and
verdict in compare mode would not be the ones it gets alone. Measured op by op against each
run's own kernels (2-16-1, 2-8-1, 2-50-1 and 16-16-1 networks, batches of 40 to 1,000 points;
torch 2.13, one thread): the first layer as `baddbmm` over stacked weights is mostly bit for
bit `F.linear` but not always (one element of an xor run with weight decay differed at step 3;
random data did not show it), and as one wide `addmm` over concatenated weights it is not
(1e-6 at 40 points);
the output layer (one unit, K = width) as `bmm` or as a product and sum is not (2e-6 to 1e-5;
presumably a single-column `addmm` takes another BLAS path); `torch.sigmoid` on the stacked
outputs is not where a run's elements straddle a vector (the vectorised and scalar paths differ
in the last bit; batches of 13, 40, 101); bias gradients summed over a concatenation are not
(3e-8 to 6e-8); the first layer's weight gradient as one `mm` over the concatenation is, the output
layer's as `bmm` is at 160 points and not at 1,000. Binary cross-entropy on the stacked
outputs, its row means and its backward are exact at every size (1 to 800). So the batch
stacks the loss of binary runs (`_stacked_bce_backward`) and keeps every other op per run, on
the modules' own tensors: the losses and weights equal the separate runs' bit for bit
(tests/core/test_batched_training.py). What is left grows with the runs: each run's forward
kernels and their backward nodes, and torch.optim's per-param-group step (its own rule).

Plain gradient descent of binary networks (the lecture's compare: "gd", the default) goes
further: `StackedDescent` writes the backward pass and the update out as the kernels autograd
and SGD call, stacks the element-wise ops too where every run's block is whole vector chunks,
and needs no autograd graph; `of` uses it only after checking one step of it against autograd
on this machine. Measured (scripts/bench_training.py `bench_compare`, `gdsim train --dataset
circle --layers 16`, 4 rates, one thread, a loaded machine): 1.19x one run, against 2.06x
for the generic batch and 3.31x for separate runs in the same process.

Each session keeps its model, its optimizer and its records, and books every update through
`TrainingSession.record_update`, so its history, divergence, verdict, snapshot, weights and
decision map are the ones it would have alone, and the rest of the app reads it as before. A
run whose loss becomes non-finite stops there and leaves the batch, neither poisoning nor
stopping the others. `batch_refusal` is the one predicate that says whether runs can be
batched; what it refuses trains as separate sessions, as before.
"""

from __future__ import annotations

import copy
import functools
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gdsim.core.network import NetworkSpec
from gdsim.core.training import TrainingConfig, TrainingSession, _loss_or_none, build_optimizer

MAX_BATCH_BYTES = 256 * 1024 * 1024
"""The most the runs' activations, all alive until the one backward pass, may take per step;
a larger compare trains its runs one after another."""


def batch_refusal(sessions: Sequence[TrainingSession]) -> str | None:
    """Why `sessions` cannot train as one batch, or None when they can: the one predicate.

    A batch needs at least two unfinished runs at the same step, of the same network spec
    (architecture; the weights may differ), on the same dataset, whose settings differ only in
    the learning rate (so optimizer, hyper-parameters, schedule, batch size and seed, hence the
    data order, are the same: a schedule scales every run's rate by the same factor), and that
    fit in MAX_BATCH_BYTES. A run that measures sharpness (`sharpness_every` > 0) needs its
    own Hessian products and trains alone; so does one with an L1/L2 penalty (the batch's
    stacked loss has no term for it), a stop rule (its evaluations would end one run in the
    middle of the batch's chunk) or a network with an option the batch was not measured
    against (`spec_refusal`)."""
    if len(sessions) < 2:
        return "a batch needs two runs or more"
    first = sessions[0]
    for session in sessions:
        if session.finished:
            return "a run has finished"
        if session.step_count != first.step_count:
            return "the runs are at different steps"
        if session.spec != first.spec:
            return "the runs have different networks"
        if session.dataset is not first.dataset:
            return "the runs train on different data"
        if replace(session.config, lr=first.config.lr) != first.config:
            return "the runs differ in more than the learning rate"
        if session.config.sharpness_every > 0:
            return "a run measures sharpness"
        if session.config.penalised:
            return "a run adds an L1/L2 penalty to its loss"
        if session.config.stop_rules:
            return "a run has a stop rule"
    refusal = spec_refusal(first.spec)
    if refusal is not None:
        return refusal
    if batch_bytes(first, len(sessions)) > MAX_BATCH_BYTES:
        return "the runs' activations would not fit in memory at once"
    return None


BATCHED_ACTIVATIONS = frozenset(
    ("relu", "leaky_relu", "elu", "tanh", "sigmoid", "softplus", "silu", "gelu", "linear")
)
"""The activations whose batched runs were held to the separate runs bit for bit."""


def spec_refusal(spec: NetworkSpec) -> str | None:
    """Why runs of `spec` train separately, or None: the batch reproduces the separate runs
    only for the networks it was measured on (raw inputs, the lecture's loss, no dropout, the
    activations above); anything else trains run by run, exactly as alone."""
    for _, activation in spec.hidden:
        if activation not in BATCHED_ACTIVATIONS:
            return f"the {activation} activation trains run by run"
    if not spec.raw_features:
        return "input features train run by run"
    if spec.loss_mismatch is not None:
        return "a mismatched loss trains run by run"
    if spec.dropout > 0:
        return "dropout trains run by run"
    return None


def batch_bytes(session: TrainingSession, runs: int) -> int:
    """About what `runs` copies of the session's activations take per step: every layer's
    output for a whole batch, kept for the backward pass, with its gradient."""
    n = len(session.dataset.x_train)
    batch = min(session.config.batch_size or n, n)
    return 2 * 4 * runs * batch * sum(session.spec.widths)


class SessionBatch:
    """`TrainingSession`s trained together (see the module docstring); build one with
    `SessionBatch.of(sessions)`, which returns None when `batch_refusal` refuses them.

    `sessions` are the runs still training: a run that diverges leaves the batch. Like a
    session, a batch has `step(n)`, `step_count`, `finished` and `config` (the first run's),
    so a job steps it where it would step a session. Bind it again (`of`) after changing any
    run's settings: a new optimizer or batch size lives in the sessions, not here.
    """

    def __init__(self, sessions: Sequence[TrainingSession]) -> None:
        refusal = batch_refusal(sessions)
        if refusal is not None:
            raise ValueError(f"these runs cannot train as one batch: {refusal}")
        self.sessions = list(sessions)
        self._members = list(sessions)
        self._bind()

    @classmethod
    def of(cls, sessions: Sequence[TrainingSession]) -> SessionBatch | None:
        """The batch of `sessions`, or None when they must train separately."""
        return cls(sessions) if batch_refusal(sessions) is None else None

    @property
    def config(self) -> TrainingConfig:
        return self._members[0].config

    @property
    def step_count(self) -> int:
        """The runs' common step (the last one reached once every run has finished)."""
        return max(s.step_count for s in self.sessions or self._members)

    @property
    def finished(self) -> bool:
        return all(session.finished for session in self.sessions)

    @property
    def stacked(self) -> bool:
        """Whether the runs step through `StackedDescent` (else through torch's autograd and
        optimizer, one graph per run)."""
        return self._descent is not None

    def _bind(self) -> None:
        """Build the optimizer that updates every run: its param groups are the sessions' own
        param-group dicts and its state is theirs (shared), so a session's live change of
        rate or hyper-parameters reaches the batch, and the batch's updates are the
        session's."""
        optimizers = [s.optimizer for s in self.sessions]
        self._optimizer = build_optimizer(
            [{"params": o.param_groups[0]["params"]} for o in optimizers], self.config
        )
        state: defaultdict[torch.Tensor, Any] = defaultdict(dict)
        for optimizer in optimizers:
            state.update(optimizer.state)
            optimizer.state = state
        self._optimizer.state = state
        self._optimizer.param_groups = [o.param_groups[0] for o in optimizers]
        for group in self._optimizer.param_groups:
            _settle_foreach(group)
        self._scheduled = self.config.schedule != "none"
        self._forwards = [_forward_calls(s) for s in self.sessions]
        self._loss = self.sessions[0].loss_fn.forward
        self._stacked_bce = _plain_bce(self.sessions[0].loss_fn)
        self._parameters = [p for group in self._optimizer.param_groups for p in group["params"]]
        self._descent = StackedDescent.of(self.sessions)

    def step(self, n: int = 1) -> list[tuple[TrainingSession, np.ndarray]]:
        """Up to `n` updates of every run (fewer when the budget runs out): each run stepped,
        with its losses measured before each update on its minibatch, as
        `TrainingSession.step` returns them. A run that diverges stops there and leaves the
        batch; the others go on."""
        stepped = list(self.sessions)
        n = max(0, min(n, self.config.steps - self.step_count))
        losses = np.full((len(stepped), n), np.nan)
        counts = [0] * len(stepped)
        rows = {id(s): row for row, s in enumerate(stepped)}
        for _ in range(n):
            if not self.sessions:
                break
            values = self._update()
            left = False
            for session, value in zip(self.sessions, values, strict=True):
                row = rows[id(session)]
                losses[row, counts[row]] = value
                counts[row] += 1
                left |= not session.record_update(value) or session.finished
            if left:
                self._rebind_unfinished()
        if self._descent is not None:
            self._descent.publish()
        return [(s, losses[row, : counts[row]]) for row, s in enumerate(stepped)]

    def _update(self) -> list[float]:
        """One forward, one backward and one optimizer step for every run; each run's loss."""
        xb, yb = self.sessions[0].next_batch()
        for session in self.sessions[1:]:
            session.next_batch()  # each session's data order stays its own, as if alone
        if self._scheduled:
            for session in self.sessions:
                session.optimizer.param_groups[0]["lr"] = session.lr
        if self._descent is not None:
            values = self._descent.step(xb, yb)
            if values is not None:
                return values
        for parameter in self._parameters:  # zero_grad(set_to_none=True) without its profiler hook
            parameter.grad = None
        outputs = [_output(layers, xb) for layers in self._forwards]
        values = _stacked_bce_backward(outputs, yb) if self._stacked_bce else None
        if values is None:
            values = self._per_run_backward(outputs, yb)
        self._optimizer.step()
        return values

    def _per_run_backward(self, outputs: list[torch.Tensor], yb: torch.Tensor) -> list[float]:
        """Each run's loss computed as its session computes it, all of them roots of the one
        backward pass (no stack or sum node in the graph), their values read in one call;
        NaN for a run whose outputs the loss refuses (`_loss_or_none`)."""
        losses = [_loss_or_none(self._loss, output, yb) for output in outputs]
        finite = [loss for loss in losses if loss is not None]
        values: list[float] = []
        if finite:
            torch.autograd.backward(finite)
            with torch.no_grad():
                values = torch.stack(finite).tolist()
        return [math.nan if loss is None else values.pop(0) for loss in losses]

    def _rebind_unfinished(self) -> None:
        if self._descent is not None:
            self._descent.publish()
        self.sessions = [s for s in self.sessions if not s.finished]
        if self.sessions:
            self._bind()


def _settle_foreach(group: dict[str, Any]) -> None:
    """Write into a param group the implementation torch would pick for it anyway: with
    `foreach` None, every torch optimizer asks at every step, for every group, whether all its
    tensors are on a device with foreach kernels (`_default_to_fused_or_foreach`), and on the
    CPU they never are, so it takes the single-tensor loop. Asked once here instead of R times
    a step (a sixth of the optimizer's time in a profile of 4 small runs); the same loop runs,
    so the numbers do not change."""
    if group.get("foreach") is None and all(p.device.type == "cpu" for p in group["params"]):
        group["foreach"] = False


Forward = Callable[[torch.Tensor], torch.Tensor]


def _forward_calls(session: TrainingSession) -> list[Forward]:
    """The session's forward pass as plain calls on its modules' own tensors. `model(x)` goes
    through `nn.Module.__call__` for the Sequential and for each layer (hook checks, a few
    microseconds each), and a layer's `forward` adds a Python frame or two and a module
    attribute lookup per tensor: together they were a third of a small network's forward
    pass, paid once per run here. A `Linear` becomes `F.linear` bound to its weight and bias
    (the parameter objects themselves, which the optimizer updates in place), an activation
    whose `forward` is one torch function becomes that function (`_DIRECT`), any other layer
    keeps its `forward`. The models have no hooks and these are the kernels `model(x)` runs on
    the same tensors, so the numbers are the ones it gives, bit for bit."""
    return [_direct(layer) for layer in session.model]


def _plain_bce(loss_fn: nn.Module) -> bool:
    """Whether the runs' loss is `nn.BCELoss()` as the builder makes it (mean, no weights),
    which `_stacked_bce_backward` reproduces bit for bit."""
    return type(loss_fn) is nn.BCELoss and loss_fn.weight is None and loss_fn.reduction == "mean"


def _stacked_bce_backward(outputs: list[torch.Tensor], target: torch.Tensor) -> list[float] | None:
    """The runs' binary cross-entropies as one stacked kernel and one backward node instead of
    one per run (the loss was the largest cost that grew with the runs), bit for bit what each
    run's `BCELoss()` gives; None, with nothing done, when a run's outputs are not
    probabilities (not finite: BCELoss refuses them), for the per-run path to say which.

    Why each piece is exact (tests/core/test_batched_training.py holds the batch to the
    separate runs; measured op by op at batch sizes 1 to 800): the loss kernel is element-wise
    and scalar, so a run's elements do not change with their neighbours; a row's mean of a
    contiguous (R, n) tensor is the mean of that run's n elements; BCELoss's own backward
    (mean) computes `grad * (x - y) / max((1 - x) x, eps)` with grad 1, then divides by n,
    which is the element-wise backward of a sum (grad 1) followed by the hook's `/ n`. A
    stacked `torch.sigmoid` by contrast is *not* exact (its vectorised and scalar paths differ
    in the last bit where a run's elements straddle a vector), so only the loss is stacked."""
    probabilities = torch.stack(outputs)
    try:
        elements = F.binary_cross_entropy(
            probabilities, target.expand_as(probabilities), reduction="none"
        )
    except RuntimeError:
        return None
    n = outputs[0].numel()
    probabilities.register_hook(lambda grad: grad / n)
    elements.sum().backward()
    with torch.no_grad():
        return elements.view(len(outputs), -1).mean(1).tolist()


_DIRECT: dict[type[nn.Module], Forward] = {
    nn.ReLU: torch.relu,
    nn.Sigmoid: torch.sigmoid,
    nn.Tanh: torch.tanh,
}
"""Activation modules whose `forward` is exactly `torch.<function>(input)`."""


def _direct(layer: nn.Module) -> Forward:
    if type(layer) is nn.Linear:
        return functools.partial(F.linear, weight=layer.weight, bias=layer.bias)
    if getattr(layer, "inplace", False):  # `forward` would call torch.relu_, not torch.relu
        return layer.forward
    return _DIRECT.get(type(layer), layer.forward)


def _output(layers: list[Forward], x: torch.Tensor) -> torch.Tensor:
    for forward in layers:
        x = forward(x)
    return x


_aten = torch.ops.aten
_ACTIVATIONS: dict[type[nn.Module], tuple[Forward, Callable[..., torch.Tensor]]] = {
    nn.ReLU: (torch.relu, lambda grad, output: _aten.threshold_backward(grad, output, 0)),
    nn.Tanh: (torch.tanh, _aten.tanh_backward),
    nn.Sigmoid: (torch.sigmoid, _aten.sigmoid_backward),
}
"""The activations of `StackedDescent`: each one's function and the backward op autograd runs
for it (on the function's output)."""


class StackedDescent:
    """Plain gradient descent of binary runs with the backward pass written out: the kernels
    autograd and `torch.optim.SGD` run for each run, called directly, and stacked across the
    runs wherever the stacked kernel gives each run's numbers bit for bit.

    Why: for the lecture's small networks the generic batch's time went mostly to the
    autograd engine (a dozen nodes per run per step: a 4-run backward took ~4.5x one run's)
    and to torch.optim's Python loop, not to arithmetic. Here a step is a short list of kernel
    calls: the element-wise activations and their backward ops on the stacked (runs, n,
    width) layout, the binary cross-entropy and its backward stacked (as in
    `_stacked_bce_backward`), the output layer's input gradient (one product per element) as
    one `bmm`, and per run what would round differently stacked: the layers' products, the
    weight gradients (`grad.t().mm(input)`, autograd's `mm_mat2_backward` for `F.linear`),
    the bias gradients (autograd's `sum_to`) and the update (`torch._foreach_add_`, which on
    the CPU runs SGD's `add_` per tensor). A layer whose blocks are not whole vector chunks
    stays per run throughout (`_whole_chunks`).

    Why it is exact: every per-run call is the kernel autograd or SGD calls, on the same
    shapes, strides and alignment; every stacked one is element-wise on whole chunks or a
    single product per element. On top, `of` builds the step only after `_probe` found one
    step of it equal, bit for bit, to autograd and SGD on copies of the runs at each minibatch
    size the runs will see: that catches a kernel that rounds differently on this machine
    throughout, not one that differs only for rare values (as `baddbmm` did). What it refuses
    trains on the generic batch. The runs' parameters become views of the stacked weights, so
    the sessions read and edit (`set_weight`) the weights it updates.
    """

    def __init__(self, models: Sequence[nn.Module], groups: Sequence[dict[str, Any]]) -> None:
        self._groups = list(groups)
        layers = list(models[0])
        self._activations = [_ACTIVATIONS[type(layer)] for layer in layers[1::2]]
        self._layers: list[tuple[torch.Tensor, list[nn.Linear]]] = []
        for index in range(0, len(layers), 2):
            linears = [model[index] for model in models]
            weights = _stacked_views([linear.weight for linear in linears])
            _stacked_views([linear.bias for linear in linears])
            self._layers.append((weights, linears))
        self._parameters = [list(model.parameters()) for model in models]
        self._gradients: list[list[torch.Tensor]] | None = None

    @classmethod
    def of(cls, sessions: Sequence[TrainingSession]) -> StackedDescent | None:
        """The stacked step of `sessions` (already bound as one batch), or None when they
        need the generic batch: another optimizer or task, another layer, or a step that
        `_probe` did not find exact."""
        if stacked_refusal(sessions) is not None or not _all_finite(sessions):
            return None
        n = len(sessions[0].dataset.x_train)
        size = min(sessions[0].config.batch_size or n, n)
        sizes = sorted({size, n % size or size})
        if not _probe(sessions, sizes):
            return None
        return cls([s.model for s in sessions], [s.optimizer.param_groups[0] for s in sessions])

    @torch.no_grad()
    def step(self, x: torch.Tensor, y: torch.Tensor) -> list[float] | None:
        """One update of every run on the minibatch (x, y); each run's loss before it. None,
        with nothing changed, when a run's outputs are not probabilities (not finite): the
        generic batch then takes the step and says which run diverged.

        A layer's runs are one stacked (runs, n, width) tensor where `_whole_chunks` allows,
        else a list of each run's own tensors (see `_whole_chunks` for why)."""
        self._gradients = None
        runs, n = len(self._groups), len(x)
        inputs: Runs = x.expand(runs, *x.shape)  # each run's slice is x itself
        layer_inputs, outputs = [], []
        for index, (weights, linears) in enumerate(self._layers):
            layer_inputs.append(inputs)
            z: Runs = [
                F.linear(part, lin.weight, lin.bias)
                for part, lin in zip(_parts(inputs), linears, strict=True)
            ]
            if _whole_chunks(runs, n * weights.shape[1]):
                z = torch.stack(z)
            inputs = _apply(self._activations[index][0], z)
            outputs.append(inputs)
        probabilities = inputs if isinstance(inputs, torch.Tensor) else torch.stack(inputs)
        target = y.expand_as(probabilities)
        try:
            elements = F.binary_cross_entropy(probabilities, target, reduction="none")
        except RuntimeError:
            return None
        values = elements.view(runs, -1).mean(1).tolist()
        grad: Runs = (
            _aten.binary_cross_entropy_backward(
                torch.ones_like(probabilities), probabilities, target, None, 0
            )
            / n
        )
        gradients: list[list[torch.Tensor]] = [[] for _ in range(runs)]
        for index in range(len(self._layers) - 1, -1, -1):
            weights, linears = self._layers[index]
            grad = _apply(self._activations[index][1], grad, outputs[index])
            parts = _parts(grad)
            below = _parts(layer_inputs[index])
            for run, (part, input_part) in enumerate(zip(parts, below, strict=True)):
                # autograd's mm_mat2_backward and sum_to for F.linear
                gradients[run][0:0] = (
                    part.t().mm(input_part),
                    part.sum([0], keepdim=True).view(-1),
                )
            if index == 0:
                break
            if weights.shape[1] == 1 and isinstance(grad, torch.Tensor):
                grad = torch.bmm(grad, weights)  # one output unit: one product each, exact
            else:
                grad = [part.mm(lin.weight) for part, lin in zip(parts, linears, strict=True)]
                if isinstance(outputs[index - 1], torch.Tensor):
                    grad = torch.stack(grad)
        for group, parameters, grads in zip(self._groups, self._parameters, gradients, strict=True):
            if group["weight_decay"]:
                grads = torch._foreach_add(grads, parameters, alpha=group["weight_decay"])
            torch._foreach_add_(parameters, grads, alpha=-group["lr"])
        self._gradients = gradients
        return values

    def publish(self) -> None:
        """Give the parameters the last step's gradients as their `.grad`, as backward would
        have (a snapshot's gradient norm reads them); once per chunk rather than per step."""
        if self._gradients is not None:
            for parameters, grads in zip(self._parameters, self._gradients, strict=True):
                for parameter, grad in zip(parameters, grads, strict=True):
                    parameter.grad = grad
            self._gradients = None


Runs = torch.Tensor | list[torch.Tensor]
"""One quantity of every run: stacked along a first dimension, or a list of each run's."""


def _stacked_views(parameters: Sequence[torch.Tensor]) -> torch.Tensor:
    """Put the runs' `parameters` (one per run, of one shape) into one stacked storage and
    make each a view of it; returns the stacked (runs, *shape) view. Each run's block starts
    on a 64-byte boundary, as a tensor of its own does (a matrix product's kernel may depend
    on its operands' alignment)."""
    shape, numel = parameters[0].shape, parameters[0].numel()
    padded = -(-numel // ALIGNMENT) * ALIGNMENT
    storage = parameters[0].new_zeros(len(parameters), padded)
    for run, parameter in enumerate(parameters):
        storage[run, :numel] = parameter.detach().view(-1)
        parameter.data = storage[run, :numel].view(shape)
    return storage[:, :numel].view(len(parameters), *shape)


ALIGNMENT = 16
"""Floats per 64 bytes: where torch's CPU allocator starts every tensor."""


def _whole_chunks(runs: int, block: int) -> bool:
    """Whether `runs` blocks of `block` floats each may be one stacked tensor, every run's
    numbers staying those it gets alone. An element-wise CPU kernel takes its vectorised path
    in chunks of two vectors from the start of its range and its scalar path for the rest,
    and the two round differently (sigmoid, tanh); a matrix product's kernel depends on where
    its operands start in memory (a run's slice of a stack of 7 x 8 blocks is not aligned as a
    run's own tensor is). Both hold for whole chunks (ELEMENTWISE_CHUNK floats, 128 bytes)
    in a stack that no kernel splits between threads (at most GRAIN_SIZE elements, or one
    thread)."""
    return block % ELEMENTWISE_CHUNK == 0 and (
        runs * block <= GRAIN_SIZE or torch.get_num_threads() == 1
    )


def _parts(runs: Runs) -> list[torch.Tensor]:
    return list(runs)


def _apply(op: Callable[..., torch.Tensor], *tensors: Runs) -> Runs:
    """An element-wise `op` on every run: one call when every operand is stacked (whole
    chunks, `_whole_chunks`), else one call per run, which the kernel computes as alone (an
    element-wise kernel does not care where a run's slice starts in memory)."""
    if all(isinstance(tensor, torch.Tensor) for tensor in tensors):
        return op(*tensors)
    return [op(*parts) for parts in zip(*map(_parts, tensors), strict=True)]


ELEMENTWISE_CHUNK = 32
"""Floats per chunk of an element-wise kernel's vectorised loop (two vectors), or a multiple of
it: 16 with AVX2, 32 with AVX-512, fewer on other CPUs."""

GRAIN_SIZE = 32768
"""at::internal::GRAIN_SIZE: the fewest elements an element-wise kernel splits between threads."""


def stacked_refusal(sessions: Sequence[TrainingSession]) -> str | None:
    """Why runs that batch (`batch_refusal`) take the generic batch rather than
    `StackedDescent`, or None: it writes out only plain gradient descent (SGD without
    momentum, weight decay allowed) of binary networks of linear layers with bias and ReLU,
    tanh or sigmoid activations, with the builder's binary cross-entropy."""
    first = sessions[0]
    if first.spec.task != "binary" or not _plain_bce(first.loss_fn):
        return "only binary networks with their cross-entropy are stacked"
    layers = list(first.model)
    linears, activations = layers[0::2], layers[1::2]
    if (
        len(linears) != len(activations)
        or any(type(layer) is not nn.Linear or layer.bias is None for layer in linears)
        or any(
            type(layer) not in _ACTIVATIONS or getattr(layer, "inplace", False)
            for layer in activations
        )
        or type(activations[-1]) is not nn.Sigmoid
    ):
        return "only linear layers with ReLU, tanh or sigmoid activations are stacked"
    for session in sessions:
        optimizer = session.optimizer
        group = optimizer.param_groups[0]
        if (
            type(optimizer) is not torch.optim.SGD
            or len(optimizer.param_groups) != 1
            or group["momentum"] != 0
            or group["maximize"]
        ):
            return "only plain gradient descent is stacked"
    return None


def _probe(sessions: Sequence[TrainingSession], sizes: Sequence[int]) -> bool:
    """Whether one `StackedDescent` step gives, bit for bit, the losses and weights that each
    run's own step (its model, loss and torch optimizer, as `TrainingSession.step` runs them)
    gives on copies of the runs, for minibatches of each of `sizes`. The kernels' paths
    depend on the shapes, not on the values, so one step per size answers for every step."""
    dataset = sessions[0].dataset
    for size in sizes:
        x, y = dataset.x_train[:size], dataset.y_train[:size]
        expected: list[float] = []
        alone: list[nn.Module] = []
        for session in sessions:
            model = _fresh_copy(session.model)
            optimizer = build_optimizer(model.parameters(), session.config)
            live = session.optimizer.param_groups[0]
            optimizer.param_groups[0].update({k: v for k, v in live.items() if k != "params"})
            loss = _loss_or_none(session.loss_fn, model(x), y)
            if loss is None:  # this run diverges now: the generic batch names it
                return False
            loss.backward()
            optimizer.step()
            expected.append(loss.item())
            alone.append(model)
        models = [_fresh_copy(session.model) for session in sessions]
        groups = [dict(session.optimizer.param_groups[0]) for session in sessions]
        if StackedDescent(models, groups).step(x, y) != expected:
            return False
        for a, b in zip(alone, models, strict=True):
            if not all(
                torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
            ):
                return False
    return True


def _all_finite(sessions: Sequence[TrainingSession]) -> bool:
    """Whether every run's weights are finite. A run whose last update overflowed is booked
    as diverged only at its next step, which the generic batch takes (it names the run and
    refuses nothing); the stacked step and its probe assume finite weights."""
    return all(
        bool(torch.isfinite(parameter).all())
        for session in sessions
        for parameter in session.model.parameters()
    )


def _fresh_copy(model: nn.Module) -> nn.Module:
    """A copy of `model` whose parameters are tensors of their own (not views of a batch's
    stacked weights), as a run's own are."""
    copied = copy.deepcopy(model)
    for parameter in copied.parameters():
        parameter.data = parameter.data.clone()
        parameter.grad = None
    return copied
