"""The "Autograd graph" tab: type a formula and a point, see its computational graph, then the
forward pass and the backward pass one node at a time (the lectures' backpropagation).

The graph is built by `gdsim.core.autograd_graph` (instant for any formula the parser accepts:
no worker). A formula or point that cannot be used is said in the message area and the last
good graph stays on screen.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.autograd_graph import PRESETS, Graph, build_graph, caption, parse_point
from gdsim.ui.widgets.graph_canvas import GraphCanvas
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec

MESSAGES = (MessageSpec("graph"),)


class GraphPanel(QtWidgets.QWidget):
    """Expression and point fields, the drawn graph, Forward / Backward step / Backward all /
    Reset, and the chain rule of the current step in words under the graph."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphPanel")
        self.graph: Graph | None = None
        self.shown = -1
        """Stages on screen: -1 the graph alone, 0 the forward values, k the first k visits
        of the backward pass."""
        self.messages = MessageArea(MESSAGES)
        self._undrawn = False
        """A graph built while the tab was hidden, to be drawn when it is shown."""
        self._build()
        title = next(iter(PRESETS))
        self.show_preset(title)

    def _build(self) -> None:
        self.preset_combo = QtWidgets.QComboBox()
        self.preset_combo.setObjectName("graphPreset")
        self.preset_combo.addItems(list(PRESETS))
        self.preset_combo.setToolTip("The lectures' worked examples")
        self.expression_edit = QtWidgets.QLineEdit()
        self.expression_edit.setObjectName("graphExpression")
        self.expression_edit.setPlaceholderText("J = cos(sin(x^2) + 3*x^2)")
        self.expression_edit.setToolTip(
            "A formula in any variables, optionally naming its output: J = ... "
            "(+ - * / ^, sin cos tan exp log sqrt abs tanh sigmoid relu softplus min max)"
        )
        self.point_edit = QtWidgets.QLineEdit()
        self.point_edit.setObjectName("graphPoint")
        self.point_edit.setPlaceholderText("x=1, y=2")
        self.point_edit.setToolTip("A value for each variable: x=1, y=2")
        self.forward_button = QtWidgets.QPushButton("Forward")
        self.forward_button.setObjectName("graphForward")
        self.step_button = QtWidgets.QPushButton("Backward step")
        self.step_button.setObjectName("graphBackwardStep")
        self.all_button = QtWidgets.QPushButton("Backward all")
        self.all_button.setObjectName("graphBackwardAll")
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setObjectName("graphReset")

        inputs = QtWidgets.QHBoxLayout()
        inputs.addWidget(QtWidgets.QLabel("Example"))
        inputs.addWidget(self.preset_combo)
        inputs.addWidget(QtWidgets.QLabel("Formula"))
        inputs.addWidget(self.expression_edit, 3)
        inputs.addWidget(QtWidgets.QLabel("at"))
        inputs.addWidget(self.point_edit, 1)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.forward_button, self.step_button, self.all_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.canvas = GraphCanvas()
        self.canvas.setObjectName("graphPlot")
        self.step_label = QtWidgets.QLabel()
        self.step_label.setObjectName("graphStep")
        self.step_label.setWordWrap(True)
        self.step_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.step_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.step_label.setFont(font)
        self.step_label.setMinimumHeight(2 * self.step_label.fontMetrics().lineSpacing())

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(inputs)
        layout.addLayout(buttons)
        layout.addWidget(self.messages)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.step_label)

        self.preset_combo.textActivated.connect(self.show_preset)
        self.expression_edit.editingFinished.connect(self.rebuild)
        self.point_edit.editingFinished.connect(self.rebuild)
        self.forward_button.clicked.connect(self.forward)
        self.step_button.clicked.connect(self.backward_step)
        self.all_button.clicked.connect(self.backward_all)
        self.reset_button.clicked.connect(self.reset)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self._undrawn and self.graph is not None:
            self._undrawn = False
            self.canvas.draw(self.graph, self.shown)

    # -- what the window asks of a view ---------------------------------------------------

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        return {"graph": self.canvas}

    def data_csv(self) -> tuple[str, str]:
        """File > Export data: the nodes with their values and gradients."""
        if self.graph is None:
            raise ValueError("there is no graph: type a formula and a point")
        return self.graph.csv(), "autograd_graph.csv"

    # -- actions --------------------------------------------------------------------------

    @QtCore.Slot(str)
    def show_preset(self, title: str) -> None:
        """Put one of the lectures' examples in the fields and draw it."""
        expression, point = PRESETS[title]
        self.expression_edit.setText(expression)
        self.point_edit.setText(point)
        self.rebuild()

    @QtCore.Slot()
    def rebuild(self) -> str | None:
        """Build the graph from the fields; on bad input say why (one line) and keep the last
        good graph. A new point keeps the stage reached; a new formula starts over."""
        text = self.expression_edit.text()
        try:
            graph = build_graph(text, parse_point(self.point_edit.text()))
        except ValueError as error:
            self.messages.show_message("graph", str(error))
            return str(error)
        self.messages.clear("graph")
        same_formula = self.graph is not None and self.graph.expression == graph.expression
        self.graph = graph
        self.shown = min(self.shown, len(graph.steps)) if same_formula else -1
        with signals_blocked(self.preset_combo):
            match = [title for title, (formula, _p) in PRESETS.items() if formula == text.strip()]
            self.preset_combo.setCurrentIndex(self.preset_combo.findText(match[0]) if match else -1)
        self._show()
        return None

    @QtCore.Slot()
    def forward(self) -> None:
        self._go(max(self.shown, 0))

    @QtCore.Slot()
    def backward_step(self) -> None:
        self._go(self.shown + 1)

    @QtCore.Slot()
    def backward_all(self) -> None:
        if self.graph is not None:
            self._go(len(self.graph.steps))

    @QtCore.Slot()
    def reset(self) -> None:
        self._go(-1)

    def _go(self, shown: int) -> None:
        if self.graph is None:
            return
        self.shown = max(-1, min(shown, len(self.graph.steps)))
        self._show()

    def _show(self) -> None:
        graph = self.graph
        assert graph is not None
        if self.isVisible():
            self.canvas.draw(graph, self.shown)
        else:
            # Drawn when first shown: a window most sessions never show this tab in need not
            # hold the example's hundred graphics items (nor pay 30-60 ms to lay them out).
            self._undrawn = True
        self.step_label.setText(caption(graph, self.shown))
        done = self.shown == len(graph.steps)
        self.forward_button.setEnabled(self.shown < 0)
        self.step_button.setEnabled(self.shown >= 0 and not done)
        self.all_button.setEnabled(self.shown >= 0 and not done)
        self.reset_button.setEnabled(self.shown >= 0)
