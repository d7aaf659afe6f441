#!/usr/bin/env python3
"""make demo: profiles the bundled demo program (tests/targets/demo.c) from its first request
to its exit, prints memsnoop's report and the files it wrote (BUILD/demo.svg, BUILD/demo.folded, ...)."""
import math
import os
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
os.environ["MEMSNOOP_BUILD"] = build
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

if os.geteuid() != 0:
    sys.exit("demo: memsnoop attaches BPF probes: run as root")
prefix = os.path.join(build, "demo")
cmd = f"{harness.memsnoop_path()} -p PID -o {prefix}"
print(f"demo: starting {harness.target_path('demo')} and running: {cmd}", file=sys.stderr)
truth, status, report, err = harness.profile("demo", "-o", prefix)
sys.stdout.write(report)
sys.stdout.flush()
# the standard error of the leak's estimate at the default rate (Horvitz-Thompson)
n, size = truth["sessions_leaked"], truth["session_size"]
p = -math.expm1(-size / (512 * 1024))
sd = math.sqrt(n * size * size * (1 - p) / p)
print(f"\ndemo: the program says it leaked {truth['bytes_leaked'] / 2**20:.1f} MiB in {n} sessions "
      f"from session_cache_insert;\n"
      f"demo: at one sample per 512 KiB the estimate's standard error is "
      f"{sd / 2**20:.1f} MiB ({100 * sd / truth['bytes_leaked']:.0f}%); -r 1 makes it exact",
      file=sys.stderr)
# memsnoop's last lines: the files it wrote (the flame graph to open in a browser)
print("\n".join(line for line in err.splitlines() if line.startswith("memsnoop: wrote ")),
      file=sys.stderr)
sys.exit(status)
