#!/usr/bin/env python3
"""The live view's cost per tick with many sites: memsnoop's own CPU time (user + system,
from /proc) over a quiet window of a target holding N distinct live sites (every allocation
sampled), with --interval T, minus the same window without a live view, per tick.

    sudo python3 scripts/tick_cost.py [BUILD] [SITES] [INTERVAL]
"""
import os
import re
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
sites = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
os.environ["MEMSNOOP_BUILD"] = build
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

QUIET = 12  # seconds the target stays quiet; measured: 10 of them


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_over_quiet_window(*args):
    target = harness.Target("many_sites", sites, QUIET)
    # the live view goes to a file: a pipe read only at the end would fill and block it
    with tempfile.TemporaryFile("w+") as out:
        # frame pointers: 10000 DWARF stack copies at once would overflow the ring buffer
        ms = subprocess.Popen([harness.memsnoop_path(), "-p", str(target.pid), "-r", "1",
                               "--unwind", "fp", "-n", "10", *args],
                              stdout=out, stderr=subprocess.PIPE, text=True)
        try:
            head = ""
            while "attached" not in head:
                head += ms.stderr.readline()
            target.release()
            line = target.proc.stdout.readline()  # "sites N": every site allocated
            assert line.startswith("sites"), line
            time.sleep(1)  # the last samples resolved
            start, t0 = cpu_s(ms.pid), time.monotonic()
            time.sleep(QUIET - 2)
            used, elapsed = cpu_s(ms.pid) - start, time.monotonic() - t0
            target.finish()
            ms.stderr.read()
            assert ms.wait() == 0
        finally:
            target.kill()
            if ms.poll() is None:
                ms.kill()
        out.seek(0)
        counted = int(re.findall(r"^top \d+ of (\d+) sites", out.read(), re.M)[-1])
    assert counted == sites, f"{counted} sites in the report, not {sites}"
    return used, elapsed


if os.geteuid() != 0:
    sys.exit("tick_cost: memsnoop attaches BPF probes: run as root")
base, _ = cpu_over_quiet_window("--interval", "0")
live, elapsed = cpu_over_quiet_window("--interval", str(interval))
ticks = elapsed / interval
print(f"{sites} sites, --interval {interval}: {ticks:.0f} ticks in {elapsed:.1f} s; "
      f"memsnoop CPU {live * 1000:.0f} ms with the live view, {base * 1000:.0f} ms without: "
      f"{(live - base) / ticks * 1000:.2f} ms per tick")
