"""Suite-wide settings: Qt renders offscreen, so the suite needs no display; torch uses one
intra-op thread, as the app's worker does (tiny networks on two contended torch threads train
about 20x slower on a 2-core machine)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch

torch.set_num_threads(1)
