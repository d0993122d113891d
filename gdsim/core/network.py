"""A network described as plain data (`NetworkSpec`) and turned into an `nn.Sequential`.

The spec is what the network panel edits, what a session file saves and what the code exporter
prints; the model is rebuilt from it, deterministically from its seed, without touching torch's
global random generator (a worker thread must not disturb anyone else's randomness).

Output unit and loss follow the lecture's table: Bernoulli -> sigmoid -> binary cross-entropy,
multinoulli -> softmax -> cross-entropy (CrossEntropyLoss on the logits is the same model,
numerically safer), Gaussian -> linear -> mean squared error. The loss is the spec's choice:
the lecture's match by default, or mean squared error on a classifier (a mismatch a teacher
shows on purpose). Optional input features come first in the model and dropout after each
hidden activation (gdsim/core/layers.py), so every caller still feeds it raw points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from gdsim.core.datasets import TASKS
from gdsim.core.layers import (
    FEATURES,
    Features,
    Maxout,
    PiecewiseLinear,
    SeededDropout,
    Sign,
    SoftmaxMSELoss,
    Step,
)
from gdsim.core.names import suggestion

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 256
MAX_OUTPUTS = 10
MAX_MAXOUT_PIECES = 8
DEFAULT_MAXOUT_PIECES = 2
MAX_DROPOUT = 0.9


class SpecError(ValueError):
    """A network description that cannot be built; the message is one line."""


@dataclass(frozen=True)
class Activation:
    """One entry of the activation menu: `module` is the torch class, `code` how the exporter
    writes it (`{pieces}` stands for maxout's pieces per unit), `note` what a teacher should
    know when choosing it."""

    name: str
    label: str
    module: Callable[..., nn.Module]
    code: str
    note: str = ""


ZERO = "zero gradient almost everywhere: the layers before it never learn, only those after it"

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(name="relu", label="ReLU", module=nn.ReLU, code="nn.ReLU()"),
        Activation(
            name="leaky_relu", label="Leaky ReLU", module=nn.LeakyReLU, code="nn.LeakyReLU()"
        ),
        Activation(name="elu", label="ELU", module=nn.ELU, code="nn.ELU()"),
        Activation(name="tanh", label="Tanh", module=nn.Tanh, code="nn.Tanh()"),
        Activation(name="sigmoid", label="Sigmoid", module=nn.Sigmoid, code="nn.Sigmoid()"),
        Activation(name="softplus", label="Softplus", module=nn.Softplus, code="nn.Softplus()"),
        Activation(name="silu", label="SiLU (Swish)", module=nn.SiLU, code="nn.SiLU()"),
        Activation(name="gelu", label="GELU", module=nn.GELU, code="nn.GELU()"),
        Activation(
            name="linear", label="Linear (identity)", module=nn.Identity, code="nn.Identity()"
        ),
        Activation(name="step", label="Step (Heaviside)", module=Step, code="Step()", note=ZERO),
        Activation(name="sign", label="Sign", module=Sign, code="Sign()", note=ZERO),
        Activation(
            name="piecewise_linear",
            label="Piece-wise linear",
            module=PiecewiseLinear,
            code="PiecewiseLinear()",
        ),
        Activation(
            name="maxout",
            label="Maxout",
            module=Maxout,
            code="Maxout({pieces})",
            note="each unit is the largest of its k linear pieces (k rows of weights each)",
        ),
    )
}
ACTIVATION_ALIASES = {
    "swish": "silu",
    "identity": "linear",
    "leakyrelu": "leaky_relu",
    "heaviside": "step",
    "piecewise": "piecewise_linear",
    "piece_wise_linear": "piecewise_linear",
}

INITS: dict[str, str] = {
    "default": "PyTorch's default: uniform, scaled by 1/sqrt(fan_in)",
    "xavier": "Xavier/Glorot uniform, zero biases",
    "he": "He/Kaiming normal for ReLU, zero biases",
    "normal": "N(0, sigma^2) weights, zero biases",
    "zeros": "all zeros: every hidden unit stays identical (symmetry is never broken)",
}


class Loss(NamedTuple):
    """The loss matched to a task: `module` names the `torch.nn` class, `description` says
    which output unit and loss it stands for. A named tuple, so callers that unpack
    `(module, description)` keep working."""

    module: str
    description: str


LOSSES: dict[str, Loss] = {
    "binary": Loss(module="BCELoss", description="sigmoid output, binary cross-entropy"),
    "multiclass": Loss(
        module="CrossEntropyLoss", description="softmax (on logits), cross-entropy"
    ),
    "regression": Loss(module="MSELoss", description="linear output, mean squared error"),
}


LOSS_CHOICES: dict[str, str] = {
    "bce": "binary cross-entropy",
    "ce": "cross-entropy",
    "mse": "mean squared error",
}
"""The losses a network may train with; `MATCHED_LOSS` is the lecture's pairing per task."""

MATCHED_LOSS = {"binary": "bce", "multiclass": "ce", "regression": "mse"}
ALLOWED_LOSSES = {"binary": ("bce", "mse"), "multiclass": ("ce", "mse"), "regression": ("mse",)}
MISMATCH = {
    "binary": "the lecture pairs a sigmoid output with binary cross-entropy",
    "multiclass": "the lecture pairs a softmax output with cross-entropy",
}
FEATURE_ALIASES = {"x1²": "x1^2", "x2²": "x2^2", "x1**2": "x1^2", "x2**2": "x2^2", "x2*x1": "x1*x2"}


def feature_name(name: str) -> str:
    """The registry name of a user-typed feature ('x1²', 'x1**2', 'sin x1', 'x1·x2')."""
    key = name.strip().lower().replace(" ", "").replace("·", "*").replace("×", "*")
    if key.startswith("sin") and not key.startswith("sin("):
        key = f"sin({key[3:]})"
    key = FEATURE_ALIASES.get(key, key)
    if key not in FEATURES:
        raise SpecError(f"unknown feature '{name}'; choose from {', '.join(FEATURES)}")
    return key


def parse_features(text: str) -> tuple[str, ...]:
    """'x1,x2,x1^2' -> feature names (the spec checks the set)."""
    return tuple(feature_name(part) for part in text.split(",") if part.strip())


def activation_name(name: str) -> str:
    """The registry key for a user-typed activation name ('Tanh', 'swish', ...)."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    key = ACTIVATION_ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        raise SpecError(
            f"unknown activation '{name}'; choose one of {', '.join(ACTIVATIONS)}"
            f"{suggestion(name, [*ACTIVATIONS, *ACTIVATION_ALIASES])}"
        )
    return key


@dataclass(frozen=True)
class NetworkSpec:
    """An MLP as data. `hidden` is a tuple of (width, activation name) per hidden layer;
    `output_dim` is 1 except for multiclass (one unit per class)."""

    input_dim: int = 2
    hidden: tuple[tuple[int, str], ...] = ((16, "relu"),)
    task: str = "binary"
    output_dim: int = 1
    init: str = "default"
    init_sigma: float = 0.1
    seed: int = 0
    maxout_pieces: int = DEFAULT_MAXOUT_PIECES
    loss: str | None = None
    """None: the lecture's match for the task (MATCHED_LOSS), filled in on construction."""
    features: tuple[str, ...] | None = None
    """None: the raw inputs, ("x1", "x2") or ("x1",), filled in on construction."""
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.input_dim, int) or not 1 <= self.input_dim <= 2:
            raise SpecError(f"input dimension must be 1 or 2, got {self.input_dim!r}")
        if self.task not in TASKS:
            raise SpecError(f"unknown task '{self.task}'; choose one of {', '.join(TASKS)}")
        self._check_hidden()
        if self.task == "multiclass":
            if not isinstance(self.output_dim, int) or not 2 <= self.output_dim <= MAX_OUTPUTS:
                raise SpecError(f"a multiclass network needs 2 to {MAX_OUTPUTS} output units")
        elif self.output_dim != 1:
            raise SpecError(f"a {self.task} network has exactly 1 output unit")
        if self.init not in INITS:
            raise SpecError(f"unknown init '{self.init}'; choose one of {', '.join(INITS)}")
        sigma = self.init_sigma
        if not isinstance(sigma, (int, float)) or not (math.isfinite(sigma) and sigma > 0):
            raise SpecError(f"init sigma must be a finite number above 0, got {sigma!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SpecError(f"seed must be a whole number >= 0, got {self.seed!r}")
        self._check_options()

    def _check_options(self) -> None:
        """Maxout pieces, loss, features and dropout; None loss and features become the
        task's defaults."""
        pieces = self.maxout_pieces
        if not isinstance(pieces, int) or not 2 <= pieces <= MAX_MAXOUT_PIECES:
            raise SpecError(f"maxout pieces must be 2 to {MAX_MAXOUT_PIECES}, got {pieces!r}")
        if self.loss is None:
            object.__setattr__(self, "loss", MATCHED_LOSS[self.task])
        if self.loss not in LOSS_CHOICES:
            raise SpecError(f"unknown loss '{self.loss}'; choose one of {', '.join(LOSS_CHOICES)}")
        if self.loss not in ALLOWED_LOSSES[self.task]:
            raise SpecError(
                f"a {self.task} network cannot train with {LOSS_CHOICES[self.loss]} "
                f"({self.loss}); choose {' or '.join(ALLOWED_LOSSES[self.task])}"
            )
        if self.features is None:
            object.__setattr__(self, "features", FEATURES[: self.input_dim])
        features = self.features
        if not isinstance(features, tuple) or not features:
            raise SpecError("choose at least one input feature")
        for name in features:
            if name not in FEATURES:
                raise SpecError(f"unknown feature '{name}'; choose from {', '.join(FEATURES)}")
            if self.input_dim == 1 and "x2" in name:
                raise SpecError(f"feature '{name}' needs x2, but the data has one input")
        if len(set(features)) != len(features):
            raise SpecError("each input feature may be chosen once")
        # A set of toggles: kept in the builder's order, so that equal choices are equal specs
        # (and the first layer's columns follow the order the diagram shows).
        object.__setattr__(self, "features", tuple(sorted(features, key=FEATURES.index)))
        p = self.dropout
        if not isinstance(p, (int, float)) or not 0 <= p <= MAX_DROPOUT:
            raise SpecError(f"dropout must be a probability from 0 to {MAX_DROPOUT}, got {p!r}")

    def _check_hidden(self) -> None:
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise SpecError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}")
        for number, layer in enumerate(self.hidden, start=1):
            if not isinstance(layer, tuple) or len(layer) != 2:
                raise SpecError(f"hidden layer {number} must be a (width, activation) pair")
            width, activation = layer
            if not isinstance(width, int) or not 1 <= width <= MAX_WIDTH:
                raise SpecError(f"hidden layer {number}: width must be 1 to {MAX_WIDTH}")
            if activation not in ACTIVATIONS:
                raise SpecError(f"hidden layer {number}: unknown activation '{activation}'")

    @property
    def widths(self) -> tuple[int, ...]:
        """Units per layer, input features to output: (2, 16, 1) for the default."""
        return (len(self.features or ()), *(w for w, _ in self.hidden), self.output_dim)

    @property
    def raw_features(self) -> bool:
        """Whether the network takes the raw inputs as they are (no Features module)."""
        return self.features == FEATURES[: self.input_dim]

    @property
    def loss_mismatch(self) -> str | None:
        """Why the chosen loss is not the lecture's match for the output unit, or None."""
        return None if self.loss == MATCHED_LOSS[self.task] else MISMATCH[self.task]

    def linear_shapes(self) -> list[tuple[int, int]]:
        """(fan_in, fan_out) of each Linear layer: a maxout layer of width w has w * k
        outputs, its k pieces per unit."""
        widths = self.widths
        outs = [w * (self.maxout_pieces if a == "maxout" else 1) for w, a in self.hidden]
        return list(zip(widths[:-1], [*outs, self.output_dim], strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data; `from_dict(to_dict())` gives an equal spec. The loss and the
        features are written only where they differ from the task's defaults, so that a
        lesson step which changes the task alone gets that task's defaults, not the last
        task's; maxout's pieces and dropout only where they differ from theirs (a set-up line
        stays short)."""
        data: dict[str, Any] = {
            "input_dim": self.input_dim,
            "hidden": [[width, activation] for width, activation in self.hidden],
            "task": self.task,
            "output_dim": self.output_dim,
            "init": self.init,
            "init_sigma": self.init_sigma,
            "seed": self.seed,
        }
        if self.maxout_pieces != DEFAULT_MAXOUT_PIECES:
            data["maxout_pieces"] = self.maxout_pieces
        if self.dropout:
            data["dropout"] = self.dropout
        if self.loss_mismatch is not None:
            data["loss"] = self.loss
        if not self.raw_features:
            data["features"] = list(self.features or ())
        return data

    def settings(self) -> dict[str, Any]:
        """`to_dict` with every option written, defaults too: what a report shows."""
        return {
            **self.to_dict(),
            "maxout_pieces": self.maxout_pieces,
            "dropout": self.dropout,
            "loss": self.loss,
            "features": list(self.features or ()),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetworkSpec:
        """Build from saved plain data, with one-line errors for anything malformed."""
        if not isinstance(data, Mapping):
            raise SpecError("a network description must be a mapping")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise SpecError(f"unknown network field(s): {', '.join(sorted(unknown))}")
        fields = dict(data)
        if "hidden" in fields:
            hidden = fields["hidden"]
            if not isinstance(hidden, (list, tuple)) or not all(
                isinstance(layer, (list, tuple)) for layer in hidden
            ):
                raise SpecError("'hidden' must be a list of [width, activation] pairs")
            fields["hidden"] = tuple(tuple(layer) for layer in hidden)
        if isinstance(fields.get("features"), list):
            fields["features"] = tuple(fields["features"])
        return cls(**fields)

    @classmethod
    def for_task(
        cls,
        task: str,
        input_dim: int,
        n_classes: int = 2,
        hidden: tuple[tuple[int, str], ...] = ((16, "relu"),),
        **options: Any,
    ) -> NetworkSpec:
        """A spec whose input and output layers match a dataset's task."""
        output_dim = n_classes if task == "multiclass" else 1
        return cls(input_dim=input_dim, hidden=hidden, task=task, output_dim=output_dim, **options)


def parse_layers(text: str, activation: str = "relu") -> tuple[tuple[int, str], ...]:
    """'8,8' or '8:tanh,4:relu' (or '' for no hidden layer) -> hidden-layer tuples."""
    layers: list[tuple[int, str]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        width_text, _, act = part.partition(":")
        try:
            width = int(width_text)
        except ValueError:
            raise SpecError(f"layer '{part}' must start with a whole-number width") from None
        layers.append((width, activation_name(act or activation)))
    return tuple(layers)


class Curve(NamedTuple):
    """An activation drawn over `z`: its values `f`, autograd's derivative `slope`, and for
    maxout a `note` on the example pieces shown."""

    z: np.ndarray
    f: np.ndarray
    slope: np.ndarray
    note: str


def activation_curve(name: str, pieces: int = 2, span: float = 3.0, n: int = 241) -> Curve:
    """What the activation preview plots: f(z) and f'(z) on [-span, span], the derivative
    from torch.autograd, exactly what training uses (0 for step and sign). A maxout unit has
    no fixed shape: it is shown with `pieces` example pieces, the tangents of z^2 / 2 at
    slopes from -1 to 1, whose maximum is the convex curve a unit can learn."""
    z = torch.linspace(-span, span, n, requires_grad=True)
    note = ""
    if name == "maxout":
        slopes = torch.linspace(-1.0, 1.0, pieces)
        linear = z[:, None] * slopes - slopes**2 / 2
        f = Maxout(pieces)(linear)[:, 0]
        note = f"example: the largest of {pieces} lines; each unit learns its own"
    else:
        f = ACTIVATIONS[name].module()(z)
    (slope,) = torch.autograd.grad(f.sum(), z)
    return Curve(z.detach().numpy(), f.detach().numpy(), slope.numpy(), note)


def init_linear(layer: nn.Linear, scheme: str, sigma: float, generator: torch.Generator) -> None:
    """Fill one Linear layer. 'default' replays nn.Linear.reset_parameters with our generator,
    so it equals `torch.manual_seed(seed)` followed by building the same nn.Sequential."""
    with torch.no_grad():
        if scheme == "default":
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            bound = 1 / math.sqrt(layer.in_features)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
            return
        if scheme == "xavier":
            nn.init.xavier_uniform_(layer.weight, generator=generator)
        elif scheme == "he":
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
        elif scheme == "normal":
            nn.init.normal_(layer.weight, 0.0, sigma, generator=generator)
        else:
            nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)


def build_model(spec: NetworkSpec, dropout_seed: int | None = None) -> nn.Sequential:
    """The network for `spec`, in evaluation mode (see `training_output`); equal specs give
    identical weights, and torch's global random state is neither read nor changed. Dropout
    masks come from one generator seeded with `dropout_seed` (the training seed; the spec's
    seed when None)."""
    generator = torch.Generator().manual_seed(spec.seed)
    seed = spec.seed if dropout_seed is None else dropout_seed
    masks = torch.Generator().manual_seed(seed)
    modules: list[nn.Module] = [] if spec.raw_features else [Features(spec.features or ())]
    for index, (fan_in, fan_out) in enumerate(spec.linear_shapes()):
        layer = nn.utils.skip_init(nn.Linear, fan_in, fan_out)
        init_linear(layer, spec.init, spec.init_sigma, generator)
        modules.append(layer)
        if index < len(spec.hidden):
            name = spec.hidden[index][1]
            entry = ACTIVATIONS[name]
            modules.append(entry.module(spec.maxout_pieces) if name == "maxout" else entry.module())
            if spec.dropout > 0:
                modules.append(SeededDropout(spec.dropout, masks))
    if spec.task == "binary":
        modules.append(nn.Sigmoid())
    model = nn.Sequential(*modules).eval()
    model.uses_dropout = spec.dropout > 0  # read by training_output at every step
    return model


def training_output(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's output for a training step: dropout (if any) on for this one forward pass.
    Models stay in evaluation mode otherwise, so evaluation, predictions, maps, sharpness and
    landscapes never drop units and never draw from the masks' generator."""
    if not getattr(model, "uses_dropout", False):  # an attribute: no scan of the modules
        return model(x)
    model.train()
    try:
        return model(x)
    finally:
        model.eval()


def loss_function(task: str, loss: str | None = None) -> nn.Module:
    """The loss module for a `task` network trained with `loss` (None: the lecture's match,
    see LOSSES); MSE on a multiclass network compares the softmax with one-hot targets."""
    if loss is None or loss == MATCHED_LOSS[task]:
        return getattr(nn, LOSSES[task].module)()
    return SoftmaxMSELoss() if task == "multiclass" else nn.MSELoss()


def piece_rows(weight: np.ndarray, units: int) -> np.ndarray:
    """For each unit and input of a layer, the row of `weight` its edge stands for, (units,
    fan_in): a maxout layer's (units * k, fan_in) weights give each edge the piece of largest
    magnitude (unit j's pieces are rows j*k ... j*k + k - 1), any other layer the unit's own
    row. The diagram draws, shows and edits that one weight per edge."""
    pieces = weight.shape[0] // max(units, 1)
    if pieces <= 1 or weight.shape[0] != units * pieces:
        return np.broadcast_to(np.arange(weight.shape[0])[:, None], weight.shape)
    grouped = weight.reshape(units, pieces, -1)
    largest = np.abs(np.nan_to_num(grouped, nan=np.inf)).argmax(axis=1)
    return np.arange(units)[:, None] * pieces + largest


def unit_weights(weight: np.ndarray, units: int) -> np.ndarray:
    """A layer's weights per unit, (units, fan_in), for a picture of the units: each edge's
    weight in the row `piece_rows` names (a maxout unit's piece of largest magnitude)."""
    return np.take_along_axis(weight, piece_rows(weight, units), axis=0)


def parameter_count(spec: NetworkSpec) -> int:
    """Weights plus biases (a maxout unit has k rows of them)."""
    return sum((a + 1) * b for a, b in spec.linear_shapes())
