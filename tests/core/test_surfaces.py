"""The surface registry against the literature, and every formula against torch.autograd."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pytest
import sympy
import torch

from gdsim.core import expr
from gdsim.core.expr import ExpressionError, Sigmoid, Softplus
from gdsim.core.surfaces import SURFACES, Surface, get_surface, surface_names

# The global minimum of Ackley is the tip of a cone: the gradient there does not exist.
NO_GRADIENT_AT_MINIMUM = {"ackley"}

TYPED_FORMULAS = [
    "w^3 - 2*w + sigmoid(w)",
    "softplus(w) - tanh(2*w) + sqrt(w**2 + 1)",
    "relu(x - 0.3) + abs(y + 0.2) + max(x, y, -1) + min(x*y, 0.5)",
    "exp(-x^2) * cos(pi*y) + log(1 + x**2 + y**2) + tan(0.3*x)",
    "sigmoid(3*x - y) * softplus(x + y) + e**(0.1*y)",
]

_TORCH_FUNCTIONS: dict[type, Callable[..., torch.Tensor]] = {
    sympy.sin: torch.sin,
    sympy.cos: torch.cos,
    sympy.tan: torch.tan,
    sympy.exp: torch.exp,
    sympy.log: torch.log,
    sympy.tanh: torch.tanh,
    sympy.Abs: torch.abs,
    Sigmoid: torch.sigmoid,
    Softplus: torch.nn.functional.softplus,
    sympy.Max: lambda *args: functools.reduce(torch.maximum, args),
    sympy.Min: lambda *args: functools.reduce(torch.minimum, args),
}


def _torch_value(expr: sympy.Expr, env: dict[sympy.Symbol, torch.Tensor]) -> torch.Tensor:
    """An independent evaluator of the sympy tree in torch, so autograd is the reference."""
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Number:
        return torch.tensor(float(expr), dtype=torch.float64)
    args = [_torch_value(arg, env) for arg in expr.args]
    if expr.is_Add:
        return functools.reduce(torch.add, args)
    if expr.is_Mul:
        return functools.reduce(torch.mul, args)
    if expr.is_Pow:
        return torch.pow(args[0], args[1])
    return _TORCH_FUNCTIONS[expr.func](*args)


def _autograd(surface: Surface, point: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    symbols = surface.function.symbols

    def scalar(coords: torch.Tensor) -> torch.Tensor:
        return _torch_value(surface.function.expr, dict(zip(symbols, coords, strict=True)))

    coords = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    value = scalar(coords)
    (gradient,) = torch.autograd.grad(value, coords)
    hessian = torch.autograd.functional.hessian(scalar, coords.detach())
    return float(value.detach()), gradient.numpy(), hessian.numpy()


def _random_points(surface: Surface, count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low, high = np.array(surface.domain).T
    return rng.uniform(low, high, size=(count, surface.dim))


ALL_SURFACES = [*surface_names(), *TYPED_FORMULAS]


@pytest.mark.parametrize("name", ALL_SURFACES)
def test_value_gradient_hessian_equal_torch_autograd(name: str):
    surface = get_surface(name)
    points = _random_points(surface, 6)
    values = surface.value(*points.T)
    gradients = np.stack(surface.gradient(*points.T), axis=-1)
    hessians = surface.hessian(*points.T)
    assert values.shape == (6,) and gradients.shape == (6, surface.dim)
    assert hessians.shape == (6, surface.dim, surface.dim)
    for point, value, gradient, hessian in zip(points, values, gradients, hessians, strict=True):
        ref_value, ref_gradient, ref_hessian = _autograd(surface, point)
        scale = max(1.0, abs(ref_value))
        assert value == pytest.approx(ref_value, rel=1e-12, abs=1e-12 * scale)
        np.testing.assert_allclose(gradient, ref_gradient, rtol=1e-10, atol=1e-10 * scale)
        np.testing.assert_allclose(hessian, ref_hessian, rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize("name", surface_names())
def test_listed_global_minima_are_minima_inside_the_domain(name: str):
    surface = get_surface(name)
    for minimum in surface.minima:
        assert len(minimum) == surface.dim
        for coordinate, (low, high) in zip(minimum, surface.domain, strict=True):
            assert low <= coordinate <= high
        assert float(surface.value(*minimum)) == pytest.approx(surface.min_value, abs=1e-12)
        if name not in NO_GRADIENT_AT_MINIMUM:
            gradient = [float(g) for g in surface.gradient(*minimum)]
            np.testing.assert_allclose(gradient, 0.0, atol=1e-12)
            assert np.all(np.linalg.eigvalsh(surface.hessian(*minimum)) >= -1e-9)
    if surface.minima:
        grid = np.meshgrid(*(np.linspace(low, high, 101) for low, high in surface.domain))
        assert np.min(surface.value(*grid)) >= surface.min_value - 1e-12
    else:
        assert surface.min_value is None


@pytest.mark.parametrize("name", surface_names())
def test_registry_entries_are_complete(name: str):
    surface = get_surface(name)
    assert surface.name == name and surface.title and surface.description
    assert surface.dim == len(surface.domain) == len(surface.start)
    for coordinate, (low, high) in zip(surface.start, surface.domain, strict=True):
        assert low < coordinate < high
    assert get_surface(surface.expression).value(*surface.start) == surface.value(*surface.start)


def test_literature_values():
    assert len(get_surface("himmelblau").minima) == 4
    assert len(get_surface("six_hump_camel").minima) == 2
    assert get_surface("six_hump_camel").min_value == pytest.approx(-1.0316, abs=1e-4)
    assert get_surface("goldstein_price").min_value == 3.0
    styblinski = get_surface("styblinski_tang")
    assert styblinski.min_value == pytest.approx(-39.16617 * 2, abs=1e-4)
    assert styblinski.minima[0] == pytest.approx((-2.903534, -2.903534), abs=1e-6)
    assert get_surface("saddle").minima == ()
    assert get_surface("rosenbrock").start == (-1.5, 2.0)


def test_double_well_has_a_local_minimum_beside_the_global_one():
    well = get_surface("double_well")
    w = np.linspace(*well.domain[0], 4001)
    (slope,) = well.gradient(w)
    minima = w[1:][(slope[:-1] < 0) & (slope[1:] >= 0)]
    assert len(minima) == 2
    assert minima[0] == pytest.approx(well.minima[0][0], abs=1e-3)
    assert float(well.value(minima[1])) > well.min_value + 0.5
    assert well.start[0] > minima[1], "the default start must lie in the local basin"


def test_flat_then_steep_curvature_spans_orders_of_magnitude():
    surface = get_surface("flat_then_steep")
    near, far = surface.hessian(0.1)[0, 0], surface.hessian(surface.start[0])[0, 0]
    assert far / near > 100


@pytest.mark.parametrize(("kappa", "expected"), [(None, 10.0), (50.0, 50.0), (1.0, 1.0)])
def test_ill_conditioned_curvatures_follow_kappa(kappa: float | None, expected: float):
    params = {} if kappa is None else {"kappa": kappa}
    np.testing.assert_allclose(
        get_surface("ill_conditioned", **params).hessian(0.3, -0.2), np.diag([1.0, expected])
    )
    eigenvalues = np.linalg.eigvalsh(get_surface("rotated_quadratic", **params).hessian(1.0, 2.0))
    np.testing.assert_allclose(eigenvalues, [1.0, expected])


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("ill_conditioned", {"kappa": 0.0}, "kappa must be between"),
        ("ill_conditioned", {"kappa": float("nan")}, "kappa must be between"),
        ("ill_conditioned", {"beta": 2.0}, "no parameter 'beta'"),
        ("bowl", {"kappa": 2.0}, "no parameter 'kappa'"),
        ("x**2", {"kappa": 2.0}, "only to named surfaces"),
    ],
)
def test_bad_parameters_are_refused(name: str, params: dict[str, float], fragment: str):
    with pytest.raises(ValueError, match=fragment):
        get_surface(name, **params)


def test_surface_names_are_grouped_by_dimension():
    one_d, two_d = surface_names(1), surface_names(2)
    assert one_d[0] == "parabola" and {"bowl", "ill_conditioned"} <= set(two_d)
    assert surface_names() == one_d + two_d == list(SURFACES)
    assert all(get_surface(name).dim == 1 for name in one_d)
    assert all(get_surface(name).dim == 2 for name in two_d)


@pytest.mark.parametrize(
    ("text", "dim"),
    [("w**2", 1), ("3*w^4 - w", 1), ("x**2", 2), ("y", 2), ("x*y", 2), ("7", 1), ("pi", 1)],
)
def test_typed_formulas_become_surfaces_of_the_right_dimension(text: str, dim: int):
    surface = get_surface(text)
    assert surface.dim == dim
    assert surface.name == surface.title == surface.expression == text
    assert surface.minima == () and surface.min_value is None
    assert len(surface.domain) == len(surface.start) == dim
    assert surface.value(*surface.start).shape == ()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("w + x", "not both"), ("q**2", "unknown name 'q'"), ("x.y", "attribute"), ("", "empty")],
)
def test_typed_formula_errors_are_expression_errors(text: str, fragment: str):
    with pytest.raises(ExpressionError, match=fragment):
        get_surface(text)


@pytest.mark.parametrize("text", ["max(w, log(-1-w**2))", "relu(sqrt(-1 - x^2)) + y"])
def test_a_never_real_argument_of_max_or_relu_is_explained_in_words(text: str):
    with pytest.raises(ExpressionError, match="compares real numbers, but this argument is never"):
        get_surface(text)


def test_an_unforeseen_sympy_error_reaches_the_student_as_one_sentence(monkeypatch):
    """sympy's own messages quote its internals; whatever it raises while the formula is
    built must come out as the parser's error, in words."""

    def sympy_fails(*_: object) -> None:
        raise TypeError("cannot determine truth value of Relational")

    monkeypatch.setattr(expr._Parser, "binary", sympy_fails)
    with pytest.raises(ExpressionError, match="could not be handled: please rewrite it") as caught:
        get_surface("w * 2 + 1")
    assert "Relational" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rosenbrok", "no surface named 'rosenbrok'; did you mean rosenbrock? (surfaces: parabola"),
        (" Parabola ", "no surface named 'Parabola'; did you mean parabola?"),
        ("q", "no surface named 'q' (surfaces: parabola, double_well"),
    ],
)
def test_a_lone_unknown_word_is_a_surface_name_with_suggestions(text: str, message: str):
    with pytest.raises(ValueError) as caught:
        get_surface(text)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_an_unknown_name_inside_a_formula_keeps_the_formula_message():
    with pytest.raises(ExpressionError, match=r"unknown name 'rosenbrok' \(use w, x, y\)"):
        get_surface("rosenbrok + 1")


def test_surfaces_compare_by_data_and_reuse_the_compiled_function():
    assert get_surface("rosenbrock") == get_surface("rosenbrock")
    assert get_surface("rosenbrock").function is get_surface("rosenbrock").function
    assert get_surface("ill_conditioned", kappa=20) != get_surface("ill_conditioned")


def test_sampling_for_the_views_follows_the_image_convention():
    (x, y), values = get_surface("x**2 + 10*y").sample(5)
    assert values.shape == (5, 5)
    assert values[1, 3] == pytest.approx(x[3] ** 2 + 10 * y[1]), "rows follow y, columns x"
    (w,), curve = get_surface("parabola").sample(7)
    assert curve.shape == (7,) and curve == pytest.approx(w**2)
    _, flat = get_surface("3").sample(4)
    assert flat.shape == (4,) and np.all(flat == 3.0)


def test_a_start_picked_outside_the_plot_lands_on_its_edge():
    surface = get_surface("rosenbrock")
    (x_low, _), (_, y_high) = surface.domain
    assert surface.clamp((-1e9, 1e9)) == (x_low, y_high)
    assert surface.clamp((0.5, 0.25)) == (0.5, 0.25)


@pytest.mark.parametrize("text", ["0*x + 1", "0*y + x - x"])
def test_a_variable_that_sympy_folds_away_still_makes_the_surface_2d(text):
    assert get_surface(text).dim == 2
