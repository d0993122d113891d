"""The LR range test's and the network sweep's cost, as ratios against baselines timed in the
same run (speed is measured here, never asserted in tests):

- range test: `LRRangeTest` (a `TrainingSession` stepped one rate at a time) against a bare
  PyTorch loop doing the same steps (set the rate, zero_grad, forward, loss, backward, step,
  loss.item()) on the same model and data. Ratio = range test time / bare loop time.
- sweep: `NetworkSweep` batched (every rate's network stacked, one forward and backward per
  step) against one `TrainingSession` per rate (batched=False), same rates, steps and data.
  Ratio = one-at-a-time time / batched time (the batch's gain).

Run: `.venv/bin/python scripts/bench_lrfind.py [--json]`. One torch thread, as the app's
worker uses.
"""

from __future__ import annotations

import argparse
import json

from _timing import median_seconds


def bench_range_test(steps: int, repeats: int) -> dict[str, float]:
    import torch

    from gdsim.core.datasets import DatasetParams, make_dataset
    from gdsim.core.lr_finder import LRRangeTest, exponential_ramp
    from gdsim.core.network import NetworkSpec, build_model, loss_function
    from gdsim.core.training import TrainingConfig

    data = make_dataset(DatasetParams(name="circle"))
    spec = NetworkSpec.for_task(data.task, data.input_dim)
    config = TrainingConfig()
    low, high = 1e-4, 1.0  # no blow-up: every step runs in both
    lrs = exponential_ramp(low, high, steps)

    def gdsim_test() -> None:
        result = LRRangeTest(spec, data, config, low, high, steps).run()
        assert result.stopped_at is None

    def bare_loop() -> None:
        model = build_model(spec)
        loss_fn = loss_function(spec.task)
        optimizer = torch.optim.SGD(model.parameters(), lr=low)
        for lr in [*lrs, lrs[-1]]:  # the range test's one extra step measures the last loss
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            optimizer.zero_grad()
            loss = loss_fn(model(data.x_train), data.y_train)
            loss.backward()
            optimizer.step()
            loss.item()

    ours = median_seconds(gdsim_test, repeats)
    bare = median_seconds(bare_loop, repeats)
    return {"steps": steps, "range_test_s": ours, "bare_loop_s": bare, "ratio": ours / bare}


def bench_sweep(rates: int, steps: int, dataset: str, width: int, repeats: int) -> dict[str, float]:
    from gdsim.core.datasets import DatasetParams, make_dataset
    from gdsim.core.network import NetworkSpec
    from gdsim.core.network_sweep import NetworkSweep, sweep_rates
    from gdsim.core.training import TrainingConfig

    data = make_dataset(DatasetParams(name=dataset))
    spec = NetworkSpec.for_task(
        data.task, data.input_dim, data.n_classes, hidden=((width, "relu"),)
    )
    config = TrainingConfig()
    lrs = sweep_rates(1e-3, 100.0, rates)

    def run(batched: bool) -> None:
        NetworkSweep(spec, data, config, lrs, steps, batched=batched).run()

    batched = median_seconds(lambda: run(True), repeats)
    single = median_seconds(lambda: run(False), repeats)
    return {
        "dataset": dataset,
        "width": width,
        "rates": rates,
        "steps": steps,
        "batched_s": batched,
        "one_at_a_time_s": single,
        "gain": single / batched,
    }


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    document = {
        "range_test": bench_range_test(1000, args.repeats),
        "sweep": [
            bench_sweep(30, 200, "circle", 16, args.repeats),
            bench_sweep(60, 200, "circle", 16, args.repeats),
            bench_sweep(30, 200, "spiral", 64, args.repeats),
        ],
    }
    if args.json:
        print(json.dumps(document))
        return
    test = document["range_test"]
    print(
        f"range test, {test['steps']} steps: {test['range_test_s'] * 1e3:.0f} ms, bare torch loop "
        f"{test['bare_loop_s'] * 1e3:.0f} ms: ratio {test['ratio']:.2f}"
    )
    for sweep in document["sweep"]:
        print(
            f"sweep {sweep['rates']} rates x {sweep['steps']} steps, {sweep['dataset']} width "
            f"{sweep['width']}: batched {sweep['batched_s']:.2f} s, one at a time "
            f"{sweep['one_at_a_time_s']:.2f} s: batch gain {sweep['gain']:.1f}x"
        )


if __name__ == "__main__":
    main()
