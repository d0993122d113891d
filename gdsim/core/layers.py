"""The torch modules the network builder needs beyond `torch.nn`: lecture deck 003's step, sign,
piece-wise linear and maxout activations, the input features, dropout with its own generator,
and MSE on softmax outputs against one-hot targets.

Each class is short and self-contained on purpose: "Show code" copies their source verbatim
into the exported script (gdsim/core/codegen.py), so the script builds the very same model.

Step and sign are made of `torch.sign`, whose derivative torch defines as exactly 0, so
autograd gives 0 (not NaN, not an error) everywhere, the jump included: the layers before them
never learn, as the lecture says.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
"""The input features a network may take, in the order the builder shows them."""

FEATURE_LABELS = {
    "x1": "x₁",
    "x2": "x₂",
    "x1^2": "x₁²",
    "x2^2": "x₂²",
    "x1*x2": "x₁x₂",
    "sin(x1)": "sin x₁",
    "sin(x2)": "sin x₂",
}


class Step(nn.Module):
    """Unit step (Heaviside): 0 below 0, 1/2 at 0, 1 above; its gradient is 0 everywhere."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (torch.sign(z) + 1) / 2


class Sign(nn.Module):
    """-1 below 0, 0 at 0, 1 above; its gradient is 0 everywhere."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sign(z)


class PiecewiseLinear(nn.Module):
    """0 below -1/2, z + 1/2 between, 1 above (slope 1 at the two kinks, as torch.clamp's)."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.clamp(z + 0.5, 0.0, 1.0)


class Maxout(nn.Module):
    """Each unit is the largest of its `pieces` linear pieces: the Linear layer before it has
    `pieces` outputs per unit (unit j's are columns j*pieces ... j*pieces + pieces - 1)."""

    def __init__(self, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z.unflatten(-1, (-1, self.pieces)).amax(-1)


class Features(nn.Module):
    """The network's first module: raw inputs (..., 1 or 2) -> the chosen features, so that
    every caller feeds raw points and the first Linear layer sees one input per feature."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        self.names = tuple(names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x[..., 0], x[..., -1]
        columns = {  # computed only when chosen
            "x1": lambda: x1,
            "x2": lambda: x2,
            "x1^2": lambda: x1 * x1,
            "x2^2": lambda: x2 * x2,
            "x1*x2": lambda: x1 * x2,
            "sin(x1)": lambda: torch.sin(x1),
            "sin(x2)": lambda: torch.sin(x2),
        }
        return torch.stack([columns[name]() for name in self.names], dim=-1)


class SeededDropout(nn.Module):
    """Dropout whose masks come from `generator` (shared by the model's dropout layers), never
    from torch's global random state, so a run and its exported script draw the same masks.
    Active only in training mode: units are kept with probability 1 - p and scaled by
    1 / (1 - p); in evaluation mode it is the identity."""

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        self.p = p
        self.generator = generator

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return z
        keep = torch.rand(z.shape, generator=self.generator) >= self.p
        return z * keep / (1 - self.p)


class SoftmaxMSELoss(nn.Module):
    """Mean squared error between the softmax of the logits and the one-hot targets: the
    mismatched loss on a multiclass network (its outputs stay logits, as for cross-entropy)."""

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        probabilities = torch.softmax(logits, dim=-1)
        return F.mse_loss(probabilities, F.one_hot(target, logits.shape[-1]).to(logits.dtype))
