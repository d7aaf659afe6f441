"""memsnoop --cgroup PATH, on real cgroup v2 directories made (and removed) by the tests under
the v2 mount, wherever /proc/self/mountinfo says it is.

Processes enter a cgroup through tests/targets/cgexec, which writes its own PID to
cgroup.procs and execs the target: it allocates nothing, so at -r 1 the cgroup's figures are
exactly its targets' own."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

import harness

ALLOC_C_LEAK = 7 * 1000                   # tests/targets/alloc_pattern.h
WORKER_CTOR, WORKER_MAIN = 20 * 512, 8 * 2048  # tests/targets/cgroup_worker.c
WORKER_CALLS = 20 + 2 * 8                 # its mallocs
LEAKY_CALLS, LEAKY_BYTES, LEAKY_LEAK = 45, 25 * 400 + 10 * 6000 + 10 * 3000, 25 * 400 + 10 * 3000


MOUNT = harness.cgroup_v2_mount()


def exit_leaks(report):
    """The report's 'leaked at exit' section: {program: (objects, bytes, processes)}."""
    return {m[0]: (int(m[1]), int(m[2]), int(m[3])) for m in re.findall(
        r"^  (\S+): (\d+) objects, (\d+) bytes \([^)]*\), (\d+) process", report, re.M)}


class Cgroup:
    """A cgroup v2 directory of the test's own; close() kills what is left in it."""

    def __init__(self, name, parent=None):
        self.path = os.path.join(parent.path if parent else MOUNT, name)
        self.rel = self.path[len(MOUNT):]
        os.mkdir(self.path)
        self.children = []
        if parent:
            parent.children.append(self)

    def procs(self):
        return os.path.join(self.path, "cgroup.procs")

    def pids(self):
        with open(self.procs()) as f:
            return [int(p) for p in f.read().split()]

    def close(self):
        for child in self.children:
            child.close()
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for _ in range(100):
            try:
                os.rmdir(self.path)
                return
            except OSError:  # its last processes are still being reaped
                os.sched_yield()


def held_in(cgroup, name, *args):
    """A held target (tests/targets/target.h), moved into cgroup before it runs its pattern."""
    target = harness.Target(name, *args)
    with open(cgroup.procs(), "w") as f:
        f.write(str(target.pid))
    return target


def started_in(cgroup, name, *args, stdout=subprocess.PIPE):
    """name run in cgroup from its first instruction, through cgexec."""
    return subprocess.Popen([harness.target_path("cgexec"), cgroup.procs(),
                             harness.target_path(name), *map(str, args)],
                            stdin=subprocess.PIPE, stdout=stdout, text=True)


class CgroupCase(harness.OutputTest):
    """A test with a cgroup of its own, self.cg."""

    def setUp(self):
        super().setUp()
        self.cg = Cgroup(f"memsnoop-test-{os.getpid()}-{self._testMethodName[-20:]}")

    def tearDown(self):
        self.cg.close()
        super().tearDown()


@unittest.skipUnless(MOUNT, "no cgroup v2 hierarchy is mounted")
class CgroupTest(CgroupCase):
    def test_exact_per_process_started_later_and_outsider_unseen(self):
        nested = Cgroup("nested", self.cg)
        inside = [held_in(self.cg, "alloc_c"), held_in(nested, "alloc_c")]
        outside = harness.Target("alloc_c")  # the same binary and libc, outside
        try:
            ms = harness.Memsnoop("--cgroup", self.cg.rel, "-r", "1", "-n", "100", "-v",
                                  "--group-by", "pid", "-o", self.prefix)
            ms.wait_attached()
            worker = started_in(nested, "cgroup_worker")
            ready = worker.stdout.readline()
            self.assertRegex(ready, r"^ready \d+")
            truths = []
            for t in inside + [outside]:
                t.release()
                status, truth = t.finish()
                self.assertEqual(status, 0)
                truths.append(truth)
            status, report, err = ms.stop()
            worker.communicate(input="", timeout=harness.TIMEOUT)
        finally:
            for t in inside + [outside]:
                t.kill()
        self.assertEqual(status, 0, err)
        self.assertIn("lost data: none", report)
        totals = harness.parse_report(report)
        calls = truths[0]["alloc_calls"] + truths[1]["alloc_calls"] + WORKER_CALLS
        bytes_ = (truths[0]["alloc_bytes"] + truths[1]["alloc_bytes"] + WORKER_CTOR +
                  WORKER_MAIN * 3)
        self.assertEqual(totals["exact"]["all allocations"], (calls, bytes_), report)
        # the two alloc_c exited: their blocks leaked at exit, out of "in use"; the worker lives
        self.assertEqual(totals["in use"][1], WORKER_CTOR + WORKER_MAIN, report)
        self.assertEqual(exit_leaks(report).get("alloc_c"), (14, 2 * ALLOC_C_LEAK, 2), report)
        self.assertRegex(report, r"memsnoop: 3 processes \(2 at attach, 1 started, \d+ exited; "
                                 rf"cgroup {re.escape(self.cg.rel)}; \d+ process")
        # each process's own sites, the outsider's nowhere
        worker_pid = int(ready.split()[1])
        stacks = self.folded()
        self.assertEqual(sum(v for s, v in stacks.items() if s.endswith(";worker_ctor_leak")),
                         WORKER_CTOR)
        self.assertEqual(sum(v for s, v in stacks.items() if s.endswith(";worker_main_leak")),
                         WORKER_MAIN)
        self.assertNotIn(f"PID {outside.pid}", report)
        self.assertIn(f"PID {worker_pid}:", report)
        # -v: the shared libc is named with who maps it, inside and outside
        self.assertRegex(err, r"probed \S+libc\.so\.6: mapped by \d+ process(es)? profiled and "
                              r"\d+ outside the cgroup")

    def test_cgroup_removed_and_made_again_is_followed(self):
        # a service's restart: systemd (runc for a container) removes its cgroup and makes it
        # again at the same path; the kernel's mkdir tracepoint profiles the new one before
        # any process enters it
        ms = harness.Memsnoop("--cgroup", self.cg.rel, "-d", "60", "-r", "1", "-v", "-o",
                              self.prefix)
        ms.wait_attached()
        os.rmdir(self.cg.path)
        os.mkdir(self.cg.path)
        worker = started_in(self.cg, "leaky_ctor", 0, stdout=subprocess.DEVNULL)
        worker.communicate(input="g", timeout=harness.TIMEOUT)
        self.assertEqual(worker.returncode, 0)
        status, report, err = ms.stop()
        self.assertEqual(status, 0, err)
        self.assertIn("lost data: none", report)
        totals = harness.parse_report(report)
        self.assertEqual(totals["exact"]["all allocations"], (LEAKY_CALLS, LEAKY_BYTES), report)
        self.assertEqual(totals["free"], 10)
        self.assertEqual(totals["in use"][1], 0, report)  # it exited: its blocks leaked
        self.assertEqual(exit_leaks(report), {"leaky_ctor": (35, LEAKY_LEAK, 1)}, report)
        self.assertRegex(report, rf"cgroup {re.escape(self.cg.rel)} \(removed 1 time, last at "
                                 r"[\d.]+ s; made again 1 time, last at [\d.]+ s\)")
        self.assertIn(f"cgroup {self.cg.rel} removed", err)
        self.assertRegex(err, rf"cgroup {re.escape(self.cg.rel)} made again \(id \d+\)")

    def test_pprof_labels_pid_comm_and_cgroup(self):
        target = held_in(self.cg, "alloc_c")
        try:
            ms = harness.Memsnoop("--cgroup", self.cg.path, "-r", "1", "-o", self.prefix)
            ms.wait_attached()
            target.release()
            self.assertEqual(target.finish()[0], 0)
            status, _, err = ms.stop()
        finally:
            target.kill()
        self.assertEqual(status, 0, err)
        tags = subprocess.run(["go", "tool", "pprof", "-tags", self.prefix + ".pb.gz"],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "HOME": self.tmp.name}).stdout
        self.assertRegex(tags, rf"pid: Total .*\n.*{target.pid}")
        self.assertIn("alloc_c", tags)
        self.assertIn(self.cg.rel, tags)

    def test_300_short_lived_processes_every_one_counted(self):
        # the cgroup empty at attach: --until-empty waits for processes, and for them to go
        ms = harness.Memsnoop("--cgroup", self.cg.rel, "--until-empty", "-r", "1", "-o",
                              self.prefix, "--value", "alloc_space")
        ms.wait_attached()
        spawner = started_in(self.cg, "spawner", 300, harness.target_path("leaky_ctor"), 0,
                             stdout=subprocess.DEVNULL)
        spawner.stdin.close()
        status, report, err = ms.finish()  # it stops by itself once the cgroup is empty
        spawner.wait(timeout=harness.TIMEOUT)
        self.assertEqual(spawner.returncode, 0)
        self.assertEqual(status, 0, err)
        totals = harness.parse_report(report)
        self.assertEqual(totals["exact"]["all allocations"],
                         (300 * LEAKY_CALLS, 300 * LEAKY_BYTES), report)
        self.assertEqual(totals["free"], 300 * 10)
        # every one exited: nothing in use, their blocks leaked at exit, one line for the
        # 300 of them
        self.assertEqual(totals["in use"][1], 0, report)
        if "lost data: none" in report:
            self.assertEqual(exit_leaks(report)["leaky_ctor"], (300 * 35, 300 * LEAKY_LEAK, 300))
        self.assertRegex(report, r"memsnoop: 301 processes \(0 at attach, 301 started, 301 exited")
        # grouped by program (the default with --cgroup): 300 workers, one program's sites
        # (a stack cut short at a table still compiling, its process gone before its copy was
        # unwound, is written [truncated] first, then its program)
        roots = {s.removeprefix("[truncated];").partition(";")[0] for s in self.folded()}
        self.assertEqual(roots, {"leaky_ctor"}, self.folded())
        self.assertIn("      in leaky_ctor\n", report)
        # bounded: every exited process's state released (measured: see the closing note)
        print(f"\n300 short-lived processes: memsnoop peak RSS {ms.maxrss_kib / 1024:.1f} MiB, "
              f"CPU {ms.cpu_s:.2f} s", flush=True) if os.environ.get("E2E_FIGURES") else None
        self.assertLess(ms.maxrss_kib, 160 * 1024)

    def test_burst_of_3000_processes_ends_by_itself(self):
        """Thousands of processes of a millisecond each: their fork, exec and exit events come
        out of order across CPUs (a child's exit read before its parent's fork) and some are
        lost with a full ring buffer; --until-empty still ends once the cgroup is empty, with
        every registered process exited and the calls exact."""
        ms = harness.Memsnoop("--cgroup", self.cg.rel, "--until-empty", "-r", "1",
                              "--no-fail-on-loss", "-o", self.prefix)
        ms.wait_attached()
        spawner = started_in(self.cg, "spawner", 3000, harness.target_path("leaky_ctor"), 0,
                             stdout=subprocess.DEVNULL)
        spawner.stdin.close()
        status, report, err = ms.finish()  # a phantom live process would time this out
        spawner.wait(timeout=harness.TIMEOUT)
        self.assertEqual(spawner.returncode, 0)
        self.assertEqual(status, 0, err)
        self.assertEqual(harness.parse_report(report)["exact"]["all allocations"],
                         (3000 * LEAKY_CALLS, 3000 * LEAKY_BYTES), report)
        header = re.search(r"memsnoop: (\d+) processes \(0 at attach, (\d+) started, "
                           r"(\d+) exited", report)
        self.assertIsNotNone(header, report)
        self.assertEqual(header.group(2), header.group(3), report)
        # never a phantom: an exec or exit event read after its process was found gone (the
        # ring buffer behind) registers nothing and retires nothing again
        self.assertLessEqual(int(header.group(1)), 3001, report[:2000])
        # what was not seen is said, never silent
        if int(header.group(1)) != 3001:
            self.assertIn("process starts in the cgroup not seen", report, report[:2000])
        # each exited process retired once: the leaked-at-exit table counts as many
        self.assertEqual(sum(p for _, _, p in exit_leaks(report).values()),
                         int(header.group(3)), report[:2000])

    def test_container_with_its_own_libc(self):
        """A copied root file system with its own libc (another inode than the host's),
        entered with unshare and chroot inside the cgroup: the probe lands on its libc."""
        root = os.path.join(self.tmp.name, "root")
        binary = harness.target_path("alloc_c")
        for lib in re.findall(r"(/\S+) \(0x", subprocess.run(["ldd", binary], text=True,
                                                          capture_output=True).stdout):
            os.makedirs(root + os.path.dirname(lib), exist_ok=True)
            shutil.copy2(os.path.realpath(lib), root + lib)
        shutil.copy2(binary, os.path.join(root, "alloc_c"))
        host_libc = os.stat(re.search(r"=> (\S+libc\.so\.6)", subprocess.run(
            ["ldd", binary], text=True, capture_output=True).stdout).group(1)).st_ino
        target = subprocess.Popen([harness.target_path("cgexec"), self.cg.procs(), "/usr/bin/unshare",
                                   "--mount", "--fork", "--kill-child", "chroot", root, "/alloc_c"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            self.assertRegex(target.stdout.readline(), r"^pid \d+")
            # --value alloc_space: the sites of a process gone, leaked at exit, not in use
            ms = harness.Memsnoop("--cgroup", self.cg.rel, "-r", "1", "-v", "--value",
                                  "alloc_space")
            ms.wait_attached()
            target.stdin.write("g")
            target.stdin.flush()
            out, _ = target.communicate(timeout=harness.TIMEOUT)
            truth = dict((k, int(v)) for k, v in (l.split() for l in out.splitlines()))
            status, report, err = ms.stop()
        finally:
            target.kill()
        self.assertEqual(status, 0, err)
        inodes = {int(i) for i in re.findall(r"probed \S*libc\.so\.6 \(glibc, inode (\d+)\)", err)}
        self.assertTrue(inodes - {host_libc}, err)  # the container's own libc
        totals = harness.parse_report(report)
        # unshare and chroot allocate too, before the program: at least the program's own
        self.assertGreaterEqual(totals["exact"]["all allocations"][0], truth["alloc_calls"])
        self.assertIn("leak_c", report)
        self.assertEqual(exit_leaks(report)["alloc_c"], (7, truth["leaked_bytes"], 1), report)


@unittest.skipUnless(MOUNT, "no cgroup v2 hierarchy is mounted")
class CgroupRefusalTest(unittest.TestCase):
    def refused(self, *args):
        status, out, err = harness.run_refused(*args)
        self.assertEqual(status, 1, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        return err

    def test_missing_cgroup(self):
        err = self.refused("--cgroup", "no-such-cgroup-memsnoop")
        self.assertIn("--cgroup no-such-cgroup-memsnoop: No such file or directory", err)

    def test_namespace_relative_path_refused_with_the_reason(self):
        # inside a container, /proc/self/cgroup says "0::/" or a path of its cgroup namespace
        err = self.refused("--cgroup", "/memsnoop-no-such/app.service")
        self.assertIn("relative to its cgroup namespace: take the host's", err)
        self.assertEqual(len(err.splitlines()), 1, err)

    def test_file_is_not_a_cgroup(self):
        self.assertIn("not a cgroup v2 directory", self.refused("--cgroup", "/etc/hostname"))
        self.assertIn("not a cgroup v2 directory", self.refused("--cgroup", tempfile.gettempdir()))

    def test_v1_hierarchy(self):
        v1 = "/sys/fs/cgroup/memory"
        if not os.path.isdir(v1) or MOUNT == "/sys/fs/cgroup":
            self.skipTest("no cgroup v1 hierarchy here")
        self.assertIn("a cgroup v1 hierarchy (the v2 hierarchy is mounted at",
                      self.refused("--cgroup", v1))

    def test_empty_cgroup_without_waiting(self):
        cg = Cgroup(f"memsnoop-empty-{os.getpid()}")
        try:
            self.assertIn("no process in it (--until-empty or --duration waits for some)",
                          self.refused("--cgroup", cg.rel))
        finally:
            cg.close()

    def test_until_empty_needs_a_cgroup(self):
        status, _, err = harness.run_refused("--until-empty", "-p", "1")
        self.assertEqual(status, 2)
        self.assertIn("--until-empty applies to --cgroup", err)


if __name__ == "__main__":
    unittest.main()
