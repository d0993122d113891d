"""Recycled history memory: a kept result is never overwritten, a dropped one's memory is reused."""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.core import kernel
from gdsim.core.recycled import RecycledBuffers
from gdsim.core.simulate import RunSpec, simulate
from gdsim.core.surfaces import get_surface


def test_a_buffer_with_a_live_view_is_not_handed_out_again() -> None:
    buffers = RecycledBuffers(slots=2, max_floats=100)
    first = buffers.take(10)
    first[:] = 1.0
    second = buffers.take(10)
    assert not np.shares_memory(first, second)
    kept_slice = second[3:5]
    del second
    third = buffers.take(10)
    assert not np.shares_memory(kept_slice, third)
    assert not np.shares_memory(first, third)


def test_a_dropped_buffer_is_reused_and_large_requests_get_fresh_memory() -> None:
    buffers = RecycledBuffers(slots=2, max_floats=100)
    address = buffers.take(50).__array_interface__["data"][0]
    assert buffers.take(40).__array_interface__["data"][0] == address
    big = buffers.take(101)
    assert big.size == 101 and big.base is None


def test_when_every_slot_is_in_use_a_new_buffer_is_fresh_and_not_kept() -> None:
    buffers = RecycledBuffers(slots=1, max_floats=100)
    held = buffers.take(10)
    extra = buffers.take(10)
    assert not np.shares_memory(held, extra)
    del held
    reused = buffers.take(10)
    assert not np.shares_memory(reused, extra)


@pytest.fixture
def compiled_rosenbrock() -> object:
    surface = get_surface("rosenbrock")
    if not kernel.wait_until_ready(surface.function, ["gd"], "history", timeout=120):
        pytest.skip("the compiled kernel is unavailable here")
    return surface


def test_simulate_never_overwrites_a_result_that_is_still_held(compiled_rosenbrock) -> None:
    surface = compiled_rosenbrock
    first = simulate(surface, [RunSpec(lr=1e-4, start=(-1.0, 1.5))], 50)
    losses = first.losses.copy()
    points_of_run = first.run(0).points
    for k in range(6):
        simulate(surface, [RunSpec(lr=1e-3 * (k + 1), start=(1.2, -0.4))], 50)
    np.testing.assert_array_equal(first.losses, losses)
    np.testing.assert_array_equal(points_of_run, first.points[0])
