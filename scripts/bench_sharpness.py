"""Sharpness's cost, as ratios against baselines timed in the same run (speed is measured here,
never asserted in tests), on the "Edge of stability" lesson's network (1-32-32-1 tanh, 160
training points of the noisy sine, full-batch GD at η = 0.1):

- one measurement: `top_hessian_eigenvalue` cold (20 Hessian-vector products, no early stop)
  and warm (started from the previous eigenvector, stopping at the tolerance, as tracking
  does), each as a multiple of one training step (`TrainingSession.step`).
- tracking: `TrainingSession.run` for 1,000 steps with `sharpness_every` K = 10 and 50,
  against the same run with tracking off, in interleaved rounds. Ratio = tracked time / plain
  time (the median of the rounds' ratios).

Run: `.venv/bin/python scripts/bench_sharpness.py [--json]`. One torch thread, as the app's
worker uses.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace

from _timing import median_seconds

STEPS = 1000
EVERY = (10, 50)


def bench(repeats: int) -> dict[str, float]:
    from gdsim.core.datasets import DatasetParams, make_dataset
    from gdsim.core.network import NetworkSpec
    from gdsim.core.sharpness import ITERATIONS, top_hessian_eigenvalue
    from gdsim.core.training import TrainingConfig, TrainingSession

    data = make_dataset(DatasetParams(name="sine", n=200, noise=0.1))
    spec = NetworkSpec(input_dim=1, hidden=((32, "tanh"), (32, "tanh")), task="regression")
    config = TrainingConfig(optimizer="gd", lr=0.1, steps=100 * STEPS)
    session = TrainingSession(spec, data, config)
    session.step(500)  # near the edge of stability, where tracking spends its time
    x, y = data.x_train, data.y_train

    step = median_seconds(lambda: session.step(100), repeats) / 100
    cold = median_seconds(
        lambda: top_hessian_eigenvalue(session.model, session.loss_fn, x, y, tol=0.0), repeats
    )
    start = top_hessian_eigenvalue(session.model, session.loss_fn, x, y).vector
    warm_result = top_hessian_eigenvalue(session.model, session.loss_fn, x, y, start=start)
    warm = median_seconds(
        lambda: top_hessian_eigenvalue(session.model, session.loss_fn, x, y, start=start), repeats
    )
    document: dict[str, float] = {
        "step_ms": step * 1e3,
        "cold_ms": cold * 1e3,
        "cold_iterations": ITERATIONS,
        "cold_in_steps": cold / step,
        "warm_ms": warm * 1e3,
        "warm_iterations": warm_result.iterations,
        "warm_in_steps": warm / step,
    }

    def run(every: int) -> None:
        TrainingSession(spec, data, replace(config, steps=STEPS, sharpness_every=every)).run()

    # Interleaved rounds, a ratio per round: on a shared machine the load drifts between
    # two blocks of repeats more than tracking costs.
    rounds = [[median_seconds(lambda e=e: run(e), 1) for e in (0, *EVERY)] for _ in range(repeats)]
    document["plain_run_s"] = statistics.median(row[0] for row in rounds)
    for column, every in enumerate(EVERY, 1):
        ratio = statistics.median(row[column] / row[0] for row in rounds)
        document[f"every_{every}_ratio"] = ratio
    return document


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    document = bench(args.repeats)
    if args.json:
        print(json.dumps(document))
        return
    print(
        f"one training step {document['step_ms']:.2f} ms; sharpness, "
        f"{document['cold_iterations']} products: {document['cold_ms']:.1f} ms = "
        f"{document['cold_in_steps']:.1f} steps; warm start ({document['warm_iterations']} "
        f"products): {document['warm_ms']:.2f} ms = {document['warm_in_steps']:.1f} steps"
    )
    print(
        f"{STEPS} steps: off {document['plain_run_s']:.2f} s; every 10 steps "
        f"{document['every_10_ratio']:.2f}x, every 50 steps {document['every_50_ratio']:.2f}x"
    )


if __name__ == "__main__":
    main()
