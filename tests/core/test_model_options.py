"""Issue 17's model options in the core: deck 003's activations against their formulas and
autograd derivatives, maxout's pieces, the input features, the loss choice and dropout against
hand computations, and the spec's one-line refusals."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.layers import Features, Maxout, SeededDropout, SoftmaxMSELoss
from gdsim.core.network import (
    ACTIVATIONS,
    NetworkSpec,
    SpecError,
    build_model,
    loss_function,
    parameter_count,
    parse_features,
)
from gdsim.core.training import TrainingConfig, TrainingSession

POINTS = torch.tensor([-2.0, -0.5, -0.25, 0.0, 0.25, 0.5, 2.0])
CIRCLE = make_dataset(DatasetParams("circle", n=200))


def value_and_slope(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    z = POINTS.clone().requires_grad_()
    out = ACTIVATIONS[name].module()(z)
    out.sum().backward()
    assert z.grad is not None
    return out.detach(), z.grad


@pytest.mark.parametrize(
    ("name", "formula", "slope"),
    [
        ("step", lambda z: 1.0 if z > 0 else 0.5 if z == 0 else 0.0, lambda z: 0.0),
        ("sign", lambda z: 1.0 if z > 0 else 0.0 if z == 0 else -1.0, lambda z: 0.0),
        # torch.clamp passes the gradient at its bounds: slope 1 at the kinks -1/2 and 1/2
        (
            "piecewise_linear",
            lambda z: 0.0 if z < -0.5 else 1.0 if z > 0.5 else z + 0.5,
            lambda z: 1.0 if -0.5 <= z <= 0.5 else 0.0,
        ),
    ],
)
def test_deck_003_activations_match_their_formula_and_derivative(name, formula, slope):
    values, slopes = value_and_slope(name)
    assert values.tolist() == [formula(z) for z in POINTS.tolist()]
    assert slopes.tolist() == [slope(z) for z in POINTS.tolist()]
    assert ACTIVATIONS[name].note.startswith("zero gradient") == (name in ("step", "sign"))


def test_maxout_takes_the_largest_of_each_units_pieces_and_splits_ties():
    z = torch.tensor([[1.0, 3.0, -2.0, 2.0, 2.0, 0.0]], requires_grad=True)
    out = Maxout(3)(z)
    assert out.tolist() == [[3.0, 2.0]]
    out.sum().backward()
    assert z.grad is not None
    assert z.grad.tolist() == [[0.0, 1.0, 0.0, 0.5, 0.5, 0.0]]  # a tie shares the gradient


def test_a_maxout_layer_has_k_pieces_per_unit_and_the_count_says_so():
    spec = NetworkSpec(hidden=((4, "maxout"),), maxout_pieces=3)
    model = build_model(spec)
    assert (model[0].out_features, spec.widths) == (12, (2, 4, 1))
    assert parameter_count(spec) == (2 + 1) * 12 + (4 + 1) * 1
    assert parameter_count(spec) == sum(p.numel() for p in model.parameters())
    assert model(torch.zeros(5, 2)).shape == (5, 1)


def test_training_leaves_the_layers_before_a_step_unchanged_while_later_layers_learn():
    spec = NetworkSpec(hidden=((6, "tanh"), (6, "step"), (4, "relu")))
    session = TrainingSession(spec, CIRCLE, TrainingConfig(lr=0.5, steps=30))
    before = [p.detach().clone() for p in session.model.parameters()]
    session.step(30)
    after = list(session.model.parameters())
    changed = [not torch.equal(a, b) for a, b in zip(before, after, strict=True)]
    # layer 1 (tanh) and layer 2 (feeding the step) never change; the two after it learn
    assert changed == [False, False, False, False, True, True, True, True]
    assert all(bool(torch.isfinite(p).all()) for p in after)


def test_features_feed_the_first_layer_and_callers_keep_passing_raw_points():
    x = torch.tensor([[0.5, -2.0], [1.0, 3.0]])
    names = parse_features("x1, x2², x1·x2, sin x2")
    assert names == ("x1", "x2^2", "x1*x2", "sin(x2)")
    expected = torch.stack([x[:, 0], x[:, 1] ** 2, x[:, 0] * x[:, 1], torch.sin(x[:, 1])], 1)
    assert torch.allclose(Features(names)(x), expected)
    spec = NetworkSpec(hidden=(), features=names)
    model = build_model(spec)
    assert (spec.widths, model[1].in_features) == ((4, 1), 4)
    assert model(x).shape == (2, 1)


def test_a_circle_is_separable_from_x1_squared_and_x2_squared_with_no_hidden_layer():
    # 400 full-batch gradient-descent steps at learning rate 2 on the 200-point circle
    spec = NetworkSpec(hidden=(), features=("x1^2", "x2^2"))
    session = TrainingSession(spec, CIRCLE, TrainingConfig(lr=2.0, steps=400))
    session.step(400)
    assert session.snapshot().train_metric >= 0.95


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"features": ()}, "at least one input feature"),
        ({"features": ("x1", "x1")}, "once"),
        ({"features": ("x1", "sin(x3)")}, "unknown feature"),
        ({"task": "regression", "loss": "bce"}, "cannot train with binary cross-entropy"),
        ({"loss": "ce"}, "binary network cannot train with cross-entropy"),
        ({"loss": "hinge"}, "unknown loss"),
        ({"dropout": 0.95}, "dropout must be a probability"),
        ({"maxout_pieces": 1}, "maxout pieces must be 2 to 8"),
    ],
)
def test_the_spec_refuses_bad_options_in_one_line(change, message):
    with pytest.raises(SpecError, match=message) as error:
        NetworkSpec(**change)
    assert "\n" not in str(error.value)


def test_one_dimensional_data_refuses_features_that_need_x2():
    assert NetworkSpec.for_task("regression", 1).features == ("x1",)
    with pytest.raises(SpecError, match="needs x2"):
        NetworkSpec.for_task("regression", 1, features=("x1", "x1*x2"))
    with pytest.raises(SpecError, match="unknown feature"):
        parse_features("x1,x3")


def test_new_fields_round_trip_and_old_dicts_take_the_defaults():
    spec = NetworkSpec(
        hidden=((5, "maxout"), (3, "sign")),
        maxout_pieces=4,
        loss="mse",
        features=("x1", "sin(x2)"),
        dropout=0.25,
    )
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    old = {k: v for k, v in NetworkSpec().to_dict().items() if k in ("hidden", "task", "seed")}
    loaded = NetworkSpec.from_dict(old)
    assert (loaded.loss, loaded.features, loaded.dropout, loaded.maxout_pieces) == (
        "bce",
        ("x1", "x2"),
        0.0,
        2,
    )
    assert loaded == NetworkSpec()


def test_mse_on_a_binary_network_equals_a_hand_computation_and_bce_trains_better():
    config = TrainingConfig(lr=1.0, steps=300)
    mse = TrainingSession(NetworkSpec(loss="mse"), CIRCLE, config)
    with torch.no_grad():
        p = mse.model(CIRCLE.x_train)
        hand = float(((p - CIRCLE.y_train) ** 2).mean())
    assert mse.step(1)[0] == pytest.approx(hand, rel=1e-6)
    assert mse.spec.loss_mismatch is not None and "binary cross-entropy" in mse.spec.loss_mismatch
    bce = TrainingSession(NetworkSpec(), CIRCLE, config)
    bce.step(300)
    mse.step(299)
    assert bce.snapshot().train_metric >= mse.snapshot().train_metric
    assert 1 - bce.snapshot().train_metric <= 1 - mse.snapshot().train_metric


def test_mse_on_a_multiclass_network_compares_the_softmax_with_one_hot_targets():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    target = torch.tensor([0, 2])
    probabilities = torch.softmax(logits, 1)
    one_hot = torch.tensor([[1.0, 0, 0], [0, 0, 1.0]])
    hand = float(((probabilities - one_hot) ** 2).mean())
    assert float(SoftmaxMSELoss()(logits, target)) == pytest.approx(hand, rel=1e-6)
    assert isinstance(loss_function("multiclass", "mse"), SoftmaxMSELoss)
    assert isinstance(loss_function("multiclass"), nn.CrossEntropyLoss)
    blobs = make_dataset(DatasetParams("blobs", n=60))
    spec = NetworkSpec.for_task("multiclass", 2, blobs.n_classes, loss="mse")
    session = TrainingSession(spec, blobs, TrainingConfig(steps=5))
    assert np.isfinite(session.step(5)).all()
    assert session.predict(np.zeros((1, 2))).sum() == pytest.approx(1.0)


def test_the_training_loss_with_dropout_equals_the_hand_computed_loss_with_the_same_mask():
    spec = NetworkSpec(hidden=((8, "relu"),), dropout=0.4)
    config = TrainingConfig(steps=3, seed=11)
    session = TrainingSession(spec, CIRCLE, config)
    before = torch.get_rng_state()
    w1, b1, w2, b2 = (p.detach().clone() for p in session.model.parameters())
    masks = torch.Generator().manual_seed(11)
    keep = torch.rand((len(CIRCLE.x_train), 8), generator=masks) >= 0.4
    hidden = torch.relu(CIRCLE.x_train @ w1.T + b1) * keep / 0.6
    hand = float(F.binary_cross_entropy(torch.sigmoid(hidden @ w2.T + b2), CIRCLE.y_train))
    assert session.step(1)[0] == pytest.approx(hand, rel=1e-6)
    assert torch.equal(torch.get_rng_state(), before)  # torch's global generator untouched
    assert not session.model.training  # evaluation, predictions and maps drop nothing
    first = session.predict(CIRCLE.x_train.numpy())
    assert np.array_equal(first, session.predict(CIRCLE.x_train.numpy()))
    again = TrainingSession(spec, CIRCLE, config)
    assert np.array_equal(again.step(3)[:1], [session.history.arrays()[1][0]])
    assert isinstance(session.model[2], SeededDropout)


def test_a_spec_without_the_new_options_builds_the_model_it_built_before():
    model = build_model(replace(NetworkSpec(), hidden=((4, "tanh"),)))
    assert [type(m) for m in model] == [nn.Linear, nn.Tanh, nn.Linear, nn.Sigmoid]
    assert math.isclose(parameter_count(NetworkSpec()), 65)


def test_the_preview_curve_is_the_function_and_autograds_derivative():
    from gdsim.core.network import activation_curve

    curve = activation_curve("piecewise_linear", n=13, span=3.0)
    assert np.allclose(curve.f, np.clip(curve.z + 0.5, 0, 1))
    assert set(curve.slope.tolist()) == {0.0, 1.0}
    assert not activation_curve("step").slope.any()
    maxout = activation_curve("maxout", pieces=3)
    assert "3 lines" in maxout.note and maxout.f.min() == pytest.approx(0.0, abs=1e-6)


def test_a_maxout_layers_weights_fold_into_its_units_for_the_diagram():
    from gdsim.core.network import piece_rows, unit_weights

    weight = np.array([[1.0, -5.0], [-3.0, 2.0], [0.5, 0.1], [0.2, -0.3]])  # 2 units, k = 2
    assert unit_weights(weight, 2).tolist() == [[-3.0, -5.0], [0.5, -0.3]]
    assert piece_rows(weight, 2).tolist() == [[1, 0], [2, 3]]  # what an edge's edit reaches
    assert np.array_equal(unit_weights(weight, 4), weight)


def test_the_learning_rate_sweep_trains_options_the_stack_ignores_run_by_run():
    from gdsim.core.network_sweep import NetworkSweep

    for spec in (NetworkSpec(loss="mse"), NetworkSpec(dropout=0.2)):
        sweep = NetworkSweep(spec, CIRCLE, TrainingConfig(), [0.1, 1.0, 10.0], steps=3)
        assert not sweep.batched
        alone = TrainingSession(spec, CIRCLE, TrainingConfig(lr=0.1, steps=3))
        alone.step(3)
        assert sweep.run().runs[0].final_loss == alone.snapshot().train_loss


@pytest.mark.parametrize("force_vmap", [False, True])
def test_the_landscape_evaluates_the_chosen_loss_through_features_maxout_and_dropout(force_vmap):
    from torch.func import functional_call

    from gdsim.core.landscape import BatchedLoss, loss_kind

    blobs = make_dataset(DatasetParams("blobs", n=60))
    cases = [
        (NetworkSpec(hidden=((4, "maxout"),), features=("x1^2", "x2"), loss="mse"), CIRCLE),
        (NetworkSpec.for_task("multiclass", 2, 3, loss="mse", dropout=0.5), blobs),
    ]
    for spec, data in cases:
        model = build_model(spec)
        names = [name for name, _ in model.named_parameters()]
        theta = torch.cat([p.detach().ravel() for p in model.parameters()])
        points = torch.stack([theta, theta * 0.5, theta + 0.1])
        loss = BatchedLoss(model, loss_kind(spec), data.x_train, data.y_train, force_vmap)
        expected = []
        for point in points:
            pieces = torch.split(point, [p.numel() for p in model.parameters()])
            params = {
                n: v.view(p.shape)
                for n, v, p in zip(names, pieces, model.parameters(), strict=True)
            }
            output = functional_call(model, params, (data.x_train,))
            expected.append(float(loss_function(spec.task, spec.loss)(output, data.y_train)))
        np.testing.assert_allclose(loss(points.numpy()), expected, rtol=1e-5)
