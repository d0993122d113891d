"""The typed-formula language: what it accepts, what it refuses (and where), float semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdsim.core.expr import MAX_LENGTH, ExpressionError, compile_expression

XY = ("x", "y")


@pytest.mark.parametrize(
    ("text", "x", "y", "expected"),
    [
        ("x**2 + 10*y**2", 2.0, 1.0, 14.0),
        ("x^2 + y^2", 3.0, 4.0, 25.0),
        ("x^2+1", 2.0, 0.0, 5.0),
        ("2^3^2", 0.0, 0.0, 512.0),
        ("-x**2", 2.0, 0.0, -4.0),
        ("+x - -y", 1.0, 2.0, 3.0),
        ("(x + y) / (x - y)", 3.0, 1.0, 2.0),
        ("2*pi*x", 0.5, 0.0, math.pi),
        ("e**x", 2.0, 0.0, math.exp(2.0)),
        ("sin(x) + cos(y) + tan(x*y)", 0.3, 0.7, math.sin(0.3) + math.cos(0.7) + math.tan(0.21)),
        ("exp(x) * log(y) / sqrt(y)", 0.5, 4.0, math.exp(0.5) * math.log(4.0) / 2.0),
        ("abs(x) + tanh(y)", -3.0, 0.5, 3.0 + math.tanh(0.5)),
        ("sigmoid(x)", 1.5, 0.0, 1.0 / (1.0 + math.exp(-1.5))),
        ("relu(x) + relu(y)", -2.0, 3.0, 3.0),
        ("softplus(x)", 0.7, 0.0, math.log1p(math.exp(0.7))),
        ("min(x, y, 0.5) + max(x, y)", 1.0, 2.0, 2.5),
        ("1_000 * 1e-3 * x", 4.0, 0.0, 4.0),
        ("  x  ", 4.0, 0.0, 4.0),
    ],
)
def test_accepted_language_evaluates_like_math(text: str, x: float, y: float, expected: float):
    assert float(compile_expression(text, XY).value(x, y)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("x.real", "attribute access", 1),
        ("sin(x).real", "attribute access", 6),
        ("z + 1", "unknown name 'z' (use x, y)", 0),
        ("x + __import__('os')", "unknown function '__import__'", 4),
        ("import os", "'import' is not allowed", 0),
        ("x[0]", "indexing", 1),
        ("lambda: x", "'lambda' is not allowed", 0),
        ("x < 1", "comparisons", 2),
        ("x and y", "'and' / 'or'", 2),
        ("x if y else 1", "'if ... else'", 0),
        ("[x for x in y]", "comprehensions", 0),
        ("'text'", "text strings", 0),
        ("f'{x}'", "text strings", 0),
        ("True", "'True' is not allowed", 0),
        ("2j", "complex numbers", 0),
        ("(x, y)", "tuples", 0),
        ("{x}", "sets", 0),
        ("x % 2", "operator '%'", 2),
        ("x // 2", "operator '//'", 2),
        ("~x", "operator '~'", 0),
        ("not x", "operator 'not'", 0),
        ("sin(x, y)", "sin() takes 1 argument, got 2", 0),
        ("max(x)", "max() takes 2 to 8 arguments, got 1", 0),
        ("min(x, x, x, x, x, x, x, x, y)", "min() takes 2 to 8 arguments, got 9", 0),
        ("exp(x=1)", "keyword arguments", 4),
        ("sin", "'sin' is a function", 0),
        ("x.__class__", "attribute access", 1),
        ("(x := 2)", "':='", 1),
        ("x +* 2", "syntax error", 3),
        ("(x + 1", "'(' was never closed", 0),
        ("x**", "incomplete expression", 3),
        ("  q", "unknown name 'q'", 2),
        ("x^^2", "syntax error", 2),
        ("max(x, log(-1-x**2))", "max() compares real numbers, but this argument is never", 7),
        ("relu(sqrt(-1 - y^2)) + x", "relu() compares real numbers", 5),
        ("min(y, 2, log(-exp(x)))", "min() compares real numbers", 10),
    ],
)
def test_rejected_constructs_say_what_and_where(text: str, fragment: str, column: int):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, XY)
    error = caught.value
    assert fragment in error.message
    assert error.column == column
    assert "\n" not in str(error)
    assert f"column {column + 1}" in str(error)


def test_unknown_name_lists_the_allowed_variable():
    with pytest.raises(ExpressionError, match=r"unknown name 'x' \(use w\)"):
        compile_expression("x**2", ("w",))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), ("   ", "empty"), ("x +\n y", "one line"), ("x+" * 250 + "x", "too long")],
)
def test_rejected_inputs_without_a_column(text: str, fragment: str):
    with pytest.raises(ExpressionError, match=fragment) as caught:
        compile_expression(text, XY)
    assert caught.value.column is None


def test_length_limit_is_inclusive():
    text = "x" + "+x" * ((MAX_LENGTH - 1) // 2)
    assert len(text) <= MAX_LENGTH
    assert float(compile_expression(text, XY).value(1.0, 0.0)) == text.count("x")


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "text", ["9**9**9**9", "(x*0 + 9)**9**9**9", "1" + "0" * 400, "exp(exp(exp(9)))", "10**400"]
)
def test_huge_numbers_are_inf_not_a_hang(text: str):
    assert compile_expression(text, XY).value(1.0, 2.0) == np.inf


@pytest.mark.parametrize(
    ("text", "x", "expected"),
    [
        ("1/0", 1.0, np.inf),
        ("x/0", 1.0, np.inf),
        ("0/0", 1.0, np.nan),
        ("sqrt(-1)", 1.0, np.nan),
        ("log(0)", 1.0, -np.inf),
        ("(-8)**(1/3)", 1.0, np.nan),
        ("x**0.5", -4.0, np.nan),
        ("exp(x)", 1000.0, np.inf),
        ("softplus(x)", 1000.0, 1000.0),
        ("sigmoid(x)", -1000.0, 0.0),
    ],
)
def test_float64_semantics_without_warnings(text: str, x: float, expected: float):
    with np.errstate(all="raise"):
        value = compile_expression(text, ("x",)).value(x)
    np.testing.assert_equal(value, expected)


def test_derivatives_stay_finite_where_the_naive_formula_overflows():
    sigmoid = compile_expression("sigmoid(x) + softplus(y)", XY)
    gx, gy = sigmoid.gradient(-1000.0, 1000.0)
    assert (float(gx), float(gy)) == (0.0, 1.0)
    assert np.isfinite(sigmoid.hessian(-1000.0, 1000.0)).all()


def test_kinks_have_finite_derivatives():
    kinks = compile_expression("relu(x) + abs(y) + max(x, y) + min(x, y)", XY)
    gx, gy = kinks.gradient(0.0, 0.0)
    assert (float(gx), float(gy)) == (1.5, 1.0)
    np.testing.assert_array_equal(kinks.hessian(0.0, 0.0), np.zeros((2, 2)))
    gx, gy = kinks.gradient(1.0, -1.0)
    assert (float(gx), float(gy)) == (2.0, 0.0)


def test_outputs_are_float64_arrays_of_the_broadcast_shape_even_for_constants():
    linear = compile_expression("3*x + y**2", XY)
    xs, ys = np.arange(3.0).reshape(3, 1), np.arange(4.0).reshape(1, 4)
    assert linear.value(xs, ys).shape == (3, 4)
    gx, gy = linear.gradient(xs, ys)
    assert gx.shape == gy.shape == (3, 4)
    assert gx.dtype == gy.dtype == np.float64
    np.testing.assert_array_equal(gx, np.full((3, 4), 3.0))
    np.testing.assert_array_equal(gy, np.broadcast_to(2.0 * ys, (3, 4)))
    hessian = linear.hessian(xs, ys)
    assert hessian.shape == (3, 4, 2, 2)
    np.testing.assert_array_equal(hessian[1, 2], [[0.0, 0.0], [0.0, 2.0]])

    constant = compile_expression("7", ("w",))
    assert constant.value([1, 2, 3]).tolist() == [7.0, 7.0, 7.0]
    (gradient,) = constant.gradient(np.zeros(5))
    assert gradient.shape == (5,) and gradient.dtype == np.float64
    assert float(constant.value(2.0)) == 7.0


def test_gradient_and_hessian_match_hand_derivatives():
    rosenbrock = compile_expression("(1 - x)**2 + 100*(y - x**2)**2", XY)
    x, y = np.array([-1.5, 0.3]), np.array([2.0, -0.4])
    gx, gy = rosenbrock.gradient(x, y)
    np.testing.assert_allclose(gx, -2 * (1 - x) - 400 * x * (y - x**2))
    np.testing.assert_allclose(gy, 200 * (y - x**2))
    expected = np.stack(
        [
            np.stack([2 - 400 * (y - 3 * x**2), -400 * x], axis=-1),
            np.stack([-400 * x, np.full(2, 200.0)], axis=-1),
        ],
        axis=-2,
    )
    np.testing.assert_allclose(rosenbrock.hessian(x, y), expected)


def test_wrong_number_of_coordinates_is_a_clear_error():
    with pytest.raises(TypeError, match="takes 2 coordinates"):
        compile_expression("x + y", XY).value(1.0)


def test_compiling_is_cached():
    assert compile_expression("x**2 + y", XY) is compile_expression("x**2 + y", ["x", "y"])


# --- property tests ---------------------------------------------------------------------------

_UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "softplus"]
_leaves = st.one_of(
    st.sampled_from(["x", "y", "pi", "e"]),
    st.floats(0, 1e6, allow_nan=False).map(repr),
    st.integers(0, 10**30).map(str),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", "^"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(["-", "+"]), children).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(st.sampled_from(_UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
    )


_expressions = st.recursive(_leaves, _combine, max_leaves=12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_expressions, x=st.floats(-10, 10), y=st.floats(-10, 10))
def test_random_whitelisted_expressions_compile_and_evaluate(text: str, x: float, y: float):
    if len(text) > MAX_LENGTH:
        return
    function = compile_expression(text, XY)
    assert function.value(x, y).dtype == np.float64
    gradient = function.gradient([x, x], [y, y])
    assert all(component.shape == (2,) for component in gradient)
    assert function.hessian(x, y).shape == (2, 2)


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.text(
            alphabet="xyw0123456789.+-*/^()%,=<>[]{}'\" _eabcdilmnoprstq!@#&|~:;\\", max_size=40
        ),
    )
)
def test_garbage_either_compiles_or_raises_expression_error(text: str):
    try:
        compile_expression(text, XY)
    except ExpressionError as error:
        assert error.message and "\n" not in str(error)
        assert error.column is None or 0 <= error.column <= len(text)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sin(" * 30 + "x" + ")" * 30, "nested too deeply"),
        ("-" * 499 + "x", "nested too deeply"),
        ("*".join(f"sin(x*y+{i})" for i in range(40)), "too complex"),
    ],
)
def test_formulas_whose_derivatives_would_explode_are_refused(text: str, fragment: str):
    with pytest.raises(ExpressionError, match=fragment):
        compile_expression(text, XY)


@pytest.mark.parametrize(
    ("text", "x", "y"), [("min(x, log(-pi))", 1.0, 0.0), ("abs(x / y)", 1.0, 2.0)]
)
def test_corners_found_by_hypothesis_compile(text: str, x: float, y: float):
    function = compile_expression(text, XY)
    assert function.hessian(x, y).shape == (2, 2)


@pytest.mark.parametrize(
    "text, variables",
    [
        ("(0*w)**(-1/w)", ("w",)),
        ("(w-w)**(-1/w)", ("w",)),
        ("(0*w)**(-w**2)", ("w",)),
        ("(0*x)**(-1/y)+x", ("x", "y")),
        ("min((0*-(y)) ^ (-(1/(y))), x)", ("x", "y")),
    ],
)
def test_a_formula_sympy_folds_into_complex_infinity_computes_as_nan(text, variables):
    function = compile_expression(text, variables)
    point = [np.array([0.5, 2.0])] * len(variables)
    assert np.isnan(function.value(*point)).all()
