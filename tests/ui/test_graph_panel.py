"""The "Autograd graph" tab: the lecture's example stepped through forward and backward by its
buttons, bad input said in the message area with the last good graph kept, the examples' combo,
export, presentation mode, and a gradient colour that means nothing else."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets
from test_colours import delta_e

from gdsim.core.autograd_graph import PRESETS
from gdsim.ui import style
from gdsim.ui.export import render_plot
from gdsim.ui.widgets.presentation import Presentation


@pytest.fixture
def panel(qtbot, owned):
    """The view alone, deleted at the end as tests/ui/conftest.py's fixtures are."""
    from gdsim.ui.panels.graph_panel import GraphPanel

    view = GraphPanel()
    owned(view)
    view.resize(1024, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def find(panel, kind, name):
    widget = panel.findChild(kind, name)
    assert widget is not None, name
    return widget


def test_the_lecture_example_steps_forward_then_backward_node_by_node(panel):
    forward = find(panel, QtWidgets.QPushButton, "graphForward")
    step = find(panel, QtWidgets.QPushButton, "graphBackwardStep")
    everything = find(panel, QtWidgets.QPushButton, "graphBackwardAll")
    reset = find(panel, QtWidgets.QPushButton, "graphReset")
    sentence = find(panel, QtWidgets.QLabel, "graphStep")
    canvas = find(panel, QtWidgets.QWidget, "graphPlot")
    assert find(panel, QtWidgets.QLineEdit, "graphExpression").text().startswith("J = cos(")
    assert canvas.node_text("a") == "a = x²"  # the structure only, before Forward
    assert not step.isEnabled()

    forward.click()
    assert canvas.node_text("a") == "a = x²\n= 1"
    assert "J = -0.7649" in sentence.text()
    for _ in range(3):  # J, d, c: a has c's contribution only
        step.click()
    assert "∂J/∂a so far\n= 1.932" in canvas.node_text("a")
    step.click()  # b
    step.click()  # a: both edges summed
    assert canvas.node_text("a").endswith("∂J/∂a\n= 2.28")
    assert sentence.text().startswith("∂J/∂a = ∂J/∂b · ∂b/∂a + ∂J/∂c · ∂c/∂a = ")

    everything.click()
    assert sentence.text().endswith("Done: ∇J(x) = (4.561).")
    assert not step.isEnabled() and not everything.isEnabled()
    reset.click()
    assert canvas.node_text("J") == "J = cos(d)"
    assert forward.isEnabled()


def test_bad_input_is_said_and_the_last_good_graph_stays(panel):
    expression = find(panel, QtWidgets.QLineEdit, "graphExpression")
    point = find(panel, QtWidgets.QLineEdit, "graphPoint")
    canvas = find(panel, QtWidgets.QWidget, "graphPlot")
    panel.forward()
    expression.setText("log(x)")
    point.setText("x=0")
    assert panel.rebuild() is not None
    error = find(panel, QtWidgets.QLabel, "graphError")
    assert "f = log(x) is -inf at this point" in error.text()
    assert canvas.node_text("J") == "J = cos(d)\n= -0.7649"
    point.setText("x=2")
    assert panel.rebuild() is None
    assert not error.isVisibleTo(panel)
    assert canvas.node_text("f") == "f = log(x)"  # a new formula starts over


def test_a_new_point_keeps_the_step_reached(panel):
    panel.forward()
    panel.backward_step()
    find(panel, QtWidgets.QLineEdit, "graphPoint").setText("x=2")
    panel.rebuild()
    assert panel.shown == 1
    assert "= 2" in find(panel, QtWidgets.QWidget, "graphPlot").node_text("x")


def test_the_examples_combo_shows_the_second_worked_example(panel):
    combo = find(panel, QtWidgets.QComboBox, "graphPreset")
    title = list(PRESETS)[1]
    combo.textActivated.emit(title)
    assert find(panel, QtWidgets.QLineEdit, "graphPoint").text() == "x=1, y=2, z=3"
    assert find(panel, QtWidgets.QWidget, "graphPlot").node_text("f") == "f = tanh(h)"
    find(panel, QtWidgets.QLineEdit, "graphExpression").setText("x*y")
    panel.rebuild()
    assert combo.currentIndex() == -1  # no longer one of the examples


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_the_graph_exports_as_a_figure(panel, suffix):
    panel.backward_all()
    panel.forward()
    data = render_plot(panel.export_plots()["graph"], suffix, 1.0)
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    else:
        assert "cos(d)" in data.decode()


def test_export_data_is_the_nodes_table(panel):
    text, name = panel.data_csv()
    assert name == "autograd_graph.csv"
    assert text.splitlines()[0] == "id,op,formula,inputs,value,grad"
    assert text.splitlines()[-1].startswith("J,cos,cos(d),d,-0.7649")


def test_presentation_mode_enlarges_the_graph_text(panel):
    canvas = find(panel, QtWidgets.QWidget, "graphPlot")
    before = canvas.node_font().pixelSize()
    presentation = Presentation(panel)
    presentation.set_on(True)
    try:
        assert canvas.node_font().pixelSize() >= before * 1.4
    finally:
        presentation.set_on(False)
    assert canvas.node_font().pixelSize() == before


def test_the_gradient_colour_reads_as_no_run_verdict_or_threshold():
    others = [*style.RUN_COLORS, *style.THRESHOLD_COLORS.values()]
    others += [colour for _symbol, colour in style.VERDICT_STYLE.values()]
    assert min(delta_e(style.GRADIENT_COLOR, other) for other in others) > 30
