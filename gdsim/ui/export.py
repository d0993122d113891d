"""Saving a plot for slides: PNG (at a chosen scale) or SVG, rendered by pyqtgraph's own
exporters into memory, checked, then written atomically (`gdsim.core.files`).

Three pyqtgraph 0.14.0 defects are worked around here (no release fixes them, so no pin would):
- `ImageExporter.export(path)` ignores `QImage.save`'s result, so a failed write looked like
  success; we encode the image ourselves and check the result.
- `ImageExporter` enlarges a plot by scaling the painter's world transform, which items flagged
  `ItemIgnoresTransformations` do not follow: a 2x PNG had 2x axes beside a 1x legend. We paint
  at the plot's own size into an image whose device pixel ratio is the scale, which every item
  follows, as on a high-DPI screen.
- `SVGExporter` fails on every plot ("not enough values to unpack", pyqtgraph issue #3485,
  same cause as #3495): Qt's SVG generator now ends closed sub-paths with a bare "Z", and
  pyqtgraph's `correctCoordinates` reads every path token as "x,y". While we export, paths are
  handed to it with each "Z" spelled as the equivalent "L" back to the sub-path's start.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.dom import minidom

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6 import QtCore, QtGui

from gdsim.core.files import write_bytes_atomic

FIGURE_FORMATS: dict[str, tuple[str, float]] = {
    "PNG image, 1x screen size (*.png)": (".png", 1.0),
    "PNG image, 2x for slides (*.png)": (".png", 2.0),
    "PNG image, 3x for large prints (*.png)": (".png", 3.0),
    "SVG drawing, any size (*.svg)": (".svg", 1.0),
}
"""File > Export figure's choices, as the file dialog's filters: the filter picks the scale."""
DEFAULT_FORMAT = "PNG image, 2x for slides (*.png)"


def figure_target(path: Path, chosen: str) -> tuple[Path, float]:
    """Where to write and at what scale, from the typed path and the chosen filter: a name
    without a suffix gets the filter's; a typed .png or .svg wins over the filter's type (the
    scale comes from a PNG filter, else 2x)."""
    suffix, scale = FIGURE_FORMATS.get(chosen, FIGURE_FORMATS[DEFAULT_FORMAT])
    if not path.suffix:
        return path.with_suffix(suffix), scale
    if path.suffix.lower() == ".png" and suffix != ".png":
        return path, FIGURE_FORMATS[DEFAULT_FORMAT][1]
    return path, scale


def export_plot(
    plot: pg.PlotWidget | pg.GraphicsLayoutWidget, path: Path, scale: float = 2.0
) -> None:
    """Write `plot` to `path` (the suffix picks the format); the old file, if any, survives a
    failure, which raises `OSError` (cannot write) or `ValueError` (unknown suffix)."""
    write_bytes_atomic(path, render_plot(plot, path.suffix, scale))


def render_plot(
    plot: pg.PlotWidget | pg.GraphicsLayoutWidget, suffix: str, scale: float = 2.0
) -> bytes:
    """The file's content: a PNG `scale` times the plot's size on screen, or an SVG document."""
    suffix = suffix.lower()
    if suffix == ".svg":
        with _closed_paths_spelled_out():
            return SVGExporter(_item(plot)).export(toBytes=True)
    if suffix == ".png":
        return _png_bytes(plot_image(plot, scale))
    raise ValueError(f"unsupported file type '{suffix}': use .png or .svg")


def plot_image(plot: pg.PlotWidget | pg.GraphicsLayoutWidget, scale: float = 2.0) -> QtGui.QImage:
    """The plot as on screen, `scale` times the pixels (Edit > Copy figure, PNG export)."""
    return _scaled_image(ImageExporter(_item(plot)), scale)


def _item(plot: pg.PlotWidget | pg.GraphicsLayoutWidget) -> Any:
    """What pyqtgraph's exporters take: a plot's PlotItem, a layout's whole scene."""
    return plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot.scene()


def _scaled_image(exporter: ImageExporter, scale: float) -> QtGui.QImage:
    """The plot as on screen, every pixel `scale` times over (text and legend included).

    Painted in the plot's own coordinates (source and target rectangles the same size), so
    the scale lives only in the device pixel ratio; pyqtgraph's export mode (antialiasing, no
    cached symbol pixmaps) is on while it paints, as in `ImageExporter.export`."""
    source = exporter.getSourceRect()
    size = exporter.getTargetRect().size()
    image = QtGui.QImage(
        max(1, round(size.width() * scale)),
        max(1, round(size.height() * scale)),
        QtGui.QImage.Format.Format_ARGB32,
    )
    image.setDevicePixelRatio(scale)
    background = exporter.parameters()["background"]
    image.fill(background)
    painter = QtGui.QPainter(image)
    try:
        exporter.setExportMode(
            True,
            {
                "antialias": True,
                "background": background,
                "painter": painter,
                "resolutionScale": 1.0,
            },
        )
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        target = QtCore.QRectF(0, 0, size.width(), size.height())
        exporter.getScene().render(painter, target, QtCore.QRectF(source))
    finally:
        exporter.setExportMode(False)
        painter.end()
    return image


def _png_bytes(image: Any) -> bytes:
    data = QtCore.QByteArray()
    buffer = QtCore.QBuffer(data)
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("could not encode the plot as PNG")
    return bytes(data.data())


@contextlib.contextmanager
def _closed_paths_spelled_out() -> Iterator[None]:
    """Give pyqtgraph's SVG post-processing paths without "Z" tokens while we export."""
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original: Callable[..., None] = module.correctCoordinates

    def correct(group: minidom.Element, *args: Any, **kwargs: Any) -> None:
        for path in group.getElementsByTagName("path"):
            path.setAttribute("d", spell_out_close_path(path.getAttribute("d")))
        original(group, *args, **kwargs)

    module.correctCoordinates = correct
    try:
        yield
    finally:
        module.correctCoordinates = original


def spell_out_close_path(data: str) -> str:
    """'M0,0 L5,0 L5,5 Z' -> 'M0,0 L5,0 L5,5 L0,0': a line back to the sub-path's start, which
    draws the same outline and fill, in the only token form pyqtgraph parses ("x,y")."""
    tokens = []
    start = ""
    for token in data.split():
        if token.startswith("M"):
            start = token[1:]
        tokens.append(f"L{start}" if token in ("Z", "z") and start else token)
    return " ".join(tokens)
