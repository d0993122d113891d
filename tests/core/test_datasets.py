"""Generated datasets: shapes and dtypes each loss expects, determinism, the split, and the
geometry that makes each set the teaching example it is; CSV loading and its errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from gdsim.core.datasets import (
    DATASETS,
    CsvReadJob,
    DatasetError,
    DatasetParams,
    load_csv,
    make_dataset,
)


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_has_tensors_shaped_for_its_loss(name):
    kind = DATASETS[name]
    data = make_dataset(DatasetParams(name=name, n=100, val_fraction=0.25))
    assert data.task == kind.task and data.input_dim == kind.input_dim
    assert data.x_train.shape == (75, kind.input_dim) and data.x_val.shape == (25, kind.input_dim)
    assert data.x_train.dtype == torch.float32
    if kind.task == "multiclass":
        assert data.y_train.dtype == torch.int64 and data.y_train.shape == (75,)
        assert set(data.y_train.tolist()) == set(range(data.n_classes))
    else:
        assert data.y_train.dtype == torch.float32 and data.y_train.shape == (75, 1)
    if kind.task == "binary":
        assert set(data.y_train.ravel().tolist()) == {0.0, 1.0}
    points = torch.cat([data.x_train, data.x_val])
    assert len(data.input_range) == kind.input_dim
    for dim, (low, high) in enumerate(data.input_range):
        assert low < float(points[:, dim].min()) and float(points[:, dim].max()) < high


def test_same_params_same_points_other_seed_other_points():
    a = make_dataset(DatasetParams(name="spiral", seed=3))
    b = make_dataset(DatasetParams(name="spiral", seed=3))
    c = make_dataset(DatasetParams(name="spiral", seed=4))
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_val, b.y_val)
    assert not torch.equal(a.x_train, c.x_train)


def test_train_and_validation_sets_are_disjoint_and_cover_all_points():
    data = make_dataset(DatasetParams(name="xor", n=50, val_fraction=0.2))
    rows = {tuple(r) for r in torch.cat([data.x_train, data.x_val]).tolist()}
    assert len(rows) == 50 and len(data.x_val) == 10


def test_zero_validation_fraction_gives_an_empty_validation_set():
    data = make_dataset(DatasetParams(name="sine", n=40, val_fraction=0.0))
    assert len(data.x_train) == 40 and len(data.x_val) == 0


def test_circle_without_noise_is_a_disk_inside_a_ring():
    data = make_dataset(DatasetParams(name="circle", n=400, noise=0.0))
    radius = torch.linalg.vector_norm(data.x_train, dim=1)
    inside = data.y_train[:, 0] == 1
    assert float(radius[inside].max()) <= 0.5 < 0.7 <= float(radius[~inside].min())


def test_xor_without_noise_labels_by_sign_agreement():
    data = make_dataset(DatasetParams(name="xor", n=200, noise=0.0))
    same_sign = (data.x_train[:, 0] * data.x_train[:, 1] > 0).float()
    assert torch.equal(same_sign, data.y_train[:, 0])


def test_blobs_class_count_is_a_parameter():
    data = make_dataset(DatasetParams(name="blobs", n_classes=5, n=100))
    assert data.n_classes == 5 and data.output_dim == 5
    assert int(data.y_train.max()) == 4


def test_noise_free_sine_lies_on_the_curve():
    data = make_dataset(DatasetParams(name="sine", noise=0.0))
    assert torch.allclose(data.y_train, torch.sin(data.x_train), atol=1e-6)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "moon"}, "unknown dataset 'moon'"),
        ({"n": 5}, "between 10 and"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"val_fraction": 0.95}, "validation fraction"),
        ({"name": "circle", "n_classes": 3}, "fixed number of classes"),
        ({"name": "blobs", "n_classes": 11}, "number of classes"),
    ],
)
def test_bad_parameters_raise_one_line_errors(params, message):
    with pytest.raises(DatasetError, match=message) as caught:
        DatasetParams(**params)
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------- CSV


def write(tmp_path: Path, text: str, name: str = "points.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_with_header_and_integer_labels_is_classification(tmp_path):
    rows = "\n".join(f"{i * 0.1},{-i * 0.2},{i % 2}" for i in range(20))
    data = load_csv(write(tmp_path, "a,b,label\n" + rows), val_fraction=0.25)
    assert data.task == "binary" and data.name == "points"
    assert len(data.x_train) == 15 and len(data.x_val) == 5
    all_x = torch.cat([data.x_train, data.x_val])
    assert float(all_x[:, 0].max()) == pytest.approx(1.9)


def test_csv_labels_are_renumbered_in_sorted_order(tmp_path):
    rows = "\n".join(f"{i},{i},{[-1, 3, 7][i % 3]}" for i in range(30))
    data = load_csv(write(tmp_path, rows), val_fraction=0.0)
    assert data.task == "multiclass" and data.n_classes == 3
    by_x = dict(zip(data.x_train[:, 0].tolist(), data.y_train.tolist(), strict=True))
    assert by_x[0.0] == 0 and by_x[1.0] == 1 and by_x[2.0] == 2


def test_csv_with_fractional_targets_is_regression(tmp_path):
    rows = "\n".join(f"{i},{i},{i * 0.37}" for i in range(10))
    data = load_csv(write(tmp_path, rows), val_fraction=0.0)
    assert data.task == "regression" and data.y_train.shape == (10, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least 2 data rows"),
        ("1,2,0\n", "at least 2 data rows"),
        ("1,2\n3,4\n", "line 1: expected 3 columns"),
        ("1,2,0\n3,x,1\n", "line 2: 'x' is not a number"),
        ("1,2,0\n3,nan,1\n", "line 2: 'nan' is NaN or infinite"),
        ("1,2,0\n3,4,1,5\n", "line 2: expected 3 columns"),
        ("1,2,0\n3,-inf,1\n", "line 2: '-inf' is NaN or infinite"),
        ("1e39,0,1\n0,0,0\n", "line 1: '1e39' is beyond ±3.403e\\+38, the float32 range"),
        ("1,2,0\n1e308,0,1\n", "line 2: '1e308' is beyond"),
        ("0,0,1\n1,1,1\n2,2,1\n", "all rows have class 1: a classifier needs at least two classes"),
        ("0,0,0.5\n1,1,0.5\n", "all rows have the target 0.5: a regression needs"),
        ("nan,nan,nan\n1,1,1\n", "line 1: 'nan' is NaN or infinite"),
        ("1;2;0\n3;4;1\n", "line 1: expected 3 columns"),
        ("1,2,0\n3;4;1\n", "line 2: expected 3 columns"),
    ],
)
def test_bad_csv_files_raise_one_line_errors(tmp_path, text, message):
    with pytest.raises(DatasetError, match=message) as caught:
        load_csv(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_missing_and_oversized_csv_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(DatasetError, match="no such file"):
        load_csv(tmp_path / "absent.csv")
    with pytest.raises(DatasetError, match="is a folder, not a CSV file"):
        load_csv(tmp_path)
    path = write(tmp_path, "1,2,0\n3,4,1\n" * 30)
    monkeypatch.setattr("gdsim.core.datasets.MAX_POINTS", 50)
    with pytest.raises(DatasetError, match="more than 50 rows; the limit is 50"):
        load_csv(path)
    monkeypatch.setattr("gdsim.core.datasets.MAX_CSV_BYTES", 10)
    with pytest.raises(DatasetError, match="larger than"):
        load_csv(path)


def test_binary_file_is_refused_cleanly(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(np.arange(256, dtype=np.uint8).tobytes())
    with pytest.raises(DatasetError, match="not a readable CSV"):
        load_csv(path)


def test_a_file_that_cannot_be_opened_is_refused_with_its_name_and_the_reason(
    tmp_path, monkeypatch
):
    path = write(tmp_path, "1,2,0\n3,4,1\n", name="secret.csv")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(DatasetError, match=r"^cannot read secret\.csv: Permission denied$"):
        load_csv(path)


def test_a_non_utf8_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("x,y,café\n1,2,0\n3,4,1\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"latin\.csv is not a readable CSV text file"):
        load_csv(path)


@pytest.mark.parametrize(
    ("first_row", "cell"),
    [("1\x00,2,0", "'1\\x00'"), ("x1,2,0", "'x1'"), ("1,2,label", "'label'")],
)
def test_a_first_row_mixing_numbers_and_text_is_an_error_not_a_header(tmp_path, first_row, cell):
    path = write(tmp_path, first_row + "\n0,0,1\n1,1,0\n")
    with pytest.raises(DatasetError, match=f"line 1: {re.escape(cell)} is not a number"):
        load_csv(path)


def test_only_the_first_row_can_be_a_header(tmp_path):
    with pytest.raises(DatasetError, match="line 2: 'a' is not a number"):
        load_csv(write(tmp_path, "x,y,label\na,b,c\n0,0,1\n1,1,0\n"))


def test_a_byte_order_mark_crlf_line_ends_and_blank_lines_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffx1,x2,label\r\n0,-0,0\r\n\r\n1,1,1\r\n2,2,0\r\n".encode())
    data = load_csv(path, val_fraction=0.0)
    assert data.task == "binary" and len(data.x_train) == 3


def test_float32_sized_coordinates_give_finite_float32_plot_ranges(tmp_path):
    rows = "\n".join(f"{s * 3e38},{-s * 3e38},{i % 2}" for i, s in enumerate([-1, 1, -1, 1]))
    data = load_csv(write(tmp_path, rows), val_fraction=0.0)
    assert torch.isfinite(data.x_train).all()
    limit = float(np.finfo(np.float32).max)
    for low, high in data.input_range:
        assert -limit <= low < high <= limit


def test_one_repeated_huge_coordinate_still_spans_a_range(tmp_path):
    data = load_csv(write(tmp_path, "3e38,1,0\n3e38,2,1\n3e38,3,0\n3e38,4,1\n"), 0.0)
    (low, high), _ = data.input_range
    assert low < 3e38 < high


@pytest.mark.parametrize(
    ("rows", "val_fraction", "message"),
    [
        ("0,0,0\n1,1,1\n2,2,0\n", 0.5, "of 0.5 leaves a class without training points"),
        ("0,0,0\n1,1,1\n2,2,0\n", 0.9, "of 0.9 leaves no training point"),
        ("0,0,0.5\n1,1,1.5\n", 0.9, "of 0.9 leaves no training point"),
    ],
)
def test_a_validation_share_that_starves_training_is_refused(tmp_path, rows, val_fraction, message):
    with pytest.raises(DatasetError, match=message):
        load_csv(write(tmp_path, rows), val_fraction=val_fraction)


def test_reading_stops_at_the_row_limit_without_reading_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr("gdsim.core.datasets.MAX_POINTS", 50)
    monkeypatch.setattr("gdsim.core.datasets.CHUNK_ROWS", 20)
    path = write(tmp_path, "0,0,0\n1,1,1\n" * 500_000)
    job = CsvReadJob(path)
    advances = 1
    while job.advance():
        advances += 1
    progress = job.snapshot()
    assert "the limit is 50" in progress.error and progress.table is None
    assert progress.rows == 50 and advances == 3


def test_a_very_long_line_is_refused_without_reading_it_whole(tmp_path):
    path = write(tmp_path, "1," * 5_000 + "1\n0,0,0\n")
    with pytest.raises(DatasetError, match="line 1: longer than 1000 characters"):
        load_csv(path)


def test_a_table_splits_again_without_the_file(tmp_path):
    path = write(tmp_path, "\n".join(f"{i},{i},{i % 2}" for i in range(20)))
    table = CsvReadJob(path).read()
    path.unlink()
    assert len(table.dataset(0.5, seed=1).x_val) == 10


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "no file name given"),
        ("/", "'/' is a folder, not a CSV file"),
        ("a\x00b.csv", r"'a\x00b.csv' cannot be a file name: embedded null byte"),
        ("/dev/null", "null is not a regular file"),
    ],
)
def test_a_path_that_names_no_csv_file_is_refused_in_one_line_that_names_it(typed, message):
    with pytest.raises(DatasetError) as caught:
        load_csv(typed)
    assert str(caught.value) == message


def test_a_pipe_and_a_system_file_of_size_0_are_refused_without_reading_them(tmp_path):
    """Reading either could block forever (a pipe with no writer, /proc/kmsg)."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match=r"pipe\.csv is not a regular file"):
        CsvReadJob(fifo)
    with pytest.raises(DatasetError, match=r"status has a size of 0 bytes .* at least 2 data rows"):
        CsvReadJob("/proc/self/status")
