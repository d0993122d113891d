"""The loss landscape of a trained network: the loss on a line or a plane through its weights,
with the training trajectory projected onto it (no Qt; the "Landscape" tab and `gdsim
landscape` draw and print what this computes).

Directions (each a vector in the space of all weights and biases, in `model.parameters()`
order):

- ``line`` (1D only): from the initial weights θ₀ to the final ones θ₁, θ(α) = θ₀ + α(θ₁ − θ₀),
  α from −0.5 to 1.5 (Goodfellow, Vinyals & Saxe 2015): α = 0 is the start, α = 1 the end.
- ``random``: Gaussian directions through the final weights, *filter-normalised* (Li et al.
  2018, "Visualizing the loss landscape of neural nets"): each row of a weight matrix (the
  weights into one unit: a fully connected layer's "filter") is scaled to the norm of the same
  row of the trained weights, so a step of 1 moves every unit by its own size and the picture
  does not depend on how the weights happen to be scaled. Bias directions are set to zero, as
  the paper's code does with its ``ignore='biasbn'`` option: the plane moves weights only.
- ``pca``: the top principal directions of the recorded iterates minus the final weights (the
  paper's section 7); the share of the trajectory's variance each explains is returned. When
  that share is low, most of the path lies off the plane, and the losses shown at the projected
  iterates are the losses of the iterates themselves, not values on the plane.

Iterates are projected by least squares in the plane's coordinates (random directions are not
orthogonal). In compare mode every run is drawn on ONE plane: random directions (or the line)
through the selected run's final weights; PCA is refused, as each run would have its own plane.

Many grid points are evaluated per call. The grid's points lie on the plane, so for an MLP
of Linear layers and element-wise activations `PlaneLoss` uses that the weights are linear in
the plane's coordinates: the first layer's products are computed once per plane, and each
point's first layer is a few multiply-adds; the grid runs on every core (`grid_threads`;
measured fastest, see `scripts/bench_landscape.py`). Arbitrary
parameter vectors (the iterates) go through `BatchedLoss`: hand-batched with `torch.baddbmm`
over stacked parameters for such an MLP, and `torch.func.functional_call` + `vmap` for any
other layer, so a future layer keeps working (`PlaneLoss` falls back to it too). Grid points
are evaluated in chunks that bound the activations' memory (`CHUNK_BYTES`,
`PLANE_CHUNK_BYTES`). `LandscapeJob` trains the builder's network(s), computes a coarse
preview (`PREVIEW_GRID` a side on at most `PREVIEW_POINTS` points) and then the full grid a
chunk per `advance()`.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from gdsim.core.compare import SETTINGS
from gdsim.core.csv_export import number
from gdsim.core.datasets import Dataset
from gdsim.core.lr_finder import network_dataset
from gdsim.core.network import NetworkSpec, build_model
from gdsim.core.state.network import NetworkState
from gdsim.core.training import TrainingSession
from gdsim.core.verdict import Regime

MIN_GRID, MAX_GRID = 21, 101
DEFAULT_GRID = 51
PREVIEW_GRID = 26
PREVIEW_POINTS = 256
MAX_ITERATES = 200
"""Recorded iterates kept per run (thinned evenly, the first and the last always kept): few
enough for the surface view to mark each one."""

CHUNK_BYTES = 1024 * 1024
"""Activations per chunk of grid points: a chunk that stays in the CPU's cache was fastest;
4 MiB and more were 2-8x slower here (`scripts/bench_landscape.py` prints the sizes)."""

IN_PLACE = {nn.ReLU: torch.relu_, nn.Tanh: torch.tanh_, nn.Sigmoid: torch.sigmoid_}
"""Element-wise modules applied in place on the batched activations (half the memory traffic
of a new tensor); any other parameter-free module is called as it is."""

ELEMENTWISE = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Softplus,
    nn.SiLU,
    nn.GELU,
    nn.Identity,
)
"""Activations that act on each number alone, whatever the tensor's layout: `PlaneLoss` may
lay its activations out as it likes."""

PLANE_CHUNK_BYTES = 4 * 1024 * 1024
"""`PlaneLoss`'s widest activations per chunk of grid points and per thread (see
`scripts/bench_landscape.py`)."""

GRID_THREADS = os.cpu_count() or 1
"""Torch threads while the grid is evaluated: every core, for the fraction of a second a plane
takes. The worker otherwise trains on one thread to leave a core to the GUI
(`gdsim.ui.workers`), but on one thread a 51x51 plane of a 2-50-1 network took 175 ms against
68 ms on two here; the GUI thread still gets its share between torch's short kernels."""

TRAIN_CHUNK = 20
"""Training updates per `advance()`: 10-30 ms on the builder's networks, so Cancel is prompt."""

LOW_VARIANCE = 0.9
"""Below this explained share, the PCA plane misses much of the path: say so."""

PLANES = {
    "random": "random filter-normalised directions",
    "pca": "top PCA directions of the trajectory",
    "line": "the line from the initial to the final weights",
}
LOSS_SETS = ("train", "validation")
DEFAULT_RANGES = {"random": (-1.0, 1.0), "line": (-0.5, 1.5)}


class LandscapeError(ValueError):
    """Settings that make no landscape; the message is one line."""


@dataclass(frozen=True)
class LandscapeSettings:
    """What to compute: 1 or 2 dimensions, the directions, points per side, which loss."""

    dims: int = 2
    plane: str = "random"
    grid: int = DEFAULT_GRID
    loss: str = "train"

    def __post_init__(self) -> None:
        if self.dims not in (1, 2):
            raise LandscapeError(f"dims: 1 or 2, got {self.dims}")
        if self.plane not in PLANES:
            raise LandscapeError(f"plane: one of {', '.join(PLANES)}, got {self.plane!r}")
        if self.plane == "line" and self.dims != 1:
            raise LandscapeError("the line from the initial to the final weights is 1D: use 1D")
        if not MIN_GRID <= self.grid <= MAX_GRID:
            raise LandscapeError(f"grid: {MIN_GRID} to {MAX_GRID} points a side, got {self.grid}")
        if self.loss not in LOSS_SETS:
            raise LandscapeError(f"loss: train or validation, got {self.loss!r}")


def check_settings(state: NetworkState, settings: LandscapeSettings) -> None:
    """LandscapeError (one line) for settings this network state cannot be drawn with, before
    any training starts."""
    if state.compare and settings.plane == "pca":
        raise LandscapeError(
            "PCA planes differ from run to run: compare mode draws all runs on one plane "
            "of random directions (or the line)"
        )
    if settings.loss == "validation" and state.dataset.val_fraction <= 0:
        raise LandscapeError("no validation points (validation share 0): use the train loss")
    if state.compare and SETTINGS[state.compare_setting].changes_network:
        raise LandscapeError(
            f"a compare by {SETTINGS[state.compare_setting].label} trains different "
            "networks, each with its own landscape: compare by learning rate, batch size or "
            "optimizer here, or turn compare mode off"
        )


# ---------------------------------------------------------------- directions and planes


def _parts(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of ``flat`` shaped as each parameter (writing into one writes into ``flat``)."""
    parts, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(flat[start : start + size].reshape(shape))
        start += size
    return parts


def filter_normalized(
    theta: np.ndarray, shapes: Sequence[tuple[int, ...]], rng: np.random.Generator
) -> np.ndarray:
    """A Gaussian direction with each weight row scaled to the norm of ``theta``'s same row
    and zero bias entries (see the module docstring)."""
    direction = rng.standard_normal(theta.size)
    for d, w in zip(
        _parts(direction, shapes), _parts(np.asarray(theta, float), shapes), strict=True
    ):
        if w.ndim <= 1:
            d[...] = 0.0
            continue
        rows_d, rows_w = d.reshape(d.shape[0], -1), w.reshape(w.shape[0], -1)
        norms_d = np.linalg.norm(rows_d, axis=1, keepdims=True)
        rows_d *= np.linalg.norm(rows_w, axis=1, keepdims=True) / np.maximum(norms_d, 1e-12)
    return direction


def pca_directions(
    iterates: np.ndarray, center: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` principal directions of ``iterates − center`` (rows) and the share of the
    variance each explains; LandscapeError when the iterates do not span ``k`` directions."""
    deviations = np.asarray(iterates, float) - np.asarray(center, float)
    if len(deviations) <= k:
        raise LandscapeError(f"PCA needs more than {k} recorded iterates: train longer")
    _u, singular, vt = np.linalg.svd(deviations, full_matrices=False)
    total = float(np.sum(singular**2))
    if total == 0.0 or singular[k - 1] <= 1e-12 * singular[0]:
        raise LandscapeError("the weights hardly moved: the trajectory spans no PCA plane")
    return vt[:k], singular[:k] ** 2 / total


@dataclass(frozen=True)
class Plane:
    """θ(a) = origin + Σ a_i directions[i]; ``ranges`` per axis; ``explained`` for PCA."""

    kind: str
    origin: np.ndarray
    directions: np.ndarray
    ranges: tuple[tuple[float, float], ...]
    explained: tuple[float, ...] | None = None

    def coordinates(self, points: np.ndarray) -> np.ndarray:
        """Least-squares coordinates (m, k) of parameter vectors ``points`` (m, P)."""
        offsets = np.asarray(points, float) - self.origin
        solution, *_ = np.linalg.lstsq(self.directions.T, offsets.T, rcond=None)
        return solution.T

    def points(self, coords: np.ndarray) -> np.ndarray:
        """Parameter vectors (m, P) at plane coordinates ``coords`` (m, k)."""
        return self.origin + np.asarray(coords, float) @ self.directions

    def axes(self, n: int) -> list[np.ndarray]:
        return [np.linspace(low, high, n) for low, high in self.ranges]

    def grid_coordinates(self, n: int) -> np.ndarray:
        """Every grid point's coordinates, rows = the second axis (as an image's rows)."""
        axes = self.axes(n)
        if len(axes) == 1:
            return axes[0][:, None]
        a, b = np.meshgrid(axes[0], axes[1])
        return np.column_stack([a.ravel(), b.ravel()])


def make_plane(
    settings: LandscapeSettings,
    shapes: Sequence[tuple[int, ...]],
    initial: np.ndarray,
    center: np.ndarray,
    paths: Sequence[np.ndarray],
    seed: int,
) -> Plane:
    """The line or plane ``settings`` asks for through ``center`` (the selected run's final
    weights), framed to hold every path's projected iterates; ``paths[0]`` is the selected
    run's path (PCA's)."""
    k = settings.dims
    initial, center = np.asarray(initial, float), np.asarray(center, float)
    explained = None
    if settings.plane == "line":
        direction = center - initial
        if not np.any(direction):
            raise LandscapeError("the weights did not move: there is no line to draw")
        origin, directions = initial, direction[None, :]
    elif settings.plane == "pca":
        origin = center
        directions, shares = pca_directions(paths[0], center, k)
        explained = tuple(float(s) for s in shares)
    else:
        rng = np.random.default_rng(seed)
        origin = center
        directions = np.stack([filter_normalized(center, shapes, rng) for _ in range(k)])
        if not np.any(directions):
            raise LandscapeError("all weights are zero: filter-normalised directions vanish")
    plane = Plane(settings.plane, origin, directions, ((0.0, 1.0),) * k, explained)
    coords = np.concatenate([plane.coordinates(path) for path in paths])
    return replace(plane, ranges=tuple(_frame(coords[:, i], settings.plane) for i in range(k)))


def _frame(values: np.ndarray, kind: str) -> tuple[float, float]:
    """An axis's range: the plane's default widened to hold the iterates with a 10% margin
    (PCA: symmetric about the centre, just holding the iterates)."""
    finite = values[np.isfinite(values)]
    if kind == "pca":
        reach = 1.2 * float(np.max(np.abs(finite))) if finite.size else 1.0
        return (-reach, reach) if reach > 0 else (-1.0, 1.0)
    low, high = DEFAULT_RANGES[kind]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        margin = 0.1 * max(hi - lo, high - low)
        low, high = min(low, lo - margin), max(high, hi + margin)
    return low, high


# ---------------------------------------------------------------- batched evaluation


def loss_kind(spec: NetworkSpec) -> str:
    """What `batched_losses` computes for `spec`'s chosen loss: its task's, or for MSE on a
    classifier the sigmoid's squared error ("regression"'s formula) or the softmax's."""
    if spec.loss_mismatch is None:
        return spec.task
    return "regression" if spec.task == "binary" else "multiclass_mse"


def batched_losses(output: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    """Each batch row's mean loss, exactly as the task's torch loss (BCELoss clamps its logs
    at −100; written out, as BCELoss raises on NaN outputs instead of returning NaN)."""
    if task == "regression":
        return ((output - y) ** 2).mean(dim=(1, 2))
    if task == "multiclass_mse":  # MSE on a classifier: softmax against one-hot (layers.py)
        target = functional.one_hot(y, output.shape[-1]).to(output.dtype)
        return ((torch.softmax(output, dim=-1) - target) ** 2).mean(dim=(1, 2))
    if task == "binary":
        if bool(((y == 0) | (y == 1)).all()):  # hard labels: one log per number, not two
            picked = torch.where(y == 1, output, 1.0 - output)
            return -torch.log(picked).clamp(min=-100.0).mean(dim=(1, 2))
        log_p = torch.log(output).clamp(min=-100.0)
        log_q = torch.log(1.0 - output).clamp(min=-100.0)
        return -(y * log_p + (1.0 - y) * log_q).mean(dim=(1, 2))
    b, n, classes = output.shape
    each = functional.cross_entropy(output.reshape(b * n, classes), y.repeat(b), reduction="none")
    return each.view(b, n).mean(dim=1)


def in_chunks(
    losses: Callable[[Any], np.ndarray], rows: np.ndarray | torch.Tensor, chunk: int
) -> np.ndarray:
    """``losses`` of ``rows``, ``chunk`` rows per call (the memory bound), as one array."""
    out = np.empty(len(rows))
    for start in range(0, len(rows), chunk):
        out[start : start + chunk] = losses(rows[start : start + chunk])
    return out


class BatchedLoss:
    """The loss of ``model``'s architecture at many parameter vectors on one data set.

    ``hand`` says whether the hand-batched path applies (a Sequential of biased Linear layers
    and parameter-free element-wise modules); otherwise `functional_call` + `vmap` is used.
    """

    def __init__(
        self,
        model: nn.Module,
        task: str,
        x: torch.Tensor,
        y: torch.Tensor,
        force_vmap: bool = False,
    ) -> None:
        self.model, self.task, self.x, self.y = model, task, x, y
        self.names = [name for name, _ in model.named_parameters()]
        self.shapes = [tuple(p.shape) for p in model.parameters()]
        self.hand = not force_vmap and _hand_batchable(model)
        widest = max([x.shape[1], *(shape[0] for shape in self.shapes)])
        self.chunk = max(1, CHUNK_BYTES // (4 * max(1, len(x)) * widest))

    def __call__(self, thetas: np.ndarray | torch.Tensor) -> np.ndarray:
        """Losses (m,) at parameter vectors ``thetas`` (m, P), a chunk at a time."""
        thetas = torch.as_tensor(np.asarray(thetas, dtype=np.float32))
        return in_chunks(self.chunk_losses, thetas, self.chunk)

    def chunk_losses(self, thetas: torch.Tensor) -> np.ndarray:
        """One call's worth: every row of ``thetas`` in one batched forward pass."""
        with torch.no_grad():
            output = self._hand(thetas) if self.hand else self._vmap(thetas)
            return batched_losses(output, self.y, self.task).double().numpy()

    def _hand(self, thetas: torch.Tensor) -> torch.Tensor:
        b = len(thetas)
        h = self.x.expand(b, *self.x.shape)
        offset, owned = 0, False
        for module in self.model:  # type: ignore[attr-defined]
            if isinstance(module, nn.Linear):
                n_out, n_in = module.out_features, module.in_features
                weight = thetas[:, offset : offset + n_out * n_in].view(b, n_out, n_in)
                offset += n_out * n_in
                bias = thetas[:, offset : offset + n_out]
                offset += n_out
                h, owned = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2)), True
            elif owned and type(module) in IN_PLACE:
                h = IN_PLACE[type(module)](h)
            else:
                h = module(h)
        return h

    def _vmap(self, thetas: torch.Tensor) -> torch.Tensor:
        sizes = [math.prod(shape) for shape in self.shapes]

        def forward(theta: torch.Tensor) -> torch.Tensor:
            pieces = torch.split(theta, sizes)
            params = {
                name: piece.view(shape)
                for name, piece, shape in zip(self.names, pieces, self.shapes, strict=True)
            }
            return torch.func.functional_call(self.model, params, (self.x,))

        return torch.func.vmap(forward)(thetas)


class PlaneLoss:
    """The loss at plane (or line) coordinates: what the job's grid evaluates.

    Every grid point lies on θ(c) = origin + Σ c_i d_i, so the first layer's pre-activations
    are linear in the coordinates, ``W(c) x + b(c) = Σ_j c_j (W_j x + b_j)`` with c_0 = 1, and
    the products ``W_j x + b_j`` do not depend on them: computed once, each grid point's first
    layer is k fused multiply-adds per number instead of a GEMM with K = 2 inputs (overhead
    bound). Activations are laid out (points, features, data), so the later layers'
    per-point GEMMs are wide (a single output unit is a row times a matrix, not a matrix
    times a column). Networks of Linear layers and the element-wise activations in
    ``ELEMENTWISE`` take this path; any other goes through `BatchedLoss` on the plane's
    points.
    """

    def __init__(self, loss: BatchedLoss, plane: Plane) -> None:
        self.loss, self.plane = loss, plane
        modules = list(loss.model.children())
        self.fast = (
            loss.hand
            and isinstance(modules[0], nn.Linear)
            and all(isinstance(module, (nn.Linear, *ELEMENTWISE)) for module in modules)
        )
        self.chunk = loss.chunk
        if not self.fast:
            return
        k = len(plane.directions)
        basis = torch.as_tensor(np.vstack([plane.origin, plane.directions]), dtype=torch.float32)
        # What follows the first layer: each Linear's stacked (k + 1) weights and biases.
        self._layers: list[tuple[torch.Tensor, torch.Tensor] | nn.Module] = []
        offset, widest = 0, 1
        for index, module in enumerate(modules):
            if not isinstance(module, nn.Linear):
                self._layers.append(module)
                continue
            n_out, n_in = module.out_features, module.in_features
            weights = basis[:, offset : offset + n_out * n_in]
            offset += n_out * n_in
            biases = basis[:, offset : offset + n_out]
            offset += n_out
            widest = max(widest, n_out)
            if index == 0:
                products = torch.baddbmm(
                    biases.unsqueeze(2),
                    weights.reshape(k + 1, n_out, n_in),
                    loss.x.T.expand(k + 1, -1, -1),
                )
                self._first = products.unsqueeze(1)  # (k + 1, 1, features, data)
            else:
                self._layers.append((weights.contiguous(), biases.contiguous()))
        budget = PLANE_CHUNK_BYTES * GRID_THREADS
        self.chunk = max(1, budget // (4 * max(1, len(loss.x)) * widest))

    def __call__(self, coords: np.ndarray) -> np.ndarray:
        """Losses (m,) at plane coordinates ``coords`` (m, k), a chunk at a time."""
        return in_chunks(self.chunk_losses, coords, self.chunk)

    def chunk_losses(self, coords: np.ndarray) -> np.ndarray:
        """One call's worth: every row of ``coords`` in one batched forward pass."""
        if not self.fast:
            points = torch.as_tensor(self.plane.points(coords), dtype=torch.float32)
            return self.loss.chunk_losses(points)
        coords = np.asarray(coords, dtype=np.float32)
        m, k = coords.shape
        c = torch.cat([torch.ones(m, 1), torch.as_tensor(coords)], dim=1)
        with torch.no_grad():
            h = torch.addcmul(self._first[0], c[:, 1].view(m, 1, 1), self._first[1])
            for j in range(2, k + 1):
                h.addcmul_(c[:, j].view(m, 1, 1), self._first[j])
            for layer in self._layers:
                if isinstance(layer, nn.Module):
                    h = IN_PLACE[type(layer)](h) if type(layer) in IN_PLACE else layer(h)
                    continue
                weights, biases = layer
                n_out = biases.shape[1]
                w = (c @ weights).view(m, n_out, h.shape[1])
                h = torch.baddbmm((c @ biases).unsqueeze(2), w, h)
            output = h.transpose(1, 2)
            return batched_losses(output, self.loss.y, self.loss.task).double().numpy()


@contextmanager
def grid_threads() -> Iterator[None]:
    """Evaluate on `GRID_THREADS` torch threads, then give the caller its own count back."""
    before = torch.get_num_threads()
    torch.set_num_threads(GRID_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _hand_batchable(model: nn.Module) -> bool:
    if not isinstance(model, nn.Sequential):
        return False
    for module in model:
        if isinstance(module, nn.Linear):
            if module.bias is None:
                return False
        elif any(True for _ in module.parameters()):
            return False
    return True


# ---------------------------------------------------------------- the job


@dataclass(frozen=True)
class RunTrace:
    """One run's path on the plane: recorded steps, coordinates (m, k), each iterate's own
    loss, and where it diverged (None if it did not)."""

    lr: float
    name: str
    """How the run is named: 'η = 0.1', or in a compare by batch size 'batch 1 (SGD)'."""
    steps: np.ndarray
    coords: np.ndarray
    losses: np.ndarray
    diverged_at: int | None


@dataclass(frozen=True)
class LandscapeFrame:
    """What the view draws and the CLI prints. ``losses`` is the preview grid until
    ``refined``; rows follow ``betas`` (2D), columns ``alphas``."""

    settings: LandscapeSettings
    phase: str
    done: int
    total: int
    alphas: np.ndarray | None = None
    betas: np.ndarray | None = None
    losses: np.ndarray | None = None
    refined: bool = False
    runs: tuple[RunTrace, ...] = ()
    selected: int = 0
    center_loss: float = math.nan
    explained: tuple[float, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def finished(self) -> bool:
        return self.phase == "done"


def thin(count: int, limit: int) -> np.ndarray:
    """At most ``limit`` evenly spread indices of ``count``, the first and last included."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.round(np.linspace(0, count - 1, limit)).astype(int))


def run_path(session: TrainingSession) -> tuple[np.ndarray, np.ndarray]:
    """(steps, weights) of a trained session: its recorded iterates and its final weights,
    thinned to MAX_ITERATES, cut before the first non-finite one (a diverged run)."""
    steps, weights = session.param_trajectory()
    if steps[-1] != session.step_count:
        steps = np.append(steps, session.step_count)
        weights = np.vstack([weights, session.parameters_numpy()])
    finite = np.isfinite(weights).all(axis=1)
    end = len(finite) if finite.all() else int(np.argmin(finite))
    keep = thin(end, MAX_ITERATES)
    return steps[keep], weights[keep].astype(float)


def finite_prefix(
    steps: np.ndarray, weights: np.ndarray, loss: BatchedLoss
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, weights, losses) up to the last iterate before the first non-finite loss: a
    diverging run's last finite weights may already overflow the loss, and a plane through
    them would show nothing."""
    losses = loss(weights)
    finite = np.isfinite(losses)
    end = len(finite) if finite.all() else max(1, int(np.argmin(finite)))
    return steps[:end], weights[:end], losses[:end]


class LandscapeJob:
    """Train the builder's network(s), then compute the landscape: a steppable job for
    `JobRunner` (see the module docstring), or `run()` in one go (the CLI)."""

    def __init__(
        self, state: NetworkState, settings: LandscapeSettings, dataset: Dataset | None = None
    ) -> None:
        check_settings(state, settings)
        self.state, self.settings = state, settings
        self._dataset = dataset
        self._sessions: list[TrainingSession] = []
        self._frame = LandscapeFrame(settings, "training", 0, self._total_steps())
        self._plane: Plane | None = None
        self._grid: PlaneLoss | None = None
        self._coords: np.ndarray = np.empty((0, settings.dims))
        self._values: np.ndarray = np.empty(0)
        self._next = 0

    def _total_steps(self) -> int:
        return self.state.run_count * self.state.training.steps

    def snapshot(self) -> LandscapeFrame:
        return self._frame

    def run(self) -> LandscapeFrame:
        while self.advance():
            pass
        return self._frame

    def advance(self) -> bool:
        if self._frame.phase == "training":
            if not self._sessions:
                self._start()
            elif not self._train():
                self._preview()
            return True
        if self._frame.phase == "grid":
            self._refine()
        return not self._frame.finished

    def _start(self) -> None:
        if self._dataset is None:
            self._dataset = network_dataset(self.state)
        data = self._dataset
        if self.settings.loss == "validation" and len(data.x_val) == 0:
            raise LandscapeError("no validation points: use the train loss")
        # Room for every recorded step and the final one, appended when off the stride:
        # evenly spaced iterates, none thinned away (a 1000-step run: every 6, then 1000).
        every = max(1, math.ceil(self.state.training.steps / (MAX_ITERATES - 2)))
        runs = self.state.runs(len(data.x_train))
        self._names = [run.name for run in runs]
        self._sessions = [  # sharpness is the builder's own measurement
            TrainingSession(run.spec, data, replace(run.config, sharpness_every=0), every)
            for run in runs
        ]

    def _train(self) -> bool:
        """Some updates of the first unfinished run; False once all are trained."""
        for session in self._sessions:
            if not session.finished:
                session.step(TRAIN_CHUNK)
                done = sum(s.config.steps if s.finished else s.step_count for s in self._sessions)
                self._frame = replace(self._frame, done=done)
                return True
        return False

    def _preview(self) -> None:
        """Choose the plane, evaluate the iterates and a coarse grid on a subset."""
        data = self._dataset
        assert data is not None
        settings, state = self.settings, self.state
        x, y = (
            (data.x_train, data.y_train) if settings.loss == "train" else (data.x_val, data.y_val)
        )
        model = build_model(state.network)
        task = loss_kind(state.network)
        full = BatchedLoss(model, task, x, y)
        stride = max(1, math.ceil(len(x) / PREVIEW_POINTS))
        coarse = BatchedLoss(model, task, x[::stride], y[::stride])
        paths = [finite_prefix(*run_path(session), full) for session in self._sessions]
        order = [state.selected, *(i for i in range(len(paths)) if i != state.selected)]
        shapes = [tuple(p.shape) for p in model.parameters()]
        selected_weights = paths[state.selected][1]
        diverged = [diverged_step(session) for session in self._sessions]
        try:
            plane = make_plane(
                settings,
                shapes,
                selected_weights[0],
                selected_weights[-1],
                [paths[i][1] for i in order],
                state.training.seed,
            )
        except LandscapeError:
            if settings.plane != "pca" or diverged[state.selected] is None:
                raise
            raise LandscapeError(
                f"the run diverged at step {diverged[state.selected]}: too few distinct "
                "iterates for a PCA plane (use random directions)"
            ) from None
        runs = [
            RunTrace(session.config.lr, name, steps, plane.coordinates(weights), losses, at)
            for session, name, (steps, weights, losses), at in zip(
                self._sessions, self._names, paths, diverged, strict=True
            )
        ]
        center = plane.origin if plane.kind != "line" else plane.points(np.ones((1, 1)))[0]
        center_loss = float(full(center[None, :])[0])
        preview_coords = plane.grid_coordinates(PREVIEW_GRID)
        axes = plane.axes(PREVIEW_GRID)
        self._plane, self._grid = plane, PlaneLoss(full, plane)
        self._coords = plane.grid_coordinates(settings.grid)
        self._values = np.empty(len(self._coords))
        self._frame = LandscapeFrame(
            settings,
            "grid",
            0,
            len(self._coords),
            alphas=axes[0],
            betas=axes[1] if settings.dims == 2 else None,
            losses=self._shaped(PlaneLoss(coarse, plane)(preview_coords), PREVIEW_GRID),
            runs=tuple(runs),
            selected=state.selected,
            center_loss=center_loss,
            explained=plane.explained,
            notes=notes(plane, runs, state.selected, state.training.steps),
        )

    def _refine(self) -> None:
        """One chunk of the full grid; the frame switches to it when complete."""
        assert self._plane is not None and self._grid is not None
        start, stop = self._next, min(self._next + self._grid.chunk, len(self._coords))
        with grid_threads():
            self._values[start:stop] = self._grid.chunk_losses(self._coords[start:stop])
        self._next = stop
        if stop < len(self._coords):
            self._frame = replace(self._frame, done=stop)
            return
        axes = self._plane.axes(self.settings.grid)
        self._frame = replace(
            self._frame,
            phase="done",
            done=stop,
            alphas=axes[0],
            betas=axes[1] if self.settings.dims == 2 else None,
            losses=self._shaped(self._values, self.settings.grid),
            refined=True,
        )

    def _shaped(self, values: np.ndarray, n: int) -> np.ndarray:
        return values.reshape(n, n) if self.settings.dims == 2 else values


def diverged_step(session: TrainingSession) -> int | None:
    """Where a trained run diverged by training's own verdict (`TrainingSession.verdict`), so
    the landscape and `gdsim train` agree: non-finite weights, or a loss that blew up while
    the weights stayed finite (dead units after a huge step)."""
    verdict = session.verdict
    return verdict.step if verdict.regime == Regime.DIVERGED else None


def notes(
    plane: Plane, runs: Sequence[RunTrace], selected: int, final_step: int
) -> tuple[str, ...]:
    """The words the view shows under the plot and the CLI prints: a low explained variance,
    and runs that diverged (a path that reaches ``final_step`` kept finite weights)."""
    out = []
    if plane.explained is not None:
        share = sum(plane.explained)
        if share < LOW_VARIANCE:
            out.append(
                f"The PCA plane explains only {share:.0%} of the trajectory's variance: the "
                "iterates' losses are their own, off-plane values."
            )
    for index, run in enumerate(runs):
        if run.diverged_at is not None:
            if run.steps[-1] == final_step:
                out.append(f"{run.name} diverged at step {run.diverged_at}: its loss blew up.")
                continue
            where = "the plane goes through" if index == selected else "drawn up to"
            out.append(
                f"{run.name} diverged at step {run.diverged_at} (its weights became "
                f"non-finite): {where} its last finite iterate, step {int(run.steps[-1])}."
            )
    return tuple(out)


def landscape_csv(frame: LandscapeFrame) -> str:
    """The grid and the iterates as CSV, columns `kind,run,lr,step,alpha,beta,loss`: `grid`
    rows (run, lr and step empty), then each run's `iterate` rows (its projected coordinates
    and its own loss); `beta` is empty in 1D."""
    if frame.losses is None or frame.alphas is None:
        raise ValueError("no landscape yet: press Compute first")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "run", "lr", "step", "alpha", "beta", "loss"])
    if frame.betas is None:
        for alpha, loss in zip(frame.alphas, frame.losses, strict=True):
            writer.writerow(["grid", "", "", "", number(alpha), "", number(loss)])
    else:
        for j, beta in enumerate(frame.betas):
            for i, alpha in enumerate(frame.alphas):
                row = ["grid", "", "", "", number(alpha), number(beta)]
                writer.writerow([*row, number(frame.losses[j, i])])
    for index, run in enumerate(frame.runs):
        for step, coords, loss in zip(run.steps, run.coords, run.losses, strict=True):
            beta = number(coords[1]) if len(coords) > 1 else ""
            row = ["iterate", index, number(run.lr), int(step), number(coords[0]), beta]
            writer.writerow([*row, number(loss)])
    return out.getvalue()
