"""Generated datasets: shapes and dtypes each loss expects, determinism, the split, and the
geometry that makes each set the teaching example it is; CSV loading and its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gdsim.core.datasets import (
    DATASETS,
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
        ("1,2,0\n3,x,1\n", "line 2: non-numeric"),
        ("1,2,0\n3,nan,1\n", "line 2: NaN"),
        ("1,2,0\n3,4,1,5\n", "line 2: expected 3 columns"),
    ],
)
def test_bad_csv_files_raise_one_line_errors(tmp_path, text, message):
    with pytest.raises(DatasetError, match=message) as caught:
        load_csv(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_missing_and_oversized_csv_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(DatasetError, match="no such file"):
        load_csv(tmp_path / "absent.csv")
    path = write(tmp_path, "1,2,0\n3,4,1\n" * 30)
    monkeypatch.setattr("gdsim.core.datasets.MAX_POINTS", 50)
    with pytest.raises(DatasetError, match="60 rows; the limit is 50"):
        load_csv(path)
    monkeypatch.setattr("gdsim.core.datasets.MAX_CSV_BYTES", 10)
    with pytest.raises(DatasetError, match="larger than"):
        load_csv(path)


def test_binary_file_is_refused_cleanly(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(np.arange(256, dtype=np.uint8).tobytes())
    with pytest.raises(DatasetError, match="not a readable CSV"):
        load_csv(path)
