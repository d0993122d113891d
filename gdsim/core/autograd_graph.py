"""The computational graph of a typed formula, its forward values and its backward pass, as the
lectures draw them: a node per input, constant and intermediate value, an edge per local partial
derivative, then reverse-mode automatic differentiation visiting the nodes in reverse
topological order, each node adding its contribution to the partial derivatives of its inputs.

The formula goes through the app's safe parser first (`gdsim.core.expr.parse_expression`: the
whitelist and its one-line messages); the graph is then read off the formula's syntax tree as
typed, not off sympy's canonical form, so ``cos(sin(x^2) + 3*x^2)`` gives the lecture's
t = x², u1 = sin(t), u2 = 3t, u = u1 + u2, J = cos(u). A sub-expression written twice is one node
(x² above), whose gradient collects a contribution along each of its edges: the lesson's point.
Numbers are float64; `tests/core/test_autograd_graph.py` holds every node's gradient to
``torch.autograd``'s.
"""

from __future__ import annotations

import ast
import csv
import io
import keyword
import math
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from gdsim.core.expr import CONSTANTS, FUNCTIONS, ExpressionError, parse_expression, syntax_tree

PRESETS: dict[str, tuple[str, str]] = {
    "J = cos(sin(x²) + 3x²)": ("J = cos(sin(x^2) + 3*x^2)", "x=1"),
    "f = tanh(ln(1 + z·2x/sin(y)))": ("f = tanh(ln(1 + z*(2*x/sin(y))))", "x=1, y=2, z=3"),
}
"""The lectures' worked examples (title: formula, point): the first is the view's default."""

MAX_PARTS = 60
"""The most operations, variables and numbers a formula may have, as typed (the lectures'
examples have 11 and 12): the graph, zoomed to fit, is still readable and drawn in a few
tenths of a second at worst."""

_NAME = re.compile(r"[^\W\d]\w*")
_OUTPUT_NAME = re.compile(r"\s*([^\W\d]\w*)\s*=(?!=)")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class GraphError(ValueError):
    """Input the graph cannot be built from; ``str()`` is one line for the student."""


def number(value: float) -> str:
    """A value as the graph shows it: four significant digits."""
    return f"{value:.4g}"


def _factor(value: float) -> str:
    """A number inside a product: negative ones in parentheses."""
    return f"({number(value)})" if value < 0 else number(value)


@dataclass(frozen=True)
class _Op:
    """One operation: its value, its local partial derivatives (given the inputs' values and
    its own), how its formula and those derivatives are written given its inputs' names."""

    name: str
    value: Callable[..., Any]
    partials: Callable[..., tuple[Any, ...]]
    formula: Callable[..., str]
    symbolic: Callable[..., tuple[str, ...]]


def _unary(
    name: str,
    value: Callable[[Any], Any],
    partial: Callable[[Any, Any], Any],
    symbolic: Callable[[str], str],
) -> _Op:
    """A function of one input: ``partial(a, out)`` from the input's and the output's value,
    ``symbolic(a)`` written with the input's name."""
    return _Op(
        name=name,
        value=value,
        partials=lambda a, out: (partial(a, out),),
        formula=lambda a: f"{name}({a})",
        symbolic=lambda a: (symbolic(a),),
    )


def _extreme(name: str, pick: Callable[..., Any], word: str) -> _Op:
    """min / max: the derivative is 1 for the chosen input, shared equally on a tie (as
    torch's ``amax`` / ``amin`` share it)."""

    def partials(*values: Any) -> tuple[Any, ...]:
        *inputs, out = values
        ties = sum(1 for v in inputs if v == out)
        return tuple(np.float64(1.0 / ties if v == out else 0.0) for v in inputs)

    return _Op(
        name=name,
        value=lambda *a: pick(a),
        partials=partials,
        formula=lambda *a: f"{name}({', '.join(a)})",
        symbolic=lambda *a: tuple(f"1 if {x} is the {word}, else 0" for x in a),
    )


FUNCTION_OPS: dict[str, _Op] = {
    "sin": _unary("sin", np.sin, lambda a, _o: np.cos(a), lambda a: f"cos({a})"),
    "cos": _unary("cos", np.cos, lambda a, _o: -np.sin(a), lambda a: f"-sin({a})"),
    "tan": _unary("tan", np.tan, lambda _a, o: 1 + o * o, lambda a: f"1 + tan²({a})"),
    "exp": _unary("exp", np.exp, lambda _a, o: o, lambda a: f"exp({a})"),
    "log": _unary("log", np.log, lambda a, _o: 1 / a, lambda a: f"1/{a}"),
    "ln": _unary("ln", np.log, lambda a, _o: 1 / a, lambda a: f"1/{a}"),
    "sqrt": _unary("sqrt", np.sqrt, lambda _a, o: 0.5 / o, lambda a: f"1/(2·sqrt({a}))"),
    "abs": _unary("abs", np.abs, lambda a, _o: np.sign(a), lambda a: f"sign({a})"),
    "tanh": _unary("tanh", np.tanh, lambda _a, o: 1 - o * o, lambda a: f"1 - tanh²({a})"),
    "sigmoid": _unary(
        "sigmoid", expit, lambda _a, o: o * (1 - o), lambda a: f"σ({a})·(1 - σ({a}))"
    ),
    "relu": _unary(
        "relu",
        lambda a: np.maximum(0.0, a),
        lambda a, _o: np.float64(a > 0),
        lambda a: f"1 if {a} > 0, else 0",
    ),
    "softplus": _unary(
        "softplus",
        lambda a: np.logaddexp(0.0, a),
        lambda a, _o: expit(a),
        lambda a: f"σ({a})",
    ),
    "min": _extreme("min", np.min, "smallest"),
    "max": _extreme("max", np.max, "largest"),
}
"""An operation for each function the parser accepts (`gdsim.core.expr.FUNCTIONS`)."""

BINARY_OPS: dict[type[ast.operator], _Op] = {
    ast.Add: _Op(
        "+",
        lambda a, b: a + b,
        lambda a, b, o: (1.0, 1.0),
        lambda a, b: f"{a} + {b}",
        lambda a, b: ("1", "1"),
    ),
    ast.Sub: _Op(
        "-",
        lambda a, b: a - b,
        lambda a, b, o: (1.0, -1.0),
        lambda a, b: f"{a} - {b}",
        lambda a, b: ("1", "-1"),
    ),
    ast.Mult: _Op(
        "*",
        lambda a, b: a * b,
        lambda a, b, o: (b, a),
        lambda a, b: f"{a}·{b}",
        lambda a, b: (b, a),
    ),
    ast.Div: _Op(
        "/",
        lambda a, b: a / b,
        lambda a, b, o: (1 / b, -a / (b * b)),
        lambda a, b: f"{a}/{b}",
        lambda a, b: (f"1/{b}", f"-{a}/{b}²"),
    ),
    ast.Pow: _Op(
        "^",
        lambda a, b: a**b,
        lambda a, b, o: (b * a ** (b - 1), o * np.log(a)),
        lambda a, b: f"{a}^{b}",
        lambda a, b: (f"{b}·{a}^({b} - 1)", f"{a}^{b}·log({a})"),
    ),
}

NEGATE = _Op("neg", lambda a: -a, lambda a, o: (-1.0,), lambda a: f"-{a}", lambda a: ("-1",))


def _power_text(base: str, exponent: float) -> str:
    """a², a³, a^0.5, a^(-1): small whole powers as superscripts, as the lecture writes x²."""
    if exponent == 1:
        return base
    if exponent.is_integer() and 2 <= exponent <= 9:
        return base + str(int(exponent)).translate(_SUPERSCRIPTS)
    return f"{base}^({number(exponent)})" if exponent < 0 else f"{base}^{number(exponent)}"


def _power(exponent: float) -> _Op:
    """``a ** p`` with a constant p: one operation of one input, as the lecture's t = x²."""
    p = np.float64(exponent)
    shown = number(exponent)
    return _Op(
        name=f"^{shown}",
        value=lambda a: a**p,
        partials=lambda a, o: (p * a ** (p - 1),),
        formula=lambda a: _power_text(a, exponent),
        symbolic=lambda a: (
            "1"
            if exponent == 1
            else f"{shown}·{_power_text(a, exponent - 1)}"
            if exponent != 2
            else f"2·{a}",
        ),
    )


@dataclass(frozen=True)
class Node:
    """One value of the computation: ``op`` is "input", "const" or the operation applied to
    ``inputs`` (node ids); ``formula`` writes it from its inputs' ids ("sin(a)")."""

    id: str
    op: str
    inputs: tuple[str, ...]
    formula: str
    value: float

    @property
    def is_constant(self) -> bool:
        return self.op == "const"


@dataclass(frozen=True)
class Edge:
    """A local partial derivative ∂target/∂source (the head of the edge with respect to its
    tail, as the lecture says), written out and at the point."""

    source: str
    target: str
    symbolic: str
    value: float


@dataclass(frozen=True)
class BackwardStep:
    """One visit of the backward pass: ``node``'s gradient is complete (``grad``, the sum of
    ``terms``, one per edge to a node already visited), and it has added its contributions to
    its inputs. ``grads`` are every non-constant node's accumulated gradients after the visit
    (complete for the nodes visited so far, partial sums for the others); ``sentence`` says
    the chain rule with its numbers."""

    node: str
    grad: float
    terms: tuple[Edge, ...]
    grads: Mapping[str, float]
    sentence: str


@dataclass(frozen=True)
class Graph:
    """A formula's computational graph at a point: ``nodes`` in forward (topological) order,
    the output last; ``steps`` the backward pass, output first."""

    expression: str
    point: Mapping[str, float]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    steps: tuple[BackwardStep, ...]

    @property
    def output(self) -> Node:
        return self.nodes[-1]

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(sorted(node.id for node in self.nodes if node.op == "input"))

    @property
    def grads(self) -> Mapping[str, float]:
        """Every non-constant node's gradient, ∂output/∂node, once the pass is done."""
        return self.steps[-1].grads

    @property
    def gradient(self) -> dict[str, float]:
        """∂output/∂variable for each variable, by name."""
        return {name: self.grads[name] for name in self.variables}

    def layers(self) -> list[list[str]]:
        """Node ids by column for drawing left (inputs) to right (output): a node one column
        right of its furthest input, a constant just left of its first user; in a column, nodes
        ordered by the mean row of their inputs, then of their users, then of their inputs
        again (the barycentre heuristic), so that edges cross little."""
        by_id = {node.id: node for node in self.nodes}
        column: dict[str, int] = {}
        for node in self.nodes:
            if node.op == "input":
                column[node.id] = 0
            elif not node.is_constant:
                column[node.id] = 1 + max(
                    (column[i] for i in node.inputs if not by_id[i].is_constant), default=0
                )
        users: dict[str, list[str]] = {node.id: [] for node in self.nodes}
        for node in self.nodes:
            for i in node.inputs:
                users[i].append(node.id)
                if by_id[i].is_constant and i not in column:
                    column[i] = max(column[node.id] - 1, 0)
        layers: list[list[str]] = [[] for _ in range(max(column.values()) + 1)]
        for node in self.nodes:
            layers[column[node.id]].append(node.id)
        row: dict[str, float] = {}

        def place(ids: list[str], neighbours: Callable[[str], Sequence[str]]) -> None:
            def mean(node_id: str) -> float:
                rows = [row[n] for n in neighbours(node_id) if n in row]
                return sum(rows) / len(rows) if rows else row.get(node_id, 0.0)

            ids.sort(key=mean)
            row.update({node_id: k - (len(ids) - 1) / 2 for k, node_id in enumerate(ids)})

        for ids in layers:
            place(ids, lambda n: by_id[n].inputs)
        for ids in reversed(layers):
            place(ids, users.__getitem__)
        for ids in layers:
            place(ids, lambda n: by_id[n].inputs)
        return layers

    def csv(self) -> str:
        """The nodes as CSV (File > Export data), in forward order: `id,op,formula,inputs,value,
        grad`, inputs separated by spaces, numbers at full precision, a constant's grad empty."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "op", "formula", "inputs", "value", "grad"])
        grads = self.grads
        for node in self.nodes:
            row = [node.id, node.op, node.formula, " ".join(node.inputs)]
            writer.writerow(
                [*row, repr(node.value), repr(grads[node.id]) if node.id in grads else ""]
            )
        return out.getvalue()

    def document(self) -> dict[str, Any]:
        """The graph as `gdsim graph --json` prints it."""
        grads = self.grads
        return {
            "expression": self.expression,
            "point": dict(self.point),
            "output": self.output.value,
            "gradient": self.gradient,
            "nodes": [
                {
                    "id": node.id,
                    "op": node.op,
                    "inputs": list(node.inputs),
                    "formula": node.formula,
                    "value": node.value,
                    "grad": grads.get(node.id),
                }
                for node in self.nodes
            ],
            "edges": [
                {
                    "source": edge.source,
                    "target": edge.target,
                    "derivative": edge.symbolic,
                    "value": edge.value,
                }
                for edge in self.edges
            ],
            "backward_order": [step.node for step in self.steps],
        }


def parse_point(text: str) -> dict[str, float]:
    """``"x=1, y=2"`` (commas or semicolons between; a value may be a constant formula such as
    ``pi/2``) as {name: value}; raises `GraphError` with one line naming what is wrong."""
    point: dict[str, float] = {}
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        name, equals, value_text = part.partition("=")
        name = name.strip()
        if not equals or not _NAME.fullmatch(name):
            raise GraphError(f"'{part.strip()}' is not NAME=VALUE (write the point as x=1, y=2)")
        if name in point:
            raise GraphError(f"the point gives {name} twice")
        try:
            value = parse_expression(value_text, ())
        except ExpressionError as error:
            raise GraphError(f"the value of {name}: {error}") from None
        if not value.is_Number or not math.isfinite(float(value)):
            raise GraphError(f"the value of {name} must be a finite number")
        point[name] = float(value)
    return point


def _part_count(formula: str) -> int:
    """Operations, variables and numbers as typed (at least the graph's boxes, fewer when a
    part repeats), counted before the parser (whose sympy work grows with the formula) is
    asked; 0 for text that is not even Python syntax (the parser then says what is wrong)."""
    try:
        tree = syntax_tree(formula)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    parts = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant)
    return sum(isinstance(n, parts) and id(n) not in called for n in ast.walk(tree))


def _split_output_name(text: str) -> tuple[str | None, str]:
    """``"J = cos(x)"`` -> ("J", "cos(x)"); a formula without a name -> (None, formula)."""
    match = _OUTPUT_NAME.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end() :]


def _candidate_variables(text: str) -> tuple[str, ...]:
    """Every word of the formula that could be a variable (the parser needs the list): any
    name that is not a function, a constant or a Python keyword."""
    words = dict.fromkeys(_NAME.findall(text))
    return tuple(
        w for w in words if w not in FUNCTIONS and w not in CONSTANTS and not keyword.iskeyword(w)
    )


@dataclass
class _Spec:
    """A node while the graph is built: ids come once the whole formula has been read."""

    kind: str  # "input", "const" or "op"
    op: _Op | None
    inputs: tuple[int, ...]
    value: Any
    label: str  # an input's name, a constant's text


class _Builder:
    """Reads the syntax tree into nodes, one per distinct sub-expression (same operation on
    the same inputs: the same node), folding sub-expressions without a variable into one
    constant."""

    def __init__(self) -> None:
        self.specs: list[_Spec] = []
        self.index: dict[tuple[Any, ...], int] = {}

    def add(self, key: tuple[Any, ...], spec: _Spec) -> int:
        if key not in self.index:
            self.index[key] = len(self.specs)
            self.specs.append(spec)
        return self.index[key]

    def constant(self, value: Any, text: str) -> int:
        return self.add(("const", float(value)), _Spec("const", None, (), np.float64(value), text))

    def apply(self, op: _Op, inputs: Sequence[int], node: ast.AST, key: Any = None) -> int:
        values = [self.specs[i].value for i in inputs]
        with np.errstate(all="ignore"):
            value = np.float64(op.value(*values))
        if all(self.specs[i].kind == "const" for i in inputs):
            return self.constant(value, ast.unparse(node))
        return self.add((key or op.name, *inputs), _Spec("op", op, tuple(inputs), value, ""))

    def visit(self, node: ast.AST) -> int:
        if isinstance(node, ast.Constant):
            return self.constant(node.value, ast.unparse(node))
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return self.constant(CONSTANTS[node.id], node.id)
            spec = _Spec("input", None, (), np.float64(self.point[node.id]), node.id)
            return self.add(("input", node.id), spec)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            return operand if isinstance(node.op, ast.UAdd) else self.apply(NEGATE, [operand], node)
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            op_type = ast.Pow if isinstance(node.op, ast.BitXor) else type(node.op)
            right_spec = self.specs[right]
            if op_type is ast.Pow and right_spec.kind == "const":
                exponent = float(right_spec.value)
                return self.apply(_power(exponent), [left], node, key=("^", exponent))
            return self.apply(BINARY_OPS[op_type], [left, right], node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [self.visit(arg) for arg in node.args]
            return self.apply(FUNCTION_OPS[node.func.id], args, node)
        raise GraphError(f"'{ast.unparse(node)}' cannot be drawn")  # the parser refused it first

    def read(self, tree: ast.AST, point: Mapping[str, float]) -> list[_Spec]:
        """The nodes of ``tree`` in forward order, the output last, without those only read
        on the way (the 2 of x**2 is part of the operation "^2", not an input of it)."""
        self.point = point
        root = self.visit(tree)
        used, stack = {root}, [root]
        while stack:
            for i in self.specs[stack.pop()].inputs:
                if i not in used:
                    used.add(i)
                    stack.append(i)
        kept = [i for i in range(len(self.specs)) if i in used]
        new_index = {old: new for new, old in enumerate(kept)}
        specs = [self.specs[i] for i in kept]
        for spec in specs:
            spec.inputs = tuple(new_index[i] for i in spec.inputs)
        return specs


def _intermediate_names(taken: set[str]) -> list[str]:
    """a, b, c, ... as the lecture names intermediate values (not e: it reads as Euler's
    number), then v1, v2, ... for a long formula; never a variable's or the output's name."""
    names = [c for c in string.ascii_lowercase if c != "e"]
    names += [f"v{k}" for k in range(1, 1000)]
    return [name for name in names if name not in taken]


def build_graph(text: str, point: Mapping[str, float]) -> Graph:
    """The graph of ``text`` (optionally ``NAME = formula``: the output's name, else f) at
    ``point`` (a value for every variable; extra names are ignored), with its backward pass.

    Raises a `ValueError` (`ExpressionError` or `GraphError`) with a one-line message for a
    formula the parser refuses, a variable without a value, or a value or local derivative
    that is not finite at the point (log(0))."""
    output_name, formula = _split_output_name(text)
    parts = _part_count(formula)
    if parts > MAX_PARTS:
        raise GraphError(
            f"the formula has {parts} parts (operations, variables, numbers), too many to "
            f"draw readably (at most {MAX_PARTS}): shorten it"
        )
    candidates = _candidate_variables(formula)
    parse_expression(formula, candidates)  # the whitelist and its messages
    tree = syntax_tree(formula)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    variables = tuple(sorted(name for name in candidates if name in used))
    if not variables:
        raise GraphError("the formula has no variable: there is nothing to differentiate")
    missing = [name for name in variables if name not in point]
    if missing:
        raise GraphError(
            f"the point gives no value for {', '.join(missing)} (it needs {', '.join(variables)})"
        )
    if output_name in variables:
        raise GraphError(f"the output's name {output_name} is also a variable of the formula")
    specs = _Builder().read(tree, point)
    ids = _ids(specs, output_name or ("f" if "f" not in variables else "J"), set(variables))
    nodes = tuple(_node(index, ids, specs) for index in range(len(specs)))
    for node in nodes:
        if not math.isfinite(node.value):
            where = f"{node.id} = {node.formula}" if node.inputs else node.id
            raise GraphError(f"{where} is {number(node.value)} at this point: pick another point")
    edges = tuple(_edges(specs, ids, nodes))
    for edge in edges:
        if not math.isfinite(edge.value):
            raise GraphError(
                f"∂{edge.target}/∂{edge.source} = {edge.symbolic} is {number(edge.value)} "
                "at this point: pick another point"
            )
    clean_point = {name: float(point[name]) for name in variables}
    return Graph(text.strip(), clean_point, nodes, edges, _backward(nodes, edges))


def _ids(specs: Sequence[_Spec], output: str, variables: set[str]) -> list[str]:
    """Node ids: variables by name, constants by their text, intermediates a, b, c, ...,
    the last node (the output) by its name."""
    names = iter(_intermediate_names(variables | {output}))
    ids = []
    for index, spec in enumerate(specs):
        if spec.op is None:
            ids.append(spec.label)
        elif index == len(specs) - 1:
            ids.append(output)
        else:
            ids.append(next(names))
    return ids


def _reference(index: int, ids: Sequence[str], specs: Sequence[_Spec]) -> str:
    """How a node is named inside another's formula: its id, a compound constant bracketed."""
    text = ids[index]
    if specs[index].kind == "const" and not _NAME.fullmatch(text) and not _is_plain_number(text):
        return f"({text})"
    return text


def _is_plain_number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


def _node(index: int, ids: Sequence[str], specs: Sequence[_Spec]) -> Node:
    spec = specs[index]
    if spec.op is None:
        op, formula = spec.kind, spec.label
    else:
        op, formula = (
            spec.op.name,
            spec.op.formula(*(_reference(i, ids, specs) for i in spec.inputs)),
        )
    return Node(ids[index], op, tuple(ids[i] for i in spec.inputs), formula, float(spec.value))


def _edges(specs: Sequence[_Spec], ids: Sequence[str], nodes: Sequence[Node]) -> list[Edge]:
    edges = []
    for index, spec in enumerate(specs):
        if spec.op is None:
            continue
        refs = [_reference(i, ids, specs) for i in spec.inputs]
        with np.errstate(all="ignore"):
            values = spec.op.partials(*(specs[i].value for i in spec.inputs), spec.value)
        for source, text, value in zip(spec.inputs, spec.op.symbolic(*refs), values, strict=True):
            if not nodes[source].is_constant:
                edges.append(Edge(ids[source], ids[index], text, float(value)))
    return edges


def _backward(nodes: Sequence[Node], edges: Sequence[Edge]) -> tuple[BackwardStep, ...]:
    """Reverse-mode differentiation as the lecture's algorithm: every partial derivative 0,
    the output's 1; visit the nodes in reverse topological order, each adding its gradient
    times the local derivative to each of its inputs' gradients."""
    output = nodes[-1].id
    grads = {node.id: 0.0 for node in nodes if not node.is_constant}
    grads[output] = 1.0
    steps = []
    for node in reversed(nodes):
        if node.is_constant:
            continue
        terms = tuple(edge for edge in edges if edge.source == node.id)
        grad = grads[node.id]
        for edge in edges:
            if edge.target == node.id:
                grads[edge.source] += grad * edge.value
        sentence = _sentence(node, grad, terms, grads, output)
        steps.append(BackwardStep(node.id, grad, terms, dict(grads), sentence))
    return tuple(steps)


def _sentence(
    node: Node, grad: float, terms: Sequence[Edge], grads: Mapping[str, float], output: str
) -> str:
    """The chain rule at this visit: ∂J/∂a = ∂J/∂b · ∂b/∂a + ∂J/∂c · ∂c/∂a = ... = value."""
    left = f"∂{output}/∂{node.id}"
    if node.id == output:
        return f"{left} = 1: the backward pass starts at the output."
    symbols, numbers = [], []
    for edge in terms:
        if edge.target == output:
            symbols.append(edge.symbolic if len(terms) == 1 else f"({edge.symbolic})")
            numbers.append(_factor(edge.value))
        else:
            symbols.append(f"∂{output}/∂{edge.target} · ∂{edge.target}/∂{node.id}")
            numbers.append(f"{_factor(grads[edge.target])} · {_factor(edge.value)}")
    parts = [left, " + ".join(symbols)]
    if len(terms) > 1 or terms[0].target != output:
        parts.append(" + ".join(numbers))
    parts.append(number(grad))
    sentence = " = ".join(parts)
    if node.op == "input":
        return f"{sentence}: the {node.id} component of the gradient."
    return sentence + "."


def caption(graph: Graph, shown: int) -> str:
    """What the view says under the graph when ``shown`` stages are on it: -1 the graph
    alone, 0 the forward values, k >= 1 the first k visits of the backward pass."""
    output = graph.output
    if shown < 0:
        return (
            "Each box is a value of the computation, each edge a local partial derivative. "
            "Press Forward to compute the values from the inputs."
        )
    if shown == 0:
        return (
            f"Forward pass: {output.id} = {number(output.value)}. Press Backward step to go "
            f"back from the output, one node at a time."
        )
    sentence = graph.steps[shown - 1].sentence
    if shown == len(graph.steps):
        gradient = ", ".join(number(value) for value in graph.gradient.values())
        names = ", ".join(graph.variables)
        return f"{sentence} Done: ∇{output.id}({names}) = ({gradient})."
    return sentence
