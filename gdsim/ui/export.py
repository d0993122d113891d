"""Saving a plot for slides through pyqtgraph's own exporters (PNG at a chosen scale, SVG)."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter


def export_plot(
    plot: pg.PlotWidget | pg.GraphicsLayoutWidget, path: Path, scale: float = 2.0
) -> None:
    """Write `plot` to `path`; the suffix picks the format (.png or .svg)."""
    item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot.scene()
    suffix = path.suffix.lower()
    if suffix == ".svg":
        SVGExporter(item).export(str(path))
    elif suffix == ".png":
        exporter = ImageExporter(item)
        width = int(exporter.parameters()["width"] * scale)
        exporter.parameters()["width"] = width
        exporter.export(str(path))
    else:
        raise ValueError(f"unsupported file type '{path.suffix}': use .png or .svg")
