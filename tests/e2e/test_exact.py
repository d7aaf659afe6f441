"""At --rate 1 every allocation is a sample of weight 1: every figure is exact.

With the default unwinder: stacks are walked in the kernel with the compiled unwind tables
and only their pcs are sent, so even tight loops of hundreds of thousands of allocations
lose nothing.
"""
import os
import unittest

import harness


class ExactTest(harness.OutputTest):
    def test_leaking_chain_folded_line_exact(self):
        truth, status, report, err = harness.profile("leak_chain", "-r", "1", "-o", self.prefix)
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        # one stack, the chain in order from main to the immediate caller of malloc
        self.assertEqual(len(stacks), 1, stacks)
        stack, value = next(iter(stacks.items()))
        self.assertTrue(stack.endswith("main;leak_outer;leak_middle;leak_inner"), stack)
        self.assertEqual(value, truth["leaked_bytes"])
        parsed = harness.parse_report(report)
        self.assertEqual(parsed["in use"], (truth["leaked_objects"], truth["leaked_bytes"]))
        self.assertEqual(parsed["exact"]["malloc"], (truth["leaked_objects"], truth["leaked_bytes"]))
        self.assertIn("leak_inner  tests/targets/leak_chain.c:", report)
        self.assertIn("lost data: none", report)

    def test_leaking_and_churning_chain_lines_exact(self):
        # 100,000 blocks allocated and freed at once, as fast as malloc goes: none lost
        truth, status, report, err = harness.profile("leak_chain", "-r", "1", "--value",
                                                     "alloc_space", "-o", self.prefix,
                                                     target_args=[100, 100000])
        self.assertEqual(status, 0, err)
        self.assertIn("lost data: none", report)
        self.assertEqual(truth["churn_bytes"], 6400000)
        lines = {s.rpartition(";main;")[2]: v for s, v in self.folded().items()}
        self.assertEqual(lines, {"leak_outer;leak_middle;leak_inner": truth["leaked_bytes"],
                                 "churn_outer;churn_inner": truth["churn_bytes"]})
        parsed = harness.parse_report(report)
        self.assertEqual(parsed["in use"], (truth["leaked_objects"], truth["leaked_bytes"]))
        self.assertEqual(parsed["free"], 100000)

    def test_leaking_chain_every_value_type(self):
        for value, key in (("inuse_objects", "leaked_objects"), ("alloc_space", "leaked_bytes"),
                           ("alloc_objects", "leaked_objects")):
            truth, status, _, err = harness.profile("leak_chain", "-r", "1", "--value", value,
                                                    "-o", self.prefix)
            self.assertEqual(status, 0, err)
            stacks = harness.read_folded(self.prefix + ".folded")
            self.assertEqual(list(stacks.values()), [truth[key]], value)

    def check_churn_exact(self, *args):
        truth, status, report, err = harness.profile("churn", "-r", "1", "-o", self.prefix,
                                                     "-v", *args)
        self.assertIn("lost data: none", report)
        self.assertEqual(status, 0, err)
        parsed = harness.parse_report(report)
        exact = parsed["exact"]
        for fn in ("malloc", "calloc", "realloc", "reallocarray", "posix_memalign", "valloc",
                   "pvalloc"):
            self.assertEqual(exact[fn], (truth["calls_" + fn], truth["bytes_" + fn]), fn)
        # glibc 2.36 defines memalign and aligned_alloc at one address: one probe, one row
        aligned = [v for k, v in exact.items() if "aligned_alloc" in k]
        self.assertEqual(aligned, [(truth["calls_aligned_alloc"] + truth["calls_memalign"],
                                    truth["bytes_aligned_alloc"] + truth["bytes_memalign"])])
        self.assertEqual(exact["all allocations"], (truth["calls_all"], truth["bytes_all"]))
        # alloc_space is exact: every block's requested size, realloc(p, 0) allocates nothing
        self.assertEqual(parsed["allocated"][1], truth["bytes_all"])
        return truth, parsed, err

    def check_churn_inuse(self, truth, parsed):
        self.assertEqual(parsed["free"], truth["frees"])
        self.assertEqual(parsed["in use"], (truth["live_objects"], truth["live_bytes"]))
        stacks = harness.read_folded(self.prefix + ".folded")
        self.assertEqual(sum(stacks.values()), truth["live_bytes"])
        self.assertTrue(all(s.endswith(";main;keep_live") for s in stacks), stacks)

    def test_churn_exact_with_session_probes_at_offsets(self):
        truth, parsed, err = self.check_churn_exact("--uprobe-mode", "session")
        self.check_churn_inuse(truth, parsed)
        self.assertIn("session uprobes", err)
        # glibc's free starts with a single-stepped test: its probe sits past it
        self.assertRegex(err, r"free at \S+, probe \+\d+: ")

    def test_churn_exact_with_classic_probes_at_offsets(self):
        truth, parsed, err = self.check_churn_exact("--uprobe-mode", "classic")
        self.check_churn_inuse(truth, parsed)
        self.assertIn("classic uprobes", err)
        self.assertRegex(err, r"free at \S+, probe \+\d+: ")

    def test_churn_alloc_only_counts_allocations_exactly(self):
        truth, parsed, err = self.check_churn_exact("--alloc-only")
        self.assertIsNone(parsed["free"])
        self.assertIsNone(parsed["in use"])
        self.assertNotRegex(err, r"free at ")  # not probed at all
        stacks = harness.read_folded(self.prefix + ".folded")  # alloc_space by default
        self.assertEqual(sum(stacks.values()), truth["bytes_all"])

    def test_four_threads_each_site_exact(self):
        truth, status, report, err = harness.profile("threads", "-r", "1", "-o", self.prefix)
        self.assertIn("lost data: none", report)
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        for i in range(4):
            worker = f"worker_{i}"
            lines = {s: v for s, v in stacks.items() if s.endswith(";" + worker)}
            self.assertEqual(list(lines.values()), [truth[worker]], (worker, stacks))
            self.assertIn("thread_main;" + worker, next(iter(lines)))
            # through libc's thread start, which keeps no frame pointer, to its root
            self.assertTrue(next(iter(lines)).startswith("__clone3;start_thread;thread_main;"),
                            lines)


if __name__ == "__main__":
    unittest.main()


class SymbolsTest(harness.OutputTest):
    def test_inlined_function_is_its_own_frame(self):
        truth, status, report, err = harness.profile("inlined", "-r", "1", "-o", self.prefix)
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        self.assertEqual(len(stacks), 1, stacks)
        stack, value = next(iter(stacks.items()))
        self.assertTrue(stack.endswith("main;outer_function;inlined_helper"), stack)
        self.assertEqual(value, truth["leaked_bytes"])
        self.assertIn("inlined_helper (inlined)  tests/targets/inlined.c:", report)

    def test_cxx_names_demangled_and_operator_new_trimmed(self):
        truth, status, report, err = harness.profile("cxx_names", "-r", "1", "-o", self.prefix)
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        # DWARF unwinding gets through libstdc++'s operator new, which keeps no frame pointer;
        # the allocator frame itself is trimmed
        self.assertEqual({s.rpartition(";main;")[2]: v for s, v in stacks.items()},
                         {"shop::Basket::create(int)": truth["create_bytes"],
                          "shop::make_baskets(int)": truth["new_bytes"]})

    def test_cxx_frame_pointer_walk_loses_operator_new_caller(self):
        truth, status, report, err = harness.profile("cxx_names", "-r", "1", "--unwind", "fp",
                                                     "-o", self.prefix)
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        # what frame pointers can do: the caller of operator new is skipped, nothing is made up
        self.assertEqual(sum(stacks.values()), truth["create_bytes"] + truth["new_bytes"])
        self.assertFalse([s for s in stacks if "operator new" in s or "make_baskets" in s], stacks)
        self.assertIn("shop::Basket::create(int)", "".join(stacks))


class ExecTest(harness.OutputTest):
    def test_exec_retires_the_old_image_blocks(self):
        truth, status, report, err = harness.profile("exec_self", "-r", "1", "-o", self.prefix)
        self.assertEqual(status, 0, err)
        self.assertIn("lost data: none", report)
        # in use at the end: only what the new image leaked; the old image's blocks are gone.
        # (-p cannot hold the process: its new map may be gone before it is read, and then
        # its frames are [unknown], never named from the old layout)
        stacks = self.folded()
        self.assertEqual(sum(stacks.values()), truth["after_bytes"], stacks)
        self.assertFalse([s for s in stacks if "keep_before_exec" in s], stacks)
        totals = harness.parse_report(report)
        self.assertEqual(totals["in use"][1], truth["after_bytes"])
        # ...and still counted as allocated: nothing collected before the exec is lost
        self.assertGreaterEqual(totals["allocated"][1], truth["before_bytes"] + truth["after_bytes"])
