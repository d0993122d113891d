"""Per-neuron maps against a forward pass written by hand, the diagram's numbers as text, and
weights set by hand: in the model, in the job's next frame, and in the exported script."""

from __future__ import annotations

import runpy

import numpy as np
import pytest
import torch

from gdsim.core.codegen import export_script
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec, build_model
from gdsim.core.training import TrainingConfig, TrainingSession
from gdsim.core.training_job import TrainingJob
from gdsim.core.unit_maps import (
    layer_outputs,
    map_grid,
    parse_weight,
    set_weight,
    unit_formula,
    unit_functions,
    unit_maps,
    unit_title,
    weight_label,
)


def test_unit_maps_equal_a_hand_written_forward_pass_over_the_grid():
    spec = NetworkSpec(hidden=((4, "tanh"), (3, "relu")), seed=3)
    model = build_model(spec)
    xs, ys = np.linspace(-2, 2, 5), np.linspace(-1, 1, 4)
    maps = unit_maps(model, xs, ys)
    assert [m.shape for m in maps] == [(4, 4, 5), (3, 4, 5), (1, 4, 5)]
    (w1, b1), (w2, b2), (w3, b3) = [
        (m.weight.detach().double().numpy(), m.bias.detach().double().numpy())
        for m in model
        if isinstance(m, torch.nn.Linear)
    ]
    for row, y in enumerate(ys):
        for column, x in enumerate(xs):
            h1 = np.tanh(w1 @ [x, y] + b1)
            h2 = np.maximum(w2 @ h1 + b2, 0.0)
            out = 1 / (1 + np.exp(-(w3 @ h2 + b3)))
            for layer, values in enumerate((h1, h2, out)):
                np.testing.assert_allclose(maps[layer][:, row, column], values, atol=1e-5)


def test_maps_are_computed_in_eval_mode_and_the_training_flag_comes_back():
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Dropout(0.9), torch.nn.Linear(3, 1)
    )
    model.train()
    inputs = torch.ones(5, 2)
    hidden, _ = layer_outputs(model, inputs)
    assert torch.equal(hidden, model[0](inputs).detach())  # dropout off: nothing zeroed
    assert model.training


def test_one_dimensional_maps_are_curves_and_the_coarse_grid_keeps_the_extent():
    xs, ys = map_grid(np.linspace(-3, 5, 80), None)
    assert ys is None and (xs[0], xs[-1], len(xs)) == (-3, 5, 24)
    model = build_model(NetworkSpec(input_dim=1, hidden=((6, "tanh"),), task="regression"))
    assert [m.shape for m in unit_maps(model, xs, None)] == [(6, 24), (1, 24)]


def test_the_diagram_texts():
    assert weight_label(0, 2, 1, 0.7341) == "w[1](3←2) = 0.7341"
    formula = unit_formula(np.array([0.52, -1.3]), 0.1, "tanh", ["x1", "x2"])
    assert formula == "h = tanh(0.52·x1 − 1.3·x2 + 0.1)"
    assert unit_formula(np.array([-2.0]), -0.5, "", ["h1"], "ŷ") == "ŷ = −2·h1 − 0.5"
    long = unit_formula(np.ones(16), 0.0, "relu", [f"h{i + 1}" for i in range(16)])
    assert long.endswith("+ 1·h4 … (12 more) + 0)")
    assert unit_title(0, 2, "tanh", output=False) == "Layer 1, unit 3: tanh(w·x + b)"
    spec = NetworkSpec(hidden=((4, "tanh"), (3, "linear")))
    assert unit_functions(spec) == ["tanh", "", "σ"]
    logits = NetworkSpec(hidden=((4, "relu"),), task="multiclass", output_dim=3)
    assert unit_functions(logits) == ["relu", ""]  # a logit's map: no softmax of one unit


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "type a number"),
        ("abc", "'abc' is not a number"),
        ("nan", "finite"),
        ("1e9", "between"),
    ],
)
def test_bad_weights_are_refused_with_one_line(text, why):
    with pytest.raises(ValueError, match=why) as error:
        parse_weight(text)
    assert "\n" not in str(error.value)


def test_a_typed_weight_with_a_unicode_minus_is_read():
    assert parse_weight(" −0.25 ") == -0.25


def test_set_weight_changes_one_entry_and_refuses_an_index_the_model_lacks():
    model = build_model(NetworkSpec(hidden=((3, "relu"),)))
    before = model[0].weight.detach().clone()
    set_weight(model, 0, 2, 1, 4.5)
    after = model[0].weight.detach()
    assert after[2, 1] == 4.5
    after[2, 1] = before[2, 1]
    assert torch.equal(after, before)
    with pytest.raises(IndexError, match="no layer 3"):
        set_weight(model, 2, 0, 0, 1.0)


def circle_session(steps: int = 30) -> tuple[TrainingSession, DatasetParams]:
    params = DatasetParams(name="circle", n=80)
    dataset = make_dataset(params)
    spec = NetworkSpec.for_task(dataset.task, 2, dataset.n_classes, hidden=((4, "tanh"),))
    return TrainingSession(spec, dataset, TrainingConfig(lr=0.5, steps=steps)), params


def test_an_edit_reaches_the_next_frame_and_the_loss_at_the_same_step():
    session, _ = circle_session()
    job = TrainingJob([session], (np.linspace(-1, 1, 8), np.linspace(-1, 1, 8)))
    job.advance_to(10)
    before = job.snapshot()
    job.set_weight(0, 1, 0, 3.0)
    after = job.snapshot()
    assert after.runs[0].state.step == before.runs[0].state.step == 10
    assert after.weights[0][0][1, 0] == 3.0
    assert after.runs[0].state.train_loss != before.runs[0].state.train_loss
    assert not np.array_equal(after.prediction, before.prediction)
    assert not np.array_equal(after.unit_maps[0][1], before.unit_maps[0][1])
    np.testing.assert_array_equal(after.unit_maps[0][0], before.unit_maps[0][0])
    assert [(e.step, e.layer, e.row, e.column, e.value) for e in session.edits] == [
        (10, 0, 1, 0, 3.0)
    ]


def test_the_exported_script_replays_the_edits_bit_for_bit(tmp_path):
    session, params = circle_session()
    losses = list(session.step(10))
    session.set_weight(0, 1, 0, 3.0)
    losses += list(session.step(12))
    session.set_weight(1, 0, 2, -1.25)
    losses += list(session.step(8))
    script = export_script(session.spec, params, session.config, session.edits)
    path = tmp_path / "edited.py"
    path.write_text(script, encoding="utf-8")
    assert runpy.run_path(str(path))["losses"] == losses
