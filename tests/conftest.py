"""Suite-wide settings: Qt renders offscreen, so the suite needs no display; torch uses one
intra-op thread, as the app's worker does (tiny networks on two contended torch threads train
about 20x slower on a 2-core machine).

The compiled simulation kernel's cache goes to the repository's .pytest_cache (scripts/test
exports the same folder for all its pytest processes, so only the first compiles: ~15 s of CPU),
never to the user's home; and every process loads the kernel before its first test, so that a
test never sees simulate switch from the numpy path to the kernel halfway. The suite runs the
generic kernel alone (GDSIM_KERNEL=generic): a kernel specialised per surface and update rule
compiles for ~1 s each; tests/core/test_kernel_specialised.py checks those on a few surfaces."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GDSIM_KERNEL", "generic")
os.environ.setdefault(
    "GDSIM_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "numba")
)

import torch

torch.set_num_threads(1)

from gdsim.core import kernel  # noqa: E402  (after the cache directory is chosen)

kernel.wait_until_loaded()
