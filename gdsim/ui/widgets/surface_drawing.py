"""Drawing a surface and its runs on a ``SurfaceView``: the curve or heat map, the tracks, and
the tangent or arrows at the selected run's current iterate."""

from __future__ import annotations

import html

import numpy as np

from gdsim.core.basins import DIVERGED, OTHER, BasinMap, legend_entries
from gdsim.core.explain import SurfaceFrame
from gdsim.core.surfaces import Surface, with_domain
from gdsim.core.verdict import row_norms
from gdsim.ui.style import (
    BASIN_COLORS,
    BASIN_DIVERGED,
    BASIN_NO_MINIMUM,
    BASIN_STEPS,
    run_color,
)
from gdsim.ui.widgets.surface_view import SurfaceView, Track

GRID_2D = 200
GRID_1D = 600
STATIONARY_ARROW = 1e-6
"""No -gradient arrow where the gradient is below this fraction of the run's largest."""


def draw_surface(view: SurfaceView, surface: Surface, start: tuple[float, ...]) -> None:
    """``surface`` over its default view, its minima marked; a 1D view also frames ``start``."""
    minima = np.asarray(surface.minima, dtype=float).reshape(-1, surface.dim)
    if surface.dim == 1:
        (w,), f = surface.sample(GRID_1D)
        with np.errstate(all="ignore"):
            start_value = float(surface.value(*start))
        # A typed formula has no curated box: frame its valleys; the start may sit above.
        include = [] if surface.typed else [start_value]
        view.set_curve(w, f, include=include, focus=surface.typed)
        values = np.asarray(surface.value(minima[:, 0]), dtype=float) if len(minima) else []
        view.set_minima(np.column_stack([minima[:, 0], np.broadcast_to(values, len(minima))]))
    else:
        _axes, values = surface.sample(GRID_2D)
        x_range, y_range = surface.domain
        view.set_field(values, x_range, y_range, surface.log_colors)
        view.set_minima(minima)


def draw_zoomed(
    view: SurfaceView,
    surface: Surface,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> None:
    """Re-sample over what is on screen after a zoom or pan (the simulation keeps its domain:
    zooming looks closer, it changes no run); ValueError for a box that cannot be drawn."""
    shown = with_domain(surface, [x_range] if surface.dim == 1 else [x_range, y_range])
    if shown.dim == 1:
        (w,), f = shown.sample(GRID_1D)
        view.set_curve(w, f, keep_view=True)
    else:
        _axes, values = shown.sample(GRID_2D)
        view.set_field(values, x_range, y_range, shown.log_colors, keep_view=True)


def draw_runs(view: SurfaceView, frame: SurfaceFrame, position: int | None) -> None:
    """Every run's track up to ``position`` (None: whole), and the selected run's markers."""
    result, dim = frame.result, frame.surface.dim
    tracks = []
    for k in range(len(result)):
        run = result.run(k)
        xy = run.points if dim == 2 else np.column_stack([run.points[:, 0], run.losses])
        tracks.append(Track(xy, run_color(k), frame.names[k]))
    view.set_tracks(tracks, position)
    _draw_current(view, frame, position)


def _draw_current(view: SurfaceView, frame: SurfaceFrame, position: int | None) -> None:
    """Tangent (1D) or gradient and step arrows (2D) at the selected run's current iterate."""
    run = frame.result.run(frame.selected)
    drawn = view.drawn_count(frame.selected)
    if drawn == 0:
        view.clear_markers()
        return
    index = drawn - 1 if position is None else min(position, drawn - 1)
    point, gradient = run.points[index], run.grads[index]
    with np.errstate(over="ignore", invalid="ignore"):  # near 1e308 squares are inf: "large"
        # `row_norms`, not a sum over the rows' two entries: 0.1 instead of 0.3 ms a frame of
        # a dragged 20,000-step run (np.linalg.norm took ~1 ms).
        largest = np.nanmax(row_norms(run.grads))
        stationary = np.linalg.norm(gradient) <= STATIONARY_ARROW * largest
    if stationary:
        gradient = np.zeros_like(gradient)  # at a minimum its direction is rounding noise
    if frame.surface.dim == 1:
        view.set_tangent(float(point[0]), float(run.losses[index]), float(gradient[0]))
        return
    step = run.points[index + 1] - point if index + 1 < len(run.points) else None
    view.set_arrows(point, gradient, step)


def draw_basins(view: SurfaceView, basins: BasinMap | None, mode: str = "minimum") -> None:
    """The basin map under the contours (None removes it), coloured by the minimum reached or
    (``mode`` "steps") by the steps needed, with its legend under the plot."""
    if basins is None:
        view.set_basins(None, (0.0, 1.0), (0.0, 1.0))
        return
    labels = basins.labels
    rgba = np.empty((*labels.shape, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[labels == DIVERGED, :3] = _rgb(BASIN_DIVERGED)
    # Diverged starts hatched (a grey diagonal every fourth cell, white between): a flat grey
    # would read as the "slow" verdict's grey.
    rows, columns = np.indices(labels.shape)
    rgba[(labels == DIVERGED) & ((rows + columns) % 4 != 0), :3] = 255
    rgba[labels == OTHER, :3] = _rgb(BASIN_NO_MINIMUM)
    reached = labels >= 0
    settings = basins.settings
    if mode == "steps":
        # Up to the slowest start shown, not the budget, on a log scale: at a good η most
        # starts arrive in a tenth of the budget and a few on the ridges take ten times longer;
        # a linear ramp to either would leave the map one pale colour.
        slowest = int(basins.steps[reached].max()) if reached.any() else 0
        share = np.log1p(basins.steps[reached]) / np.log1p(max(slowest, 1))
        low, high = _rgb(BASIN_STEPS[0]), _rgb(BASIN_STEPS[1])
        rgba[reached, :3] = np.round(low + share[:, None] * (high - low))
        title = f"Steps to reach a minimum, η = {settings.lr:g} (log scale):"
        swatches = [(BASIN_STEPS[0], "0"), (BASIN_STEPS[1], str(slowest))]
        for label, text in legend_entries(basins):
            if label < 0:
                swatches.append((_label_color(label), text))
    else:
        for m in range(len(basins.minima)):
            rgba[labels == m, :3] = _rgb(_label_color(m))
        title = f"Basin of each start, η = {settings.lr:g}:"
        swatches = [(_label_color(label), text) for label, text in legend_entries(basins)]
    legend = f"<b>{title}</b> " + " ".join(
        f'<span style="white-space:nowrap"><span style="background-color:{color}; '
        f'color:{color}">&#9608;&#9608;</span>&nbsp;{html.escape(text)}</span>&nbsp;&nbsp;'
        for color, text in swatches
    )
    view.set_basins(rgba, basins.x_range, basins.y_range, legend)


def _label_color(label: int) -> str:
    if label == DIVERGED:
        return BASIN_DIVERGED
    if label == OTHER:
        return BASIN_NO_MINIMUM
    return BASIN_COLORS[label % len(BASIN_COLORS)]


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
