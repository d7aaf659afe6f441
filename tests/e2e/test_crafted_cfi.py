"""A target maps ELF files whose CFI is hostile (tests/e2e/crafted_cfi.py, written at test
time): memsnoop compiles their tables in bounded time and memory, refuses those past its
bounds and says so, stays exact at -r 1, and answers SIGINT within 0.5 s."""
import os
import signal
import tempfile
import time
import unittest

import crafted_cfi
import harness

# what memsnoop may cost for all of them together: the old compiler took minutes and GBs
ATTACH_S = 10
RSS_KIB = 256 << 10


class CraftedCfiTest(harness.OutputTest):
    def setUp(self):
        super().setUp()
        self.files = tempfile.TemporaryDirectory()
        self.paths = crafted_cfi.write_all(self.files.name)

    def tearDown(self):
        self.files.cleanup()
        super().tearDown()

    def test_hostile_cfi_bounded_exact_and_sigint_answered(self):
        target = harness.Target("map_files", self.files.name)
        try:
            start = time.monotonic()
            ms = harness.Memsnoop("-p", target.pid, "-r", "1", "-v", "-o", self.prefix)
            ms.wait_attached()
            attach_s = time.monotonic() - start
            target.release()
            truth = {}
            while "churning" not in truth:  # the known pattern is done, the churn under way
                key, _, value = target.proc.stdout.readline().partition(" ")
                self.assertTrue(key, "the target ended early")
                truth[key] = int(value)
            start = time.monotonic()
            status, report, err = ms.stop(signal.SIGINT)
            stop_s = time.monotonic() - start
        finally:
            target.kill()
        self.assertEqual(status, 0, err)
        self.assertEqual(truth["mapped"], len(self.paths))
        self.assertLess(attach_s, ATTACH_S, err)
        self.assertLess(ms.maxrss_kib, RSS_KIB, err)
        self.assertLess(stop_s, 0.5, "a stop must be answered within 0.5 s (the issue's bound)")
        # 200,001 rows of its FDE, and the loader's end-of-range row
        self.assertRegex(err, rf"unwind table of {self.paths['one_fde_200k_rows']}: 20000[12] rows")
        for name in ("too_many_rows", "oversize"):
            self.assertIn(f"{self.paths[name]}: CFI past memsnoop's bounds", err)
        self.assertIn("2 past the CFI bounds", err)
        known = sum(v for s, v in self.folded().items() if ";known_pattern" in s)
        self.assertEqual(known, truth["known_bytes"], self.folded())


if __name__ == "__main__":
    unittest.main()
