"""The few numbers that bound what any part of gdsim accepts, each defined once, so that the
CLI, the lecture demos, saved sessions and the panels agree on them."""

MAX_SURFACE_STEPS = 20_000
"""The longest run on a loss surface (explorer, demos, sessions, ``gdsim run``). A simulation
is computed in one piece, which a newer request cannot interrupt: 20,000 steps take about a
second here, a run five times longer kept the window "computing..." for 7 s. More steps
would be waited for, not watched."""

MAX_TRAINING_STEPS = 1_000_000
"""The longest network training (builder, sessions, ``gdsim train``). Training runs in small
pieces that pause, stop and change at once, so a long budget costs nothing until it is used:
press Train and watch for as long as the lesson needs."""

MAX_RUNS = 8
"""Runs side by side, on either panel: as many as the palette has distinguishable colours."""
