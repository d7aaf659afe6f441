"""Runs the real memsnoop against the real targets in tests/targets/.

A target prints "pid N", holds on its stdin until memsnoop has said "attached" on stderr,
then runs its allocation pattern and prints the truth as "key value" lines.
"""
import os
import re
import select
import subprocess
import tempfile
import threading
import time
import unittest

BUILD = os.environ.get("MEMSNOOP_BUILD", "build")
TIMEOUT = 60


def cgroup_v2_mount():
    """Where the cgroup v2 hierarchy is mounted (hybrid hosts: not /sys/fs/cgroup), or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    return None


def memsnoop_path():
    return os.path.join(BUILD, "memsnoop")


def target_path(name):
    return os.path.join(BUILD, "tests", "targets", name)


class Target:
    """A target program, held before its allocation pattern until release()."""

    def __init__(self, name, *args, env=None):
        self.proc = subprocess.Popen([target_path(name), *map(str, args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=None if env is None else {**os.environ, **env})
        line = self.proc.stdout.readline()
        m = re.match(r"pid (\d+)", line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"target {name} did not start: {line!r}")
        self.pid = int(m.group(1))

    def release(self):
        self.proc.stdin.write("g")
        self.proc.stdin.flush()

    def finish(self):
        """Closes its stdin, waits for the exit; returns (status, the truth it printed as a
        dict of ints)."""
        if self.proc.stdin:
            self.proc.stdin.close()
            self.proc.stdin = None
        out, _ = self.proc.communicate(timeout=TIMEOUT)
        truth = {}
        for line in out.splitlines():
            key, _, value = line.partition(" ")
            truth[key] = int(value)
        return self.proc.returncode, truth

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Memsnoop:
    """A running memsnoop; wait_attached() returns once it says its probes are live."""

    def __init__(self, *args, env=None):
        self.proc = subprocess.Popen([memsnoop_path(), *map(str, args)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, **(env or {})))
        self.stderr_head = ""

    def wait_attached(self):
        deadline = time.monotonic() + TIMEOUT
        fd = self.proc.stderr.fileno()
        while "attached" not in self.stderr_head:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            if not ready:
                raise AssertionError("memsnoop did not attach in time")
            chunk = os.read(fd, 4096).decode()
            if not chunk:
                self.proc.wait()
                raise AssertionError(f"memsnoop exited before attaching "
                                     f"({self.proc.returncode}): {self.stderr_head}")
            self.stderr_head += chunk
        self.cpu_at_attach = self.cpu_now()

    def cpu_now(self):
        """memsnoop's user + system CPU seconds so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def finish(self):
        """Waits for memsnoop to stop by itself; returns (status, stdout, stderr). Its own
        CPU seconds (user + system) and peak RSS (KiB) are left in cpu_s and maxrss_kib."""
        chunks = {"out": [], "err": []}
        readers = [threading.Thread(target=lambda k, f: chunks[k].append(f.read()),
                                    args=(k, f))
                   for k, f in (("out", self.proc.stdout), ("err", self.proc.stderr))]
        for r in readers:
            r.start()
        watchdog = threading.Timer(TIMEOUT, self.proc.kill)  # a hang fails, never blocks
        watchdog.start()
        _, status, usage = os.wait4(self.proc.pid, 0)
        watchdog.cancel()
        for r in readers:
            r.join(TIMEOUT)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_s = usage.ru_utime + usage.ru_stime
        self.maxrss_kib = usage.ru_maxrss
        return self.proc.returncode, "".join(chunks["out"]), self.stderr_head + "".join(chunks["err"])

    def stop(self, sig=2):
        self.proc.send_signal(sig)
        return self.finish()


def run_refused(*args, memsnoop=None):
    """Runs memsnoop (or the memsnoop command line given, for a wrapper such as setpriv)
    expecting a refusal; returns (status, stdout, stderr)."""
    p = subprocess.run([*(memsnoop or [memsnoop_path()]), *map(str, args)],
                       capture_output=True, text=True, timeout=TIMEOUT,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def profile(target_name, *mem_args, target_args=(), env=None, target_env=None):
    """Profiles one target run from release to exit (memsnoop's environment plus env, the
    target's plus target_env). Returns (truth, status, report, stderr)."""
    target = Target(target_name, *target_args, env=target_env)
    try:
        ms = Memsnoop("-p", target.pid, *mem_args, env=env)
        ms.wait_attached()
        target.release()
        rc, truth = target.finish()
        assert rc == 0, f"target {target_name} failed with status {rc}"
        status, out, err = ms.finish()
        return truth, status, out, err
    finally:
        target.kill()


def read_folded(path):
    """Folded stacks as {stack: value}; every line must be 'frames VALUE'."""
    stacks = {}
    with open(path) as f:
        for line in f:
            stack, _, value = line.rstrip("\n").rpartition(" ")
            assert stack and value.isdigit(), f"malformed folded line {line!r}"
            assert stack not in stacks, f"stack listed twice: {stack}"
            stacks[stack] = int(value)
    return stacks


def parse_report(text):
    """The text report's totals: {'exact': {row: (calls, bytes)}, 'groups': {group: {row:
    (calls, bytes)}}, 'free': calls of every free, 'allocated': (objects, bytes), 'in use':
    (objects, bytes)}; None where the report shows '-' (not measured). Exact rows come under
    a group header (' glibc', ' C++ (jemalloc)'); a row in several groups sums."""
    rows, groups, group = {}, {}, None
    for line in text.splitlines():
        if line.startswith(("size classes", "memory (", "top ")):
            break  # the totals end there
        if line.startswith("estimated"):
            group = None
        h = re.match(r" (\S.*)$", line)
        if h and not line.startswith("  "):
            group = groups.setdefault(h.group(1), {})
            continue
        m = re.match(r"  (\S+(?: \S+){0,2})\s+(\d+|-)(?:\s+(\d+)\s)?", line)
        if not m:
            continue
        count = None if m.group(2) == "-" else int(m.group(2))
        value = (count, int(m.group(3)) if m.group(3) else None)
        if group is not None:
            group[m.group(1)] = value
            old = rows.get(m.group(1))
            if old:
                value = (old[0] + value[0], (old[1] or 0) + (value[1] or 0) if value[1] is not None else None)
        rows[m.group(1)] = value
    # --count-only reports no estimates: None for them
    report = {"free": rows.pop("all frees")[0], "allocated": rows.pop("allocated", None)}
    in_use = rows.pop("in use", None) or rows.pop("leaked at exit", None)
    report["in use"] = None if not in_use or in_use[0] is None else in_use
    report["exact"] = rows
    report["groups"] = groups
    return report


class OutputTest(unittest.TestCase):
    """A test whose memsnoop writes its outputs under self.prefix, in a directory of its own."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.prefix = os.path.join(self.tmp.name, "out")

    def tearDown(self):
        self.tmp.cleanup()

    def folded(self):
        return read_folded(self.prefix + ".folded")
