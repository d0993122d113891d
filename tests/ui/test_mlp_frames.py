"""How the network panel draws its frames: while training runs, the slow views (decision map,
diagram) each in a turn of the event loop of their own, so no turn holds the GUI thread for all
three; the finished frame is drawn whole at once and shows the headless session's final state."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from gdsim.core.training import TrainingSession
from gdsim.ui.widgets.activation_preview import ActivationPreview
from gdsim.ui.widgets.decision_map import DecisionMap
from gdsim.ui.widgets.network_diagram import NetworkDiagram


def test_a_live_frame_draws_its_slow_views_in_turns_of_their_own(qtbot, mlp_panel):
    views = mlp_panel.views
    job = mlp_panel.job
    job.sessions[0].step(30)
    frame = job.snapshot()
    diagram = mlp_panel.findChild(NetworkDiagram, "networkDiagram")
    drawn: list[tuple[str, int]] = []
    draw_metric = views.curves.draw_metric
    draw_prediction, set_weights = views.decision_plot.draw_prediction, diagram.set_weights
    views.curves.draw_metric = lambda *a: (
        drawn.append(("metric", views.parts_pending)),
        draw_metric(*a),
    )
    views.decision_plot.draw_prediction = lambda *a: (
        drawn.append(("map", views.parts_pending)),
        draw_prediction(*a),
    )
    diagram.set_weights = lambda *a: (
        drawn.append(("diagram", views.parts_pending)),
        set_weights(*a),
    )
    views.draw(frame, mlp_panel.dataset, 100, detail=True, live=True)
    assert drawn == [] and views.parts_pending == 3  # the loss curves' turn drew none
    qtbot.waitUntil(lambda: views.parts_pending == 0, timeout=5_000)
    assert drawn == [("metric", 2), ("map", 1), ("diagram", 0)]  # one per turn, in order
    assert diagram.weight(0, 0, 0) == frame.weights[0][0][0, 0]


def test_a_live_frame_that_comes_while_the_last_is_drawn_in_turns_waits_for_them(
    qtbot, mlp_panel
):
    """Frames from the training process came faster than a frame's turns: each new frame
    dropped the last one's pending decision map, metric and diagram, which stayed at step 4
    for seconds while the loss curves ran on."""
    views, session = mlp_panel.views, mlp_panel.job.sessions[0]
    session.step(30)
    first = mlp_panel.job.snapshot()
    session.step(30)
    second = mlp_panel.job.snapshot()
    maps = []
    draw_prediction = views.decision_plot.draw_prediction
    views.decision_plot.draw_prediction = lambda data, prediction: (
        maps.append(prediction),
        draw_prediction(data, prediction),
    )
    views.draw(first, mlp_panel.dataset, 100, detail=True, live=True)
    views.draw(second, mlp_panel.dataset, 100, detail=False, live=True)  # before its turns
    assert views.parts_pending == 4  # the first frame's three parts, then the second frame
    qtbot.waitUntil(lambda: views.parts_pending == 0, timeout=5_000)
    assert len(maps) == 1 and maps[0] is first.prediction
    assert views.header.status_label.text() == "training… step 60"  # then the second


def test_a_frame_drawn_while_nothing_runs_frames_the_loss_by_its_own_data(qtbot, mlp_panel):
    """Live frames keep the loss axis while the data fit it (an axis that moved every frame
    shook the plot); a frame drawn while nothing runs chooses it from its own data, so the
    picture a class is left with is the same however the live frames before it fell."""
    views, session = mlp_panel.views, mlp_panel.job.sessions[0]
    plot = views.curves.loss_plot

    def draw(frame: object, live: bool) -> list[float]:
        views.draw(frame, mlp_panel.dataset, 400, detail=False, live=live)
        qtbot.waitUntil(lambda: views.parts_pending == 0, timeout=5_000)
        return plot.getViewBox().viewRange()[1]

    session.step(100)
    final = mlp_panel.job.snapshot()
    alone = draw(final, live=False)
    session.step(300)
    draw(mlp_panel.job.snapshot(), live=True)  # lower losses: the axis reaches lower
    kept = draw(final, live=True)
    assert kept[0] < alone[0] - 0.05  # live, the wider axis is kept
    assert np.allclose(draw(final, live=False), alone)


def test_the_finished_frame_is_drawn_whole_and_equals_the_headless_run(qtbot, mlp_panel):
    mlp_panel.steps_spin.setValue(300)
    with qtbot.waitSignal(mlp_panel.runner.finished, timeout=60_000):
        mlp_panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    views = mlp_panel.views
    assert views.parts_pending == 0  # drawn at once, nothing left for later turns
    trained = mlp_panel.job.sessions[0]
    headless = TrainingSession(trained.spec, trained.dataset, trained.config)
    headless.run()
    assert np.array_equal(headless.parameters_numpy(), trained.parameters_numpy())
    xs, ys = mlp_panel.job._grid
    decision = mlp_panel.findChild(DecisionMap, "decisionPlot")
    assert np.array_equal(decision._prediction[1], headless.predict_grid(xs, ys))
    diagram = mlp_panel.findChild(NetworkDiagram, "networkDiagram")
    (weight, _), *_ = headless.layer_weights()
    assert diagram.weight(0, 0, 1) == weight[0, 1]


class _Repaints(QtCore.QObject):
    """Records how many parts of a live frame were still pending at each of the window's
    repaint passes (UpdateRequest) while installed."""

    def __init__(self, views) -> None:
        super().__init__()
        self.views = views
        self.pending: list[int] = []

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.UpdateRequest:
            self.pending.append(self.views.parts_pending)
        return False


def test_a_live_frames_loss_and_metric_curves_are_painted_in_turns_of_their_own(qtbot, mlp_panel):
    """The two plots together held the GUI thread ~20 ms a frame (the worker's GIL, and a
    hand on a slider waits): the loss plot is painted in its own turn, in one repaint,
    before the metric plot is even drawn; the metric plot in a later turn."""
    views = mlp_panel.views
    job = mlp_panel.job
    job.sessions[0].step(20)
    views.draw(job.snapshot(), mlp_panel.dataset, 100, detail=False, live=True)
    qtbot.waitUntil(lambda: views.parts_pending == 0, timeout=5_000)
    focused = QtWidgets.QApplication.focusWidget()
    if focused is not None:  # a blinking text cursor repaints the window on its own
        focused.clearFocus()
    for _ in range(4):  # the first frame's own follow-up repaints and layouts, done
        QtWidgets.QApplication.processEvents()
    job.sessions[0].step(200)  # the loss and the accuracy both move
    repaints = _Repaints(views)
    mlp_panel.window().installEventFilter(repaints)
    views.draw(job.snapshot(), mlp_panel.dataset, 100, detail=False, live=True)
    qtbot.waitUntil(lambda: views.parts_pending == 0, timeout=5_000)
    QtWidgets.QApplication.processEvents()
    mlp_panel.window().removeEventFilter(repaints)
    # The loss turn's one repaint, then the metric turn's; pyqtgraph may send a follow-up
    # repaint once all is drawn (seen after compare mode's tests), never one per plot before.
    assert repaints.pending[:2] == [1, 0] and repaints.pending.count(1) == 1


def test_training_again_leaves_the_activation_preview_as_drawn(mlp_panel, monkeypatch):
    """Every Train that starts over shows the network's spec again: an unchanged activation
    is not drawn again (it repainted the window, ~10 ms, as the worker started)."""
    preview = mlp_panel.findChild(ActivationPreview, "activationPreview")
    drawn: list[object] = []
    monkeypatch.setattr(preview.f_curve, "setData", lambda *a, **k: drawn.append(a))
    shown = preview.shown
    mlp_panel.reset()
    assert drawn == [] and preview.shown == shown
    combo = mlp_panel.findChild(QtWidgets.QComboBox, "layerActivationCombo0")
    combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
    assert len(drawn) == 1 and preview.shown != shown  # another activation is drawn
