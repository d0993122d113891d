"""Per-neuron maps and the numbers behind the network diagram: what each unit computes over
the input plane, its formula, and a weight edited by hand.

Why in the core: the diagram draws what these return, the worker computes them at the detail
rate (gdsim/core/training_job.py), and the exported script replays the edits
(gdsim/core/codegen.py); none of it needs Qt, and all of it can be held to a hand-written
forward pass in tests/core/test_unit_maps.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from gdsim.core.network import NetworkSpec

MAP_POINTS = 24
"""Unit-map resolution per axis: a 24x24 grid is one forward pass over 576 points (well under a
millisecond for the lecture's networks) and more than a node of ~50 pixels can show."""

MAX_TERMS = 4
"""A unit's formula names at most this many inputs; the rest are counted ('… + 12 more')."""

MAX_WEIGHT = 1e6
"""A typed weight beyond this is refused: float32 holds it, but the next step would blow up and
the edge widths (scaled by the largest weight) would flatten every other edge to nothing."""


@dataclass(frozen=True)
class WeightEdit:
    """One weight set by hand: after `step` updates, Linear layer `layer` (0 = the first),
    entry [row, column] of its weight matrix (row = the unit, column = its input) became
    `value`. The session keeps them in order, so the exported script can replay them."""

    step: int
    layer: int
    row: int
    column: int
    value: float


def map_grid(
    xs: np.ndarray, ys: np.ndarray | None, points: int = MAP_POINTS
) -> tuple[np.ndarray, np.ndarray | None]:
    """A coarse grid over the same extent as the decision map's grid (`xs`, `ys`)."""
    coarse = np.linspace(float(xs[0]), float(xs[-1]), points)
    if ys is None:
        return coarse, None
    return coarse, np.linspace(float(ys[0]), float(ys[-1]), points)


def layer_outputs(model: nn.Sequential, inputs: torch.Tensor) -> list[torch.Tensor]:
    """Every layer's unit outputs for `inputs` (n, input_dim): one (n, units) tensor per hidden
    layer (what the next Linear layer reads: after its activation) and the model's output last.

    One forward pass through the model's own modules, in eval mode (dropout off) and without
    gradients; the model's training flag is put back."""
    training = model.training
    model.eval()
    outputs: list[torch.Tensor] = []
    seen_linear = False
    x = inputs
    try:
        with torch.no_grad():
            for module in model:
                if isinstance(module, nn.Linear):
                    if seen_linear:
                        outputs.append(x)
                    seen_linear = True
                x = module(x)
    finally:
        model.train(training)
    outputs.append(x)
    return outputs


def unit_maps(model: nn.Sequential, xs: np.ndarray, ys: np.ndarray | None) -> list[np.ndarray]:
    """Every unit's output over the grid: per layer (hidden layers, then the output layer) a
    float32 array (units, len(ys), len(xs)) for 2D inputs, (units, len(xs)) for 1D inputs."""
    xs = np.asarray(xs, dtype=np.float32)
    if ys is None:
        points = xs[:, None]
        shape: tuple[int, ...] = (len(xs),)
    else:
        gx, gy = np.meshgrid(xs, np.asarray(ys, dtype=np.float32))
        points = np.stack([gx.ravel(), gy.ravel()], axis=1)
        shape = gx.shape
    outputs = layer_outputs(model, torch.from_numpy(np.ascontiguousarray(points)))
    return [
        np.ascontiguousarray(out.numpy().T.reshape(out.shape[1], *shape), dtype=np.float32)
        for out in outputs
    ]


def linear_layers(model: nn.Sequential) -> list[nn.Linear]:
    """The model's Linear layers in order: the diagram's columns of edges."""
    return [module for module in model if isinstance(module, nn.Linear)]


def check_weight_index(model: nn.Sequential, layer: int, row: int, column: int) -> None:
    """IndexError (one line) for a weight the model does not have: an editor opened on a
    network since rebuilt with fewer units."""
    layers = linear_layers(model)
    if not 0 <= layer < len(layers):
        raise IndexError(f"the network has no layer {layer + 1} of weights")
    rows, columns = layers[layer].weight.shape
    if not (0 <= row < rows and 0 <= column < columns):
        raise IndexError(f"layer {layer + 1} has no weight ({row + 1}←{column + 1})")


def set_weight(model: nn.Sequential, layer: int, row: int, column: int, value: float) -> None:
    """Set one weight in place (the optimizer's state for it is kept); an index the model
    does not have raises IndexError."""
    check_weight_index(model, layer, row, column)
    with torch.no_grad():
        linear_layers(model)[layer].weight[row, column] = value


def parse_weight(text: str) -> float:
    """A typed weight, or ValueError with one line saying what is wrong."""
    cleaned = text.strip().replace("−", "-")
    if not cleaned:
        raise ValueError("type a number for the weight")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError("a weight must be a finite number")
    if abs(value) > MAX_WEIGHT:
        raise ValueError(f"a weight must lie between -{MAX_WEIGHT:g} and {MAX_WEIGHT:g}")
    return value


def weight_label(layer: int, row: int, column: int, value: float) -> str:
    """'w[1](3←2) = 0.734': layer of weights, unit ← input, all counted from 1."""
    return f"w[{layer + 1}]({row + 1}←{column + 1}) = {value:.4g}"


def input_names(layer: int, count: int, features: Sequence[str] = ()) -> list[str]:
    """What a layer's units read: the input features (x1, x2, or e.g. x1², x1·x2, sin(x1):
    `features` as `NetworkSpec.features` names them) or h1, h2, ... (the layer before)."""
    if layer == 0 and len(features) == count:
        return [name.replace("^2", "²").replace("*", "·") for name in features]
    prefix = "x" if layer == 0 else "h"
    return [f"{prefix}{i + 1}" for i in range(count)]


def unit_functions(spec: NetworkSpec) -> list[str]:
    """Each layer's function as the formulas write it, per Linear layer: the hidden layers'
    activations ('' for a linear one), then the output unit's: 'σ' for a binary task, else ''
    (a multiclass unit's map is its logit: softmax acts across the units, not on one)."""
    hidden = ["" if name == "linear" else name for _, name in spec.hidden]
    return [*hidden, "σ" if spec.task == "binary" else ""]


def unit_formula(
    weights: np.ndarray, bias: float, function: str, names: Sequence[str], symbol: str = "h"
) -> str:
    """'h = tanh(0.52·x1 − 1.3·x2 + 0.1)': the unit's incoming weights (one row), its bias and
    its function ('' for a linear unit); at most MAX_TERMS inputs are written out."""
    terms = []
    for index, (w, name) in enumerate(zip(weights, names, strict=True)):
        if index == MAX_TERMS:
            terms.append(f"… ({len(names) - MAX_TERMS} more)")
            break
        terms.append(f"{_signed(float(w), first=index == 0)}·{name}")
    terms.append(_signed(float(bias), first=not terms))
    inside = " ".join(terms)
    return f"{symbol} = {function}({inside})" if function else f"{symbol} = {inside}"


def unit_title(layer: int, unit: int, function: str, output: bool) -> str:
    """'Layer 1, unit 3: tanh(w·x + b)' (the large map's title)."""
    where = "Output" if output else f"Layer {layer + 1}"
    body = f"{function}(w·x + b)" if function else "w·x + b"
    return f"{where}, unit {unit + 1}: {body}"


def _signed(value: float, first: bool) -> str:
    """'0.52', '− 1.3' or '+ 0.1': a term of a sum as written by hand."""
    text = f"{abs(value):.3g}"
    if first:
        return f"−{text}" if value < 0 else text
    return f"− {text}" if value < 0 else f"+ {text}"
