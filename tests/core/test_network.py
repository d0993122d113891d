"""NetworkSpec: round trip, validation, the model it builds (output unit per task, seeded and
equal to PyTorch's default init), and the parameter count."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from gdsim.core.network import (
    ACTIVATIONS,
    NetworkSpec,
    SpecError,
    build_model,
    loss_function,
    parameter_count,
    parse_layers,
)


def test_default_spec_is_the_lecture_example():
    model = build_model(NetworkSpec())
    kinds = [type(m) for m in model]
    assert kinds == [nn.Linear, nn.ReLU, nn.Linear, nn.Sigmoid]
    assert (model[0].in_features, model[0].out_features, model[2].out_features) == (2, 16, 1)
    assert isinstance(loss_function("binary"), nn.BCELoss)


def test_default_init_equals_pytorch_after_manual_seed_and_leaves_global_rng_alone():
    spec = NetworkSpec(hidden=((16, "relu"), (8, "tanh")), seed=7)
    before = torch.get_rng_state()
    model = build_model(spec)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(7)
    reference = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid()
    )
    for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        assert torch.equal(ours, theirs)


@pytest.mark.parametrize("init", ["default", "xavier", "he", "normal", "zeros"])
def test_same_seed_same_weights(init):
    spec = NetworkSpec(init=init, seed=3)
    for a, b in zip(build_model(spec).parameters(), build_model(spec).parameters(), strict=True):
        assert torch.equal(a, b)


def test_other_seed_other_weights():
    a = build_model(NetworkSpec(seed=1))[0].weight
    b = build_model(NetworkSpec(seed=2))[0].weight
    assert not torch.equal(a, b)


@torch.no_grad()
def test_init_schemes_have_their_statistics():
    wide = ((256, "relu"), (256, "relu"))
    he = build_model(NetworkSpec(hidden=wide, init="he"))[2].weight
    assert float(he.std()) == pytest.approx((2 / 256) ** 0.5, rel=0.05)
    xavier = build_model(NetworkSpec(hidden=wide, init="xavier"))[2].weight
    assert float(xavier.std()) == pytest.approx((2 / 512) ** 0.5, rel=0.05)
    normal = build_model(NetworkSpec(hidden=wide, init="normal", init_sigma=0.3))[2]
    assert float(normal.weight.std()) == pytest.approx(0.3, rel=0.05)
    assert float(normal.bias.abs().max()) == 0.0
    zeros = build_model(NetworkSpec(init="zeros"))
    assert all(float(p.abs().max()) == 0.0 for p in zeros.parameters())


def test_output_unit_matches_the_task():
    multi = build_model(NetworkSpec(task="multiclass", output_dim=4))
    assert isinstance(multi[-1], nn.Linear) and multi[-1].out_features == 4
    assert isinstance(loss_function("multiclass"), nn.CrossEntropyLoss)
    regression = build_model(NetworkSpec(input_dim=1, task="regression"))
    assert isinstance(regression[-1], nn.Linear)
    assert isinstance(loss_function("regression"), nn.MSELoss)
    assert torch.all((build_model(NetworkSpec())(torch.randn(9, 2)) - 0.5).abs() < 0.5)


def test_no_hidden_layer_is_logistic_regression():
    model = build_model(NetworkSpec(hidden=()))
    assert [type(m) for m in model] == [nn.Linear, nn.Sigmoid]
    assert parameter_count(NetworkSpec(hidden=())) == 3


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_builds_and_counts(activation):
    spec = NetworkSpec(hidden=((5, activation), (3, activation)))
    model = build_model(spec)
    pieces = 2 if activation == "maxout" else 1  # a maxout unit has two rows of weights
    expected = pieces * (15 + 18) + 4
    assert parameter_count(spec) == sum(p.numel() for p in model.parameters()) == expected
    assert model(torch.zeros(4, 2)).shape == (4, 1)


def test_round_trip_through_json():
    spec = NetworkSpec(
        input_dim=2,
        hidden=((32, "tanh"), (8, "gelu")),
        task="multiclass",
        output_dim=3,
        init="normal",
        init_sigma=0.05,
        seed=11,
    )
    assert NetworkSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hidden": ((0, "relu"),)}, "width must be 1 to 256"),
        ({"hidden": ((257, "relu"),)}, "width must be 1 to 256"),
        ({"hidden": ((4, "relu"),) * 9}, "at most 8 hidden layers"),
        ({"hidden": ((4, "swoosh"),)}, "unknown activation 'swoosh'"),
        ({"task": "ranking"}, "unknown task"),
        ({"input_dim": 3}, "input dimension"),
        ({"task": "multiclass", "output_dim": 1}, "multiclass network needs"),
        ({"output_dim": 2}, "exactly 1 output unit"),
        ({"init": "orthogonal"}, "unknown init"),
        ({"init_sigma": 0.0}, "sigma"),
        ({"seed": -1}, "seed"),
    ],
)
def test_invalid_specs_raise_one_line_errors(fields, message):
    with pytest.raises(SpecError, match=message) as caught:
        NetworkSpec(**fields)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hidden": "16"}, "list of"),
        ({"hidden": [[16, "relu"]], "colour": "red"}, "unknown network field"),
        ([1, 2], "must be a mapping"),
        ({"hidden": [[16]]}, "must be a \\(width, activation\\) pair"),
    ],
)
def test_malformed_saved_specs_raise_spec_errors(data, message):
    with pytest.raises(SpecError, match=message):
        NetworkSpec.from_dict(data)


def test_parse_layers_accepts_widths_and_per_layer_activations():
    assert parse_layers("8,8", "tanh") == ((8, "tanh"), (8, "tanh"))
    assert parse_layers("8:Swish, 4") == ((8, "silu"), (4, "relu"))
    assert parse_layers("") == ()
    with pytest.raises(SpecError, match="whole-number width"):
        parse_layers("8,x")
