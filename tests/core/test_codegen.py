"""The exported script runs on its own (torch and numpy only) and reproduces the app's session
loss for loss, bit for bit."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.core.codegen import export_script
from gdsim.core.compare import compare_runs
from gdsim.core.datasets import Dataset, DatasetParams, load_csv, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training import TrainingConfig, TrainingSession

CASES = {
    "lecture": (
        DatasetParams(name="circle", n=80),
        {"hidden": ((16, "relu"),)},
        TrainingConfig(lr=1.0, steps=25),
    ),
    "multiclass": (
        DatasetParams(name="blobs", n=60, n_classes=4, seed=2),
        {"hidden": ((8, "tanh"), (4, "silu")), "init": "xavier", "seed": 5},
        TrainingConfig(optimizer="adam", lr=0.05, batch_size=16, steps=25, schedule="cosine"),
    ),
    "regression": (
        DatasetParams(name="sine", n=50, noise=0.2),
        {"hidden": ((6, "gelu"),), "init": "normal", "init_sigma": 0.5},
        TrainingConfig(
            optimizer="momentum", lr=0.05, batch_size=1, steps=25, schedule="step", step_size=5
        ),
    ),
    # Training options: each stops before its budget, at the step the session stops.
    "target_loss": (
        DatasetParams(name="circle", n=80),
        {"hidden": ((16, "relu"),)},
        TrainingConfig(lr=1.0, steps=25, stop_at_loss=0.6),
    ),
    "penalised_early_stop": (
        DatasetParams(name="moons", n=60, seed=3),
        {"hidden": ((8, "tanh"),)},
        TrainingConfig(
            optimizer="adam", lr=0.3, batch_size=8, steps=60, early_stop=2, l1=0.001, l2=0.01
        ),
    ),
    "target_accuracy": (
        DatasetParams(name="xor", n=60, seed=3),
        {"hidden": ((8, "relu"),)},
        TrainingConfig(optimizer="momentum", lr=0.5, batch_size=10, steps=60, stop_at_accuracy=0.9),
    ),
    "model options": (
        DatasetParams(name="circle", n=80, seed=3),
        {
            "hidden": ((6, "maxout"), (4, "piecewise_linear")),
            "maxout_pieces": 3,
            "features": ("x1^2", "x2^2", "x1*x2"),
            "dropout": 0.3,
            "loss": "mse",
        },
        TrainingConfig(lr=0.5, batch_size=16, steps=25, seed=4),
    ),
    "step and sign": (
        DatasetParams(name="xor", n=60),
        {"hidden": ((5, "step"), (4, "sign")), "features": ("x1", "x2", "sin(x1)")},
        TrainingConfig(lr=0.5, steps=25),
    ),
    "multiclass mse": (
        DatasetParams(name="blobs", n=60, seed=1),
        {"hidden": ((8, "relu"),), "loss": "mse", "dropout": 0.5},
        TrainingConfig(optimizer="adam", lr=0.05, steps=25, seed=9),
    ),
}


def session_losses(dataset, spec: NetworkSpec, config: TrainingConfig) -> list[float]:
    session = TrainingSession(spec, dataset, config)
    return session.step(config.steps).tolist()


def run_scripts(tmp_path: Path, scripts: dict[str, str]) -> dict[str, list[float]]:
    """Run every script in one fresh interpreter (torch is imported once), in `tmp_path` as
    its working folder -> its `losses`."""
    for name, text in scripts.items():
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    runner = (
        "import json, runpy, sys\n"
        "out = {n: runpy.run_path(f'{sys.argv[1]}/{n}.py')['losses'] for n in sys.argv[2:]}\n"
        "print('LOSSES ' + json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", runner, str(tmp_path), *scripts],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1"},  # tiny nets: one thread is far faster
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOSSES "))
    return json.loads(line.removeprefix("LOSSES "))


def test_exported_scripts_reproduce_the_session_bit_for_bit(tmp_path):
    scripts, expected = {}, {}
    for name, (params, spec_fields, config) in CASES.items():
        dataset = make_dataset(params)
        spec = NetworkSpec.for_task(
            dataset.task, dataset.input_dim, dataset.n_classes, **spec_fields
        )
        scripts[name] = export_script(spec, params, config)
        expected[name] = session_losses(dataset, spec, config)

    csv = tmp_path / "mine.csv"
    rng = np.random.default_rng(1)
    rows = rng.uniform(-1, 1, (40, 2))
    csv.write_text("\n".join(f"{a},{b},{int(a > b)}" for a, b in rows))
    loaded = load_csv(csv, val_fraction=0.25)
    spec = NetworkSpec.for_task(loaded.task, 2, hidden=((4, "elu"),))
    config = TrainingConfig(optimizer="rmsprop", lr=0.01, batch_size=8, steps=20)
    scripts["embedded"] = export_script(spec, loaded, config)
    expected["embedded"] = session_losses(loaded, spec, config)

    # Show code in compare mode exports the shown run: the compared value applied
    # (gdsim.core.compare), whatever the setting; in the same interpreter, torch loads once.
    params, config = CASES["lecture"][0], TrainingConfig(lr=0.5, steps=15)
    dataset = make_dataset(params)
    spec = NetworkSpec.for_task(dataset.task, 2, hidden=((6, "relu"),))
    for key, values in (("batch_size", [1, 16]), ("activation", ["tanh"]), ("depth", [2])):
        for index, run in enumerate(compare_runs(spec, config, key, values)):
            scripts[f"{key}{index}"] = export_script(run.spec, params, run.config)
            expected[f"{key}{index}"] = session_losses(dataset, run.spec, run.config)

    assert run_scripts(tmp_path, scripts) == expected
    assert [len(expected[name]) for name in ("target_loss", "penalised_early_stop")] == [
        21,
        9,
    ]
    assert len(expected["target_accuracy"]) == 25


@pytest.mark.parametrize("name", list(CASES))
def test_exported_script_imports_only_torch_and_numpy(name):
    params, spec_fields, config = CASES[name]
    dataset = make_dataset(params)
    spec = NetworkSpec.for_task(dataset.task, dataset.input_dim, dataset.n_classes, **spec_fields)
    tree = ast.parse(export_script(spec, params, config))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module.split(".")[0])
    assert modules <= {"__future__", "math", "numpy", "torch"}


def test_script_shows_the_canonical_loop_and_the_network():
    params, spec_fields, config = CASES["lecture"]
    text = export_script(NetworkSpec(**spec_fields), params, config)
    loop = ["optimizer.zero_grad()", "net(inputs)", "loss.backward()", "optimizer.step()"]
    positions = [text.index(statement) for statement in loop]
    assert positions == sorted(positions)
    assert "nn.Linear(2, 16),\n    nn.ReLU(),\n    nn.Linear(16, 1),\n    nn.Sigmoid()," in text
    assert "torch.optim.SGD(net.parameters(), lr=1.0" in text
    assert "nn.BCELoss()" in text
    assert "def circle(n: int, noise: float, rng: np.random.Generator)" in text


HOSTILE_NAMES = [
    'data""";__import__("os").system("touch X");"""',
    "data''';__import__('os').system('touch X');'''",
    "\\N{BULLET} and \\x4 and \\u12",
    "line\nbreak; __import__('os').system('touch X')",
    "carriage\rreturn\x0cfeed",
    "# not a comment",
    "{DATASET} {{braces}} %s",
    "back\\",
    "ünïcødé ✓ 数据\u2028separator",
]


def csv_dataset(folder: Path, name: str) -> Dataset:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_text("\n".join(f"{a / 10},{a % 3 / 3},{a % 2}" for a in range(12)))
    return load_csv(path)


def dataset_names_in(script: str) -> tuple[set[str], set[str]]:
    """(string constants, identifiers) of the script: a name must only be data."""
    tree = ast.parse(script)  # a \\N in a docstring made it a SyntaxError
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    identifiers |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return constants, identifiers


def test_hostile_csv_file_names_reach_the_script_as_data_and_run_nothing(tmp_path):
    """A file named data\"\"\";__import__(...);\"\"\".csv ran its code when the script ran."""
    spec = NetworkSpec(hidden=((2, "tanh"),))
    config = TrainingConfig(lr=0.1, steps=2)
    scripts = {}
    for number, name in enumerate(HOSTILE_NAMES):
        dataset = csv_dataset(tmp_path / "csv", name)
        assert dataset.name == name
        scripts[f"hostile{number}"] = script = export_script(spec, dataset, config)
        constants, identifiers = dataset_names_in(script)
        assert name in constants
        assert not {"__import__", "system"} & identifiers
    work = tmp_path / "work"
    work.mkdir()
    losses = run_scripts(work, scripts)
    assert all(len(run) == 2 for run in losses.values())
    assert not (work / "X").exists() and not (tmp_path / "X").exists()


GENERATED_FOR_NAMES = make_dataset(DatasetParams(name="xor", n=10))


@settings(max_examples=150, deadline=None)
@given(name=st.text(min_size=1, max_size=30))
def test_any_dataset_name_reaches_a_valid_script_as_a_string_constant(name):
    dataset = replace(GENERATED_FOR_NAMES, name=name)
    script = export_script(NetworkSpec(hidden=((2, "tanh"),)), dataset, TrainingConfig(steps=1))
    constants, _ = dataset_names_in(script)
    assert name in constants


def test_a_diverging_binary_run_stops_the_script_where_gdsim_says_diverged(tmp_path):
    """BCELoss raises on NaN outputs ("all elements of input should be between 0 and 1"): the
    script crashed where gdsim stops and says the run diverged."""
    params = DatasetParams(name="circle", n=60)
    dataset = make_dataset(params)
    spec = NetworkSpec.for_task(dataset.task, dataset.input_dim, hidden=((8, "tanh"),))
    hyper = {"alpha": 0.0, "eps": 1e-12, "momentum": 0.999, "centered": 1.0}
    config = TrainingConfig(optimizer="rmsprop", lr=0.05, hyper=hyper, steps=15)
    session = TrainingSession(spec, dataset, config)
    expected = session.step(config.steps).tolist()
    assert session.diverged_at is not None
    script = tmp_path / "diverging.py"
    script.write_text(export_script(spec, params, config), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert f"diverged at step {session.diverged_at}" in result.stdout
    losses = run_scripts(tmp_path, {"diverging": script.read_text(encoding="utf-8")})
    assert json.dumps(losses["diverging"]) == json.dumps(expected)

