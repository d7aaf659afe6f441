#!/usr/bin/env python3
"""make bench: what memsnoop costs its target, measured side by side in one run.

1. A malloc-heavy loop (tests/targets/bench_churn.c: malloc+free pairs of 16..1039 bytes,
   1 and 2 threads), untraced and under memsnoop (default rate, -r 1, --alloc-only, classic
   uprobes) and under bpftrace (a malloc uprobe recording ustack), alternating, median of RUNS.
   The same loop in C++ (tests/targets/bench_new.cc: new[]+delete[]), untraced and at the
   default rate: under glibc + libstdc++ only malloc and free are probed, so a new+delete pair
   must cost what a malloc+free pair does.
2. redis-server (jemalloc) under redis-benchmark SET, GET, LPUSH on loopback, untraced and
   with memsnoop attached at the default rate, alternating, median of RUNS.
3. memsnoop's own CPU (user + system, per second of the run) and peak RSS during those runs.
4. Debian's own programs launched with `memsnoop -r 1 --`: what the kernel unwinder loses
   against the stack copy + libdw (--unwind dwarf-copy), memsnoop's peak RSS, the unwind tables.
5. The BPF programs' own run time per malloc+free pair at -r 1 with a 20-frame stack, by
   unwinding mode (kernel.bpf_stats_enabled, switched on for the measure only).
6. Programs the kernel must unwind by itself, at -r 1: clang++ (libLLVM and libclang-cpp, ~2
   million rows of unwind tables) and a pre-forking server under --cgroup (its workers sample
   before memsnoop has read them): samples, lost, stack copies, memsnoop's CPU and peak RSS,
   the kernel memory of the tables.

6. The modes as tiers (snmalloc's table of its statistics levels): untraced, the trap floor
   (no-op probes at the same sites, 1 and 2 traps a call), --count-only, --alloc-only, the
   default, -r 1, on the loop and on redis; and what the size classes add to a mode.

Prints the tables and rewrites BENCHMARKS.md with them. `bench.py BUILD SECTION...` runs only
the sections named (loop, redis, programs, bpf, cgroup, tiers, unwind) and writes nothing.
"""
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
os.environ["MEMSNOOP_BUILD"] = build
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(root, "tests", "e2e"))
import harness  # noqa: E402

RUNS = 5
PAIRS = 200000
REDIS_REQUESTS = 100000
REDIS_TESTS = ("SET", "GET", "LPUSH")
REDIS_CONFIGS = [("untraced", None), ("memsnoop", []), ("memsnoop --alloc-only", ["--alloc-only"])]

CHURN_CONFIGS = [
    ("untraced", None),
    ("memsnoop (default rate 512K)", []),
    ("memsnoop -r 1", ["-r", "1"]),
    ("memsnoop -r 1 --unwind fp", ["-r", "1", "--unwind", "fp"]),
    ("memsnoop -r 1 --unwind dwarf-copy", ["-r", "1", "--unwind", "dwarf-copy"]),
    ("memsnoop --alloc-only", ["--alloc-only"]),
    ("memsnoop --uprobe-mode classic", ["--uprobe-mode", "classic"]),
    ("bpftrace malloc + ustack", "bpftrace"),
]


def libc_of(pid):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/libc\.so\.6$", path):
                return path
    raise RuntimeError("no libc mapped")


def perf_fds(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[perf_event]"
        except OSError:
            pass
    return n


def run_bpftrace(target):
    """bpftrace's equivalent of a sampling-free heap profiler: every malloc, its stack."""
    script = f"uprobe:{libc_of(target.pid)}:malloc {{ @[ustack] = count(); }}"
    bt = subprocess.Popen(["bpftrace", "-p", str(target.pid), "-e", script],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # bpftrace prints nothing once attached; it opens one perf event per CPU for its output,
    # then the uprobe's: that last fd is the signal
    deadline = time.monotonic() + 60
    while perf_fds(bt.pid) < os.cpu_count() + 1:
        if bt.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("bpftrace did not attach")
        time.sleep(0.01)
    target.release()
    status, truth = target.finish()
    bt.send_signal(signal.SIGINT)
    bt.wait(60)
    assert status == 0
    return truth["ns_per_pair"], None


def run_churn(args, threads, loop="bench_churn", env=None, key="ns_per_pair"):
    target = harness.Target(loop, PAIRS, threads)
    try:
        if args is None:
            target.release()
            status, truth = target.finish()
            assert status == 0
            return truth[key], None
        if args == "bpftrace":
            return run_bpftrace(target)
        ms = harness.Memsnoop("-p", target.pid, *args, env=env)
        ms.wait_attached()
        start = time.monotonic()
        target.release()
        status, truth = target.finish()
        assert status == 0
        wall = time.monotonic() - start
        mstatus, _, err = ms.finish()
        assert mstatus == 0, err
        return truth[key], usage_of(ms, wall)
    finally:
        target.kill()


def usage_of(ms, wall):
    """(start-up CPU s, CPU share of one core while attached, peak RSS KiB, wall s) of a run."""
    return ms.cpu_at_attach, (ms.cpu_s - ms.cpu_at_attach) / wall, ms.maxrss_kib, wall


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_benchmark(port):
    out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q", "--csv",
                          "-n", str(REDIS_REQUESTS), "-t", ",".join(REDIS_TESTS).lower()],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    rps = {}
    for line in out.splitlines():
        cols = [c.strip('"') for c in line.split(",")]
        if cols[0] in REDIS_TESTS:
            rps[cols[0]] = float(cols[1])
    return rps


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_redis(configs=REDIS_CONFIGS, cpu=None):
    """Requests/s of each config; with cpu, a dict, also the server's own CPU seconds per
    benchmark (the traps and BPF programs run on its threads) appended under each name."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        results = {name: [] for name, *_ in configs}
        usage = {name: [] for name, args, *_ in configs if args is not None}
        for _ in range(RUNS):
            for name, args, *env in configs:
                if args is None:
                    before = proc_cpu_s(server.pid)
                    results[name].append(redis_benchmark(port))
                    if cpu is not None:
                        cpu.setdefault(name, []).append(proc_cpu_s(server.pid) - before)
                    continue
                ms = harness.Memsnoop("-p", server.pid, *args, env=env[0] if env else None)
                ms.wait_attached()
                start = time.monotonic()
                before = proc_cpu_s(server.pid)
                results[name].append(redis_benchmark(port))
                if cpu is not None:
                    cpu.setdefault(name, []).append(proc_cpu_s(server.pid) - before)
                wall = time.monotonic() - start
                status, _, err = ms.stop(signal.SIGINT)
                assert status == 0, err
                usage[name].append(usage_of(ms, wall))
        return results, usage
    finally:
        server.terminate()
        server.wait(30)


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


SQLITE_INSERTS = 20000
CXX_SOURCE = """#include <iostream>
#include <map>
#include <string>
#include <vector>
int main()
{
	std::map<std::string, std::vector<int>> m;
	for (int i = 0; i < 100; i++)
		m[std::to_string(i)].push_back(i);
	for (const auto &[k, v] : m)
		std::cout << k << ' ' << v.size() << '\\n';
}
"""


def programs(tmp):
    """(name, memsnoop options, command) of the Debian programs launched at -r 1."""
    sql = os.path.join(tmp, "inserts.sql")
    with open(sql, "w") as f:
        f.write("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);\nBEGIN;\n")
        for i in range(SQLITE_INSERTS):
            f.write(f"INSERT INTO t(name, v) VALUES('name-{i}', {i}.5);\n")
        f.write("COMMIT;\nSELECT count(*), sum(v) FROM t;\n")
    cxx = os.path.join(tmp, "small.cc")
    with open(cxx, "w") as f:
        f.write(CXX_SOURCE)
    doc = os.path.join(tmp, "doc.json")
    with open(doc, "w") as f:
        f.write("[" + ",".join(f'{{"id": {i}, "tags": ["a", "b", "c"]}}' for i in range(20000)) + "]")
    return [
        (f"sqlite3 ({SQLITE_INSERTS} inserts)", [],
         ["sqlite3", os.path.join(tmp, "db.sqlite"), f".read {sql}"]),
        ("git log", [], ["git", "-C", root, "log", "--stat"]),
        ("python3", [], ["/usr/bin/python3", "-c",
                         "import json; json.loads(json.dumps([{'k%d' % i: [i] * 5} "
                         "for i in range(100000)]))"]),
        ("jq", [], ["jq", "-c", "map(.tags | length) | add", doc]),
        ("g++ -c (cc1plus)", ["--follow-forks"], ["g++", "-O1", "-c", cxx, "-o",
                                                   os.path.join(tmp, "small.o")]),
    ]


LOSS = re.compile(r"WARNING: (\d+) events lost \(([\d.]+)% of sampled allocations\)")
TABLES = re.compile(r"unwind tables: (\d+) files loaded .*?, (\d+) rows now, \d+ KiB of kernel "
                    r"memory \(peak (\d+) KiB, .*?compiled in ([\d.]+) ms, loaded in ([\d.]+) ms; "
                    r"(\d+) samples sent as stack copies")
COPIES = re.compile(r"(\d+) samples sent as stack copies")
# the kernel memory of the tables: at its peak, or (before tables were per file) as loaded
TABLE_KIB = re.compile(r"of kernel memory \(peak (\d+) KiB|unwind tables: \d+ files .*?, \d+ rows, "
                       r"(\d+) KiB, compiled")
OWN_RSS = re.compile(r"own usage: peak RSS (\d+) KiB")
CALLS = re.compile(r"^  all allocations\s+(\d+)", re.M)
SAMPLES = re.compile(r"^estimated .*\(from (\d+) samples\)", re.M)


def launch_measured(args, command):
    """memsnoop -r 1 ARGS -- COMMAND: (stderr, peak RSS KiB, wall s)."""
    start = time.monotonic()
    p = subprocess.Popen([harness.memsnoop_path(), "-r", "1", "--no-fail-on-loss", "-v", *args,
                          "--", *command], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    assert p.returncode == 0, err
    # memsnoop's own peak (-v): wait4's would be the largest of memsnoop and the program
    own = OWN_RSS.search(err)
    assert own, err
    return err, int(own.group(1)), time.monotonic() - start


def bench_programs(say):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        say("| program | unwinding | allocations (exact) | samples | lost | memsnoop peak RSS, MiB "
            "| wall, s |")
        say("|---|---|---:|---:|---:|---:|---:|")
        tables = []
        for name, opts, command in programs(tmp):
            for mode in ("dwarf-copy", "dwarf"):
                if os.path.exists(os.path.join(tmp, "db.sqlite")):
                    os.unlink(os.path.join(tmp, "db.sqlite"))
                err, rss, wall = launch_measured([*opts, "--unwind", mode], command)
                lost = LOSS.search(err)
                calls = sum(int(c) for c in CALLS.findall(err))
                samples = sum(int(s) for s in SAMPLES.findall(err))
                say(f"| {name} | {mode} | {calls} | {samples} | "
                    f"{lost.group(2) + '%' if lost else '0'} | {rss / 1024:.1f} | {wall:.2f} |")
                t = TABLES.search(err)
                if mode == "dwarf" and t:
                    tables.append((name, *t.groups()))
        say("")
        say("Unwind tables of those runs (--unwind dwarf): every file the program mapped "
            "executable, compiled once per build ID and loaded into the kernel.")
        say("")
        say("| program | files | rows | peak KiB | compile, ms | load, ms | samples sent as copies |")
        say("|---|---:|---:|---:|---:|---:|---:|")
        for name, files, rows, kib, build, load, copies in tables:
            say(f"| {name} | {files} | {rows} | {kib} | {build} | {load} | {copies} |")


def unwind_row(name, err, cpu_s):
    """A row of the unwinding table from memsnoop -v's stderr."""
    lost = LOSS.search(err)
    samples = sum(int(x) for x in SAMPLES.findall(err))
    copies = COPIES.search(err)
    kib = TABLE_KIB.search(err)
    rss = OWN_RSS.search(err)
    return (f"| {name} | {samples} | {lost.group(2) + '%' if lost else '0'} | "
            f"{copies.group(1) if copies else '-'} | {cpu_s:.2f} | "
            f"{int(rss.group(1)) / 1024:.1f} | {(kib.group(1) or kib.group(2)) if kib else '-'} |")


def measured(args):
    """memsnoop -v ARGS: its stderr."""
    p = subprocess.run([harness.memsnoop_path(), "-v", "--no-fail-on-loss", *args],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    assert p.returncode == 0, p.stderr
    return p.stderr


FORK_WORKERS, FORK_REQUESTS = 32, 5000


def bench_unwind(say):
    import tempfile
    say("| program | samples | lost | stack copies | memsnoop CPU, s | memsnoop peak RSS, MiB "
        "| kernel memory for tables, KiB |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        cxx = os.path.join(tmp, "x.cc")
        with open(cxx, "w") as f:
            f.write(CXX_SOURCE)
        # a launched program: wait4 would add the program's CPU to memsnoop's; -v's own
        # usage line has memsnoop's alone
        err = measured(["-r", "1", "--follow-forks", "--", "clang++", "-std=c++17", "-O1",
                           "-c", cxx, "-o", os.path.join(tmp, "x.o")])
        say(unwind_row("clang++ -std=c++17 -O1 -c x.cc", err, own_cpu(err)))
    mount = harness.cgroup_v2_mount()
    if not mount:
        return
    cg = os.path.join(mount, f"memsnoop-bench-{os.getpid()}")
    os.mkdir(cg)
    try:
        target = harness.Target("fork_server", FORK_WORKERS, FORK_REQUESTS)
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(target.pid))
        ms = harness.Memsnoop("--cgroup", cg[len(mount):] or "/", "--until-empty", "-r", "1",
                              "-v", "--no-fail-on-loss")
        ms.wait_attached()
        target.release()
        status, _ = target.finish()
        assert status == 0
        mstatus, report, err = ms.finish()
        assert mstatus == 0, err
        say(unwind_row(f"fork_server: {FORK_WORKERS} forked workers x {FORK_REQUESTS} requests, "
                       "--cgroup", report + err, ms.cpu_s))
    finally:
        os.rmdir(cg)


OWN_CPU = re.compile(r"own usage: peak RSS \d+ KiB, CPU ([\d.]+) s")


def own_cpu(err):
    m = OWN_CPU.search(err)
    return float(m.group(1)) if m else float("nan")


def prog_ids(pid):
    ids = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:bpf-prog":
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    ids += [int(l.split()[1]) for l in f if l.startswith("prog_id")]
        except OSError:
            pass
    return ids


def bpf_run_time_ns(ids):
    total = 0
    for i in ids:
        out = subprocess.run(["bpftool", "prog", "show", "id", str(i), "-j"], capture_output=True,
                             text=True, check=True).stdout
        total += json.loads(out).get("run_time_ns", 0)
    return total


BPF_DEPTH = 17  # + churn, thread_main, start_thread, clone3: 20 frames at malloc's caller


def bench_bpf(say):
    """BPF run time per pair at -r 1, with a 20-frame stack, by unwinding mode."""
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        was = f.read().strip()
    results = {}
    try:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("1")
        for _ in range(RUNS):
            for mode in ("fp", "dwarf"):
                target = harness.Target("bench_churn", PAIRS, 1, BPF_DEPTH)
                try:
                    ms = harness.Memsnoop("-p", target.pid, "-r", "1", "--unwind", mode)
                    ms.wait_attached()
                    ids = prog_ids(ms.proc.pid)
                    before = bpf_run_time_ns(ids)
                    target.release()
                    status, _ = target.finish()
                    after = bpf_run_time_ns(ids)
                    assert status == 0 and ms.finish()[0] == 0
                    results.setdefault(mode, []).append((after - before) / PAIRS)
                finally:
                    target.kill()
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(was)
    say("| unwinding | BPF run time per malloc+free pair, ns |")
    say("|---|---:|")
    for mode, runs in results.items():
        say(f"| {mode} | {statistics.median(runs):.0f} |")
    say("")
    say(f"The in-kernel walk of a 20-frame stack costs the difference: "
        f"{statistics.median(results['dwarf']) - statistics.median(results['fp']):.0f} ns per "
        "sampled allocation.")


# The tiers, as snmalloc tabulates its statistics levels: every mode against the trap floor,
# probes at the same sites that do nothing (MEMSNOOP_BENCH_PROBES, a bench-only knob), with
# one trap a call (what a session uprobe's entry costs) and two (entry and return).
BENCH_ENV = "MEMSNOOP_BENCH_PROBES"
TIER_CONFIGS = [
    ("untraced", None, None),
    ("floor: no-op probes, 1 trap a call", [], {BENCH_ENV: "noop1"}),
    ("floor: no-op probes, 2 traps a call", [], {BENCH_ENV: "noop2"}),
    ("--count-only", ["--count-only"], None),
    ("--count-only, no size classes", ["--count-only"], {BENCH_ENV: "no-size-classes"}),
    ("--alloc-only", ["--alloc-only"], None),
    ("default (512K)", [], None),
    ("default, no size classes", [], {BENCH_ENV: "no-size-classes"}),
    ("-r 1", ["-r", "1"], None),
]
FLOOR = "floor: no-op probes, 2 traps a call"
TIER_RUNS = 9


def spread(runs):
    """The runs' half range, beside the median: what noise is in this table."""
    return (max(runs) - min(runs)) / 2


def bench_tiers(say):
    """Every mode on the malloc+free loop (1 thread) and on redis, against the floors."""
    results = {name: [] for name, *_ in TIER_CONFIGS}
    for _ in range(TIER_RUNS):
        for name, args, env in TIER_CONFIGS:  # alternating: drift spreads over every config
            results[name].append(run_churn(args, 1, env=env, key="cpu_ns_per_pair")[0])
    say(f"### Modes against the trap floor: the malloc+free loop, 1 thread, {PAIRS} pairs, "
        f"the loop's CPU time (traps and BPF programs included), median of {TIER_RUNS} runs "
        "(± half the range)")
    say("")
    say("| mode | CPU ns per pair | ± | added to untraced | added to the 2-trap floor |")
    say("|---|---:|---:|---:|---:|")
    base = statistics.median(results["untraced"])
    floor = statistics.median(results[FLOOR])
    for name, *_ in TIER_CONFIGS:
        med = statistics.median(results[name])
        say(f"| {name} | {med:.0f} | {spread(results[name]):.0f} | {med - base:.0f} | "
            f"{med - floor:+.0f} |")
    for mode, plain in (("--count-only", "--count-only, no size classes"),
                        ("default (512K)", "default, no size classes")):
        diff = statistics.median(results[mode]) - statistics.median(results[plain])
        noise = max(spread(results[mode]), spread(results[plain]))
        say("")
        say(f"Size classes, {mode}: {diff:+.0f} ns per pair against the same mode without them; "
            f"the runs' noise ±{noise:.0f} ns ({'within' if abs(diff) <= noise else 'beyond'} "
            "noise).")
    if not shutil.which("redis-server"):
        return
    cpu = {}
    redis, _ = bench_redis(TIER_CONFIGS, cpu)
    requests = REDIS_REQUESTS * len(REDIS_TESTS)
    us = {name: [1e6 * c / requests for c in runs] for name, runs in cpu.items()}
    say("")
    say(f"### Modes against the trap floor: redis-server (jemalloc), {REDIS_REQUESTS} requests "
        f"per test, median of {RUNS} runs: the server's CPU per request (traps and BPF programs "
        "included) and requests/s (ratio to untraced)")
    say("")
    say("| mode | server CPU µs per request | ± | added to the 2-trap floor | "
        + " | ".join(f"{t} requests/s" for t in REDIS_TESTS) + " |")
    say("|---|---:|---:|---:|" + "---:|" * len(REDIS_TESTS))
    floor_us = statistics.median(us[FLOOR])
    for name, *_ in TIER_CONFIGS:
        cells = []
        for t in REDIS_TESTS:
            rps = median_of(redis[name], t)
            cells.append(f"{rps:.0f} ({rps / median_of(redis['untraced'], t):.2f})")
        med = statistics.median(us[name])
        say(f"| {name} | {med:.2f} | {spread(us[name]):.2f} | {med - floor_us:+.2f} | "
            + " | ".join(cells) + " |")


def run_churn_cgroup(cg, inside):
    """The loop under `memsnoop --cgroup cg` (default rate), run inside the cgroup or outside
    it while the cgroup's own process maps the same libc. (ns per pair, None)"""
    target = harness.Target("bench_churn", PAIRS, 1)
    try:
        if inside:
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(target.pid))
        ms = harness.Memsnoop("--cgroup", cg)
        ms.wait_attached()
        target.release()
        status, truth = target.finish()
        assert status == 0
        mstatus, _, err = ms.stop()
        assert mstatus == 0, err
        return truth["ns_per_pair"]
    finally:
        target.kill()


def bench_cgroup(say):
    """--cgroup probes libc without a PID filter: what a process outside the cgroup that maps
    the same libc pays per malloc+free pair, beside one inside it."""
    mount = harness.cgroup_v2_mount()
    if not mount:
        say("(no cgroup v2 hierarchy: --cgroup not measured)")
        return
    cg = os.path.join(mount, f"memsnoop-bench-{os.getpid()}")
    os.mkdir(cg)
    keeper = subprocess.Popen(["sleep", "3600"])  # maps libc, keeps the cgroup's probes there
    try:
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(keeper.pid))
        results = {"untraced": [], "outside the cgroup": [], "inside the cgroup": []}
        for _ in range(RUNS):
            results["untraced"].append(run_churn(None, 1)[0])
            results["outside the cgroup"].append(run_churn_cgroup(cg, False))
            results["inside the cgroup"].append(run_churn_cgroup(cg, True))
        say(f"### --cgroup: the malloc+free loop outside and inside a profiled cgroup, 1 thread, "
            f"median of {RUNS} runs")
        say("")
        say("| loop | ns per pair | added ns per pair |")
        say("|---|---:|---:|")
        base = statistics.median(results["untraced"])
        for name, runs in results.items():
            med = statistics.median(runs)
            say(f"| {name} | {med:.0f} | {med - base:.0f} |")
    finally:
        keeper.kill()
        keeper.wait()
        os.rmdir(cg)


def main():
    if os.geteuid() != 0:
        sys.exit("bench: memsnoop attaches BPF probes: run as root")
    only = set(sys.argv[2:])
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)

    if only:
        if "programs" in only:
            bench_programs(say)
        if "bpf" in only:
            bench_bpf(say)
        if "cgroup" in only:
            bench_cgroup(say)
        if "tiers" in only:
            bench_tiers(say)
        if "unwind" in only:
            bench_unwind(say)
        return

    usage = {}
    say(f"### malloc+free loop, {PAIRS} pairs per thread, median of {RUNS} runs")
    say("")
    say("| threads | configuration | ns per pair | added ns per pair | ratio to untraced |")
    say("|---:|---|---:|---:|---:|")
    for threads in (1, 2):
        results = {name: [] for name, _ in CHURN_CONFIGS}
        for _ in range(RUNS):
            for name, args in CHURN_CONFIGS:  # alternating: drift spreads over every config
                ns, use = run_churn(args, threads)
                results[name].append(ns)
                if use:
                    usage.setdefault(f"loop, {threads} thread{'s' if threads > 1 else ''}, "
                                     f"{name}", []).append(use)
        base = statistics.median(results["untraced"])
        for name, _ in CHURN_CONFIGS:
            med = statistics.median(results[name])
            say(f"| {threads} | {name} | {med:.0f} | {med - base:.0f} | {med / base:.1f}x |")

    say("")
    say(f"### new[]+delete[] against malloc+free (glibc + libstdc++), 1 thread, median of {RUNS} runs")
    say("")
    say("| loop | untraced ns per pair | memsnoop (default rate) ns per pair | added ns per pair |")
    say("|---|---:|---:|---:|")
    loops = {loop: {"untraced": [], "memsnoop": []} for loop in ("bench_churn", "bench_new")}
    for _ in range(RUNS):
        for loop, results in loops.items():
            results["untraced"].append(run_churn(None, 1, loop)[0])
            results["memsnoop"].append(run_churn([], 1, loop)[0])
    for loop, results in loops.items():
        base, traced = (statistics.median(results[k]) for k in ("untraced", "memsnoop"))
        name = "malloc+free" if loop == "bench_churn" else "new[]+delete[]"
        say(f"| {name} | {base:.0f} | {traced:.0f} | {traced - base:.0f} |")

    say("")
    bench_cgroup(say)

    say("")
    bench_tiers(say)

    say("")
    say(f"### redis-server (jemalloc) under redis-benchmark, {REDIS_REQUESTS} requests per "
        f"test, median of {RUNS} runs")
    say("")
    redis, redis_usage = bench_redis()
    say("| test | untraced requests/s | " + " | ".join(
        f"{name} requests/s | ratio" for name, args in REDIS_CONFIGS if args is not None) + " |")
    say("|---|---:|" + "---:|---:|" * (len(REDIS_CONFIGS) - 1))
    for test in REDIS_TESTS:
        base = median_of(redis["untraced"], test)
        cells = []
        for name, args in REDIS_CONFIGS:
            if args is not None:
                traced = median_of(redis[name], test)
                cells.append(f"{traced:.0f} | {traced / base:.2f}")
        say(f"| {test} | {base:.0f} | " + " | ".join(cells) + " |")
    for name, runs in redis_usage.items():
        usage[f"redis, {name}"] = runs

    say("")
    say("### memsnoop itself during those runs (medians)")
    say("")
    say("Start-up is loading and verifying the BPF programs and reading the targets' ELF files.")
    say("The loop runs last ~0.3 s, so their CPU while attached is mostly one-time work (the")
    say("first symbolization of libc with its debug info, the detach); the redis runs (~4 s) show")
    say("the steady state.")
    say("")
    say("| run | start-up CPU, ms | CPU while attached, ms | same, % of one core | peak RSS, MiB |")
    say("|---|---:|---:|---:|---:|")
    for name, runs in usage.items():
        say(f"| {name} | {1000 * statistics.median(u[0] for u in runs):.0f} | "
            f"{1000 * statistics.median(u[1] * u[3] for u in runs):.0f} | "
            f"{100 * statistics.median(u[1] for u in runs):.1f} | "
            f"{statistics.median(u[2] for u in runs) / 1024:.1f} |")

    say("")
    say("### Debian programs launched with `memsnoop -r 1 --no-fail-on-loss -- PROGRAM`")
    say("")
    bench_programs(say)
    say("")
    say("### Programs the kernel unwinds by itself, at -r 1 (`memsnoop -r 1 -v`)")
    say("")
    bench_unwind(say)
    say("")
    say(f"### BPF cost of a sampled allocation, {PAIRS} pairs at -r 1, stack 20 frames deep, "
        f"median of {RUNS} runs")
    say("")
    bench_bpf(say)

    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                      if l.startswith("model name")), "?")
    header = [
        "# memsnoop benchmarks",
        "",
        "Regenerated by `sudo make bench` (scripts/bench.py); every figure below comes from one",
        "run of it, configurations alternating, medians of several runs.",
        "",
        f"- machine: {os.cpu_count()} x {cpu_model}, {platform.machine()}",
        f"- kernel: {platform.release()}",
        f"- date: {datetime.date.today().isoformat()}",
        f"- loop: `{harness.target_path('bench_churn')} {PAIRS} THREADS`, traced with "
        f"`memsnoop -p PID [options]` or `bpftrace -p PID -e 'uprobe:LIBC:malloc "
        "{ @[ustack] = count(); }'`",
        f"- redis: `redis-server --port PORT --save '' --appendonly no`, `redis-benchmark -q "
        f"--csv -n {REDIS_REQUESTS} -t set,get,lpush`, traced with `memsnoop -p PID`",
        "",
    ]
    with open(os.path.join(root, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(header + lines) + "\n")
    print("\nbench: wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
