"""Guards the PySide6/pyqtgraph pairing: PySide6 6.12.0 on Python 3.11 aborts with
`none_dealloc` after a few repaints. A thousand repaints of a plot must survive."""

import numpy as np
import pyqtgraph as pg


def test_a_plot_survives_a_thousand_repaints(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    curve = widget.plot(pen="b")
    image = pg.ImageItem()
    widget.addItem(image)
    x = np.linspace(0, 1, 200)
    for i in range(1000):
        curve.setData(x, np.sin(x * 10 + i * 0.01))
        image.setImage(np.full((8, 8), i % 7, dtype=np.float32), levels=(0, 7))
        widget.repaint()
    assert curve.getData()[1][0] == np.sin(999 * 0.01)
