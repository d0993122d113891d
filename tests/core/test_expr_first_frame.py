"""A typed formula's first frame: the faster compile path builds exactly what sympy builds, the
formula is parsed once, the first frame leaves the Hessian for later, and the start-up warm-up
covers the whole formula language."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdsim.core import expr as expr_module
from gdsim.core import surfaces as surfaces_module
from gdsim.core.expr import FUNCTIONS, _diff, names_in, parse_expression
from gdsim.core.formula_warm_up import WARM_UP_FORMULA, warm_up_in_background
from gdsim.core.simulate import RunSpec, simulate
from gdsim.core.surfaces import SURFACES, get_surface

TYPED = (
    "0.5*x^2 + 2*y^2 + 0.3*sin(3*x)*cos(2*y) + 0.01*x*y",
    "x^4 - 3*x*y + exp(-y^2) + relu(x - 1)",
    "abs(x) + max(x, y, 0.5) + min(x*y, 1)",
    "sigmoid(x*y) + softplus(x - y) + tanh(x/y)",
    "sqrt(x^2 + y^2 + 1)^3 + log(1 + x^2) + x^y + 2^x",
    WARM_UP_FORMULA,
)


def _same_as_sympy(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> None:
    """First and second derivatives of ``expr`` are sympy's own trees, node for node (srepr
    also compares every float coefficient exactly)."""
    for symbol in symbols:
        first = sympy.diff(expr, symbol)
        assert sympy.srepr(_diff(expr, symbol)) == sympy.srepr(first)
        for other in symbols:
            assert sympy.srepr(_diff(first, other)) == sympy.srepr(sympy.diff(first, other))


@pytest.mark.parametrize("text", [*SURFACES, *TYPED])
def test_derivatives_are_sympys_on_every_surface(text):
    function = get_surface(text).function
    _same_as_sympy(function.expr, function.symbols)


_LEAF = st.sampled_from(["x", "y", "2", "0.5", "-1.5", "pi"])
_UNARY = st.sampled_from(sorted(set(FUNCTIONS) - {"min", "max"}))


def _formulas(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from("+-*/^"), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    call = st.tuples(_UNARY, children).map(lambda t: f"{t[0]}({t[1]})")
    min_max = st.tuples(st.sampled_from(["min", "max"]), children, children).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})"
    )
    return binary | call | min_max


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_LEAF, _formulas, max_leaves=6))
def test_derivatives_are_sympys_on_random_formulas(text):
    expr = parse_expression(text, ("x", "y"))
    _same_as_sympy(expr, tuple(sympy.Symbol(name, real=True) for name in ("x", "y")))


def test_a_typed_formula_is_parsed_once(monkeypatch):
    text = "x^2 + 3*y^2 + sin(x*y)/7"  # a text no other test compiles
    calls = []
    real = expr_module.parse_expression

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(expr_module, "parse_expression", counting)
    monkeypatch.setattr(surfaces_module, "parse_expression", counting)
    surface = get_surface(text)
    assert len(calls) == 1
    assert surface.function.expr == real(text, ("x", "y"))
    get_surface(text)  # the presenter rebuilds the surface of the same text: no parse again
    assert len(calls) == 1


def test_the_first_frame_leaves_the_hessian_for_later(monkeypatch):
    monkeypatch.setenv("GDSIM_KERNEL", "numpy")
    surface = get_surface("x^2 + 5*y^2 + cos(x + y)/9")
    result = simulate(surface, [RunSpec(lr=0.01 * (k + 1)) for k in range(4)], 50)
    assert np.isfinite(result.run(0).losses).all()
    built = vars(surface.function)
    assert "hessian_exprs" not in built and "_hessian" not in built
    assert surface.hessian(0.0, 0.0).shape == (2, 2)
    assert "_hessian" in vars(surface.function)


def test_the_warm_up_covers_the_language_and_ends():
    assert set(FUNCTIONS) <= names_in(WARM_UP_FORMULA)
    assert {"pi", "e", "x", "y"} <= names_in(WARM_UP_FORMULA)
    thread = warm_up_in_background()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "_hessian" in vars(get_surface(WARM_UP_FORMULA).function)  # built once, cached
