"""The sharpness of every run against the step, with each run's stability line 2/η.

Cohen et al. 2021's figure: the top Hessian eigenvalue of the loss (measured every K steps by
the core, `gdsim.core.sharpness`) climbs until it reaches 2/η and hovers there. Each run is
drawn in its run colour. One run's line is dashed in a neutral dark reference colour over the
curve (in the run's own colour it vanished where it hovers; in the slider's 2/λ red it read as
"diverged" beside a run that converges); in compare mode each line takes its run's colour, so
each rate is seen meeting its own line.
The lines are plain series of the plot, so they share its legend strip, its presentation-mode
pens and its y-range (a line above the data stays in view); each also carries its label ("2/η =
20") at its right end, in its colour, since a small plot (1024x768, compare mode) drops the
legend. An optimizer with no such line (Nesterov, the adaptive ones) gets none, and the step
axis's label says why.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from gdsim.core.training import SHARPNESS_CAPACITY
from gdsim.core.training_job import TrainingFrame
from gdsim.ui.style import REFERENCE_COLOR, run_color
from gdsim.ui.widgets.loss_plot import LossPlot, Series

STEP_LABEL = "step"


class SharpnessPlot(LossPlot):
    """``sharpnessPlot``: `set_lines` when the settings change, `draw` per frame."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        # At most SHARPNESS_CAPACITY points a run, redrawn a few times a second: 2 px pens.
        thick = 2 * SHARPNESS_CAPACITY + 1
        # From zero: the eigenvalue climbing towards its line is the picture (and the line
        # alone, before the first measurement, framed a 1e-12 span labelled 19.9999999999995).
        super().__init__(parent, y_label="sharpness", x_label=STEP_LABEL, log=False,
                         thick_up_to=thick, from_zero=True)  # fmt: skip
        self.setObjectName("sharpnessPlot")
        self.getAxis("left").enableAutoSIPrefix(False)
        self._lines: list[tuple[float | None, str]] = []
        self._drawn: tuple[TrainingFrame, int] | None = None
        self._labels: list[pg.TextItem] = []
        self._ends: list[float] = []
        # The labels' room is measured in pixels: a new size or range may fit more, or fewer.
        self.getViewBox().sigTransformChanged.connect(self._place_labels)

    def line_labels(self) -> list[str]:
        """The labels written at the lines' ends (for tests)."""
        return [label.toPlainText() for label in self._labels if label.isVisible()]

    def set_lines(self, lines: Sequence[tuple[float | None, str]]) -> None:
        """Each run's stability line as (value, legend); a None value draws no line, and its
        legend (why there is none) goes on the step axis. Drawn at once over the last frame:
        a learning rate moved while nothing trains sends no new frame."""
        self._lines = list(lines)
        missing = [label for value, label in self._lines if value is None]
        self.setLabel("bottom", f"{STEP_LABEL}  ({missing[0]})" if missing else STEP_LABEL)
        if self._drawn is not None:
            self.draw(*self._drawn)

    def draw(self, frame: TrainingFrame, steps: int) -> None:
        """Each run's measurements, then its line across the step budget over them: dashes
        over a curve that hovers on the line keep both in sight."""
        self._drawn = (frame, steps)
        compare = len(frame.runs) > 1
        end = max(steps, *(run.state.step for run in frame.runs))
        series: list[Series] = []
        for index, run in enumerate(frame.runs):
            name = run.name if compare else "sharpness"
            series.append(Series(name, run.sharpness_steps, run.sharpness, run_color(index)))
        ends: list[tuple[str, float, str]] = []
        for index, (value, label) in enumerate(self._lines[: len(frame.runs)]):
            if value is not None:
                color = run_color(index) if compare else REFERENCE_COLOR
                line = np.array([value, value])
                series.append(Series(label, np.array([0, end]), line, color, True))
                ends.append((label, value, color))
        self.set_x_range(0, end)
        self.set_series(series)
        self._label_lines(ends, end)

    def _label_lines(self, ends: Sequence[tuple[str, float, str]], end: float) -> None:
        """Each line's label at its right end (created once, then moved), placed by
        `_place_labels`."""
        self._ends = [value for _, value, _ in ends]
        while len(self._labels) < len(ends):
            text = pg.TextItem()
            self.addItem(text, ignoreBounds=True)
            self._labels.append(text)
        for text, (label, value, color) in zip(self._labels, ends, strict=False):
            text.setText(label, color=color)
            text.setFont(self.font())
            text.setPos(end, value)
        for text in self._labels[len(ends) :]:
            text.setVisible(False)
        self._place_labels()

    def _place_labels(self, *_changed: object) -> None:
        """From the highest line down, each label just above its line, or just below it where
        the plot's top, another line or a placed label leaves no room above, or hidden where
        neither side has room (the legend still names it): at 1024x768 in presentation mode
        three labels printed over each other, and one sat beside the wrong line."""
        view = self.getViewBox()
        bottom, top = view.viewRange()[1]
        unit = (top - bottom) / view.height() if view.height() > 0 else 0.0
        values, taken = self._ends, []
        for index in sorted(range(len(values)), key=lambda i: -values[i]):
            value, text = values[index], self._labels[index]
            height = text.boundingRect().height() * unit
            others = [other for j, other in enumerate(values) if j != index]
            placed = None
            for low, high, anchor in ((value, value + height, (1, 1)),
                                      (value - height, value, (1, 0))):  # fmt: skip
                clear = bottom <= low and high <= top
                clear = clear and not any(low < other < high for other in others)
                if clear and not any(low < b and a < high for a, b in taken):
                    placed = (low, high, anchor)
                    break
            text.setVisible(placed is not None)
            if placed is not None:
                text.setAnchor(placed[2])
                taken.append(placed[:2])
