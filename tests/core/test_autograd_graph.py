"""The autograd graph against torch.autograd: the output, every input's gradient, and every
intermediate node's gradient (torch's ``retain_grad``) on the lectures' worked examples and on a
formula using every operation; the lesson's shared sub-expression; one-line errors."""

from __future__ import annotations

import pytest
import torch

from gdsim.core.autograd_graph import PRESETS, Graph, build_graph, parse_point

UNARY = {
    "neg": torch.neg,
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "exp": torch.exp,
    "log": torch.log,
    "ln": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
}
BINARY = {"+": torch.add, "-": torch.sub, "*": torch.mul, "/": torch.div, "^": torch.pow}


def torch_graph(graph: Graph) -> dict[str, torch.Tensor]:
    """The same computation in torch (float64), every non-constant node's gradient kept."""
    tensors: dict[str, torch.Tensor] = {}
    for node in graph.nodes:
        args = [tensors[i] for i in node.inputs]
        if node.op == "input":
            tensor = torch.tensor(node.value, dtype=torch.float64, requires_grad=True)
        elif node.op == "const":
            tensor = torch.tensor(node.value, dtype=torch.float64)
        elif node.op in ("min", "max"):
            stacked = torch.stack(args)
            tensor = stacked.amin() if node.op == "min" else stacked.amax()
        elif node.op.startswith("^") and len(args) == 1:
            tensor = torch.pow(args[0], float(node.op[1:]))
        elif node.op in BINARY:
            tensor = BINARY[node.op](*args)
        else:
            tensor = UNARY[node.op](*args)
        if node.op != "const":
            tensor.retain_grad()
        tensors[node.id] = tensor
    tensors[graph.output.id].backward()
    return tensors


CASES = [
    (PRESETS["J = cos(sin(x²) + 3x²)"][0], "x=1"),
    (PRESETS["J = cos(sin(x²) + 3x²)"][0], "x=-0.7"),
    (PRESETS["J = cos(sin(x²) + 3x²)"][0], "x=2.5"),
    (PRESETS["f = tanh(ln(1 + z·2x/sin(y)))"][0], "x=1, y=2, z=3"),
    (PRESETS["f = tanh(ln(1 + z·2x/sin(y)))"][0], "x=0.3; y=1.2; z=-0.5"),
    ("L = -w + 2*pi*w - w/b + w^b + 2^w + max(w, b, 1) + min(w, b) + relu(w)", "w=1.3, b=0.4"),
    (
        "L = abs(b - w) + sigmoid(w) + softplus(b) + exp(w) + tan(b) + sqrt(w) + w^0.5 - b^-2",
        "w=1.3, b=0.4",
    ),
]


@pytest.mark.parametrize(("expression", "point"), CASES)
def test_every_node_matches_torch_autograd(expression, point):
    graph = build_graph(expression, parse_point(point))
    tensors = torch_graph(graph)
    assert graph.output.value == pytest.approx(tensors[graph.output.id].item(), rel=1e-12)
    for node in graph.nodes:
        assert node.value == pytest.approx(tensors[node.id].item(), rel=1e-12, abs=1e-15)
        if node.op != "const":
            expected = tensors[node.id].grad.item()
            assert graph.grads[node.id] == pytest.approx(expected, rel=1e-10, abs=1e-14), node
    for name, value in graph.gradient.items():
        assert value == pytest.approx(tensors[name].grad.item(), rel=1e-10)


def test_the_lecture_graph_of_j_shares_x_squared_and_accumulates_from_both_edges():
    graph = build_graph(PRESETS["J = cos(sin(x²) + 3x²)"][0], {"x": 1.0})
    formulas = [(node.id, node.formula) for node in graph.nodes]
    # The lecture's t = x², u1 = sin(t), u2 = 3t, u = u1 + u2, J = cos(u), named a, b, c, d, J.
    assert formulas == [
        ("x", "x"),
        ("a", "x²"),
        ("b", "sin(a)"),
        ("3", "3"),
        ("c", "3·a"),
        ("d", "b + c"),
        ("J", "cos(d)"),
    ]
    assert [step.node for step in graph.steps] == ["J", "d", "c", "b", "a", "x"]
    visit_a = graph.steps[4]
    assert [(edge.source, edge.target) for edge in visit_a.terms] == [("a", "b"), ("a", "c")]
    by_c = graph.steps[2].grads["a"]  # after visiting c: a has c's contribution only
    assert by_c == pytest.approx(graph.grads["c"] * 3)
    assert visit_a.grad == pytest.approx(by_c + graph.grads["b"] * 0.5403023058681398)
    assert visit_a.sentence.startswith("∂J/∂a = ∂J/∂b · ∂b/∂a + ∂J/∂c · ∂c/∂a = ")
    assert graph.steps[1].sentence == "∂J/∂d = -sin(d) = 0.6441."
    assert {edge.symbolic for edge in graph.edges if edge.target == "a"} == {"2·x"}


def test_the_lecture_graph_of_f_names_its_edges_as_the_slide():
    graph = build_graph(PRESETS["f = tanh(ln(1 + z·2x/sin(y)))"][0], parse_point("x=1,y=2,z=3"))
    edges = {(edge.source, edge.target): edge.symbolic for edge in graph.edges}
    assert edges[("h", "f")] == "1 - tanh²(h)"
    assert edges[("c", "d")] == "z"
    assert edges[("a", "c")] == "1/b"
    assert edges[("x", "a")] == "2"
    assert graph.variables == ("x", "y", "z")
    assert [len(layer) for layer in graph.layers()] == [4, 2, 1, 2, 1, 1, 1]


def test_the_largest_formula_drawn_has_sixty_parts():
    def dot(n: int) -> str:
        return " + ".join(f"x{i}*y{i}" for i in range(n))

    point = {f"{name}{i}": 1.0 for name in "xy" for i in range(16)}
    assert len(build_graph(dot(15), point).nodes) == 59
    with pytest.raises(ValueError, match="63 parts"):
        build_graph(dot(16), point)
    assert len(build_graph("x" + "+x" * 29, {"x": 1.0}).nodes) == 30  # 59 parts, x shared


def test_document_is_what_the_command_prints():
    document = build_graph("J = x*y", {"x": 2.0, "y": 3.0, "unused": 1.0}).document()
    assert document["output"] == 6.0
    assert document["gradient"] == {"x": 3.0, "y": 2.0}
    assert document["point"] == {"x": 2.0, "y": 3.0}
    assert document["nodes"][-1] == {
        "id": "J",
        "op": "*",
        "inputs": ["x", "y"],
        "formula": "x·y",
        "value": 6.0,
        "grad": 1.0,
    }


@pytest.mark.parametrize(
    ("expression", "point", "message"),
    [
        ("cos(x", "x=1", "syntax error"),
        ("eval(x)", "x=1", "unknown function 'eval'"),
        ("x*y", "x=1", "the point gives no value for y (it needs x, y)"),
        ("log(x)", "x=0", "f = log(x) is -inf at this point"),
        ("sqrt(x)", "x=0", "∂f/∂x = 1/(2·sqrt(x)) is inf at this point"),
        ("2*pi", "", "no variable"),
        ("x = x + 1", "x=1", "the output's name x is also a variable"),
        ("x" + "+x" * 30, "x=1", "the formula has 61 parts (operations, variables, numbers)"),
    ],
)
def test_bad_input_is_one_line(expression, point, message):
    with pytest.raises(ValueError) as raised:
        build_graph(expression, parse_point(point))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("x", "'x' is not NAME=VALUE"), ("x=1, x=2", "gives x twice"), ("x=foo", "the value of x")],
)
def test_bad_point_is_one_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_point(text)


def test_point_values_may_be_constant_formulas():
    assert parse_point(" x = pi/2 ; y=-1e-3,") == pytest.approx(
        {"x": 1.5707963267948966, "y": -1e-3}
    )


def test_csv_lists_the_nodes_at_full_precision():
    lines = build_graph("J = 3*x^2", {"x": 0.1}).csv().splitlines()
    assert lines == [
        "id,op,formula,inputs,value,grad",
        "3,const,3,,3.0,",
        "x,input,x,,0.1,0.6000000000000001",
        "a,^2,x²,x,0.010000000000000002,3.0",
        "J,*,3·a,3 a,0.030000000000000006,1.0",
    ]
