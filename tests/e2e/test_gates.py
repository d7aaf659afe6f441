"""The leak gate and the diff gate at a sampled rate, tested as statistics: many short runs of
tests/targets/leak_chain (N blocks of 1000 bytes leaked) at -r 512K.

The rule (src/model/gate.c): fail only when the estimate is more than 3.09 of its standard
errors above the bound, pass only when it is more than 3.09 standard errors at the bound below
it; a wrong decision has probability at most 0.1 % per run, so RUNS runs of one case hold a
wrong decision with probability at most RUNS * 0.1 % = 1.5 % by the rule's bound alone. The
cases below sit far enough from the bound that their real probability is much smaller: at
512K a block of 1000 bytes is sampled with p = 0.0019, so the samples of L leaked bytes are
close to Poisson(L / 512K); the figures in each test are that model's.
"""
import os
import subprocess
import tempfile
import unittest

import harness

RUNS = 15
RATE = "512K"
MIB = 1024 * 1024
BOUND = 16 * MIB  # 32 rates: a pass needs at most 14 samples, a fail at least 54


def launch(blocks, *memsnoop_args):
    """memsnoop ARGS -- leak_chain BLOCKS; returns (status, stderr)."""
    p = subprocess.run([harness.memsnoop_path(), "-r", RATE, *map(str, memsnoop_args), "--",
                        harness.target_path("leak_chain"), str(blocks)], input="g",
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    return p.returncode, p.stderr


def blocks_of(nbytes):
    return (nbytes + 999) // 1000


class LeakGateTest(unittest.TestCase):
    def gate(self, leaked):
        statuses = []
        for _ in range(RUNS):
            status, err = launch(blocks_of(leaked), "--fail-on-leak", BOUND)
            self.assertIn(status, (0, 3, 5), err)
            statuses.append(status)
        return statuses

    def test_leak_five_times_the_bound_never_passes(self):
        # 160 samples expected, a pass needs <= 14: P(pass) < 1e-40; a fail needs >= 54:
        # P(not failing) < 1e-20 per run
        statuses = self.gate(5 * BOUND)
        self.assertEqual(statuses, [3] * RUNS)

    def test_leak_a_fifth_of_the_bound_never_fails(self):
        # 6.4 samples expected: P(fail) = P(>= 54) < 1e-30; P(undecided) = P(>= 15) = 0.4 %
        # per run, so more than 2 undecided of 15 has probability < 1e-4
        statuses = self.gate(BOUND // 5)
        self.assertNotIn(3, statuses)
        self.assertGreaterEqual(statuses.count(0), RUNS - 2, statuses)

    def test_small_bound_is_undecided_not_passed(self):
        # the case: 100K at 512K can never pass (0 samples at a 1 MiB leak: 14 %)
        status, err = launch(blocks_of(MIB), "--fail-on-leak", "100K")
        self.assertIn(status, (3, 5), err)
        self.assertIn("--fail-on-leak 102400 is below 3.1 standard errors at -r 524288", err)
        if status == 5:
            self.assertIn("undecided at this rate (-r 512K)", err)
            self.assertIn("use -r 2K or -r 1", err)

    def test_launched_gate_is_exact_without_r(self):
        p = subprocess.run([harness.memsnoop_path(), "--fail-on-leak", "100K", "--",
                            harness.target_path("leak_chain"), "104"], input="g",
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("every allocation sampled (exact)", p.stderr)


class DiffGateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def diff(self, base_blocks, new_blocks, bound):
        paths = []
        for name, blocks in (("base", base_blocks), ("new", new_blocks)):
            prefix = os.path.join(self.tmp.name, name)
            status, err = launch(blocks, "-o", prefix)
            self.assertEqual(status, 0, err)
            paths.append(prefix + ".pb.gz")
        p = subprocess.run([harness.memsnoop_path(), "diff", *paths, "--fail-above", str(bound)],
                           capture_output=True, text=True, timeout=60)
        self.assertIn(p.returncode, (0, 3, 5), p.stderr)
        self.assertIn("standard error; sampled at -r 524288 and 524288", p.stdout)
        return p.returncode

    def test_aa_diff_never_fails(self):
        # the case: 2,080,000 B in both, --fail-above 1M; 4 samples expected each
        # side: a fail needs the new one >= 14 more than the base, P < 1e-4 per run
        statuses = [self.diff(2080, 2080, MIB) for _ in range(RUNS)]
        self.assertNotIn(3, statuses)

    def test_growth_five_times_the_bound_never_passes(self):
        # growth 5 x 16 MiB over a 2 MB base: 164 samples expected on the new side, a pass
        # needs the difference under 14.5 rates, a fail over about 32 + 3.09 * 13
        statuses = [self.diff(2080, 2080 + blocks_of(5 * BOUND), BOUND) for _ in range(RUNS // 3)]
        self.assertEqual(statuses, [3] * (RUNS // 3))


if __name__ == "__main__":
    unittest.main()
