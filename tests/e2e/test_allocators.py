"""Every allocator a real service uses, from one allocator table: glibc, C++ new/delete,
jemalloc (its own API too), tcmalloc, mimalloc, musl, static and stripped executables, a
forwarding shim. At -r 1 the profile's calls, bytes and frees equal the program's own (what
tests/targets/alloc_c.c and alloc_cxx.cc print), never double-counted.

Counting runs walk frame pointers (--unwind fp): thousands of allocations in a tight loop
outrun DWARF unwinding at -r 1 and the lost samples would make in-use figures inexact. One run
per allocator uses the default unwinder: the kernel's exact counters and the leak sites (which
the targets make first) are checked there.
"""
import glob
import math
import os
import re
import shutil
import sys
import subprocess
import unittest

import harness


def library(name):
    found = glob.glob(f"/usr/lib/*/{name}")
    return found[0] if found else None


PRELOADS = {
    "jemalloc": library("libjemalloc.so.2"),
    "tcmalloc": library("libtcmalloc_minimal.so.4"),
    "mimalloc": library("libmimalloc.so.2"),
}
LEAKS_C = {"leak_c": 7 * 1000}            # what alloc_pattern.h leaks
LEAKS_CXX = {**LEAKS_C, "leak_new": 5 * 96}  # and alloc_cxx.cc: 5 x sizeof(Node)


def leaf(stack):
    """The leaf function of a folded stack, without C++ parameters."""
    return stack.rpartition(";")[2].partition("(")[0]


class AllocatorTest(harness.OutputTest):
    def run_exact(self, target, preload=None, unwind="fp"):
        env = {"LD_PRELOAD": preload} if preload else None
        args = ["-r", "1", "-v", "-o", self.prefix] + (["--unwind", unwind] if unwind else [])
        truth, status, report, err = harness.profile(target, *args, target_env=env)
        self.assertEqual(status, 0, err)
        parsed = harness.parse_report(report)
        # the kernel's counters: exact whatever was lost on the way
        self.assertEqual(parsed["exact"]["all allocations"],
                         (truth["alloc_calls"], truth["alloc_bytes"]), report)
        self.assertEqual(parsed["free"], truth["frees"], report)
        return truth, parsed, report, err

    def check_counting(self, target, preload=None, groups=()):
        truth, parsed, report, err = self.run_exact(target, preload)
        self.assertIn("lost data: none", report)
        self.assertEqual(parsed["in use"], (truth["leaked_objects"], truth["leaked_bytes"]))
        for group in groups:
            self.assertIn(group, parsed["groups"], report)
        return parsed, report, err

    def check_leak_sites(self, target, leaks, preload=None):
        """The default unwinder names the leaking functions, with their exact bytes."""
        self.run_exact(target, preload, unwind=None)
        sites = {}
        for stack, value in self.folded().items():
            sites[leaf(stack)] = sites.get(leaf(stack), 0) + value
        for fn, bytes_ in leaks.items():
            self.assertEqual(sites.get(fn), bytes_, sites)

    def test_glibc_cxx_operators_cost_no_extra_trap(self):
        parsed, report, err = self.check_counting("alloc_cxx", groups=("glibc",))
        # libstdc++'s operators call malloc and free: counted there, never probed
        self.assertNotIn("C++ (glibc)", parsed["groups"])
        self.assertRegex(err, r"_Znwm in \S*libstdc\+\+\S* not probed: calls malloc")
        self.assertRegex(err, r"_ZdlPv in \S*libstdc\+\+\S* not probed: a jump to free@plt")
        self.check_leak_sites("alloc_cxx", LEAKS_CXX)

    def check_preloaded(self, family):
        lib = PRELOADS[family]
        if not lib:
            self.skipTest(f"{family} is not installed (scripts/install-deps.sh installs it)")
        parsed, report, err = self.check_counting("alloc_cxx", lib,
                                                  groups=(family, f"C++ ({family})"))
        # the allocator's own operators are probed where they bypass malloc
        self.assertRegex(err, rf"{family} _Znwm at \S+, probe|{family} _Znwm in \S+: .*probed once")
        self.check_leak_sites("alloc_cxx", LEAKS_CXX, lib)
        return parsed, report, err

    def test_jemalloc(self):
        _, _, err = self.check_preloaded("jemalloc")
        # its aligned sized delete tail-calls sdallocx: counted once, there
        self.assertRegex(err, r"_ZdlPvmSt11align_val_t in \S+libjemalloc\S* not probed: calls sdallocx")

    def test_tcmalloc(self):
        self.check_preloaded("tcmalloc")

    def test_mimalloc(self):
        _, report, _ = self.check_preloaded("mimalloc")
        self.assertIn("not seen: mimalloc's mi_heap_*", report)

    def test_jemalloc_own_api(self):
        if not PRELOADS["jemalloc"]:
            self.skipTest("jemalloc is not installed")
        parsed, report, _ = self.check_counting("alloc_cxx_jemalloc", groups=("jemalloc",))
        rows = parsed["groups"]["jemalloc"]
        self.assertEqual(rows["mallocx"], (600, 300 * 96 + 300 * 48))
        self.assertEqual(rows["rallocx"], (300, 300 * 300))
        self.assertEqual(rows["dallocx"][0], 300)
        self.assertGreaterEqual(rows["sdallocx"][0], 300)

    def test_exact_counters_sampled_and_count_only(self):
        """The kernel's counters stay exact without -r 1: a forwarder's or a reallocation's
        inner calls (mimalloc's realloc frees through mi_free) are told apart by their depth
        whether the call is sampled or not, and --count-only does the same without samples
        or stacks, with session probes and with classic ones (return probes only there)."""
        runs = (("-r", "512K"), ("--count-only", "--uprobe-mode", "session"),
                ("--count-only", "--uprobe-mode", "classic"))
        for family, lib in (("glibc", None), *PRELOADS.items()):
            if family != "glibc" and not lib:
                continue
            for args in runs:
                env = {"LD_PRELOAD": lib} if lib else None
                truth, status, report, err = harness.profile("alloc_cxx", *args, target_env=env)
                self.assertEqual(status, 0, err)
                parsed = harness.parse_report(report)
                self.assertEqual(parsed["exact"]["all allocations"],
                                 (truth["alloc_calls"], truth["alloc_bytes"]), (family, args))
                self.assertEqual(parsed["free"], truth["frees"], (family, args))
                self.assertIn("size classes (kernel)", report)
                if "--count-only" in args:
                    self.assertIsNone(parsed["allocated"])

    def test_static_glibc(self):
        self.check_counting("alloc_c_static", groups=("glibc",))
        self.check_leak_sites("alloc_c_static", LEAKS_C)

    def test_static_musl(self):
        self.check_counting("alloc_c_musl", groups=("musl",))
        self.check_leak_sites("alloc_c_musl", LEAKS_C)

    def test_stripped_static_with_minidebuginfo(self):
        _, _, err = self.check_counting("alloc_c_minidebug", groups=("glibc",))
        self.check_leak_sites("alloc_c_minidebug", LEAKS_C)

    def test_stripped_static_without_symbols_is_refused_clearly(self):
        target = harness.Target("alloc_c_stripped")
        try:
            status, _, err = harness.run_refused("-p", target.pid)
        finally:
            target.kill()
        self.assertEqual(status, 1)
        self.assertIn("no allocator found: its executable is stripped and has no "
                      ".gnu_debugdata", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_forwarding_shim_is_not_double_counted(self):
        shim = library("libc_malloc_debug.so.0")
        if not shim:
            self.skipTest("glibc's libc_malloc_debug.so.0 is missing")
        _, _, err = self.check_counting("alloc_cxx", shim)
        self.assertRegex(err, r"malloc at \S*libc_malloc_debug\S*, probe .*calls __libc_malloc, its own call")


class RedisTest(unittest.TestCase):
    """Debian's redis-server (jemalloc) under redis-benchmark at the default rate."""

    RATE = 512 * 1024

    def setUp(self):
        if not (shutil.which("redis-server") and shutil.which("redis-benchmark")):
            self.skipTest("redis-server is not installed (scripts/install-deps.sh installs it)")

    def test_every_entry_point_probed_and_estimate_within_5_sigma(self):
        port = 20000 + os.getpid() % 10000
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for line in server.stdout:  # its own word that it accepts connections
                if "Ready to accept connections" in line:
                    break
            ms = harness.Memsnoop("-p", server.pid, "-v")
            ms.wait_attached()
            subprocess.run(["redis-benchmark", "-p", str(port), "-q", "-t", "set,get,lpush",
                            "-n", "40000", "-d", "200", "-r", "20000"], check=True,
                           capture_output=True, timeout=harness.TIMEOUT)
            status, report, err = ms.stop()
        finally:
            server.kill()
            server.wait()
        self.assertEqual(status, 0, err)
        imported = set(re.findall(r"^\s+U (\w+)$", subprocess.run(
            ["nm", "-D", "--undefined-only", "/usr/bin/redis-server"], capture_output=True,
            text=True, check=True).stdout, re.M))
        for fn in imported & {"malloc", "calloc", "realloc", "free", "posix_memalign",
                              "aligned_alloc", "mallocx", "rallocx", "sdallocx", "dallocx"}:
            self.assertRegex(err, rf"jemalloc {fn} (at \S+, probe|in \S+: .*probed once)", fn)
        parsed = harness.parse_report(report)
        exact = parsed["exact"]["all allocations"][1]
        # Var(HT bytes) = sum s^2 (1-p)/p <= R * sum s (since e^x - 1 >= x, x = s/R)
        sd = math.sqrt(self.RATE * exact)
        print(f"\nredis: exact {exact} B, estimated {parsed['allocated'][1]} B, sd bound {sd:.0f} B, "
              f"in use {parsed['in use']}", file=sys.stderr) if os.environ.get("E2E_FIGURES") else None
        self.assertLess(abs(parsed["allocated"][1] - exact), 5 * sd, report)
        self.assertIn("jemalloc", parsed["groups"])


if __name__ == "__main__":
    unittest.main()


class OwnAllocatorTest(unittest.TestCase):
    """A program carrying an allocator memsnoop does not probe (here one named as the Go
    runtime's) gets one "not seen:" line naming it, launched or attached to."""

    NOTE = ("  not seen: own_allocator carries its own allocator (the Go runtime's allocator): "
            "what it allocates there is not probed, only its calls to the allocators above\n")

    def test_launched(self):
        p = subprocess.run([harness.memsnoop_path(), "-r", "1", "--",
                            harness.target_path("own_allocator")], input="g",
                           capture_output=True, text=True, timeout=harness.TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.count(self.NOTE), 1, p.stderr)

    def test_attached(self):
        truth, status, out, err = harness.profile("own_allocator", "-r", "1")
        self.assertEqual(status, 0, err)
        self.assertEqual(out.count(self.NOTE), 1, out)
        self.assertGreaterEqual(harness.parse_report(out)["exact"]["malloc"][0], 10)

    def test_glibc_program_has_no_such_line(self):
        _, status, out, err = harness.profile("leak_chain", "-r", "1")
        self.assertEqual(status, 0, err)
        self.assertNotIn("carries its own allocator", out)
