"""The Qt layer: widgets that turn user choices into core calls and core results into plots.

`MainWindow` is importable from here so that tests (and teachers' own tests) can write
`gdsim.ui.MainWindow()`; the import is lazy to keep `import gdsim.ui` cheap.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gdsim.ui.main_window import MainWindow

__all__ = ["MainWindow"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from gdsim.ui.main_window import MainWindow

        return MainWindow
    raise AttributeError(name)
