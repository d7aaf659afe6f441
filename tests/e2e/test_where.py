"""`where` and the exact size classes, against where_blocks (blocks of known sizes at known
sites, their addresses printed): the client and the HTTP endpoint answer the right site and
size for a block's start, an interior pointer and its last byte at -r 1, "not sampled" at a
coarse rate, one clear line for bad input; --where answers at a launched program's exit; the
size-class histogram equals the target's own counts at every rate (it comes from the exact
counters); --count-only counts what the default mode counts."""
import json
import os
import re
import socket
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

import harness

GLIBC = "glibc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_blocks(lines):
    """The target's printout: {'blocks': {site: (start, size)}, 'freed': start,
    'alloc': {class: (calls, bytes)}, 'free': {class: (calls, bytes)}}."""
    out = {"blocks": {}, "alloc": {}, "free": {}}
    for line in lines:
        f = line.split()
        if f[0] == "block":
            out["blocks"][f[1]] = (int(f[2]), int(f[3]))
        elif f[0] == "freed":
            out["freed"] = int(f[2])
        elif f[0] in ("alloc_class", "free_class"):
            out[f[0].split("_")[0]][int(f[1])] = (int(f[2]), int(f[3]))
    return out


def class_bound(k):
    return 1 << k if k < 41 else None


class WhereRun:
    """where_blocks profiled by memsnoop -p with --listen, held with every block live."""

    def __init__(self, *args):
        self.tmp = tempfile.TemporaryDirectory()
        self.prefix = os.path.join(self.tmp.name, "out")
        self.listen = f"127.0.0.1:{free_port()}"
        self.target = harness.Target("where_blocks")
        self.ms = harness.Memsnoop("-p", self.target.pid, "--listen", self.listen, "-o",
                                   self.prefix, *args)
        self.ms.wait_attached()
        self.target.release()
        lines = []
        while not lines or lines[-1] != "ready 1":
            line = self.target.proc.stdout.readline()
            assert line, f"where_blocks ended early: {lines}"
            lines.append(line.strip())
        self.truth = read_blocks(lines)

    def where(self, *args):
        p = subprocess.run([harness.memsnoop_path(), "where", "--listen", self.listen, *args],
                           capture_output=True, text=True, timeout=harness.TIMEOUT)
        return p.returncode, p.stdout, p.stderr

    def get(self, query):
        try:
            with urllib.request.urlopen(f"http://{self.listen}{query}",
                                        timeout=harness.TIMEOUT) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def finish(self):
        """Lets the target exit; returns memsnoop's (status, report, stderr, summary)."""
        self.target.proc.stdin.close()
        self.target.proc.stdin = None
        self.target.proc.wait(timeout=harness.TIMEOUT)
        status, out, err = self.ms.finish()
        with open(self.prefix + ".summary.json") as f:
            summary = json.load(f)
        return status, out, err, summary

    def close(self):
        self.target.kill()
        if self.ms.proc.poll() is None:
            self.ms.proc.kill()
            self.ms.proc.wait()
        self.tmp.cleanup()


def glibc_classes(summary):
    fams = [f for f in summary["size_classes"] if f["allocator"] == GLIBC]
    assert len(fams) == 1, summary["size_classes"]
    return fams[0]


class WhereExactTest(unittest.TestCase):
    def setUp(self):
        self.run_ = WhereRun("-r", "1")

    def tearDown(self):
        self.run_.close()

    def assert_in_block(self, out, addr, site, start, size):
        first, _, stack = out.partition("\n")
        self.assertRegex(first, rf"^pid {self.run_.target.pid} addr {addr:#x}: block "
                                rf"{start:#x}\+{addr - start:#x}, {size} bytes .*sampled")
        # the allocating site is the stack's first frame: allocator frames are trimmed
        self.assertRegex(stack, rf"^\s+{site}\s+tests/targets/where_blocks\.c:\d+\n")
        self.assertIn(" main ", stack)

    def test_start_interior_and_last_byte_give_site_and_size(self):
        r = self.run_
        blocks = r.truth["blocks"]
        self.assertEqual(set(blocks), {"alloc_small", "alloc_medium", "alloc_large",
                                       "alloc_zeroed", "alloc_tiny"})
        for site, (start, size) in blocks.items():
            for addr in sorted({start, start + size // 2, start + size - 1}):
                status, out, err = r.where(str(r.target.pid), hex(addr))
                self.assertEqual(status, 0, err)
                self.assert_in_block(out, addr, site, start, size)
            # one past the end is not this block (malloc's chunk header, or another block)
            status, out, _ = r.where(str(r.target.pid), hex(start + size))
            self.assertEqual(status, 0)
            self.assertNotRegex(out, rf"block {start:#x}\+")
        # a freed block is in no live block, and at -r 1 that is an exact answer
        status, out, _ = r.where(str(r.target.pid), hex(r.truth["freed"]))
        self.assertEqual(status, 0)
        self.assertIn("in no live heap block", out)
        # the endpoint itself, as curl or a browser asks it, in decimal too
        start, size = blocks["alloc_medium"]
        status, body = r.get(f"/debug/memsnoop/where?pid={r.target.pid}&addr={start + 7}")
        self.assertEqual(status, 200)
        self.assert_in_block(body, start + 7, "alloc_medium", start, size)
        status, _, _, _ = r.finish()
        self.assertEqual(status, 0)

    def test_bad_input_refused_with_one_line(self):
        r = self.run_
        pid = str(r.target.pid)
        # the client checks its arguments first: a usage error, nothing asked
        for args, msg in (((pid, "0xzz"), "invalid address '0xzz'"),
                          ((pid, "-12"), "invalid address '-12'"),
                          (("0", "0x10"), "invalid PID '0'"),
                          (("12x", "0x10"), "invalid PID '12x'")):
            status, out, err = r.where(*args)
            self.assertEqual((status, out), (2, ""), args)
            self.assertEqual(err.count("\n"), 1, err)
            self.assertIn(msg, err)
        # a process memsnoop does not profile: refused by the server, one line
        status, out, err = r.where("1", "0x1000")
        self.assertEqual((status, out), (1, ""))
        self.assertEqual(err, "memsnoop: no such process profiled: pid 1\n")
        for query, code, msg in (
                (f"?pid={pid}&addr=nothex", 400, "invalid address 'nothex'"),
                (f"?pid={pid}", 400, "invalid address ''"),
                ("?addr=0x10", 400, "invalid pid ''"),
                ("?pid=999999999&addr=0x10", 404, "no such process profiled: pid 999999999")):
            status, body = r.get("/debug/memsnoop/where" + query)
            self.assertEqual(status, code, query)
            self.assertEqual(body.count("\n"), 1, body)
            self.assertIn(msg, body)
        # nobody listening: one line saying so
        p = subprocess.run([harness.memsnoop_path(), "where", "--listen",
                            f"127.0.0.1:{free_port()}", pid, "0x10"],
                           capture_output=True, text=True, timeout=harness.TIMEOUT)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr.count("\n"), 1)
        self.assertIn("cannot ask memsnoop at", p.stderr)
        # the profiler goes on answering
        start, size = r.truth["blocks"]["alloc_small"]
        status, out, _ = r.where(pid, hex(start))
        self.assertEqual(status, 0)
        self.assertIn(f"block {start:#x}+0x0, {size} bytes", out)

    def test_histogram_equals_the_targets_counts_and_metrics(self):
        r = self.run_
        status, body = r.get("/metrics")
        self.assertEqual(status, 200)
        check = subprocess.run(["promtool", "check", "metrics"], input=body,
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        status, report, _, summary = r.finish()
        self.assertEqual(status, 0)
        fam = glibc_classes(summary)
        got_alloc = {c["le"]: (c["allocs"], c["alloc_bytes"]) for c in fam["classes"]
                     if c["allocs"]}
        want_alloc = {class_bound(k): v for k, v in r.truth["alloc"].items()}
        self.assertEqual(got_alloc, want_alloc)
        # at -r 1 every block freed was sampled: its size is known, every free exact
        got_free = {c["le"]: (c["frees"], c["free_bytes"]) for c in fam["classes"] if c["frees"]}
        self.assertEqual(got_free, {class_bound(k): v for k, v in r.truth["free"].items()})
        self.assertEqual(fam["frees_unknown_size"], 0)
        # the report's histogram rows say the same
        self.assertRegex(report, r"\n  <= 32 B +1000 +24000 +500  #+\n")
        self.assertRegex(report, r"\n  <= 256 KiB +4 +800000 +2  #+\n")
        # /metrics: a Prometheus histogram, cumulative by le, with the same counts
        cum = 0
        for k in range(41):
            cum += r.truth["alloc"].get(k, (0, 0))[0]
            self.assertIn(f'memsnoop_allocation_size_bytes_bucket{{allocator="glibc",'
                          f'le="{1 << k}"}} {cum}\n', body)
        total = sum(c for c, _ in r.truth["alloc"].values())
        total_bytes = sum(b for _, b in r.truth["alloc"].values())
        self.assertIn(f'memsnoop_allocation_size_bytes_count{{allocator="glibc"}} {total}\n', body)
        self.assertIn(f'memsnoop_allocation_size_bytes_sum{{allocator="glibc"}} {total_bytes}\n',
                      body)


class WhereSampledTest(unittest.TestCase):
    def test_coarse_rate_not_sampled_and_histogram_still_exact(self):
        # one sample per 64 MiB: a 24-byte block is sampled with probability 3.6e-7
        r = WhereRun("-r", "64M")
        try:
            start, _ = r.truth["blocks"]["alloc_small"]
            status, out, err = r.where(str(r.target.pid), hex(start + 4))
            self.assertEqual(status, 0, err)
            self.assertRegex(out, rf"^pid {r.target.pid} addr {start + 4:#x}: not sampled \(")
            self.assertIn("-r 1 answers for every block", out)
            status, _, _, summary = r.finish()
            self.assertEqual(status, 0)
        finally:
            r.close()
        fam = glibc_classes(summary)
        got_alloc = {c["le"]: (c["allocs"], c["alloc_bytes"]) for c in fam["classes"]
                     if c["allocs"]}
        self.assertEqual(got_alloc, {class_bound(k): v for k, v in r.truth["alloc"].items()})
        # frees: none sized (free), few sampled; every free counted, known or not
        frees = sum(c["frees"] for c in fam["classes"]) + fam["frees_unknown_size"]
        self.assertEqual(frees, sum(c for c, _ in r.truth["free"].values()))
        self.assertGreater(fam["frees_unknown_size"], 0)


class WhereAtExitTest(unittest.TestCase):
    def test_where_at_a_launched_programs_exit(self):
        # the target turns address randomization off for itself: its heap is where it was
        first = subprocess.run([harness.target_path("where_blocks"), "launch"],
                               capture_output=True, text=True, timeout=harness.TIMEOUT)
        truth = read_blocks(first.stdout.splitlines())
        start, size = truth["blocks"]["alloc_zeroed"]
        large, large_size = truth["blocks"]["alloc_large"]
        p = subprocess.run([harness.memsnoop_path(), "-r", "1", "--where", hex(start + 999),
                            "--where", str(large), "--where", hex(truth["freed"]), "--",
                            harness.target_path("where_blocks"), "launch"],
                           capture_output=True, text=True, timeout=harness.TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(read_blocks(p.stdout.splitlines())["blocks"], truth["blocks"])
        answers = p.stderr[p.stderr.index("lost data: none"):]
        self.assertRegex(answers, rf"addr {start + 999:#x}: block {start:#x}\+0x3e7, {size} "
                                  rf"bytes .*\n\s+alloc_zeroed\s")
        self.assertRegex(answers, rf"addr {large:#x}: block {large:#x}\+0x0, {large_size} "
                                  rf"bytes .*\n\s+alloc_large\s")
        self.assertIn(f"addr {truth['freed']:#x}: in no live heap block", answers)

    def test_where_refusals(self):
        for args, msg in ((("--where", "0x10", "-p", "1"), "--where applies to a launched"),
                          (("--where", "zz", "--", "true"), "invalid --where address 'zz'"),
                          (("--count-only", "--where", "0x10", "--", "true"),
                           "--where (it keeps no blocks) does not apply")):
            status, out, err = harness.run_refused(*args)
            self.assertEqual((status, out), (2, ""), args)
            self.assertEqual(err.count("\n"), 1, err)
            self.assertIn(msg, err)


class CountOnlyTest(unittest.TestCase):
    def profile(self, *args):
        r = WhereRun(*args)
        try:
            status, report, err, summary = r.finish()
            self.assertEqual(status, 0, err)
            return r.truth, report, summary
        finally:
            r.close()

    def test_counts_equal_the_default_modes(self):
        truth, _, default = self.profile()
        _, report, counted = self.profile("--count-only")
        _, _, classic = self.profile("--count-only", "--uprobe-mode", "classic")
        self.assertTrue(counted["run"]["count_only"])
        self.assertEqual(classic["exact"], counted["exact"])
        self.assertEqual(classic["size_classes"], counted["size_classes"])
        entries = lambda s: {(e["allocator"], e["name"]): (e["calls"], e["bytes"])
                             for e in s["exact"]["entry_points"]}
        self.assertEqual(entries(counted), entries(default))
        self.assertEqual(counted["exact"]["free_calls"], default["exact"]["free_calls"])
        allocs = lambda s: {c["le"]: (c["allocs"], c["alloc_bytes"])
                            for c in glibc_classes(s)["classes"] if c["allocs"]}
        self.assertEqual(allocs(counted), allocs(default))
        self.assertEqual(allocs(counted), {class_bound(k): v for k, v in truth["alloc"].items()})
        # nothing sampled: free sizes unknown (glibc's free is not sized), no sites
        fam = glibc_classes(counted)
        self.assertEqual(fam["frees_unknown_size"], counted["exact"]["free_calls"])
        self.assertEqual(counted["estimated"]["samples"], 0)
        self.assertEqual(counted["top_sites"], [])
        self.assertIn("counters only (--count-only: exact, no samples)", report)
        self.assertNotIn("top ", report)

    def test_count_only_refusals(self):
        for args, msg in ((("-r", "1"), "-r (it takes no samples)"),
                          (("--lifetimes",), "--lifetimes (it keeps no blocks)"),
                          (("--value", "alloc_space"), "--value (it has no sites)")):
            status, out, err = harness.run_refused("--count-only", *args, "-p", "1")
            self.assertEqual((status, out), (2, ""), args)
            self.assertEqual(err.count("\n"), 1, err)
            self.assertIn(msg, err)


if __name__ == "__main__":
    unittest.main()
