"""Reading saved state: every bad field is named with its full path, in one line."""

from __future__ import annotations

import math

import pytest

from gdsim.core.state import STATE_VERSION, Fields, StateError


def test_numbers_are_checked_and_the_message_names_the_nested_field():
    runs = list(Fields({"runs": [{"lr": 0.1}, {"lr": "fast"}]}).children("runs"))
    assert runs[0].number("lr", above=0) == 0.1
    with pytest.raises(StateError, match=r"^runs\[1\]\.lr: must be a finite number, got 'fast'$"):
        runs[1].number("lr", above=0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, True, None, [1], 10**400])
def test_non_numbers_and_non_finite_numbers_are_refused(bad):
    with pytest.raises(StateError, match=r"^lr: must be a finite number"):
        Fields({"lr": bad}).number("lr")


def test_ranges_whole_numbers_choices_and_missing_fields():
    fields = Fields({"lr": 0.0, "steps": 2.5, "kind": "gdd", "flag": 1})
    with pytest.raises(StateError, match=r"^lr: must be a number above 0, got 0$"):
        fields.number("lr", above=0.0)
    with pytest.raises(StateError, match=r"^steps: must be a whole number, got 2.5$"):
        fields.integer("steps")
    with pytest.raises(StateError, match=r"^kind: must be one of gd, adam, got 'gdd'$"):
        fields.string("kind", choices=("gd", "adam"))
    with pytest.raises(StateError, match=r"^flag: must be true or false"):
        fields.boolean("flag")
    with pytest.raises(StateError, match=r"^seed: missing$"):
        fields.integer("seed")
    assert fields.integer("seed", 7) == 7


def test_unknown_fields_and_future_versions_are_refused():
    with pytest.raises(StateError, match=r"^lrr: unknown field"):
        Fields({"lrr": 1}).only(("lr",))
    with pytest.raises(
        StateError, match=rf"^version: this gdsim reads versions 1 to {STATE_VERSION}"
    ):
        Fields({"version": STATE_VERSION + 1}).version()
    assert Fields({}).version() == STATE_VERSION


def test_lists_of_numbers_have_their_length_checked_and_long_values_are_shortened():
    assert Fields({"start": [1, 2]}).numbers("start", length=2) == (1.0, 2.0)
    with pytest.raises(StateError, match=r"^start: must be a list of 2 numbers"):
        Fields({"start": [1]}).numbers("start", length=2)
    with pytest.raises(StateError, match=r"^start\.1: must be a finite number"):
        Fields({"start": [1, "x"]}).numbers("start")
    with pytest.raises(StateError) as caught:
        Fields({"a": "x" * 10_000}).number("a")
    assert len(str(caught.value)) < 100
    with pytest.raises(StateError, match=r"^state: must be an object"):
        Fields([1, 2])


def test_field_names_must_be_text():
    with pytest.raises(StateError, match=r"^params: field names must be text"):
        Fields({"params": {1: 2.0, "kappa": 3.0}}).child("params")


def test_an_unknown_field_with_a_line_break_is_named_on_one_line():
    with pytest.raises(StateError) as caught:
        Fields({"lr\nx": 1}).only(("lr",))
    assert "\n" not in str(caught.value) and str(caught.value).startswith("'lr\\nx': unknown")
