"""Presets: every shipped demo loads and tells the story it claims; bad files say what is wrong."""

import json

import pytest

from gdsim.core.limits import MAX_RUNS
from gdsim.core.presets import PresetError, load_preset, load_presets, parse_preset
from gdsim.core.simulate import simulate
from gdsim.core.verdict import Regime, classify_run


def _regimes(preset):
    result = simulate(preset.make_surface(), preset.runs, preset.steps)
    views = [result.run(k) for k in range(len(result))]
    return [
        classify_run(v.points, v.losses, v.grads, v.stopped_at, v.stop_cause).regime for v in views
    ]


def test_every_shipped_preset_loads_with_a_title_and_runs():
    presets = load_presets()
    assert len(presets) >= 5
    assert len({p.title for p in presets}) == len(presets)
    for preset in presets:
        assert preset.description
        assert 1 <= len(preset.runs) <= MAX_RUNS


def test_the_lecture_preset_tells_the_learning_rate_story():
    lecture = load_presets()[0]
    assert lecture.surface == "parabola"
    assert [run.lr for run in lecture.runs] == [0.01, 0.2, 0.8, 1.1]
    assert all(run.start == (3.0,) for run in lecture.runs)
    assert _regimes(lecture) == [Regime.SLOW, Regime.CONVERGED, Regime.OSCILLATING, Regime.DIVERGED]


def test_momentum_preset_reaches_rosenbrock_minimum_where_gd_crawls():
    preset = next(p for p in load_presets() if p.surface == "rosenbrock")
    assert [run.optimizer for run in preset.runs] == ["gd", "momentum"]
    assert _regimes(preset) == [Regime.SLOW, Regime.CONVERGED]


def test_surface_parameters_reach_the_surface():
    preset = parse_preset(
        {"title": "t", "surface": "ill_conditioned", "params": {"kappa": 25}, "runs": [{"lr": 1}]},
        "kappa",
    )
    assert preset.make_surface().hessian(0.0, 0.0)[1][1] == pytest.approx(25.0)
    assert preset.dim == 2


def test_a_typed_formula_is_a_valid_surface():
    preset = parse_preset({"title": "t", "surface": "x**2 + 3*y**2", "runs": [{"lr": 0.1}]}, "f")
    assert preset.dim == 2
    assert preset.steps == 100


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "JSON object"),
        ({"surface": "parabola", "runs": [{"lr": 1}]}, "'title'"),
        ({"title": "t", "surface": "nope(", "runs": [{"lr": 1}]}, "surface 'nope('"),
        ({"title": "t", "surface": "parabola", "runs": []}, "'runs'"),
        ({"title": "t", "surface": "parabola", "runs": [{}]}, "run 1 needs a learning rate"),
        ({"title": "t", "surface": "parabola", "runs": [{"lr": -1}]}, "lr must be positive"),
        ({"title": "t", "surface": "parabola", "runs": [{"lr": "big"}]}, "finite number"),
        ({"title": "t", "surface": "parabola", "runs": [{"lr": 1, "optimizer": "sgdx"}]}, "sgdx"),
        (
            {"title": "t", "surface": "parabola", "runs": [{"lr": 1, "start": [1, 2]}]},
            "1 number",
        ),
        ({"title": "t", "surface": "parabola", "runs": [{"lr": 1, "lrr": 2}]}, "'lrr'"),
        ({"title": "t", "surface": "parabola", "steps": 0, "runs": [{"lr": 1}]}, "'steps'"),
        (
            {"title": "t", "surface": "parabola", "params": {"kappa": 3}, "runs": [{"lr": 1}]},
            "kappa",
        ),
        (
            {
                "title": "t",
                "surface": "parabola",
                "runs": [{"lr": 1, "optimizer": "momentum", "hyper": {"momentum": 2}}],
            },
            "run 1",
        ),
    ],
)
def test_bad_presets_are_refused_with_a_one_line_message(data, fragment):
    with pytest.raises(PresetError) as error:
        parse_preset(data, "demo")
    message = str(error.value)
    assert message.startswith("demo: ")
    assert fragment in message
    assert "\n" not in message


def test_broken_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"title": "t",\n "surface": }', encoding="utf-8")
    with pytest.raises(PresetError, match=r"broken.json: not valid JSON .* line 2"):
        load_preset(path)


def test_presets_are_listed_in_file_name_order(tmp_path):
    for name, title in (("02_b", "second"), ("01_a", "first")):
        data = {"title": title, "surface": "parabola", "runs": [{"lr": 0.1}]}
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    assert [p.title for p in load_presets(tmp_path)] == ["first", "second"]
