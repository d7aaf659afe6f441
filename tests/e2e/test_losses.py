"""Never invent: lost events make figures incomplete, never wrong, and every output says so.

A test-only knob (MEMSNOOP_TEST_RINGBUF_BYTES) shrinks the ring buffer so that a program
allocating in bursts overruns it: allocation and free events are lost.
"""
import gzip
import os
import signal
import subprocess
import unittest

import harness
from test_cgroup import MOUNT, Cgroup, held_in

TINY = {"MEMSNOOP_TEST_RINGBUF_BYTES": "4096"}


def count(report, what):
    """The figure of the loss line that says what, or 0."""
    for line in report.splitlines():
        if what in line:
            return int(line.split()[0])
    return 0


class LossTest(harness.OutputTest):
    def test_lost_frees_never_become_leaks(self):
        truth, status, report, err = harness.profile("free_all", "-r", "1", "--unwind", "fp",
                                                     "-o", self.prefix, env=TINY)
        self.assertEqual(status, 0, err)  # -p: --fail-on-loss is off unless asked
        lines = report.splitlines()
        # said first, not only at the end
        self.assertIn("NOT exact: events were lost", lines[0])
        self.assertTrue(lines[1].startswith("WARNING: "), lines[1])
        self.assertNotIn("(exact)", report)
        # the scenario happened: frees were lost after their allocation had been received
        self.assertGreater(count(report, "frees of sampled blocks lost"), 0, report)
        self.assertGreater(count(report, "their free event lost (not counted in use)"), 0, report)
        # and the program, which frees everything, leaked nothing
        self.assertEqual(harness.parse_report(report)["in use"], (0, 0))
        self.assertEqual(harness.read_folded(self.prefix + ".folded"), {})
        # the pprof profile read alone says it is incomplete
        with open(self.prefix + ".pb.gz", "rb") as f:
            self.assertIn(b"memsnoop: INCOMPLETE: ", gzip.decompress(f.read()))
        # ...and a comparison with it warns
        diff = subprocess.run([harness.memsnoop_path(), "diff", self.prefix + ".pb.gz",
                               self.prefix + ".pb.gz"], capture_output=True, text=True,
                              timeout=harness.TIMEOUT)
        self.assertEqual(diff.returncode, 0, diff.stderr)
        self.assertRegex(diff.stderr, r"WARNING: \S+\.pb\.gz: memsnoop: INCOMPLETE: \d+ events lost")

    def test_fail_on_loss_exit_status(self):
        _, status, report, err = harness.profile("free_all", "-r", "1", "--unwind", "fp",
                                                 "--fail-on-loss", env=TINY)
        self.assertEqual(status, 4, err)
        self.assertIn("failing (--fail-on-loss)", err)

    def launch(self, *args, env=None):
        p = subprocess.run([harness.memsnoop_path(), "-r", "1", "--unwind", "fp", *args, "--",
                            harness.target_path("free_all")], input="g", capture_output=True,
                           text=True, timeout=harness.TIMEOUT,
                           env=dict(os.environ, **(env or {})))
        return p.returncode, p.stderr

    def test_launch_at_rate_1_fails_on_loss_by_default(self):
        status, err = self.launch(env=TINY)
        self.assertEqual(status, 4, err)
        status, err = self.launch("--no-fail-on-loss", env=TINY)
        self.assertEqual(status, 0, err)
        self.assertIn("NOT exact", err)

    def test_launch_without_loss_passes(self):
        status, err = self.launch()
        self.assertEqual(status, 0, err)
        self.assertIn("(exact)", err)
        self.assertIn("lost data: none", err)


# the loss lines of each drop reason the kernel counts (output_text.c's drop_names)
REASONS = {"alloc": "sampled allocations lost: ring buffer full",
           "free": "frees of sampled blocks lost",
           "fork": "process starts in the cgroup not seen",
           "exit": "process exits in the cgroup not seen",
           "exec": "execs not seen"}


class DropReasonTest(unittest.TestCase):
    """Each lost event counted under its own reason: tests/targets/drop_reasons.c fills a
    4 KiB ring buffer while memsnoop is stopped (SIGSTOP: a reader that cannot keep up), then
    forks a child that exits and execs; it never frees. A lost exec was counted as a lost
    free."""

    def run_stopped(self, target, *args):
        """memsnoop ARGS stopped while the held target runs its pattern; {reason: count}."""
        try:
            ms = harness.Memsnoop("-r", "1", "--unwind", "fp", *args, env=TINY)
            ms.wait_attached()
            ms.proc.send_signal(signal.SIGSTOP)
            _, status = os.waitpid(ms.proc.pid, os.WUNTRACED)
            self.assertTrue(os.WIFSTOPPED(status))
            target.release()
            self.assertEqual(target.proc.stdout.readline(), "exec_done 1\n")
            ms.proc.send_signal(signal.SIGCONT)
            self.assertEqual(target.finish()[0], 0)
            status, report, err = ms.finish()
            self.assertEqual(status, 0, err)
        finally:
            target.kill()
        return {k: count(report, line) for k, line in REASONS.items()}, report

    def test_pid_mode_counts_the_exec_not_a_free(self):
        target = harness.Target("drop_reasons")
        lost, report = self.run_stopped(target, "-p", target.pid)
        self.assertGreater(lost.pop("alloc"), 0, report)
        self.assertEqual(lost, {"free": 0, "fork": 0, "exit": 0, "exec": 1}, report)

    @unittest.skipUnless(MOUNT, "no cgroup v2 hierarchy is mounted")
    def test_cgroup_mode_counts_the_fork_the_exit_and_the_exec(self):
        cg = Cgroup(f"memsnoop-drops-{os.getpid()}")
        try:
            lost, report = self.run_stopped(held_in(cg, "drop_reasons"), "--cgroup", cg.rel,
                                            "--until-empty")
        finally:
            cg.close()
        self.assertGreater(lost.pop("alloc"), 0, report)
        # the child's exit was lost; the new image's own exit at the end may be too, when
        # memsnoop, just resumed, has not drained the ring buffer yet
        self.assertIn(lost.pop("exit"), (1, 2), report)
        self.assertEqual(lost, {"free": 0, "fork": 1, "exec": 1}, report)

    def test_lost_frees_are_frees(self):
        """free_all frees all it allocates: with a tiny ring buffer, frees are lost, and no
        process event is."""
        _, status, report, err = harness.profile("free_all", "-r", "1", "--unwind", "fp",
                                                 env=TINY)
        self.assertEqual(status, 0, err)
        lost = {k: count(report, line) for k, line in REASONS.items()}
        self.assertGreater(lost["free"], 0, report)
        self.assertEqual((lost["fork"], lost["exit"], lost["exec"]), (0, 0, 0), report)


if __name__ == "__main__":
    unittest.main()
