"""Hundreds of generated formulas typed into the surface explorer, overflowing ones included:
none may raise (pytest-qt fails a test on any exception in the event loop, paint events
included), and after each one the panel shows that formula's verdict, or its error in the
message area with the previous surface kept."""

from __future__ import annotations

import random

from PySide6 import QtCore, QtWidgets

from gdsim.ui.widgets.verdict_badge import verdict_text

FORMULAS = 300
KNOWN_BREAKERS = (
    "1e308*w*w",
    "tan(w)*1e308",
    "relu(w)*1e308",
    "tan(x)*1e308 + y",
    "5e-324*w",
    "(0*w)**(-1/w)",
    "(0*x)**(-1/y)+x",
    "0*x + 1",
    "max(w, log(-1-w**2))",
    "log(-1-w**2)",
    "1e309",
)
"""Formulas that once broke the panel or the parser (issue 11 and its reviews), typed first."""
NUMBERS = ("5e-324", "1e-300", "1e-12", "0.5", "2", "3.7", "1e6", "1e150", "1e300", "1e308")
UNARY = ("tan", "exp", "log", "relu", "sin", "sqrt", "abs", "tanh", "sigmoid", "softplus")


def _term(rng: random.Random, variables: tuple[str, ...], depth: int) -> str:
    """One random expression of the README's grammar (numbers from 5e-324 to 1e308)."""
    choice = rng.randrange(7 if depth < 3 else 2)
    if choice == 0:
        return rng.choice(NUMBERS)
    if choice == 1:
        return rng.choice(variables)
    inner = _term(rng, variables, depth + 1)
    other = _term(rng, variables, depth + 1)
    if choice == 2:
        return f"{rng.choice(UNARY)}({inner})"
    if choice == 3:
        return f"({inner}) {rng.choice('+-*/')} ({other})"
    if choice == 4:
        return f"{rng.choice(('min', 'max'))}({inner}, {other})"
    if choice == 5:
        return f"1/({inner})"
    return f"({inner})**{rng.choice(('2', '3', '0.5'))}"


def generated_formulas(count: int, seed: int = 11) -> list[str]:
    """Half 1D (w), half 2D (x, y); each mentions its variables so its dimension is known."""
    rng = random.Random(seed)
    formulas = []
    for index in range(count):
        variables = ("w",) if index % 2 == 0 else ("x", "y")
        anchor = " + ".join(f"{rng.choice(NUMBERS)}*{v}" for v in variables)
        formulas.append(f"{_term(rng, variables, 0)} + {anchor}")
    return formulas


def test_the_generator_covers_the_overflowing_and_subnormal_cases():
    text = " ".join(generated_formulas(FORMULAS))
    for needed in ("1e308", "5e-324", "tan(", "exp(", "log(", "1/(", "relu(", "min(", "max("):
        assert needed in text


def test_typing_hundreds_of_generated_formulas_never_raises_and_never_shows_stale_text(
    surface_panel, qtbot
):
    panel = surface_panel
    edit = panel.findChild(QtWidgets.QLineEdit, "expressionEdit")
    error = panel.findChild(QtWidgets.QLabel, "expressionError")
    badge = panel.findChild(QtWidgets.QLabel, "regimeLabel")
    description = panel.findChild(QtWidgets.QLabel, "descriptionLabel")
    for formula in (*KNOWN_BREAKERS, *generated_formulas(FORMULAS)):
        before = panel.surface()
        edit.setText(formula)
        qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
        if error.isVisible():
            assert error.text() and "\n" not in error.text()
            assert panel.surface() is before, formula
            continue
        assert panel.surface().expression == formula
        qtbot.waitUntil(lambda: panel.result() is not None, timeout=10_000)
        assert badge.text().endswith(verdict_text(panel.verdicts()[0])), formula
        assert description.text() == panel.surface().description
        panel.grab()  # paints every axis and item now: a paint error fails the test
