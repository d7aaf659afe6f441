"""Never invent: lost events make figures incomplete, never wrong, and every output says so.

A test-only knob (MEMSNOOP_TEST_RINGBUF_BYTES) shrinks the ring buffer so that a program
allocating in bursts overruns it: allocation and free events are lost.
"""
import gzip
import os
import subprocess
import unittest

import harness

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


if __name__ == "__main__":
    unittest.main()
