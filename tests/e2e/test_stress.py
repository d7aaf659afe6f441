"""Attach and detach again and again under a target allocating hard from two threads.

The target checks every block's contents before freeing it; memsnoop's probes coming and
going underneath must never crash it, stall it or corrupt its data.
"""
import signal
import time
import unittest

import harness

CYCLES = 12


class StressTest(unittest.TestCase):
    def test_detach_of_64_processes_in_seconds(self):
        """Classic probes are uprobe_multi links, a link's close waits out a grace period and
        the closes run side by side: 64 processes detach in seconds, not ~2 s each (their
        perf-event links did: ~125 s). The bound is generous: a regression is a minute."""
        targets = [harness.Target("leak_chain") for _ in range(64)]
        try:
            for mode in ("classic", "session"):
                ms = harness.Memsnoop("-p", ",".join(str(t.pid) for t in targets),
                                      "--uprobe-mode", mode)
                ms.wait_attached()
                start = time.monotonic()
                status, _, err = ms.stop()
                self.assertEqual(status, 0, err)
                self.assertLess(time.monotonic() - start, 20, mode)
            for t in targets:  # unharmed: each runs its pattern to the end
                t.release()
                self.assertEqual(t.finish()[0], 0)
        finally:
            for t in targets:
                t.kill()

    def test_attach_detach_under_heavy_allocation(self):
        target = harness.Target("stress")
        try:
            for cycle in range(CYCLES):
                # alternate every-allocation and sampled, session and classic probes,
                # DWARF and frame-pointer stacks, stopped by signal or by duration
                rate = "1" if cycle % 2 else "512K"
                mode = "classic" if cycle % 4 >= 2 else "session"
                unwind = "fp" if cycle % 6 >= 3 else "dwarf"
                if cycle % 3 == 0:
                    ms = harness.Memsnoop("-p", target.pid, "-r", rate, "--uprobe-mode", mode,
                                          "--unwind", unwind)
                    ms.wait_attached()
                    status, report, err = ms.stop(signal.SIGINT if cycle % 2 else signal.SIGTERM)
                else:
                    ms = harness.Memsnoop("-p", target.pid, "-r", rate, "--uprobe-mode", mode,
                                          "--unwind", unwind, "-d", "0.3")
                    ms.wait_attached()
                    status, report, err = ms.finish()
                self.assertEqual(status, 0, err)
                self.assertIn("1 process (stress", report)
                self.assertIsNone(target.proc.poll(), "the target died under memsnoop")
                totals = harness.parse_report(report)
                if cycle % 3:
                    # a 0.3 s window under two allocating threads: calls were counted (a
                    # signal right after "attached" may leave no window at all)
                    self.assertGreater(totals["exact"]["all allocations"][0], 0, report)
            status, truth = target.finish()  # stops, checks and frees every block
            self.assertEqual(status, 0)
            self.assertEqual(truth["corruptions"], 0)
            self.assertGreater(truth["ops"], 0)
        finally:
            target.kill()


if __name__ == "__main__":
    unittest.main()
