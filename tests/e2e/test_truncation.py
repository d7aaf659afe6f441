"""An unprivileged target cuts its own dlopen'ed libraries under memsnoop (tests/targets/
truncator.c): memsnoop reads target files with pread, never through a mapping, so it survives
(a mapping raised SIGBUS: exit 135, no outputs), exits with the program's status and writes
its outputs."""
import os
import subprocess
import tempfile
import unittest

import harness

ROUNDS = 10


class TruncationTest(harness.OutputTest):
    def test_library_truncated_mid_parse_by_nobody(self):
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o777)  # the target, as nobody, writes its copies there
            p = subprocess.run([harness.memsnoop_path(), "-r", "1", "--follow-forks",
                                "--no-fail-on-loss", "--user", "nobody", "-o", self.prefix, "--",
                                harness.target_path("truncator"), d, str(ROUNDS)],
                               capture_output=True, text=True, timeout=harness.TIMEOUT,
                               stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"children_ok {ROUNDS}", p.stdout)
        self.assertIn("every allocation sampled (exact)", p.stderr)
        self.assertTrue(any(";child;load_copy;" in s for s in self.folded()), self.folded())


if __name__ == "__main__":
    unittest.main()
