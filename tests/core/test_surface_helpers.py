"""Plot ranges from any sampled values (finite, never degenerate, not flattened by spikes), and
points typed by the user."""

import math

import numpy as np
import pytest

from gdsim.core.surfaces import (
    DISPLAY_LIMIT,
    MAX_DOMAIN,
    display_range,
    get_surface,
    parse_point,
    with_domain,
    zoom_limits,
)


def sampled(formula: str) -> np.ndarray:
    return get_surface(formula).sample(600)[1]


def test_focus_frames_the_valleys_of_a_curve_whose_walls_climb_far_above_them():
    values = sampled("w**4 - 3*w**2 + w")
    low, high = display_range(values, robust=True, focus=True)
    assert low < values.min() and high < 0.1 * values.max()
    assert high > 0.08 + 3.51  # both wells and the hump between them, with room
    assert display_range(values, robust=True)[1] > values.max()


@pytest.mark.parametrize("formula", ["sin(3*w) + 0.1*w**2", "w**2", "abs(w)"])
def test_focus_keeps_the_whole_range_of_a_curve_without_steep_walls(formula):
    values = sampled(formula)
    assert display_range(values, robust=True, focus=True)[1] > values.max()


@pytest.mark.parametrize(
    "formula", ["1e308*w*w", "tan(w)*1e308", "relu(w)*1e308", "5e-324*w", "log(w)", "1/w"]
)
def test_overflowing_or_subnormal_values_give_a_finite_range_with_a_usable_span(formula):
    low, high = display_range(sampled(formula), robust=True)
    assert math.isfinite(high - low) and high - low >= 1e-100
    assert -2 * DISPLAY_LIMIT < low < high < 2 * DISPLAY_LIMIT


def test_nothing_finite_gives_the_unit_range():
    assert display_range(np.array([np.nan, np.inf])) == (0.0, 1.0)


def test_a_flat_line_far_from_zero_gets_a_range_float64_can_tell_apart():
    low, high = display_range(np.full(10, 1e6))
    assert low < 1e6 < high and high - low >= 1e-3


def test_a_parabola_keeps_its_whole_range_padded():
    low, high = display_range(sampled("w**2"), robust=True)
    assert low < 0.0 and 25.0 < high < 28.0


def test_spikes_do_not_flatten_the_curve():
    """tan(w) on +-5 reaches ~300 next to its poles: the range follows the body instead."""
    low, high = display_range(sampled("tan(w)"), robust=True)
    assert -30 < low < -5 and 5 < high < 30
    _, full_high = display_range(sampled("tan(w)"))
    assert full_high > 100


def test_included_values_are_always_shown():
    low, high = display_range(sampled("tan(w)"), robust=True, include=[1000.0, np.inf])
    assert high > 1000.0 and low < -5


def test_a_smaller_limit_keeps_values_float32_can_hold():
    low, high = display_range(sampled("1e308*w*w"), limit=1e37)
    assert np.isfinite(np.float32(low)) and np.isfinite(np.float32(high))


@pytest.mark.parametrize(
    ("text", "dim", "point"),
    [
        ("1.5", 1, (1.5,)),
        ("-1, 2", 2, (-1.0, 2.0)),
        ("(-1, 2)", 2, (-1.0, 2.0)),
        (" 3 ", 1, (3.0,)),
    ],
)
def test_a_typed_start_point_is_read(text, dim, point):
    assert parse_point(text, dim) == point


@pytest.mark.parametrize(("text", "dim"), [("abc", 1), ("1", 2), ("1, 2", 1), ("nan", 1), ("", 1)])
def test_a_bad_start_point_is_refused_in_one_line(text, dim):
    with pytest.raises(ValueError, match="is not a point") as error:
        parse_point(text, dim)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("dim", "words"), [(1, "type one number, e.g. 1.5"), (2, "type two numbers, e.g. -1, 2")]
)
def test_a_point_with_the_wrong_count_says_how_many_numbers_in_words(dim, words):
    with pytest.raises(ValueError) as error:
        parse_point("1, 2, 3", dim)
    assert str(error.value).endswith(words) and "(s)" not in str(error.value)


def test_a_typed_formula_gets_another_domain_and_its_start_moves_inside():
    surface = with_domain(get_surface("w**4 - 3*w**2 + w"), [(-2.0, 2.0)])
    assert surface.domain == ((-2.0, 2.0),) and surface.start == (2.0,)
    (w,), values = surface.sample(5)
    assert w.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0] and values[2] == 0.0


@pytest.mark.parametrize("domain", [[(1.0, 1.0)], [(2.0, -2.0)], [(0.0, np.inf)], [(-1e7, 0.0)]])
def test_an_empty_or_unbounded_domain_is_refused_in_one_line(domain):
    with pytest.raises(ValueError, match="w must range") as error:
        with_domain(get_surface("w**2"), domain)
    assert "\n" not in str(error.value)
    assert "between -1000000 and 1000000" in str(error.value) and "±" not in str(error.value)


@pytest.mark.parametrize(
    "domain", [[(0.0, 5e-324)], [(1.0, 1.0000000000000002)], [(1e-300, 2e-300)]]
)
def test_a_box_too_narrow_to_draw_is_refused_in_one_line(domain):
    with pytest.raises(ValueError, match="too narrow") as error:
        with_domain(get_surface("w**4 - 3*w**2 + w"), domain)
    assert "\n" not in str(error.value)


def test_a_millionth_wide_box_is_still_fine():
    assert with_domain(get_surface("w**2"), [(1.0, 1.000001)]).domain == ((1.0, 1.000001),)


@pytest.mark.parametrize("shown", [(-5.0, 5.0), (1e5, 1e5 + 1.0), (0.0, 1.5e-9), (-1e6, 1e6)])
def test_a_variable_axis_zooms_only_to_boxes_that_can_be_redrawn(shown):
    limits = zoom_limits(shown)
    assert (limits.low, limits.high, limits.widest) == (-MAX_DOMAIN, MAX_DOMAIN, 2 * MAX_DOMAIN)
    assert limits.narrowest <= shown[1] - shown[0]
    surface = get_surface("w**2")
    with_domain(surface, [(limits.low, limits.high)])
    middle = shown[0] / 2 + shown[1] / 2
    with_domain(surface, [(middle, middle + limits.narrowest)])


def test_a_value_axis_zooms_within_finite_ranges_even_for_values_near_1e308():
    low, high = display_range(sampled("1e308*w*w"), robust=True)
    limits = zoom_limits((low, high), values=True)
    assert limits.low <= low < high <= limits.high
    assert math.isfinite(limits.widest) and math.isfinite(limits.widest * 1.35)
    assert 0 < limits.narrowest <= high - low
    assert zoom_limits((0.0, 1e-100), values=True).narrowest == 1e-100


def test_a_too_narrow_box_far_from_zero_names_the_width_it_needs_there():
    with pytest.raises(ValueError, match=r"make it at least 0\.0001 wide"):
        with_domain(get_surface("w**2"), [(1e5, 1e5 + 1e-5)])
