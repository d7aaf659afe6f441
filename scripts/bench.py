#!/usr/bin/env python3
"""make bench: the cost memsnoop adds to a malloc-heavy loop (tests/targets/bench_churn.c),
side by side with the untraced loop in one run, alternating, median of RUNS runs."""
import os
import statistics
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
os.environ["MEMSNOOP_BUILD"] = build
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

RUNS = 5
PAIRS = 200000
CONFIGS = [("untraced", None), ("memsnoop default rate (512K)", []), ("memsnoop -r 1", ["-r", "1"])]


def run_once(args):
    if args is None:
        target = harness.Target("bench_churn", PAIRS)
        target.release()
        status, truth = target.finish()
        assert status == 0
        return truth["ns_per_pair"]
    truth, status, _, err = harness.profile("bench_churn", *args, target_args=[PAIRS])
    assert status == 0, err
    return truth["ns_per_pair"]


def main():
    if os.geteuid() != 0:
        sys.exit("bench: memsnoop attaches BPF probes: run as root")
    results = {name: [] for name, _ in CONFIGS}
    for _ in range(RUNS):
        for name, args in CONFIGS:  # alternate, so that drift on a shared machine spreads evenly
            results[name].append(run_once(args))
    base = statistics.median(results["untraced"])
    print(f"malloc+free pairs of 16..1039 bytes, {PAIRS} per run, median of {RUNS} runs")
    print(f"{'':32} {'ns/pair':>10} {'added ns':>10} {'ratio':>8}")
    for name, _ in CONFIGS:
        med = statistics.median(results[name])
        print(f"{name:32} {med:10.0f} {med - base:10.0f} {med / base:7.1f}x")


if __name__ == "__main__":
    main()
