"""Export what the app trains as a standalone PyTorch script a student can read and run.

The script needs only torch and numpy. It regenerates the data with a verbatim copy of the
generator gdsim used (or embeds the points of a loaded CSV file), builds the same
`nn.Sequential` from the same seed, and runs the lecture's canonical loop (zero_grad, forward,
loss, backward, step), so it prints the same losses as the app's session, bit for bit on CPU.
Nothing is re-implemented here: every helper the script needs is copied from gdsim's source.

Every name that reaches the script is written with `repr()`, as a string literal in code, never
pasted into a docstring or a comment: a CSV file's name may hold three double quotes (which end
a docstring, and what follows would run) or a backslash (`\\N` and `\\x` start escapes), and the
script must stay exactly the program we mean.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import torch

from gdsim.core import datasets, layers
from gdsim.core.datasets import Dataset, DatasetParams
from gdsim.core.network import (
    ACTIVATIONS,
    LOSS_CHOICES,
    LOSSES,
    MATCHED_LOSS,
    NetworkSpec,
    init_linear,
    loss_function,
)
from gdsim.core.training import (
    SCHEDULES,
    BatchOrder,
    StopRules,
    TrainingConfig,
    _loss_or_none,
    batch_indices,
    evaluate,
    penalty,
)
from gdsim.core.unit_maps import WeightEdit


def export_script(
    spec: NetworkSpec,
    dataset_params: DatasetParams | Dataset,
    config: TrainingConfig,
    edits: Sequence[WeightEdit] = (),
) -> str:
    """The complete script as text. Pass `DatasetParams` to regenerate a generated dataset,
    or a `Dataset` (e.g. from a CSV file) to embed its points. `edits` (weights set by hand in
    the diagram) are replayed at the steps they were made, so the losses stay the session's."""
    sections = [
        _header(spec, dataset_params, config),
        _data_section(spec, dataset_params),
        *_modules_section(spec),
        _network_section(spec, config),
        _optimizer_section(spec, config),
        _loop_section(spec, config, edits),
    ]
    return "\n\n".join(sections) + "\n"


def _source(function: Callable[..., object]) -> str:
    return inspect.getsource(function).rstrip()


def _header(spec: NetworkSpec, data: DatasetParams | Dataset, config: TrainingConfig) -> str:
    layers = " -> ".join(str(width) for width in spec.widths)
    return "\n".join(
        [
            f'"""Exported by gdsim: a {layers} network on the dataset named in DATASET,',
            f"trained with {config.optimizer_spec.title} at learning rate {config.lr!r}.",
            "",
            "Run it with `python <this file>`; it needs only torch and numpy.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import math",
            "",
            "import numpy as np",
            "import torch",
            *(["import torch.nn.functional as F"] if _needs_functional(spec) else []),
            "from torch import nn",
            "",
            f"DATASET = {data.name!r}  # gdsim's generator, or your CSV file's name",
            f"STEPS = {config.steps}",
            f"BATCH_SIZE = {config.batch_size!r}  # None: full batch (plain gradient descent)",
            f"PRINT_EVERY = {max(1, config.steps // 20)}",
        ]
    )


def _data_section(spec: NetworkSpec, data: DatasetParams | Dataset) -> str:
    if isinstance(data, Dataset):
        return _embedded_data(data)
    args = [str(data.n), repr(data.effective_noise), "rng"]
    args += [f"{key}={value!r}" for key, value in data.generator_kwargs.items()]
    return "\n\n\n".join(
        [
            "# ---- the data: gdsim's generator, split and conversion, copied verbatim",
            _source(data.kind.generator),
            _source(datasets.split_indices),
            _source(datasets.to_tensors),
            "\n".join(
                [
                    f"rng = np.random.default_rng({data.seed})",
                    f"x, y = {data.kind.generator.__name__}({', '.join(args)})",
                    f"train_idx, val_idx = split_indices(len(x), {data.val_fraction!r}, rng)",
                    f"x_train, y_train = to_tensors(x[train_idx], y[train_idx], {spec.task!r})",
                    f"x_val, y_val = to_tensors(x[val_idx], y[val_idx], {spec.task!r})",
                ]
            ),
        ]
    )


def _embedded_data(data: Dataset) -> str:
    lines = ["# ---- the data, embedded (float32 values written exactly)"]
    for name in ("x_train", "y_train", "x_val", "y_val"):
        tensor: torch.Tensor = getattr(data, name)
        dtype = "torch.int64" if tensor.dtype == torch.int64 else "torch.float32"
        shape = tuple(tensor.shape)
        values = ", ".join(repr(v) for v in tensor.ravel().tolist())
        lines.append(f"{name} = torch.tensor([{values}], dtype={dtype}).reshape{shape!r}")
    return "\n".join(lines)


def _custom_modules(spec: NetworkSpec) -> list[type]:
    """gdsim's own modules (gdsim/core/layers.py) the network and its loss use, in the order
    the script defines them."""
    used: list[type] = [] if spec.raw_features else [layers.Features]
    for _, activation in spec.hidden:
        module = ACTIVATIONS[activation].module
        if getattr(module, "__module__", "") == layers.__name__ and module not in used:
            used.append(module)
    if spec.dropout > 0:
        used.append(layers.SeededDropout)
    loss_type = type(loss_function(spec.task, spec.loss))
    if loss_type.__module__ == layers.__name__:
        used.append(loss_type)
    return used


def _needs_functional(spec: NetworkSpec) -> bool:
    return layers.SoftmaxMSELoss in _custom_modules(spec)


def _modules_section(spec: NetworkSpec) -> list[str]:
    """The source of gdsim's own modules the script needs, copied verbatim (none for a network
    made of torch.nn's modules alone)."""
    used = _custom_modules(spec)
    if not used:
        return []
    sources = "\n\n\n".join(_source(module) for module in used)
    return ["# ---- gdsim's own modules, copied verbatim\n\n\n" + sources]


def _network_section(spec: NetworkSpec, config: TrainingConfig) -> str:
    dropout = f"SeededDropout({spec.dropout!r}, dropout_generator)"
    modules = [] if spec.raw_features else [f"Features({spec.features!r})"]
    shapes = spec.linear_shapes()
    for (fan_in, fan_out), (_, activation) in zip(shapes[:-1], spec.hidden, strict=True):
        modules.append(f"nn.Linear({fan_in}, {fan_out})")
        modules.append(ACTIVATIONS[activation].code.format(pieces=spec.maxout_pieces))
        if spec.dropout > 0:
            modules.append(dropout)
    modules.append(f"nn.Linear({shapes[-1][0]}, {spec.output_dim})")
    if spec.task == "binary":
        modules.append("nn.Sigmoid()")
    body = "".join(f"    {module},\n" for module in modules)
    lines = [f"# ---- the network ({_loss_text(spec)})"]
    if spec.dropout > 0:
        lines.append(
            f"dropout_generator = torch.Generator().manual_seed({config.seed})"
            "  # the dropout masks' own random numbers"
        )
    lines += [
        f"torch.manual_seed({spec.seed})",
        f"net = nn.Sequential(\n{body})",
    ]
    if spec.init != "default":
        lines += [
            "",
            "",
            _source(init_linear),
            "",
            "",
            f"init_generator = torch.Generator().manual_seed({spec.seed})",
            "for layer in net:",
            "    if isinstance(layer, nn.Linear):",
            f"        init_linear(layer, {spec.init!r}, {spec.init_sigma!r}, init_generator)",
        ]
    return "\n".join(lines)


def _loss_text(spec: NetworkSpec) -> str:
    if spec.loss_mismatch is None:
        return LOSSES[spec.task].description
    return f"{LOSS_CHOICES[spec.loss or MATCHED_LOSS[spec.task]]}; mismatch: {spec.loss_mismatch}"


def _optimizer_section(spec: NetworkSpec, config: TrainingConfig) -> str:
    options = {"lr": config.lr_at(0), **config.torch_options()}
    arguments = ", ".join(f"{key}={value!r}" for key, value in options.items())
    loss_type = type(loss_function(spec.task, spec.loss))
    prefix = "" if loss_type.__module__ == layers.__name__ else "nn."
    return "\n".join(
        [
            f"loss_function = {prefix}{loss_type.__name__}()",
            f"optimizer = torch.optim.{config.optimizer_spec.torch_class}(net.parameters(), "
            f"{arguments})",
        ]
    )


def _edits_section(edits: Sequence[WeightEdit]) -> str:
    """The hand-set weights as data and the function that applies those due at a step."""
    rows = "".join(f"    {(e.step, e.layer, e.row, e.column, e.value)!r},\n" for e in edits)
    return (
        "# weights set by hand in gdsim's diagram: (step, Linear layer, row, column, value)\n"
        f"WEIGHT_EDITS = [\n{rows}]\n"
        "linear_layers = [layer for layer in net if isinstance(layer, nn.Linear)]\n"
        "\n"
        "\n"
        "def apply_weight_edits(step):\n"
        "    for edit_step, layer, row, column, value in WEIGHT_EDITS:\n"
        "        if edit_step == step:\n"
        "            with torch.no_grad():\n"
        "                linear_layers[layer].weight[row, column] = value"
    )


def _loop_section(
    spec: NetworkSpec, config: TrainingConfig, edits: Sequence[WeightEdit] = ()
) -> str:
    parts = ["# ---- the canonical training loop", _source(BatchOrder), _source(batch_indices)]
    apply_edits = after_edits = ""
    if edits:
        parts.append(_edits_section(edits))
        apply_edits = "    apply_weight_edits(step)  # a weight set by hand at this step\n"
        after_edits = "else:\n    apply_weight_edits(STEPS)  # set by hand after the last step\n"

    # BCELoss raises on NaN outputs where the other losses turn them into a NaN loss: the
    # script must stop there and say the run diverged, at the step gdsim says, not crash.
    nan_outputs = ""
    if spec.task == "binary":
        nan_outputs = (
            "    if not torch.isfinite(prediction).all():  # BCELoss refuses NaN outputs\n"
            "        losses.append(math.nan)\n"
            '        print(f"diverged at step {step}: the outputs are not finite")\n'
            "        break\n"
        )
    add_penalty = ""
    if config.penalised:
        parts.append(_source(penalty))
        parts.append(f"L1, L2 = {config.l1!r}, {config.l2!r}  # penalty rates (0 = off)")
        add_penalty = (
            "    loss = loss + penalty(net.parameters(), L1, L2)  # L1/L2 regularisation\n"
        )
    check_rules = ""
    if config.stop_rules:
        parts += [_source(_loss_or_none), _source(evaluate), _source(StopRules)]
        parts.append(
            f"EVAL_EVERY = {config.evaluation_every}  # the stop rules are checked this often\n"
            f"rules = StopRules({config.stop_at_loss!r}, {config.stop_at_accuracy!r}, "
            f"{config.early_stop!r})"
        )
        check_rules = (
            "    if step % EVAL_EVERY == 0:  # evaluate the whole sets, check the stop rules\n"
            f"        train_loss, train_metric = evaluate(net, loss_function, {spec.task!r}, "
            "x_train, y_train)\n"
            f"        val_loss = evaluate(net, loss_function, {spec.task!r}, x_val, y_val)[0] "
            "if len(x_val) else None\n"
            "        stop_reason = rules.check(step, train_loss, train_metric, val_loss)\n"
            "        if stop_reason is not None:\n"
            '            print(f"stopped at step {step}: {stop_reason}")\n'
            "            break\n"
        )
    set_lr = ""
    if config.schedule != "none":
        schedule = SCHEDULES[config.schedule]
        parts.append(_source(schedule))
        parts.append(f"SCHEDULE = {config.schedule_args()!r}")
        set_lr = (
            "    for group in optimizer.param_groups:  # learning-rate schedule\n"
            f'        group["lr"] = {config.lr!r} * {schedule.__name__}(step, **SCHEDULE)\n'
        )
    parts.append(
        f"batches = batch_indices(len(x_train), BATCH_SIZE, "
        f"torch.Generator().manual_seed({config.seed}))\n"
        "losses = []\n"
        "net.train()  # training mode: dropout layers drop units (none without dropout)\n"
        "for step in range(STEPS):\n"
        f"{check_rules}"
        "    index = next(batches)\n"
        "    inputs, targets = (x_train, y_train) if index is None "
        "else (x_train[index], y_train[index])\n"
        f"{apply_edits}"
        f"{set_lr}"
        "    optimizer.zero_grad()  # reset all gradients to zero\n"
        "    prediction = net(inputs)  # forward pass\n"
        f"{nan_outputs}"
        "    loss = loss_function(prediction, targets)  # compute the loss\n"
        f"{add_penalty}"
        "    loss.backward()  # backward pass: compute the gradients\n"
        "    optimizer.step()  # update the weights with the gradients\n"
        "    losses.append(loss.item())\n"
        "    if not math.isfinite(losses[-1]):\n"
        '        print(f"diverged at step {step}: the loss is {losses[-1]}")\n'
        "        break\n"
        "    if step % PRINT_EVERY == 0:\n"
        '        print(f"step {step:6d}  loss {losses[-1]:.6g}")\n'
        f"{after_edits}"
        "\n"
        "net.eval()  # evaluation mode: every unit kept\n"
        "if len(x_val):\n"
        "    with torch.no_grad():\n"
        "        val_prediction = net(x_val)\n"
        "    if torch.isfinite(val_prediction).all():\n"
        "        val_loss = loss_function(val_prediction, y_val).item()\n"
        '        print(f"{DATASET}: validation loss {val_loss:.6g}")\n'
        "    else:\n"
        '        print(f"{DATASET}: no validation loss, the weights are no longer finite")'
    )
    return "\n\n\n".join(parts)
