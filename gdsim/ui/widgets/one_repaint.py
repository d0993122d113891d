"""Several graphics views changed in one go, painted in one pass of their window.

Qt's ``QGraphicsScene`` takes stock of its changed items in a queued call, one per scene,
and ends it by sending the window's pending repaint request at once (``QGraphicsView``'s
private ``dispatchPendingUpdateRequests``: an item is painted without a second trip through
the event loop). A dragged slider changes three plots, each its own scene, so the window was
repainted three times a frame: the first pass painted the loss plot with the controls, the
second and third one more plot each, every pass syncing and flushing the window's backing
store. ``paint_together`` takes stock of the scenes right away, holding back the repaint
each would send, and asks for one repaint of everything that changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

_UPDATE_REQUEST = QtCore.QEvent.Type.UpdateRequest


class _RepaintHold(QtCore.QObject):
    """Swallows the window's repaint requests while installed, remembering that one came."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == _UPDATE_REQUEST:
            self.held = True
            return True
        return False


def paint_together(views: Sequence[QtWidgets.QGraphicsView]) -> None:
    """Process the changed items of every view's scene now and leave one repaint request of
    their window to the event loop (Qt would otherwise repaint the window once per scene)."""
    window = views[0].window()
    hold = _RepaintHold()
    window.installEventFilter(hold)
    try:
        for view in views:
            QtCore.QCoreApplication.sendPostedEvents(view.scene(), QtCore.QEvent.Type.MetaCall)
    finally:
        window.removeEventFilter(hold)
    if hold.held:  # the window still counts that request as pending: it must arrive
        QtCore.QCoreApplication.postEvent(
            window, QtCore.QEvent(_UPDATE_REQUEST), QtCore.Qt.EventPriority.LowEventPriority.value
        )
