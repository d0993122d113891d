"""`gdsim graph`: the JSON contract on the lecture's example, the human table, one-line errors."""

from __future__ import annotations

import math

import pytest

from gdsim.cli import main


def test_lecture_example_as_json(cli_json):
    doc = cli_json("graph", "f = tanh(log(1 + z*(2*x/sin(y))))", "--at", "x=1,y=2,z=3")
    assert doc["output"] == pytest.approx(math.tanh(math.log(1 + 3 * 2 / math.sin(2))))
    assert set(doc["gradient"]) == {"x", "y", "z"}
    # ∂f/∂x = (1 - tanh²(e)) · 1/(d+1) · z · 1/b · 2, the slide's product.
    e = math.log(1 + 6 / math.sin(2))
    slide = (1 - math.tanh(e) ** 2) / (1 + 6 / math.sin(2)) * 3 / math.sin(2) * 2
    assert doc["gradient"]["x"] == pytest.approx(slide)
    nodes = {node["id"]: node for node in doc["nodes"]}
    assert nodes["f"] == {
        "id": "f",
        "op": "tanh",
        "inputs": ["h"],
        "formula": "tanh(h)",
        "value": doc["output"],
        "grad": 1.0,
    }
    assert nodes["2"]["op"] == "const" and nodes["2"]["grad"] is None
    assert doc["backward_order"][0] == "f"


def test_human_output_is_a_table_and_the_gradient(capsys):
    assert main(["graph", "J = cos(sin(x^2) + 3*x^2)", "--at", "x=1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["node", "op", "formula", "value", "grad"]
    assert "J = -0.764921; gradient: ∂J/∂x = 4.56079" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "log(x)", "--at", "x=0"], "f = log(x) is -inf at this point"),
        (["graph", "x*y", "--at", "x=1"], "the point gives no value for y"),
        (["graph", "x +* 2", "--at", "x=1"], "syntax error"),
        (["graph", "x", "--at", "x"], "'x' is not NAME=VALUE"),
        (["graph", "x"], "--at"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
