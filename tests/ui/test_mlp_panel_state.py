"""The network panel's `set_state`: a state it accepts comes back unchanged from `state()`, a
state it cannot show changes nothing and says why in one line, and compare mode's refused
rates have a message line of their own that goes when its cause goes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PySide6 import QtWidgets

from gdsim.core.datasets import (
    DATASETS,
    MAX_VAL_FRACTION,
    DatasetError,
    DatasetParams,
    make_dataset,
)
from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.core.network import NetworkSpec
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.state import NetworkState, StateError
from gdsim.core.training import (
    MAX_PATIENCE,
    MAX_PENALTY,
    SCHEDULES,
    ConfigError,
    TrainingConfig,
    check_rules_fit,
)
from gdsim.ui.widgets.message_area import MessageArea


def shown_messages(panel) -> dict[str, str]:
    area = panel.findChild(MessageArea, "messageArea")
    return {key: area.text(key) for key in area.shown()}


def label(panel, name: str) -> QtWidgets.QLabel:
    widget = panel.findChild(QtWidgets.QLabel, name)
    assert widget is not None, name
    return widget


@st.composite
def panel_states(draw: st.DrawFn) -> NetworkState:
    """States within the controls' ranges, with values their boxes can only show rounded."""
    optimizer = draw(st.sampled_from(sorted(set(OPTIMIZERS) - {"nesterov"})))
    hyper = {
        h.name: float(draw(st.booleans()))
        if h.is_flag
        else draw(st.floats(h.low, h.high) if h.name != "beta1" else st.floats(0.0, 0.9))
        for h in OPTIMIZERS[optimizer].hyper
    }
    kind = DATASETS[draw(st.sampled_from(["circle", "xor", "moons", "blobs", "sine"]))]
    seed = draw(st.integers(0, 999_999))
    compare_lrs = tuple(
        draw(st.lists(st.floats(1e-4, 100.0), min_size=1, max_size=4, unique=True))
    )  # a rate given twice is refused (test_a_refused_compare_leaves_nothing_to_train)
    compare = draw(st.booleans())
    try:
        state = NetworkState(
            dataset=DatasetParams(
                name=kind.name,
                n=draw(st.integers(10, 300)),
                noise=draw(st.one_of(st.none(), st.floats(0.0, 2.0))),
                val_fraction=draw(st.floats(0.0, MAX_VAL_FRACTION)),
                seed=draw(st.integers(0, 999_999)),
            ),
            network=NetworkSpec.for_task(
                kind.task,
                kind.input_dim,
                kind.n_classes,
                hidden=tuple(
                    draw(
                        st.lists(
                            st.tuples(
                                st.integers(1, 8), st.sampled_from(["tanh", "maxout", "step"])
                            ),
                            max_size=2,
                        )
                    )
                ),
                init=draw(st.sampled_from(["default", "normal"])),
                init_sigma=draw(st.floats(0.001, 10.0)),
                seed=seed,
                maxout_pieces=draw(st.integers(2, 8)),
                loss=draw(st.sampled_from([None, "mse"])),
                features=draw(
                    st.sampled_from([None, ("x2", "x1^2"), ("x1", "x1*x2", "sin(x2)")])
                    if kind.input_dim == 2
                    else st.sampled_from([None, ("sin(x1)", "x1^2")])
                ),
                dropout=draw(st.floats(0.0, 0.9)),
            ),
            training=TrainingConfig(
                optimizer=optimizer,
                lr=draw(st.floats(1e-4, 100.0)),
                hyper=hyper,
                batch_size=draw(st.one_of(st.none(), st.integers(1, 500))),
                weight_decay=draw(st.floats(0.0, 1.0)),
                schedule=draw(st.sampled_from(list(SCHEDULES))),
                step_size=draw(st.integers(1, 500)),
                gamma=draw(st.floats(0.0, 1.0)),
                warmup_steps=draw(st.integers(1, 500)),
                steps=draw(st.integers(1, MAX_TRAINING_STEPS)),
                seed=seed,
                sharpness_every=draw(st.integers(0, MAX_TRAINING_STEPS)),
                l1=draw(st.floats(0.0, MAX_PENALTY)),
                l2=draw(st.floats(0.0, MAX_PENALTY)),
                stop_at_loss=draw(st.one_of(st.none(), st.floats(1e-3, 1e3))),
                stop_at_accuracy=draw(st.one_of(st.none(), st.floats(1e-3, 1.0))),
                early_stop=draw(st.integers(0, MAX_PATIENCE)),
            ),
            compare=compare,
            compare_lrs=compare_lrs,
            selected=draw(st.integers(0, len(compare_lrs) - 1)) if compare else 0,
        )
        # A split with a class left out of training is refused, and so are stop rules the
        # data cannot serve (early stopping without validation points).
        check_rules_fit(state.training, state.network, make_dataset(state.dataset))
    except (StateError, DatasetError, ConfigError):
        assume(False)
        raise
    return state


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(state=panel_states())
def test_a_state_the_panel_accepts_comes_back_unchanged(mlp_panel, state):
    """Weight decay 1e-7 read back as 0, noise 0.123 as 0.12, lr 0.0001234 as 0.000123, the
    step schedule's size and gamma as their defaults, noise None as 0.1: a saved state
    drifted on each launch."""
    assert mlp_panel.set_state(state) is None, shown_messages(mlp_panel)
    assert mlp_panel.state() == state
    assert mlp_panel.job.sessions[0].config.weight_decay == state.training.weight_decay


def test_a_dataset_without_its_noise_reads_back_with_the_datasets_own():
    state = NetworkState(dataset=DatasetParams(name="spiral"))
    assert state.dataset.noise == DATASETS["spiral"].default_noise
    assert NetworkState.from_dict(state.to_dict()) == state


def test_a_rounded_value_is_given_back_exactly_until_the_user_changes_it(mlp_panel):
    state = NetworkState(training=TrainingConfig(weight_decay=1e-7))
    mlp_panel.set_state(state)
    decay = mlp_panel.findChild(QtWidgets.QDoubleSpinBox, "weightDecaySpin")
    assert decay.text() == "0.00000" and mlp_panel.state().training.weight_decay == 1e-7
    decay.stepUp()
    decay.stepDown()
    assert mlp_panel.state().training.weight_decay == 0.0, "what the user set, they see"


@pytest.fixture
def xor_panel(mlp_panel):
    state = NetworkState(
        dataset=DatasetParams(name="xor"), network=NetworkSpec(hidden=((4, "relu"),))
    )
    assert mlp_panel.set_state(state) is None
    return mlp_panel


def unreadable(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "locked.csv"
    path.write_text("0,0,0\n1,1,1\n0,1,1\n1,0,0\n")
    original = Path.open

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    return path


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (lambda tmp, _: tmp / "gone.csv", "no such file"),
        (lambda tmp, _: tmp, "is a folder"),
        (unreadable, "cannot read locked.csv: Permission denied"),
    ],
    ids=["deleted", "a folder", "unreadable"],
)
def test_a_state_whose_csv_file_cannot_be_read_applies_nothing_and_says_why(
    xor_panel, tmp_path, monkeypatch, where, reason
):
    """The data became a generated circle and the state's optimizer and layers were applied."""
    before = xor_panel.state()
    state = NetworkState(
        csv_path=str(where(tmp_path, monkeypatch)),
        network=NetworkSpec(hidden=((8, "tanh"), (8, "tanh"))),
        training=TrainingConfig(optimizer="adam", lr=0.01),
    )
    why = xor_panel.set_state(state)
    assert why is not None and reason in why and "\n" not in why
    assert xor_panel.state() == before
    assert reason in label(xor_panel, "stateError").text()
    assert xor_panel.dataset.name == "xor"


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (NetworkState(compare="yes"), "compare: must be true or false"),
        (NetworkState(selected=0.5), "selected: must be a whole number"),
        (NetworkState(csv_path=3), "dataset.csv_path: must be text"),
        (
            NetworkState(
                dataset=DatasetParams(name="blobs", n_classes=5),
                network=NetworkSpec.for_task("multiclass", 2, 5),
            ),
            "own number of classes",
        ),
    ],
)
def test_a_state_built_in_code_gets_the_checks_of_a_loaded_one(xor_panel, state, reason):
    before = xor_panel.state()
    why = xor_panel.set_state(state)
    assert why is not None and reason in why
    assert xor_panel.state() == before


def type_rates(panel, text: str) -> None:
    edit = panel.findChild(QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText(text)
    edit.editingFinished.emit()


def compare(panel, on: bool) -> None:
    panel.findChild(QtWidgets.QCheckBox, "compareCheck").setChecked(on)


def test_refused_rates_have_their_own_line_which_a_settings_edit_leaves(mlp_panel):
    """An accepted weight decay cleared the rates' refusal while "0.1, -5" stayed typed."""
    compare(mlp_panel, True)
    type_rates(mlp_panel, "0.1, -5")
    refusal = label(mlp_panel, "ratesError").text()
    assert "learning rates above 0" in refusal
    mlp_panel.findChild(QtWidgets.QDoubleSpinBox, "weightDecaySpin").setValue(0.001)
    assert mlp_panel.state().training.weight_decay == 0.001
    assert shown_messages(mlp_panel).get("rates") == refusal


@pytest.mark.parametrize(
    "fix",
    [
        lambda panel: compare(panel, False),
        lambda panel: type_rates(panel, "0.1, 2"),
        lambda panel: panel.set_state(NetworkState()),
    ],
    ids=["compare turned off", "good rates typed", "a new state"],
)
def test_the_rates_refusal_goes_when_its_cause_goes(mlp_panel, fix):
    compare(mlp_panel, True)
    type_rates(mlp_panel, "0.1, -5")
    assert "rates" in shown_messages(mlp_panel)
    fix(mlp_panel)
    assert "rates" not in shown_messages(mlp_panel)


def test_compare_turned_back_on_with_good_rates_says_nothing_of_the_old_refusal(mlp_panel):
    compare(mlp_panel, True)
    type_rates(mlp_panel, "0.1, -5")
    compare(mlp_panel, False)
    type_rates(mlp_panel, "0.1, 2")
    compare(mlp_panel, True)
    assert shown_messages(mlp_panel) == {}
    assert [s.config.lr for s in mlp_panel.job.sessions] == [0.1, 2.0]


def test_a_refused_state_is_no_longer_said_once_an_edit_is_taken(xor_panel, tmp_path):
    xor_panel.set_state(NetworkState(csv_path=str(tmp_path / "gone.csv")))
    refused = label(xor_panel, "stateError")
    assert refused.isVisible() and refused.text().startswith("✗ State not shown: ")
    xor_panel.findChild(QtWidgets.QDoubleSpinBox, "weightDecaySpin").setValue(0.01)
    assert not refused.isVisible()


def test_a_dataset_split_that_leaves_a_class_out_of_training_is_refused_whole(xor_panel):
    """Found by the round-trip test: the panel kept its old data but took the rest."""
    before = xor_panel.state()
    why = xor_panel.set_state(
        NetworkState(dataset=DatasetParams("circle", n=10, val_fraction=0.875))
    )
    assert why is not None and "without training points" in why
    assert xor_panel.state() == before


def test_a_refused_compare_leaves_nothing_to_train(qtbot, mlp_panel):
    """Rates 1 and 1 are refused with a message; the job of the settings shown before (weight
    decay 1) stayed, and Train trained it under the new settings' name."""
    before = NetworkState(training=TrainingConfig(weight_decay=1.0))
    assert mlp_panel.set_state(before) is None
    refused = NetworkState(compare=True, compare_lrs=(1.0, 1.0, 2.0))
    mlp_panel.set_state(refused)
    assert "repeats value 1" in " ".join(shown_messages(mlp_panel).values())
    assert mlp_panel.job is None
    assert not mlp_panel.findChild(QtWidgets.QPushButton, "trainButton").isEnabled()
    assert label(mlp_panel, "trainingStatusLabel").text() == "no runs: see the message above"
