"""Compare mode's row of run badges: one per run, named by what differs ('η = 0.1', 'batch 1
(SGD)', 'Tanh'), in its curve's colour, each showing its run's verdict; clicking one chooses
the run the decision map and diagram show."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from gdsim.core.limits import MAX_RUNS
from gdsim.core.training_job import TrainingFrame
from gdsim.ui.style import run_color
from gdsim.ui.widgets.run_badge import RunBadge


class RunBadges(QtWidgets.QWidget):
    """Badges in up to two rows (from four runs on); `runChosen(index)` on a click."""

    runChosen = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QtWidgets.QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.badges: list[RunBadge] = []

    def set_runs(self, names: Sequence[str], notes: Sequence[str]) -> None:
        """A badge per run, none for a single run (the header speaks for it); `notes` say
        in each tooltip whether the run shares the others' initial weights."""
        for badge in self.badges:
            badge.setParent(None)
            badge.deleteLater()
        self.badges = []
        if len(names) < 2:
            return
        count = len(names)
        columns = count if count <= 3 else -(-count // 2)
        for column in range(MAX_RUNS):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, (name, note) in enumerate(zip(names, notes, strict=True)):
            badge = RunBadge(index, run_color(index), self)
            badge.setToolTip(f"{name}: {note}. {badge.toolTip()}")
            badge.clear_verdict(name)
            badge.clicked.connect(self.runChosen)
            self._grid.addWidget(badge, index // columns, index % columns)
            self.badges.append(badge)

    def mark_shown(self, index: int) -> None:
        for badge in self.badges:
            badge.set_shown(badge.index == index)

    def show_verdicts(self, frame: TrainingFrame) -> None:
        for badge, run in zip(self.badges, frame.runs, strict=False):
            if run.verdict is not None:
                badge.set_verdict(run.verdict, run.name)
