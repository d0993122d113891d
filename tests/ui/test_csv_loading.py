"""Loading CSV files in the network builder, as a student does it: hostile files are refused
with one line and change nothing, huge coordinates stay drawable, large files are read in the
worker while the window stays usable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

GOOD_ROWS = "0,0,0\n1,1,1\n2,0,0\n0,2,1\n1,0,0\n0,1,1\n2,2,0\n1,2,1\n2,1,0\n3,3,1\n"


@pytest.fixture
def panel(mlp_panel):
    return mlp_panel


def status(panel) -> str:
    return panel.findChild(QtWidgets.QLabel, "trainingStatusLabel").text()


def refusal(panel) -> str:
    """The refusal on screen: the data's line of the panel's message area."""
    return panel.findChild(QtWidgets.QLabel, "datasetError").text()


def combo(panel) -> QtWidgets.QComboBox:
    return panel.findChild(QtWidgets.QComboBox, "datasetCombo")


def write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


HOSTILE = [
    ("empty", "", "at least 2 data rows"),
    ("one row", "1,2,0\n", "at least 2 data rows"),
    ("one class", "0,0,1\n1,1,1\n2,2,1\n", "all rows have class 1: a classifier needs at least"),
    ("all NaN", "nan,nan,nan\nnan,nan,nan\n", "line 1: 'nan' is NaN or infinite"),
    ("inf", "1,2,0\ninf,0,1\n", "line 2: 'inf' is NaN or infinite"),
    ("above float32", "1e39,0,1\n0,0,0\n", "line 1: '1e39' is beyond"),
    ("above float32 by far", "1e308,0,1\n0,0,0\n", "line 1: '1e308' is beyond"),
    ("10,000 columns", ",".join(["1"] * 10_000) + "\n", "line 1: longer than"),
    ("mixed delimiters", "1,2,0\n3;4;1\n", "line 2: expected 3 columns"),
    ("NUL", "1\x00,2,0\n3,4,1\n", r"line 1: '1\x00' is not a number"),
    ("non-UTF-8", "x,y,é\n1,2,0\n".encode("latin-1"), "not a readable CSV text file"),
    ("no training point", "0,0,0\n1,1,1\n2,2,0\n4,4,1\n", "leaves no training point"),
]


@pytest.mark.parametrize(
    ("content", "message"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
def test_a_hostile_csv_is_refused_with_one_line_and_changes_nothing(
    panel, tmp_path, content, message
):
    panel.picker.findChild(QtWidgets.QDoubleSpinBox, "valFractionSpin").setValue(0.9)
    before, job, choice = panel.dataset, panel.job, combo(panel).currentText()
    assert not panel.picker.load_csv_file(write(tmp_path, content))
    assert message in refusal(panel) and "\n" not in refusal(panel)
    assert panel.dataset is before and panel.job is job
    assert combo(panel).currentText() == choice
    assert panel.findChild(QtWidgets.QPushButton, "trainButton").isEnabled()


def test_a_missing_file_a_folder_and_an_unreadable_file_are_named_with_the_reason(
    panel, tmp_path, monkeypatch
):
    before = panel.dataset
    assert not panel.picker.load_csv_file(tmp_path / "absent.csv")
    assert "no such file" in refusal(panel) and "absent.csv" in refusal(panel)
    assert not panel.picker.load_csv_file(tmp_path)
    assert "is a folder" in refusal(panel)
    path = write(tmp_path, GOOD_ROWS, "locked.csv")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert not panel.picker.load_csv_file(path)
    assert "cannot read locked.csv: Permission denied" in refusal(panel)
    assert panel.dataset is before


def test_excel_style_files_load(panel, tmp_path):
    content = "\ufeffx1,x2,label\r\n" + GOOD_ROWS.replace("0,0,0", "-0,0,0").replace("\n", "\r\n")
    assert panel.picker.load_csv_file(write(tmp_path, content.encode("utf-8"), "excel.csv"))
    assert combo(panel).currentText() == "excel.csv (CSV)"
    assert panel.dataset.task == "binary" and len(panel.dataset.x_train) == 8


def test_a_validation_share_that_starves_a_loaded_file_is_undone(panel, tmp_path):
    assert panel.picker.load_csv_file(write(tmp_path, "0,0,0\n1,1,1\n2,2,0\n3,3,1\n"))
    spin = panel.picker.findChild(QtWidgets.QDoubleSpinBox, "valFractionSpin")
    before = panel.dataset
    spin.setValue(0.9)
    assert "leaves no training point" in refusal(panel)
    assert panel.dataset is before and spin.value() == pytest.approx(0.2)


def test_coordinates_near_float32s_limit_give_a_finite_framed_plot(panel, tmp_path):
    rows = "3e38,-3e38,0\n-3e38,3e38,1\n2e38,1e38,0\n-1e38,-2e38,1\n1e38,2e38,0\n-2e38,-1e38,1\n"
    assert panel.picker.load_csv_file(write(tmp_path, rows, "huge.csv"))
    assert status(panel) == "ready: press Train"
    limit = float(np.finfo(np.float32).max)
    for low, high in panel.dataset.input_range:
        assert -limit <= low < high <= limit
    assert np.isfinite(panel.decision_plot.viewRange()).all()
    panel.findChild(QtWidgets.QPushButton, "resetButton").click()


def test_a_million_rows_are_refused_at_the_limit_by_the_worker(qtbot, panel, tmp_path):
    path = write(tmp_path, "0.5,0.25,0\n1.5,0.75,1\n" * 500_000, "million.csv")
    before = panel.dataset
    with qtbot.waitSignal(panel.picker.failed, timeout=60_000) as refused:
        assert panel.picker.load_csv_file(path)
        assert panel.picker.loader.is_running(), "read in the worker, not the GUI thread"
        assert status(panel) == "reading million.csv…"
    assert refused.args == ["million.csv has more than 100000 rows; the limit is 100000"]
    assert panel.dataset is before and "the limit is 100000" in refusal(panel)
    assert status(panel) == "ready: press Train", "the header does not stay on 'reading…'"


def big_good_file(tmp_path: Path) -> Path:
    rows = "".join(f"{i % 97 / 97:.6f},{i % 89 / 89:.6f},{i % 2}\n" for i in range(5_000))
    return write(tmp_path, rows, "big.csv")


def test_a_large_file_loads_in_the_worker(qtbot, panel, tmp_path):
    with qtbot.waitSignal(panel.picker.datasetChanged, timeout=30_000) as loaded:
        assert panel.picker.load_csv_file(big_good_file(tmp_path))
        assert panel.picker.loader.is_running()
    assert loaded.args[0].name == "big" and panel.dataset is loaded.args[0]
    assert combo(panel).currentText() == "big.csv (CSV)"
    assert len(panel.dataset.x_train) == 4_000


def test_choosing_another_dataset_while_a_file_is_read_drops_the_file(qtbot, panel, tmp_path):
    assert panel.picker.load_csv_file(big_good_file(tmp_path))
    combo(panel).setCurrentIndex(combo(panel).findData("moons"))
    assert not panel.picker.loader.is_running()
    QtCore.QCoreApplication.processEvents()
    assert panel.dataset.name == "moons" and combo(panel).currentText() == "moons"


@pytest.mark.parametrize(
    ("name", "value"),
    [("datasetSizeSpin", 300), ("noiseSpin", 0.3), ("valFractionSpin", 0.3), ("dataSeedSpin", 7)],
)
def test_a_new_dataset_setting_while_a_file_is_read_drops_the_file(
    qtbot, panel, tmp_path, name, value
):
    """The newer choice wins: the file finished reading later used to replace it."""
    assert panel.picker.load_csv_file(big_good_file(tmp_path))
    panel.picker.findChild(QtWidgets.QAbstractSpinBox, name).setValue(value)
    assert not panel.picker.loader.is_running()
    chosen = panel.dataset
    QtCore.QCoreApplication.processEvents()
    assert panel.dataset is chosen and chosen.name == "circle"
    assert combo(panel).currentText() == "circle"
    assert len(chosen.x_train) + len(chosen.x_val) == (300 if name == "datasetSizeSpin" else 200)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "✗ no file name given"),
        ("/", "✗ '/' is a folder, not a CSV file"),
        ("a\x00b.csv", r"✗ 'a\x00b.csv' cannot be a file name: embedded null byte"),
        ("/proc/self/status", "✗ status has a size of 0 bytes"),
    ],
)
def test_a_path_naming_no_readable_csv_is_refused_with_one_line_on_the_spot(panel, typed, message):
    before = panel.dataset
    assert not panel.picker.load_csv_file(typed)
    assert refusal(panel).startswith(message) and "\n" not in refusal(panel)
    assert panel.dataset is before and not panel.picker.loader.is_running()
