"""Named loss surfaces as data, plus typed formulas turned into surfaces.

Every named surface is defined by a formula in the parser's language (so what the student sees
is exactly what is computed), with a plotting box, a teaching start and its known global minima.
Adding a surface is adding one entry to :data:`SURFACES`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import sympy
from numpy.typing import ArrayLike

from gdsim.core.expr import (
    CONSTANTS,
    FUNCTIONS,
    CompiledFunction,
    ExpressionError,
    compile_expression,
    names_in,
    parse_expression,
)
from gdsim.core.names import closest_name

VARIABLES_1D = ("w",)
VARIABLES_2D = ("x", "y")
TYPED_DOMAIN_1D = ((-5.0, 5.0),)
TYPED_DOMAIN_2D = ((-5.0, 5.0), (-5.0, 5.0))
TYPED_START_1D = (3.0,)
TYPED_START_2D = (-3.0, 3.0)


@dataclass(frozen=True)
class Parameter:
    """A user-settable constant of a surface formula (e.g. the condition number kappa)."""

    default: float
    low: float
    high: float
    description: str


@dataclass(frozen=True)
class SurfaceSpec:
    """One registry entry; ``expression`` may contain ``{param}`` placeholders."""

    title: str
    expression: str
    domain: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    minima: tuple[tuple[float, ...], ...]
    min_value: float | None
    description: str
    log_colors: bool = False
    parameters: Mapping[str, Parameter] = field(default_factory=dict)

    @property
    def variables(self) -> tuple[str, ...]:
        return VARIABLES_1D if len(self.domain) == 1 else VARIABLES_2D


@dataclass(frozen=True)
class Surface:
    """A ready-to-use surface: metadata plus the compiled formula it is defined by."""

    name: str
    title: str
    expression: str
    variables: tuple[str, ...]
    domain: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    minima: tuple[tuple[float, ...], ...]
    min_value: float | None
    log_colors: bool
    description: str
    function: CompiledFunction = field(compare=False, repr=False)

    @property
    def dim(self) -> int:
        return len(self.variables)

    @property
    def typed(self) -> bool:
        """A formula the user typed rather than a registry entry (no curated domain or minima)."""
        return self.name not in SURFACES

    def value(self, *coords: ArrayLike) -> np.ndarray:
        return self.function.value(*coords)

    def gradient(self, *coords: ArrayLike) -> tuple[np.ndarray, ...]:
        return self.function.gradient(*coords)

    def hessian(self, *coords: ArrayLike) -> np.ndarray:
        return self.function.hessian(*coords)

    def sample(self, points_per_axis: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """The surface on a regular grid over its domain, for drawing: the axes, and the
        values as a float array of the grid's shape (2D: rows follow y and columns x, as an
        image is drawn; constants are broadcast; non-finite values are kept for the view)."""
        axes = tuple(np.linspace(low, high, points_per_axis) for low, high in self.domain)
        grid = np.meshgrid(*axes)
        values = np.asarray(self.value(*grid), dtype=float)
        return axes, np.broadcast_to(values, grid[0].shape).copy()

    def clamp(self, point: Sequence[float]) -> tuple[float, ...]:
        """`point` moved into the domain (a start picked outside the plot lands on its edge)."""
        return tuple(
            float(min(max(c, low), high)) for c, (low, high) in zip(point, self.domain, strict=True)
        )


_KAPPA = Parameter(
    default=10.0,
    low=1.0,
    high=1000.0,
    description="condition number: ratio of the steepest to the flattest",
)

SURFACES: Mapping[str, SurfaceSpec] = MappingProxyType(
    {
        "parabola": SurfaceSpec(
            title="Parabola",
            expression="w**2",
            domain=((-4.0, 4.0),),
            start=(3.0,),
            minima=((0.0,),),
            min_value=0.0,
            description=(
                "The lectures' first example: the curvature is 2, so steps converge for a "
                "learning rate below 1 and bounce wider and wider above it."
            ),
        ),
        "double_well": SurfaceSpec(
            title="Tilted double well",
            expression="w**4 - 2*w**2 + 0.5*w",
            domain=((-2.0, 2.0),),
            start=(1.8,),
            minima=((-1.057453770738378,),),
            min_value=-1.5147536412757057,
            description=(
                "Two valleys: starting on the right, gradient descent settles in the local "
                "minimum near w = 0.93; start left of the bump at w = 0.12 to reach the global "
                "one near w = -1.06."
            ),
        ),
        "flat_then_steep": SurfaceSpec(
            title="Flat bottom, steep walls",
            expression="w**4",
            domain=((-3.0, 3.0),),
            start=(2.5,),
            minima=((0.0,),),
            min_value=0.0,
            description=(
                "w**4 is almost flat near its minimum and very steep far away: a step size "
                "safe on the walls crawls near the bottom, and one that moves briskly near the "
                "bottom overshoots wildly on the walls - no single fixed step fits both."
            ),
        ),
        "bowl": SurfaceSpec(
            title="Round bowl",
            expression="x**2 + y**2",
            domain=((-4.0, 4.0), (-4.0, 4.0)),
            start=(3.0, 2.0),
            minima=((0.0, 0.0),),
            min_value=0.0,
            description=(
                "Equal curvature in every direction: the gradient points straight at the "
                "minimum, so descent walks a straight line."
            ),
        ),
        "ill_conditioned": SurfaceSpec(
            title="Ill-conditioned valley",
            expression="0.5*(x**2 + {kappa}*y**2)",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(-4.5, 2.0),
            minima=((0.0, 0.0),),
            min_value=0.0,
            description=(
                "Curvature 1 along x and kappa along y: the step size must stay below 2/kappa "
                "for the steep direction, which makes progress along the flat one slow."
            ),
            parameters={"kappa": _KAPPA},
        ),
        "rotated_quadratic": SurfaceSpec(
            title="Rotated narrow valley",
            expression="0.25*((x + y)**2 + {kappa}*(x - y)**2)",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(-4.0, -1.0),
            minima=((0.0, 0.0),),
            min_value=0.0,
            description=(
                "The ill-conditioned valley turned by 45 degrees: the gradient no longer lines "
                "up with the axes, so descent zig-zags across the diagonal valley."
            ),
            parameters={"kappa": _KAPPA},
        ),
        "saddle": SurfaceSpec(
            title="Saddle",
            expression="x**2 - y**2",
            domain=((-4.0, 4.0), (-4.0, 4.0)),
            start=(3.5, 0.01),
            minima=(),
            min_value=None,
            description=(
                "Uphill one way, downhill the other: starting almost on the ridge, descent "
                "first slows near the flat saddle point, then slides off along y for ever."
            ),
        ),
        "rosenbrock": SurfaceSpec(
            title="Rosenbrock",
            expression="(1 - x)**2 + 100*(y - x**2)**2",
            domain=((-2.0, 2.0), (-1.0, 3.0)),
            start=(-1.5, 2.0),
            minima=((1.0, 1.0),),
            min_value=0.0,
            log_colors=True,
            description=(
                "A curved banana-shaped valley: finding the valley is easy, following its "
                "nearly flat floor to (1, 1) takes thousands of small steps."
            ),
        ),
        "himmelblau": SurfaceSpec(
            title="Himmelblau",
            expression="(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(0.0, 0.0),
            minima=(
                (3.0, 2.0),
                (-2.805118086952745, 3.131312518250573),
                (-3.7793102533777465, -3.283185991286169),
                (3.5844283403304917, -1.8481265269644034),
            ),
            min_value=0.0,
            log_colors=True,
            description=(
                "Four equally good minima: which one you reach depends only on where you start."
            ),
        ),
        "beale": SurfaceSpec(
            title="Beale",
            expression=("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2"),
            domain=((-4.5, 4.5), (-4.5, 4.5)),
            start=(1.0, 1.5),
            minima=((3.0, 0.5),),
            min_value=0.0,
            log_colors=True,
            description=(
                "Flat plains and sharp ridges near the corners: gradients range over many "
                "orders of magnitude, so a step size that is safe on the ridges is tiny here."
            ),
        ),
        "booth": SurfaceSpec(
            title="Booth",
            expression="(x + 2*y - 7)**2 + (2*x + y - 5)**2",
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-8.0, 8.0),
            minima=((1.0, 3.0),),
            min_value=0.0,
            description="A gently tilted quadratic bowl: an easy warm-up away from the origin.",
        ),
        "matyas": SurfaceSpec(
            title="Matyas",
            expression="0.26*(x**2 + y**2) - 0.48*x*y",
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-8.0, 6.0),
            minima=((0.0, 0.0),),
            min_value=0.0,
            description=(
                "A quadratic whose diagonal valley has curvature 0.04 against 1.0 across it: "
                "descent reaches the valley fast and then crawls along it."
            ),
        ),
        "rastrigin": SurfaceSpec(
            title="Rastrigin",
            expression="20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
            domain=((-5.12, 5.12), (-5.12, 5.12)),
            start=(3.3, -2.7),
            minima=((0.0, 0.0),),
            min_value=0.0,
            description=(
                "A bowl covered in bumps: plain gradient descent stops in the nearest of many "
                "local minima instead of the global one at the origin."
            ),
        ),
        "ackley": SurfaceSpec(
            title="Ackley",
            expression=(
                "-20*exp(-0.2*sqrt(0.5*(x**2 + y**2)))"
                " - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20"
            ),
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(3.2, 2.4),
            minima=((0.0, 0.0),),
            min_value=0.0,
            description=(
                "A nearly flat egg-crate with a sharp funnel at the origin: local minima "
                "everywhere, and the global one is a cone tip without a gradient."
            ),
        ),
        "three_hump_camel": SurfaceSpec(
            title="Three-hump camel",
            expression="2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2",
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-1.9, 1.2),
            minima=((0.0, 0.0),),
            min_value=0.0,
            log_colors=True,
            description=(
                "One global minimum between two local ones: from this start descent stops in "
                "the left local valley."
            ),
        ),
        "six_hump_camel": SurfaceSpec(
            title="Six-hump camel",
            expression="(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
            domain=((-2.0, 2.0), (-1.2, 1.2)),
            start=(-1.5, -1.0),
            minima=(
                (0.08984201310031806, -0.7126564030207396),
                (-0.08984201310031806, 0.7126564030207396),
            ),
            min_value=-1.0316284534898772,
            description=(
                "Six valleys, two of them equally deep global minima mirrored through the origin."
            ),
        ),
        "goldstein_price": SurfaceSpec(
            title="Goldstein-Price",
            expression=(
                "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
                "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))"
            ),
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(1.5, 1.5),
            minima=((0.0, -1.0),),
            min_value=3.0,
            log_colors=True,
            description=(
                "Values span six orders of magnitude: a log colour scale is needed to see the "
                "valleys, and from this start descent settles in a local minimum at (1.2, 0.8)."
            ),
        ),
        "styblinski_tang": SurfaceSpec(
            title="Styblinski-Tang",
            expression="0.5*((x**4 - 16*x**2 + 5*x) + (y**4 - 16*y**2 + 5*y))",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(4.5, 4.5),
            minima=((-2.903534027771177, -2.903534027771177),),
            min_value=-78.33233140754284,
            description=(
                "Four valleys of different depths: from the upper right, descent settles in a "
                "local minimum near (2.75, 2.75) instead of the deepest one."
            ),
        ),
    }
)


def surface_names(dim: int | None = None) -> list[str]:
    """Registry names in registry order (1D first), optionally only those of one dimension."""
    names = sorted(SURFACES, key=lambda name: len(SURFACES[name].domain))
    return [name for name in names if dim is None or len(SURFACES[name].domain) == dim]


def _parameter_values(name: str, spec: SurfaceSpec, params: Mapping[str, float]) -> dict:
    unknown = sorted(set(params) - set(spec.parameters))
    if unknown:
        known = ", ".join(spec.parameters) or "none"
        raise ValueError(f"{name} has no parameter '{unknown[0]}' (parameters: {known})")
    values = {key: parameter.default for key, parameter in spec.parameters.items()}
    for key, raw in params.items():
        value = float(raw)
        parameter = spec.parameters[key]
        if not (math.isfinite(value) and parameter.low <= value <= parameter.high):
            raise ValueError(
                f"{key} must be between {parameter.low:g} and {parameter.high:g}, got {raw}"
            )
        values[key] = value
    return values


def _named_surface(name: str, spec: SurfaceSpec, params: Mapping[str, float]) -> Surface:
    values = _parameter_values(name, spec, params)
    expression = spec.expression.format(**{key: repr(v) for key, v in values.items()})
    return Surface(
        name=name,
        title=spec.title,
        expression=expression,
        variables=spec.variables,
        domain=spec.domain,
        start=spec.start,
        minima=spec.minima,
        min_value=spec.min_value,
        log_colors=spec.log_colors,
        description=spec.description,
        function=compile_expression(expression, spec.variables),
    )


@functools.lru_cache(maxsize=256)
def _typed_variables(text: str) -> tuple[tuple[str, ...], sympy.Expr]:
    """w -> 1D, x and/or y -> 2D; a constant is a flat 1D line; mixing the two is refused.
    Also the parsed formula, which compiling it reuses (cached: the presenter rebuilds the
    surface of the same text on every change of its box or state)."""
    expr = parse_expression(text, (*VARIABLES_1D, *VARIABLES_2D))
    used = names_in(text)
    if "w" in used and used & {"x", "y"}:
        raise ExpressionError("use w alone for a 1D curve, or x and y for a 2D surface, not both")
    return (VARIABLES_2D if used & {"x", "y"} else VARIABLES_1D), expr


def _typed_surface(text: str) -> Surface:
    variables, expr = _typed_variables(text)
    one_d = variables == VARIABLES_1D
    return Surface(
        name=text,
        title=text,
        expression=text,
        variables=variables,
        domain=TYPED_DOMAIN_1D if one_d else TYPED_DOMAIN_2D,
        start=TYPED_START_1D if one_d else TYPED_START_2D,
        minima=(),
        min_value=None,
        log_colors=False,
        description="Your own formula.",
        function=compile_expression(text, variables, parsed=expr),
    )


def get_surface(name_or_expression: str, **params: float) -> Surface:
    """A registry surface by name (with optional parameters), or a typed formula as a surface.

    Raises :class:`ExpressionError` for a formula we do not accept and ``ValueError`` for
    an unknown surface name, parameters a named surface does not have or values outside
    their range.
    """
    name = name_or_expression.strip()
    spec = SURFACES.get(name)
    if spec is not None:
        return _named_surface(name, spec, params)
    if params:
        raise ValueError(f"parameters ({', '.join(params)}) apply only to named surfaces")
    if _is_a_name(name):
        raise ValueError(_unknown_surface_message(name))
    return _typed_surface(name_or_expression)


def _is_a_name(text: str) -> bool:
    """A lone word that means nothing in a formula is a surface name, perhaps misspelt: its
    message should offer the surfaces, not the formula's variables."""
    known = {*VARIABLES_1D, *VARIABLES_2D, *CONSTANTS, *FUNCTIONS}
    return text.isidentifier() and text not in known


def _unknown_surface_message(name: str) -> str:
    closest = closest_name(name, SURFACES)
    guess = "" if closest is None else f"; did you mean {closest}?"
    return (
        f"no surface named '{name}'{guess} (surfaces: {', '.join(SURFACES)}; or a formula "
        "in w, or in x and y)"
    )


DISPLAY_LIMIT = 1e300
"""Plot ranges stay within +-this: the span between two such values is still a finite float
(a formula such as ``1e308*w*w`` overflows it, and a plot cannot be given an infinite range)."""

FLOAT32_DISPLAY_LIMIT = 1e37
"""The same for values drawn through float32 (heat maps): float32 ends near 3.4e38."""

MIN_SPAN = 1e-100
"""The smallest range a plot is given: axis ticks are computed by dividing by the span, and
``5e-324*w`` (values in the subnormal floats) made that a division by zero."""

MIN_RELATIVE_SPAN = 1e-9
"""A range at least this fraction of its largest magnitude: a flat line at 1e6 gets an axis
from 1e6 - 1e-3 to 1e6 + 1e-3, not one narrower than float64 can tell apart."""

ROBUST_PERCENTILES = (2.0, 98.0)
"""The body of the sampled values, used when a few spikes (``tan(w)``, ``1/w``) would flatten
everything else into a line."""

FOCUS_PERCENTILE = 50.0
"""A steep-walled curve's view reaches up to this percentile of its values: on the default
+-5 box ``w**4 - 3*w**2 + w`` climbs to 550 while its two wells differ by a few units, so the
full range would show them as a dent."""

FOCUS_WALLS = 5.0
"""Walls are steep when the curve climbs this many times higher than its median: a quartic's
(23x) or exp's are, a parabola's (4x) and a wavy ``sin(3*w) + 0.1*w**2`` (2.3x) are not, and
keep their whole range."""

SPIKE_FACTOR = 3.0
"""The full value range is kept unless it is this many times wider than the body's."""

DISPLAY_PADDING = 0.06
"""Room left around the values, as a fraction of their range."""


def display_range(
    values: ArrayLike,
    *,
    robust: bool = False,
    include: Sequence[float] = (),
    limit: float = DISPLAY_LIMIT,
    focus: bool = False,
) -> tuple[float, float]:
    """A finite, padded (low, high) range worth showing for ``values``, whatever they hold.

    Non-finite values are ignored and the rest clipped to +-``limit``; the span is at least
    ``MIN_SPAN`` and ``MIN_RELATIVE_SPAN`` of the largest magnitude, so a plot axis can always
    place its ticks. With ``robust``, a few spikes do not set the range: when the full range is
    more than ``SPIKE_FACTOR`` times the 2nd-98th percentile range, that percentile range is
    used. Finite ``include`` values (e.g. the start's loss, so a run is not cut off at its first
    point) are always inside the range. With ``focus``, a curve whose walls climb far above its
    median (``FOCUS_WALLS``) is shown up to the median: its valleys, not its walls.
    """
    flat = np.asarray(values, dtype=float).ravel()
    extra = np.asarray(include, dtype=float).ravel()
    with np.errstate(all="ignore"):
        finite = np.clip(flat[np.isfinite(flat)], -limit, limit)
        extra = np.clip(extra[np.isfinite(extra)], -limit, limit)
        if finite.size == 0 and extra.size == 0:
            return 0.0, 1.0
        low, high = (
            _body(finite, robust, focus) if finite.size else (float(extra[0]), float(extra[0]))
        )
        if extra.size:
            low, high = min(low, float(extra.min())), max(high, float(extra.max()))
        span = max(high - low, MIN_SPAN, MIN_RELATIVE_SPAN * max(abs(low), abs(high)))
        centre = low / 2.0 + high / 2.0
        half = span / 2.0 * (1.0 + 2.0 * DISPLAY_PADDING)
        edge = _padded(limit)
    return max(centre - half, -edge), min(centre + half, edge)


def _padded(limit: float) -> float:
    """How far past +-``limit`` a range padded by DISPLAY_PADDING may reach."""
    return limit * (1.0 + 2.0 * DISPLAY_PADDING)


def _body(finite: np.ndarray, robust: bool, focus: bool) -> tuple[float, float]:
    """min..max, or the 2nd-98th percentiles when spikes make the full range much wider; with
    ``focus``, no higher than the median when the walls climb far above it."""
    low, high = float(finite.min()), float(finite.max())
    if robust:
        body_low, body_high = (float(v) for v in np.percentile(finite, ROBUST_PERCENTILES))
        if high - low > SPIKE_FACTOR * (body_high - body_low):
            low, high = body_low, body_high
    if focus:
        median = float(np.percentile(finite, FOCUS_PERCENTILE))
        if high - low > FOCUS_WALLS * (median - low):
            high = median
    return low, high


def parse_point(text: str, dim: int) -> tuple[float, ...]:
    """A point typed as ``1.5`` or ``-1, 2`` (brackets allowed, as the runs table shows it);
    raises a one-line ValueError that quotes the text for anything else."""
    inner = text.strip().strip("()[]").strip()
    try:
        values = tuple(float(part) for part in inner.split(","))
    except ValueError:
        raise ValueError(f"'{text}' is not a point: type {_point_example(dim)}") from None
    if len(values) != dim or not all(math.isfinite(v) for v in values):
        raise ValueError(f"'{text}' is not a point: type {_point_example(dim)}")
    return values


def _point_example(dim: int) -> str:
    return "one number, e.g. 1.5" if dim == 1 else "two numbers, e.g. -1, 2"


MAX_DOMAIN = 1e6
"""Plot boxes stay within +-this: the simulation bounds are ten times the box, and a box of
1e300 would let runs overflow before they are stopped."""


MIN_DOMAIN_WIDTH = 1e-9
"""The narrowest box, relative to its distance from 0: a box of 5e-324 has no room for a grid,
a tick or a single step."""


def with_domain(surface: Surface, domain: Sequence[Sequence[float]]) -> Surface:
    """``surface`` drawn (and bounded, see ``simulate.default_bounds``) over another box, one
    (low, high) pair per variable; its start moves into the box. A one-line ValueError for a
    box that is empty, not finite or wider than +-MAX_DOMAIN."""
    pairs = tuple((float(low), float(high)) for low, high in domain)
    if len(pairs) != surface.dim:
        raise ValueError(f"the domain needs {surface.dim} range(s), got {len(pairs)}")
    for variable, (low, high) in zip(surface.variables, pairs, strict=True):
        if not (-MAX_DOMAIN <= low < high <= MAX_DOMAIN):
            raise ValueError(
                f"{variable} must range from a smaller to a larger number between "
                f"{-MAX_DOMAIN:.0f} and {MAX_DOMAIN:.0f}, got {low:g} to {high:g}"
            )
    for variable, (low, high) in zip(surface.variables, pairs, strict=True):
        narrowest = _narrowest_box(low, high)
        if high - low < narrowest:
            raise ValueError(
                f"{variable} from {low:g} to {high:g} is too narrow to draw: make it at least "
                f"{narrowest:.2g} wide"
            )
    moved = replace(surface, domain=pairs)
    return replace(moved, start=moved.clamp(surface.start))


def _narrowest_box(low: float, high: float) -> float:
    """The narrowest box ``with_domain`` takes around ``low``..``high`` (MIN_DOMAIN_WIDTH)."""
    return MIN_DOMAIN_WIDTH * max(1.0, abs(low), abs(high))


ZOOM_MARGIN = 2.0
"""The wheel stops zooming in at this many times the narrowest box ``with_domain`` takes: a
view brought to exactly that width can come out a rounding error narrower, and be refused."""


@dataclass(frozen=True)
class ZoomLimits:
    """How far the mouse may pan and zoom one plot axis (pyqtgraph's ``ViewBox.setLimits``)."""

    low: float
    high: float
    narrowest: float
    widest: float


def zoom_limits(shown: tuple[float, float], values: bool = False) -> ZoomLimits:
    """Limits for an axis that first shows ``shown``. Without them the wheel zoomed out until
    the range overflowed to inf and pyqtgraph raised on every later wheel event.

    A variable's axis (w; x and y) keeps to the boxes ``with_domain`` takes, so every view can
    be re-sampled: within +-MAX_DOMAIN, and near ``shown`` no narrower than the narrowest box
    (ZOOM_MARGIN). A 1D curve's value axis (``values``) keeps to what ``display_range`` gives:
    within +-DISPLAY_LIMIT padded, and no narrower than MIN_RELATIVE_SPAN of its size (or
    MIN_SPAN). Never narrower than ``shown`` itself, which the axis must be able to show."""
    low, high = shown
    if values:
        edge = _padded(DISPLAY_LIMIT)
        narrowest = max(MIN_SPAN, MIN_RELATIVE_SPAN * max(abs(low), abs(high)))
    else:
        edge = MAX_DOMAIN
        narrowest = _narrowest_box(low, high)
    return ZoomLimits(
        low=-edge,
        high=edge,
        narrowest=min(high - low, ZOOM_MARGIN * narrowest),
        widest=2.0 * edge,
    )
