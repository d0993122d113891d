"""How the network panel draws its frames: while training runs, the slow views (decision map,
diagram) each in a turn of the event loop of their own, so no turn holds the GUI thread for all
three; the finished frame is drawn whole at once and shows the headless session's final state."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from gdsim.core.training import TrainingSession
from gdsim.ui.widgets.decision_map import DecisionMap
from gdsim.ui.widgets.network_diagram import NetworkDiagram


def test_a_live_frame_draws_its_slow_views_in_turns_of_their_own(qtbot, mlp_panel):
    views = mlp_panel.views
    job = mlp_panel.job
    job.sessions[0].step(30)
    frame = job.snapshot()
    diagram = mlp_panel.findChild(NetworkDiagram, "networkDiagram")
    drawn: list[tuple[str, int]] = []
    draw_prediction, set_weights = views.decision_plot.draw_prediction, diagram.set_weights
    views.decision_plot.draw_prediction = lambda *a: (
        drawn.append(("map", views.parts_pending)),
        draw_prediction(*a),
    )
    diagram.set_weights = lambda *a: (
        drawn.append(("diagram", views.parts_pending)),
        set_weights(*a),
    )
    views.draw(frame, mlp_panel.dataset, 100, detail=True, live=True)
    assert drawn == [] and views.parts_pending == 2  # the curves' turn drew neither
    qtbot.waitUntil(lambda: views.parts_pending == 0, timeout=5_000)
    assert drawn == [("map", 1), ("diagram", 0)]  # one per turn, the map first
    assert diagram.weight(0, 0, 0) == frame.weights[0][0][0, 0]


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
