"""The basins of attraction under the surface explorer's contours: when to compute, in the worker.

The panel asks for a map whenever a result is shown (a new η, optimizer, step budget or
surface); an unchanged request computes nothing. A changed one stops the stale job at once
(stopping waits for the worker's current unit, a chunk of starts: once, not on every move of a
drag, since nothing runs afterwards) and starts a ``BasinsJob`` once the requests pause for
``SETTLE_MS``: during a drag a job started on every move would be stopped before its coarse
map was done. The coarse map is drawn while the chosen grid computes.
"""

from __future__ import annotations

from PySide6 import QtCore

from gdsim.core.basins import BasinMap, BasinSettings, BasinsJob, BasinsSnapshot
from gdsim.core.surfaces import Surface
from gdsim.ui.workers import JobRunner

SETTLE_MS = 40
"""A new map is started once the requests (a dragged slider) pause this long."""


class BasinsPresenter(QtCore.QObject):
    """Computes basin maps off the GUI thread. Signals: ``mapReady(BasinMap | None)`` (None:
    nothing to draw), ``progress(float)`` while computing (0 to 1), ``runningChanged(bool)``,
    ``failed(str)`` (a one-line reason)."""

    mapReady = QtCore.Signal(object)
    progress = QtCore.Signal(float)
    runningChanged = QtCore.Signal(bool)
    failed = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._enabled = False
        self._wanted: tuple[Surface, BasinSettings] | None = None
        self._started: tuple[Surface, BasinSettings] | None = None
        self._map: BasinMap | None = None
        self._runner = JobRunner(self, max_rate=20.0)
        self._runner.progress.connect(self._on_progress)
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._runner.runningChanged.connect(self.runningChanged)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._start)

    def shown_map(self) -> BasinMap | None:
        return self._map

    def is_running(self) -> bool:
        return self._runner.is_running()

    def set_enabled(self, enabled: bool) -> None:
        """Off stops any job and clears the map; on computes the last request."""
        self._enabled = enabled
        if not enabled:
            self._runner.stop()
            self._started = None
            self._show(None)
        self._timer.start()

    def request(self, surface: Surface, settings: BasinSettings) -> None:
        """The map wanted now: a stale job stops at once, the new one starts when the
        requests pause (computed only when on and changed)."""
        self._wanted = (surface, settings)
        if self._runner.is_running() and not _same(self._wanted, self._started):
            self._runner.stop()
            self._started = None
        self._timer.start()

    def cancel(self) -> None:
        """Stop computing; the map drawn so far stays until the settings change (a request
        with the same settings, e.g. after a new start is picked, computes nothing)."""
        self._runner.stop()

    def clear(self) -> None:
        """A new surface: the old map goes at once (the next request computes the new one)."""
        self._runner.stop()
        self._started = None
        self._show(None)

    def describe(self, x: float, y: float) -> str:
        """The hover text for the start at (x, y), "" without a map or off it."""
        return "" if self._map is None else self._map.describe(x, y)

    @QtCore.Slot()
    def _start(self) -> None:
        wanted = self._wanted
        if not self._enabled or wanted is None or _same(wanted, self._started):
            return
        surface, settings = wanted
        if surface.dim != 2:
            self._runner.stop()
            self._started = None
            self._show(None)
            return
        try:
            job = BasinsJob(surface, settings)
        except ValueError as error:
            self._started = None
            self.failed.emit(str(error))
            return
        self._started = wanted
        self.progress.emit(0.0)
        self._runner.start(job)

    @QtCore.Slot(object)
    def _on_progress(self, snapshot: BasinsSnapshot) -> None:
        self.progress.emit(snapshot.progress)
        self._on_finished(snapshot)

    @QtCore.Slot(object)
    def _on_finished(self, snapshot: BasinsSnapshot) -> None:
        """The newest map, once (the coarse one arrives mid-job, the fine one at the end)."""
        if snapshot.map is not None and snapshot.map is not self._map:
            self._show(snapshot.map)

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        self._started = None
        self.failed.emit(message)

    def _show(self, basins: BasinMap | None) -> None:
        self._map = basins
        self.mapReady.emit(basins)


def _same(a: tuple[Surface, BasinSettings], b: tuple[Surface, BasinSettings] | None) -> bool:
    """The same surface object (the explorer keeps it until the surface changes) and settings."""
    return b is not None and a[0] is b[0] and a[1] == b[1]
