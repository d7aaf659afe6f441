"""pprof output read by its real consumer (go tool pprof), and memsnoop diff."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))


class PprofTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        # Go needs a writable home and build cache; nothing is downloaded (standard library only)
        cls.env = dict(os.environ, HOME=cls.tmp, GOCACHE=os.path.join(cls.tmp, "gocache"),
                       GOPATH=os.path.join(cls.tmp, "gopath"), GO111MODULE="off", GOFLAGS="",
                       GOTOOLCHAIN="local")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def go(self, *args):
        p = subprocess.run(["go", *args], capture_output=True, text=True, env=self.env,
                           cwd=self.tmp, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def leak_profile(self, name, count):
        prefix = os.path.join(self.tmp, name)
        truth, status, _, err = harness.profile("leak_chain", "-r", "1", "-o", prefix,
                                                target_args=[count])
        self.assertEqual(status, 0, err)
        return truth, prefix + ".pb.gz"

    def diff(self, *args):
        p = subprocess.run([harness.memsnoop_path(), "diff", *map(str, args)],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_go_pprof_reads_exact_values(self):
        truth, path = self.leak_profile("exact", 100)
        raw = self.go("tool", "pprof", "-raw", path)
        self.assertIn("alloc_objects/count alloc_space/bytes inuse_objects/count "
                      "inuse_space/bytes[dflt]", raw)
        values = re.search(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+): [\d ]+$", raw, re.M)
        objects, space = truth["leaked_objects"], truth["leaked_bytes"]
        self.assertEqual(tuple(map(int, values.groups())), (objects, space, objects, space), raw)
        self.assertIn("PeriodType: space bytes", raw)
        top = self.go("tool", "pprof", "-top", "-unit=B", "-sample_index=alloc_space", path)
        self.assertIn(f"Type: alloc_space", top)
        self.assertRegex(top, rf"\s{space}B\s+100%\s+100%\s+{space}B\s+100%\s+leak_inner")
        traces = self.go("tool", "pprof", "-traces", path)
        # the first trace: the lines between the first two separators, leaf first
        block = traces.split("-----------+")[1].split("\n", 1)[1]
        chain = [line.split()[-1] for line in block.splitlines()]
        self.assertEqual(chain[:4], ["leak_inner", "leak_middle", "leak_outer", "main"], traces)

    def test_go_pprof_shows_memory_readings(self):
        prefix = os.path.join(self.tmp, "grower")
        _, status, _, err = harness.profile("grower", "-r", "1", "-o", prefix, target_args=[2200])
        self.assertEqual(status, 0, err)
        comments = self.go("tool", "pprof", "-comments", prefix + ".pb.gz")
        readings = re.findall(r"^memory t=([\d.]+)s pid=(\d+) rss=(\d+) pss=\d+ anonymous=(\d+)",
                              comments, re.M)
        # the run lasts over 2 s, read each second: one comment, the last reading
        self.assertEqual(len(readings), 1, comments)
        self.assertGreater(float(readings[0][0]), 1.5, readings)
        self.assertTrue(all(int(r[2]) > 0 for r in readings), readings)
        top = self.go("tool", "pprof", "-top", prefix + ".pb.gz")
        head = top[:top.index("Showing nodes")]
        self.assertLessEqual(len(head.splitlines()), 8, top)  # the table's preamble, one reading

    def test_go_pprof_shows_inline_frames(self):
        prefix = os.path.join(self.tmp, "inlined")
        truth, status, _, err = harness.profile("inlined", "-r", "1", "-o", prefix)
        self.assertEqual(status, 0, err)
        traces = self.go("tool", "pprof", "-traces", prefix + ".pb.gz")
        self.assertRegex(traces, r"inlined_helper \(inline\)\n\s+outer_function\n\s+main")

    def test_diff_agrees_with_go_pprof_base(self):
        _, base = self.leak_profile("base", 100)
        truth, new = self.leak_profile("new", 300)
        growth = 200 * 1000
        status, out, err = self.diff(base, new)
        self.assertEqual(status, 0, err)
        self.assertIn(f"change +{growth} ", out)
        self.assertRegex(out, r"grew most \(1 of 1 stacks\):\n#1 \+200000 .*\n\s+leak_inner\n"
                              r"\s+leak_middle\n\s+leak_outer\n\s+main")
        top = self.go("tool", "pprof", "-top", "-unit=B", "-base", base, new)
        self.assertIn(f"Showing nodes accounting for {growth}B", top)

    def test_diff_exit_statuses(self):
        _, base = self.leak_profile("gate_base", 100)
        _, new = self.leak_profile("gate_new", 300)
        self.assertEqual(self.diff(base, new, "--fail-above", "1M")[0], 0)
        status, _, err = self.diff(base, new, "--fail-above", "100K")
        self.assertEqual(status, 3)
        self.assertIn("inuse_space grew by 200000, more than --fail-above 102400", err)
        self.assertEqual(self.diff(new, base, "--fail-above", "0")[0], 0)  # it shrank
        self.assertEqual(self.diff(base, new, "--value", "alloc_objects", "--fail-above", "199")[0], 3)
        self.assertEqual(self.diff(base, new, "--value", "alloc_objects", "--fail-above", "200")[0], 0)
        bad = os.path.join(self.tmp, "bad.pb.gz")
        with open(new, "rb") as f, open(bad, "wb") as g:
            g.write(f.read()[:40])
        status, out, err = self.diff(base, bad)
        self.assertEqual((status, out), (1, ""))
        self.assertEqual(err, f"memsnoop: {bad}: truncated gzip data\n")
        status, _, err = self.diff(base, os.path.join(self.tmp, "missing.pb.gz"))
        self.assertEqual(status, 1)
        self.assertIn("No such file or directory", err)
        status, _, err = self.diff(base, new, "--value", "cpu")
        self.assertEqual((status, err), (2, "memsnoop: invalid value type 'cpu': expected "
                                            "inuse_space, inuse_objects, alloc_space or "
                                            "alloc_objects\n"))
        status, _, err = self.diff(base)
        self.assertEqual((status, err), (2, "memsnoop: diff needs two profiles: memsnoop diff "
                                            "BASE NEW (see --help)\n"))

    def test_diff_reads_a_go_runtime_profile(self):
        binary = os.path.join(self.tmp, "go_heap")
        self.go("build", "-o", binary, os.path.join(HERE, "go_heap", "main.go"))
        go_profile = os.path.join(self.tmp, "go.pb.gz")
        subprocess.run([binary, go_profile], check=True, timeout=60)
        _, ours = self.leak_profile("vs_go", 100)
        status, out, err = self.diff(go_profile, ours, "--value", "inuse_space")
        self.assertEqual(status, 0, err)
        # Go's own site shrank away, ours grew: both sides were read and matched by name
        self.assertRegex(out, r"shrank most \(\d+ of \d+ stacks\):\n#1 -\d+ .*\n\s+main\.retainBuffers")
        self.assertIn("leak_inner", out)


if __name__ == "__main__":
    unittest.main()
