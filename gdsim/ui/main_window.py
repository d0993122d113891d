"""The main window: one tab per panel, menus, and a status bar for the point under the cursor.

Panels never reach into each other; they talk to the window through two signals every panel
has, `statusMessage(str)` (transient news) and `cursorInfo(str)` (the point under the cursor,
its loss and gradient norm), and expose `export_plots()` for File > Export figure.

The exploration views (sweep, LR range test, grid search, autograd graph) are tabs too, added
with `add_view`. A view works on what the surface explorer or the network builder holds: it
is handed that panel's state when it is shown (`set_surface(SurfaceState)` /
`set_network(NetworkState)`, whichever it has), and asks for a run to be opened there with
`openSurface(SurfaceState)` / `openNetwork(NetworkState)`, which the window shows in that
panel as an undoable change.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim import __version__
from gdsim.core.lessons import is_lesson_file
from gdsim.core.state import AppState, NetworkState, SurfaceState
from gdsim.ui import preferences, workers
from gdsim.ui.exports import Exports
from gdsim.ui.panels.graph_panel import GraphPanel
from gdsim.ui.panels.grid_panel import GridPanel
from gdsim.ui.panels.landscape_panel import LandscapePanel
from gdsim.ui.panels.lr_finder_panel import LrFinderPanel
from gdsim.ui.panels.mlp_panel import MlpPanel
from gdsim.ui.panels.surface_panel import SurfacePanel
from gdsim.ui.panels.sweep_panel import SweepPanel
from gdsim.ui.sessions import SessionActions
from gdsim.ui.widgets.lesson_pane import LessonPane
from gdsim.ui.widgets.panel_tabs import PanelTabs
from gdsim.ui.widgets.presentation import Presentation
from gdsim.ui.widgets.screen_fit import fit_to_screen

ABOUT = f"""<h3>gdsim {__version__}</h3>
<p>A gradient-descent simulator for the classroom: drag the step size and see why gradient
descent converges, oscillates or diverges, on loss surfaces and on neural networks you build.</p>
<p>w(t+1) = w(t) &minus; &eta; &nabla;L(w(t)): on a quadratic with largest curvature &lambda;,
plain gradient descent converges monotonically for &eta; &lt; 1/&lambda;, oscillates for
1/&lambda; &lt; &eta; &lt; 2/&lambda;, and diverges for &eta; &gt; 2/&lambda;.</p>
<p>Built with PySide6, pyqtgraph, numpy, sympy and PyTorch.</p>"""

SHORTCUTS = [
    ("Ctrl+1 / Ctrl+2", "Surface explorer / Network builder"),
    (
        "Ctrl+3 … Ctrl+7",
        "Learning-rate sweep, LR range test, Grid search, Autograd graph, Landscape",
    ),
    ("Space", "Play / pause the animation (surface explorer)"),
    ("Ctrl+S / Ctrl+Shift+S / Ctrl+O", "Save / Save as / Open a session"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / Redo a change"),
    ("Ctrl+E", "Export a figure (PNG at 1x / 2x / 3x, or SVG)"),
    ("Ctrl+Shift+E", "Export the data (CSV)"),
    ("Ctrl+Shift+C", "Copy the figure under the mouse"),
    ("F5", "Presentation mode: larger text, lines and markers"),
    ("F11", "Full screen"),
    ("Ctrl+L", "Lessons: show or hide the lesson pane"),
    ("Page Down / Page Up", "Next / previous lesson step (also Alt+Right / Alt+Left)"),
    ("Ctrl+Q", "Quit"),
    ("F1", "This list"),
]


class MainWindow(QtWidgets.QMainWindow):
    """gdsim's window. `MainWindow()` needs no arguments (tests construct it directly)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        # Qt appends the application display name ("gdsim") to the title itself.
        self.setWindowTitle("Gradient descent simulator")
        self.resize(1280, 800)
        self.tabs = PanelTabs(self)
        self.tabs.setObjectName("panelTabs")
        self.setCentralWidget(self.tabs)
        self.cursor_label = QtWidgets.QLabel(self)
        self.cursor_label.setObjectName("cursorLabel")
        self.statusBar().addPermanentWidget(self.cursor_label)
        self.exports = Exports(self)
        self._tab_names: list[str] = []
        self.surface_panel = SurfacePanel(self)
        self.mlp_panel = MlpPanel(self)
        self.add_panel(self.surface_panel, "Surface explorer", "surface")
        self.add_panel(self.mlp_panel, "Network builder", "network")
        self.add_view(SweepPanel(self), "Learning-rate sweep", "sweep")
        self.add_view(LrFinderPanel(self), "LR range test", "lrfind")
        self.add_view(GridPanel(self), "Grid search", "grid")
        self.add_view(GraphPanel(self), "Autograd graph", "graph")
        self.add_view(LandscapePanel(self), "Landscape", "landscape")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.sessions = SessionActions(
            self, self.state, self.set_state, self.mlp_panel.runner.is_running
        )
        self.sessions.statusMessage.connect(self._show_status)
        for panel in (self.surface_panel, self.mlp_panel):
            panel.edited.connect(self.sessions.history.record)
        self.lesson_pane = LessonPane(self, self)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, self.lesson_pane)
        self.lesson_pane.hide()
        self.lesson_pane.statusMessage.connect(self._show_status)
        self.lesson_pane.stepShown.connect(
            lambda index: self.sessions.history.record_step(f"Lesson step {index + 1}")
        )
        self.sessions.history.applied.connect(self.lesson_pane.follow_screen)
        self.presentation = Presentation(self)
        self._build_menus()
        self.statusBar().showMessage("Pick a surface, drag the step size, watch the verdict.", 8000)
        self._remember = False
        """Save preferences on close: only a window that restored them (the app's, not a test's)."""

    def add_panel(self, panel: QtWidgets.QWidget, title: str, name: str) -> None:
        """Add a tab; ``name`` is its entry in `TABS`, what a session saves of the tab shown."""
        self.tabs.addTab(panel, title)
        self._tab_names.append(name)
        panel.statusMessage.connect(self._show_status)  # type: ignore[attr-defined]
        panel.cursorInfo.connect(self.cursor_label.setText)  # type: ignore[attr-defined]
        self.exports.add_panel(panel)

    def add_view(self, view: QtWidgets.QWidget, title: str, name: str) -> None:
        """Add an exploration view's tab and wire it to the panel it explores (see the
        module's docstring for what a view may have)."""
        self.add_panel(view, title, name)
        if hasattr(view, "openSurface"):
            view.openSurface.connect(self._open_surface)
        if hasattr(view, "openNetwork"):
            view.openNetwork.connect(self._open_network)

    def _hand_over(self, view: QtWidgets.QWidget) -> None:
        """Give a view that is being shown the current state of the panel it explores."""
        if hasattr(view, "set_surface"):
            view.set_surface(self.surface_panel.state())
        if hasattr(view, "set_network"):
            view.set_network(self.mlp_panel.state())

    @QtCore.Slot(SurfaceState)
    def _open_surface(self, state: SurfaceState) -> None:
        self._open_in(self.surface_panel, state)

    @QtCore.Slot(NetworkState)
    def _open_network(self, state: NetworkState) -> None:
        self._open_in(self.mlp_panel, state)

    def _open_in(self, panel: SurfacePanel | MlpPanel, state: SurfaceState | NetworkState) -> None:
        """Show a view's pick in its panel, recorded for Edit > Undo; a state the panel
        refuses leaves it as it was and says why."""
        why = panel.set_state(state)  # type: ignore[arg-type]
        if why:
            self._show_status(why)
            return
        self.sessions.history.record()
        self.tabs.setCurrentWidget(panel)

    def state(self) -> AppState:
        """The panel shown and every panel's state: what settings and sessions save."""
        return AppState(
            active=self._tab_names[self.tabs.currentIndex()],
            surface=self.surface_panel.state(),
            network=self.mlp_panel.state(),
        )

    def set_state(self, state: AppState) -> str | None:
        """Show ``state``; a panel that cannot show its part keeps its own and says why in
        its message area. Returns those reasons in one line (None when all was shown)."""
        refused = [
            f"{title}: {why}"
            for title, why in (
                ("surface explorer", self.surface_panel.set_state(state.surface)),
                ("network builder", self.mlp_panel.set_state(state.network)),
            )
            if why
        ]
        self.tabs.setCurrentIndex(self._tab_names.index(state.active))
        return "; ".join(refused) or None

    def open_lesson(self, path: Path | str) -> str | None:
        """Show the lesson pane with the lesson file at ``path`` (None when shown, else the
        one-line reason; the window is then unchanged)."""
        self.lesson_pane.show()
        return self.lesson_pane.open_lesson(path)

    def restore_preferences(self) -> None:
        """Come back as the teacher left it: window geometry, panel shown, each panel's state.
        Called by the app at start-up (tests build windows that start from the defaults)."""
        geometry = preferences.saved_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state, problem = preferences.saved_state()
        if state is not None:
            reasons = [problem, self.set_state(state) or ""]
            refused = "; ".join(reason for reason in reasons if reason)
            problem = preferences.partly(refused) if refused else ""
        if problem:
            self.statusBar().showMessage(problem, 10_000)
        fit_to_screen(self)
        self._remember = True
        self.sessions.reset()

    def save_session(self, path: Path) -> None:
        """Save the whole state to ``path`` (``OSError`` in one line; the old file stays)."""
        self.sessions.save_session(path)

    def open_session(self, path: Path) -> str | None:
        """Show the session in ``path``, all or nothing: None, or the one-line reason."""
        return self.sessions.open_session(path)

    def open_setup_text(self, text: str) -> str | None:
        """Show a set-up copied with Edit > Copy set-up: None, or the one-line reason."""
        return self.sessions.open_setup_text(text)

    def open_path(self, path: Path) -> str | None:
        """Open a file named on the command line, a lesson or a session: None, or the
        one-line reason."""
        if is_lesson_file(path):
            return self.open_lesson(path)
        return self.open_session(path)

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        file_menu.addActions(self.sessions.file_actions())
        file_menu.addSeparator()
        file_menu.addActions(self.exports.file_actions())
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", "Ctrl+Q", self.close)
        edit_menu = menu_bar.addMenu("&Edit")
        edit_menu.addActions(self.sessions.edit_actions())
        edit_menu.addActions(self.exports.edit_actions())
        view_menu = menu_bar.addMenu("&View")
        for index in range(self.tabs.count()):
            self._action(
                view_menu,
                self.tabs.tabText(index),
                f"Ctrl+{index + 1}",
                lambda _checked=False, i=index: self.tabs.setCurrentIndex(i),
            )
        view_menu.addSeparator()
        full = self._action(view_menu, "&Full screen", "F11", self._toggle_full_screen)
        full.setCheckable(True)
        view_menu.addAction(self.lesson_pane.view_action)
        self.presentation_action = self._action(
            view_menu, "&Presentation mode", "F5", self.set_presentation
        )
        self.presentation_action.setObjectName("presentationAction")
        self.presentation_action.setCheckable(True)
        help_menu = menu_bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self._action(help_menu, "&About gdsim", None, self.show_about)

    def _action(
        self,
        menu: QtWidgets.QMenu,
        text: str,
        shortcut: str | None,
        slot: object,
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    @QtCore.Slot(int)
    def _on_tab_changed(self, _index: int) -> None:
        """A message or cursor readout from the other panel would be stale here."""
        self.statusBar().clearMessage()
        self.cursor_label.clear()
        self._hand_over(self.tabs.currentWidget())

    @QtCore.Slot(str)
    def _show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    @QtCore.Slot(bool)
    def set_presentation(self, on: bool) -> None:
        """Presentation mode on or off (View > Presentation mode, F5): see
        `gdsim.ui.widgets.presentation`. A view preference, not part of `state()`."""
        self.presentation.set_on(on)
        with signals_blocked(self.presentation_action):
            self.presentation_action.setChecked(on)

    @QtCore.Slot()
    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    @QtCore.Slot()
    def show_about(self) -> None:
        QtWidgets.QMessageBox.about(self, "About gdsim", ABOUT)

    @QtCore.Slot()
    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        QtWidgets.QMessageBox.information(
            self, "Keyboard shortcuts", f"<table cellspacing=6>{rows}</table>"
        )

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """Stop every background job before the window (and its threads' owners) goes away,
        and remember what was on screen; unsaved changes are asked about first."""
        if not self.sessions.may_close():
            event.ignore()
            return
        self.exports.cancel_animation()  # no file written after the window is gone
        workers.stop_all()
        if self._remember:
            preferences.save(self.saveGeometry(), self.state())
        super().closeEvent(event)
