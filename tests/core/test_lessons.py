"""Lessons: every shipped lesson builds every step and tells the verdicts it claims; merging and
diffing states round-trip; every kind of bad file is refused with one line naming the field."""

import json
from pathlib import Path

import pytest

from gdsim.core.lessons import (
    CONTROL_NAMES,
    MAX_FILE_BYTES,
    MAX_STEPS,
    Lesson,
    LessonError,
    LessonStep,
    lesson_from_dict,
    lesson_to_dict,
    load_lesson,
    markup_html,
    merge_state,
    partial_state,
    save_lesson,
    shipped_lessons,
    state_at,
    step_state,
)
from gdsim.core.simulate import RunSpec, simulate
from gdsim.core.state import AppState, NetworkState, StateError, SurfaceState
from gdsim.core.training import TrainingConfig
from gdsim.core.verdict import classify_view

LESSONS = shipped_lessons()


def _verdicts(state: SurfaceState) -> list[str]:
    result = simulate(state.check(), state.runs, state.steps)
    return [classify_view(result.run(k)).regime.value for k in range(len(result))]


def test_at_least_eight_lessons_of_three_to_seven_steps_with_words():
    assert len(LESSONS) >= 8
    assert len({lesson.title for lesson in LESSONS}) == len(LESSONS)
    for lesson in LESSONS:
        assert lesson.summary
        assert 3 <= len(lesson.steps) <= 7, lesson.title
        assert all(step.title and len(step.text) > 80 for step in lesson.steps), lesson.title


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.title[:30] for lesson in LESSONS])
def test_every_step_builds_in_order_and_shows_the_verdicts_it_states(lesson):
    state = AppState()
    for index, step in enumerate(lesson.steps):
        state = step_state(state, step)
        assert state == state_at(AppState(), lesson, index)
        if step.expect:
            assert _verdicts(state.surface) == list(step.expect), step.title


def test_the_learning_rate_lesson_tells_the_lecture_story():
    lesson = next(lesson for lesson in LESSONS if "learning rate: too small" in lesson.title)
    last = state_at(AppState(), lesson, len(lesson.steps) - 1)
    assert [run.lr for run in last.surface.runs] == [0.01, 0.2, 0.8, 1.1]
    assert lesson.steps[-1].expect == ("slow", "converged", "oscillating", "diverged")


def test_the_batch_lesson_uses_full_batch_then_one_then_32():
    lesson = next(lesson for lesson in LESSONS if "mini-batch" in lesson.title)
    sizes = [state_at(AppState(), lesson, k).network.training.batch_size for k in range(4)]
    assert sizes == [None, 1, 1, 32]


def test_the_overfitting_lesson_overfits_then_stops_early_as_it_says():
    """Step 1: the validation loss is lowest near step 33 and climbs to 1.48; step 3: early
    stopping ends the run at step 198 and marks step 33 as the best."""
    import numpy as np

    from gdsim.core.lr_finder import network_dataset
    from gdsim.core.training import TrainingSession
    from gdsim.core.training_job import TrainingJob

    lesson = next(lesson for lesson in LESSONS if "Overfitting" in lesson.title)
    for step, check in ((0, "overfits"), (2, "stops early")):
        state = state_at(AppState(), lesson, step).network
        session = TrainingSession(state.network, network_dataset(state), state.training)
        job = TrainingJob([session], (np.linspace(-1, 1, 3), np.linspace(-1, 1, 3)))
        while job.advance():  # as the app trains it: the validation curve at its evaluations
            pass
        steps, val = zip(*session.val_history.items(), strict=True)
        if check == "overfits":
            assert steps[val.index(min(val))] == 33 and round(val[-1], 2) == 1.48
        else:
            assert (session.stop_reason, session.step_count, session.best_step) == (
                "early stopping",
                198,
                33,
            )


def _odd_base() -> AppState:
    """What a teacher may have on screen: a typed formula with its domain, κ, Adam."""
    surface = SurfaceState(
        surface="x**2 + y**4",
        domain=((-2.0, 2.0), (-3.0, 3.0)),
        runs=(RunSpec(lr=0.05, optimizer="adam"),),
    )
    network = NetworkState(training=TrainingConfig(optimizer="adam", hyper={"beta1": 0.8}))
    return AppState(active="network", surface=surface, network=network)


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.title[:30] for lesson in LESSONS])
def test_a_lesson_shows_the_same_pictures_whatever_was_on_screen(lesson):
    odd = _odd_base()
    panel = "surface" if state_at(AppState(), lesson, 0).active == "surface" else "network"
    for index in range(len(lesson.steps)):
        ours = getattr(state_at(odd, lesson, index), panel)
        assert ours == getattr(state_at(AppState(), lesson, index), panel)


# -- merging and differences -------------------------------------------------------------------


def test_objects_merge_key_by_key_lists_replace_and_null_restores_the_default():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 3}
    assert merge_state(base, {"a": {"c": [9]}, "d": None}) == {"a": {"b": 1, "c": [9]}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 3}


def test_surface_parameters_and_optimizer_hyper_parameters_replace_whole():
    base = AppState(surface=SurfaceState(surface="ill_conditioned", params={"kappa": 10.0}))
    state = step_state(
        base, LessonStep("x", state={"surface": {"surface": "parabola", "params": {}}})
    )
    assert state.surface.params == {}
    adam = AppState(
        network=NetworkState(training=TrainingConfig(optimizer="adam", hyper={"beta1": 0.8}))
    )
    step = LessonStep("x", state={"network": {"training": {"optimizer": "gd", "hyper": {}}}})
    assert step_state(adam, step).network.training.hyper == {}


def test_partial_state_stores_only_what_changed_and_rebuilds_the_state():
    base = AppState()
    current = AppState(
        active="network",
        surface=SurfaceState(surface="ill_conditioned", params={"kappa": 25.0}, steps=300),
    )
    partial = partial_state(base, current)
    assert partial == {
        "active": "network",
        "surface": {"surface": "ill_conditioned", "params": {"kappa": 25.0}, "steps": 300},
    }
    assert step_state(base, LessonStep("x", state=partial)) == current
    assert step_state(current, LessonStep("x", state=partial_state(current, base))) == base
    assert partial_state(base, base) == {}


def test_a_step_that_cannot_be_shown_names_its_path():
    step = LessonStep("x", state={"surface": {"runs": [{"lr": -1}]}})
    with pytest.raises(StateError, match=r"surface\.runs\[0\]\.lr"):
        step_state(AppState(), step)
    lesson = Lesson("t", steps=(LessonStep("ok"), step))
    with pytest.raises(StateError, match=r"^step 2: surface\.runs\[0\]\.lr"):
        state_at(AppState(), lesson, 1)


def _titles(lesson: Lesson) -> list[str]:
    return [step.title for step in lesson.steps]


def test_editing_returns_new_lessons():
    a, b, c = (LessonStep(name) for name in "abc")
    lesson = Lesson("t", steps=(a, b))
    assert lesson.inserted(1, c).steps == (a, c, b)
    assert _titles(lesson.removed(AppState(), 0)) == ["b"]
    assert _titles(lesson.moved(AppState(), 0, 1)) == ["b", "a"]
    assert _titles(lesson.moved(AppState(), 0, -1)) == ["a", "b"]
    assert lesson.with_step(1, c).steps == (a, c)
    assert lesson.steps == (a, b)


def test_moved_or_removed_steps_keep_their_pictures_over_any_screen():
    """A teacher's lesson: w² at η = 0.3, then Rosenbrock (saved as 'only the surface
    changes'). Moved first, the Rosenbrock step must not inherit the screen's κ."""
    made_on = AppState()
    parabola = SurfaceState(surface="parabola", runs=(RunSpec(lr=0.3, start=(3.0,)),))
    first = AppState(surface=parabola)
    second = AppState(surface=SurfaceState(surface="rosenbrock"))
    lesson = Lesson(
        "mine",
        steps=(
            LessonStep("w²", state=partial_state(None, first)),
            LessonStep("banana", state=partial_state(first, second)),
        ),
    )
    moved = lesson.moved(made_on, 1, -1)
    screen = AppState(surface=SurfaceState(surface="ill_conditioned", params={"kappa": 25.0}))
    assert state_at(screen, moved, 0) == second
    assert state_at(screen, moved, 1) == first
    assert state_at(screen, lesson.removed(made_on, 0), 0) == second


# -- markup ------------------------------------------------------------------------------------


def test_markup_renders_bold_italic_breaks_and_paragraphs_and_escapes_html():
    html = markup_html("**η = 0.2** is *right*\nnext line\n\nnew <b>paragraph</b> & 2 < 3")
    assert html == (
        "<p><b>η = 0.2</b> is <i>right</i><br>next line</p>"
        "<p>new &lt;b&gt;paragraph&lt;/b&gt; &amp; 2 &lt; 3</p>"
    )


# -- files -------------------------------------------------------------------------------------


def test_a_saved_lesson_loads_back_equal(tmp_path):
    for lesson in LESSONS:
        path = tmp_path / "copy.json"
        save_lesson(path, lesson)
        assert load_lesson(path) == lesson


def _good() -> dict:
    return lesson_to_dict(
        Lesson("T", "S", (LessonStep("one", "text", {"surface": {"steps": 50}}),))
    )


def _write(tmp_path, data) -> str:
    path = tmp_path / "bad.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _edit(change):
    data = _good()
    change(data)
    return data


BAD = [
    ("not json", "{]", r"not valid JSON: .* at line 1 column 2"),
    ("cut short", '{"gdsim": "lesson", ', r"cut short \(truncated at line 1"),
    ("NaN", '{"gdsim": "lesson", "version": NaN}', r"NaN is not a number JSON allows"),
    ("not an object", [], r"state: must be an object"),
    ("not a lesson", _edit(lambda d: d.update(gdsim="session")), r"gdsim: must be \"lesson\""),
    ("newer", _edit(lambda d: d.update(version=2)), r"version: written by a newer gdsim"),
    ("version text", _edit(lambda d: d.update(version="1")), r"version: must be a whole number"),
    ("no steps", _edit(lambda d: d.update(steps=[])), r"steps: must hold 1 to"),
    ("steps not a list", _edit(lambda d: d.update(steps={})), r"steps: must be a list"),
    (
        "too many steps",
        _edit(lambda d: d.update(steps=d["steps"] * (MAX_STEPS + 1))),
        r"steps: must hold 1 to 50",
    ),
    ("unknown field", _edit(lambda d: d.update(colour=1)), r"colour: unknown field"),
    ("title type", _edit(lambda d: d.update(title=3)), r"^bad.json: title: must be text"),
    (
        "empty title",
        _edit(lambda d: d["steps"][0].update(title=" ")),
        r"steps\[0\]\.title: must not be empty",
    ),
    (
        "huge text",
        _edit(lambda d: d["steps"][0].update(text="x" * 6000)),
        r"steps\[0\]\.text: must be at most",
    ),
    (
        "unknown control",
        _edit(lambda d: d["steps"][0].update(hide=["sliders"])),
        r"steps\[0\]\.hide\[0\]: unknown control 'sliders'",
    ),
    (
        "hide not a list",
        _edit(lambda d: d["steps"][0].update(hide="runs")),
        r"steps\[0\]\.hide: must be a list",
    ),
    (
        "unknown verdict",
        _edit(lambda d: d["steps"][0].update(expect=["fast"])),
        r"steps\[0\]\.expect\[0\]: unknown verdict 'fast'",
    ),
    (
        "expect count",
        _edit(lambda d: d["steps"][0].update(expect=["slow", "slow"])),
        r"steps\[0\]\.expect: must name one verdict per run",
    ),
    (
        "state type",
        _edit(lambda d: d["steps"][0].update(state=[1])),
        r"steps\[0\]\.state: must be an object",
    ),
    (
        "bad state",
        _edit(lambda d: d["steps"][0].update(state={"surface": {"steps": "many"}})),
        r"steps\[0\]\.state\.surface\.steps: must be a whole number",
    ),
    (
        "unknown state field",
        _edit(lambda d: d["steps"][0].update(state={"surfaces": {}})),
        r"steps\[0\]\.state\.surfaces: unknown field",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"), [(d, m) for _, d, m in BAD], ids=[n for n, _, _ in BAD]
)
def test_a_bad_lesson_is_refused_with_one_line_naming_the_field(tmp_path, data, message):
    with pytest.raises(LessonError, match=message) as caught:
        load_lesson(_write(tmp_path, data))
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("bad.json: ")


def test_an_absurdly_large_or_missing_or_binary_file_is_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(LessonError, match="too large for a gdsim file"):
        load_lesson(big)
    with pytest.raises(LessonError, match="cannot read it"):
        load_lesson(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{")
    with pytest.raises(LessonError, match="not UTF-8"):
        load_lesson(binary)


def test_every_control_name_belongs_to_one_panel():
    assert len(set(CONTROL_NAMES)) == len(CONTROL_NAMES) == 8


def test_the_readme_example_is_a_lesson_that_shows_its_verdict():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Lessons", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    lesson = lesson_from_dict(json.loads(example))
    state = state_at(AppState(), lesson, 0)
    assert _verdicts(state.surface) == list(lesson.steps[0].expect)
