"""What one frame of a dragged step-size slider costs the window: passes, layouts, repaints."""

from PySide6 import QtCore, QtWidgets

from gdsim.ui.panels import surface_panel as surface_panel_module


class _Events(QtCore.QObject):
    """Records (object name, event type) of the events the watched objects receive."""

    def __init__(self, types: tuple[QtCore.QEvent.Type, ...]) -> None:
        super().__init__()
        self.types = types
        self.seen: list[tuple[str, QtCore.QEvent.Type]] = []

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in self.types:
            self.seen.append((watched.objectName(), event.type()))
        return False


def _drag_one_tick(panel, qtbot) -> None:
    """Move the slider one tick and wait until the frame for it is computed."""
    slider = panel.findChild(QtWidgets.QSlider, "lrSlider")
    with qtbot.waitSignal(panel.presenter.frameReady):
        slider.setValue(slider.value() + 1)


def _frame_repaints(panel, qtbot) -> list[tuple[str, QtCore.QEvent.Type]]:
    """The window's repaint passes and the plots' paints after a slider frame was computed."""
    _drag_one_tick(panel, qtbot)
    QtWidgets.QApplication.processEvents()
    _drag_one_tick(panel, qtbot)
    paint, update = QtCore.QEvent.Type.Paint, QtCore.QEvent.Type.UpdateRequest
    events = _Events((paint, update))
    panel.window().installEventFilter(events)
    plots = [panel.view.plot, panel.loss_plot, panel.distance_plot]
    for plot in plots:
        plot.viewport().setObjectName(f"{plot.objectName()}Viewport")
        plot.viewport().installEventFilter(events)
    QtWidgets.QApplication.processEvents()
    panel.window().removeEventFilter(events)
    for plot in plots:
        plot.viewport().removeEventFilter(events)
    return events.seen


def test_a_slider_frame_repaints_the_window_once_with_all_three_plots(surface_panel, qtbot):
    """Each plot's scene used to send the window's repaint as soon as it had taken stock of
    its changed items: three passes a frame, each syncing and flushing the window."""
    seen = _frame_repaints(surface_panel, qtbot)
    update = QtCore.QEvent.Type.UpdateRequest
    assert [kind for _name, kind in seen].count(update) == 1
    painted = [name for name, kind in seen if name.endswith("Viewport")]
    assert sorted(painted) == ["distancePlotViewport", "lossPlotViewport", "surfacePlotViewport"]
    assert seen[0][1] == update  # the plots are painted in that one pass


def test_without_painting_together_the_window_is_repainted_per_plot(
    surface_panel, qtbot, monkeypatch
):
    """The check above sees the defect it guards against (Qt's behaviour, not a given)."""
    monkeypatch.setattr(surface_panel_module, "paint_together", lambda _views: None)
    seen = _frame_repaints(surface_panel, qtbot)
    assert [kind for _name, kind in seen].count(QtCore.QEvent.Type.UpdateRequest) == 3
