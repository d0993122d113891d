"""The few numbers that bound what any part of gdsim accepts, defined once so that the CLI, the
lecture demos, sessions and both panels agree on them."""

MAX_STEPS = 100_000
"""The longest run, surface or network: enough for every lecture, small enough to finish (a
surface run of this length takes well under a second; a small network's a few seconds)."""

MAX_RUNS = 8
"""Runs side by side, on either panel: as many as the palette has distinguishable colours."""
