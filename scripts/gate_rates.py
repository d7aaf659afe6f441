#!/usr/bin/env python3
"""How often the leak gate and the diff gate decide wrongly at a sampling rate.

Usage (root): python3 scripts/gate_rates.py BUILD RUNS [RATE]

With BUILD's memsnoop and BUILD/tests/targets/leak_chain (1000-byte blocks):
- gate5x: --fail-on-leak 100K on a program that leaks 520,000 B (5.1x the bound), launched,
  at -r RATE (default 512K, given explicitly): a pass (exit 0) is a false pass;
- gate1x: the same bound, 104,000 B leaked (just above it);
- aa: two profiles of one program leaking 2,080,000 B, diffed with --fail-above 1M: a fail
  (exit 3) is a false fail.
Prints, per case, how many runs ended with each exit status.
"""
import collections
import os
import subprocess
import sys
import tempfile


def launch(ms, target, blocks, args):
    return subprocess.run([ms, *args, "--", target, str(blocks)], input="g",
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def main():
    build, runs = sys.argv[1], int(sys.argv[2])
    rate = sys.argv[3] if len(sys.argv) > 3 else "512K"
    ms = os.path.join(build, "memsnoop")
    target = os.path.join(build, "tests", "targets", "leak_chain")
    cases = collections.OrderedDict((k, collections.Counter()) for k in ("gate5x", "gate1x", "aa"))
    with tempfile.TemporaryDirectory() as work:
        for _ in range(runs):
            for name, blocks in (("gate5x", 520), ("gate1x", 104)):
                p = launch(ms, target, blocks, ["-r", rate, "--fail-on-leak", "100K",
                                                "--no-fail-on-loss"])
                cases[name][p.returncode] += 1
            for side in ("a", "b"):
                launch(ms, target, 2080, ["-r", rate, "-o", os.path.join(work, side)])
            p = subprocess.run([ms, "diff", os.path.join(work, "a.pb.gz"),
                                os.path.join(work, "b.pb.gz"), "--fail-above", "1M"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            cases["aa"][p.returncode] += 1
    for name, counts in cases.items():
        print(f"{name}: " + ", ".join(f"exit {k}: {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
