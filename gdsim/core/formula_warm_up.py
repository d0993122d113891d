"""One-time costs of a typed formula's first frame, paid at start-up in the background.

The first formula a process compiles pays costs that no later one pays: sympy's first
derivatives, printing and ``cse`` of the language's functions, and above all scipy's first BFGS
in two dimensions (an ``issparse`` abc check that fills its cache once: about 100 ms, measured
here), which the surface explorer runs for the critical step sizes before it draws a new formula.
The app runs :func:`warm_up` in a daemon thread as its window appears, so the student's first
formula costs only its own work.
"""

from __future__ import annotations

import threading

from gdsim.core.surfaces import get_surface
from gdsim.core.verdict import reference_minimum

WARM_UP_FORMULA = (
    "sin(x)*cos(y)/(2 + tan(x*y)) + exp(-x^2) - log(1 + y^2) + ln(2 + x^2) + sqrt(1 + x^2)^3"
    " + abs(x - y) + tanh(x) + sigmoid(y) + relu(x) + softplus(y) + min(x, y) + max(x, y, 1.5)"
    " + x^y + 2^x + pi*e"
)
"""Every function and operator of the formula language once, in x and y (a test checks that
a function added to the language is added here too)."""


def warm_up() -> None:
    """Compile :data:`WARM_UP_FORMULA` and run, once, what the explorer runs on a new formula:
    values, gradient, Hessian and the search for the minimum that sets the critical rates."""
    surface = get_surface(WARM_UP_FORMULA)
    start = surface.start
    surface.value(*start)
    surface.gradient(*start)
    surface.hessian(*start)
    reference_minimum(surface, start)


def warm_up_in_background() -> threading.Thread:
    """Start :func:`warm_up` in a daemon thread (it never blocks the window)."""
    thread = threading.Thread(target=warm_up, name="gdsim-formula-warm-up", daemon=True)
    thread.start()
    return thread
