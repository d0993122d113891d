"""`gdsim graph`: the computational graph of a formula at a point, its backward pass's result.

`gdsim graph EXPR --at x=1,y=2 [--json]`: `EXPR` may name its output (`"J = cos(x^2)"`).
`--json` prints `expression`, `point`, `output` (its value), `gradient` (by variable), `nodes`
(each {`id`, `op`, `inputs`, `formula`, `value`, `grad`}; a constant's `grad` is null), `edges`
(each local partial derivative: {`source`, `target`, `derivative`, `value`}) and
`backward_order` (the node ids in the order the backward pass visits them).
"""

from __future__ import annotations

import argparse

from gdsim.commands import common


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="the computational graph of a formula: forward values and backpropagated gradients",
        description="Build the computational graph of a formula at a point and run the "
        "backward pass (reverse-mode automatic differentiation) through it.",
    )
    parser.add_argument(
        "expression",
        metavar="EXPR",
        help='a formula, e.g. "J = cos(sin(x^2) + 3*x^2)" (name the output to start with a '
        'minus sign: "f = -x^2")',
    )
    parser.add_argument(
        "--at", required=True, metavar="POINT", help="a value for each variable: x=1,y=2"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.autograd_graph import build_graph, parse_point

    try:
        graph = build_graph(args.expression, parse_point(args.at))
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    if args.json:
        common.print_json(graph.document())
        return 0
    grads = graph.grads
    common.print_table(
        ["node", "op", "formula", "value", "grad"],
        [[node.id, node.op, node.formula, node.value, grads.get(node.id)] for node in graph.nodes],
    )
    output = graph.output.id
    gradient = ", ".join(
        f"∂{output}/∂{name} = {value:.6g}" for name, value in graph.gradient.items()
    )
    print(f"{output} = {graph.output.value:.6g}; gradient: {gradient}")
    return 0
