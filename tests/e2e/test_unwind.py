"""DWARF unwinding, in the kernel with compiled tables (the default) and of copied stacks with
libdw (--unwind dwarf-copy, the reference): right without frame pointers, through signal
frames, honest when cut short."""
import os
import re
import subprocess
import unittest

import harness

PYTHON = "/usr/bin/python3"  # Debian's, built without frame pointers (not pyenv's python3)
HERE = os.path.dirname(os.path.abspath(__file__))


class PythonTarget(harness.Target):
    """Debian's python3 running tests/targets/python_alloc.py."""

    def __init__(self):
        script = os.path.join(HERE, "..", "targets", "python_alloc.py")
        self.proc = subprocess.Popen([PYTHON, script], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.pid = int(self.proc.stdout.readline().split()[1])


class UnwindTest(harness.OutputTest):
    def profile_folded(self, target, *args):
        truth, status, report, err = harness.profile(target, *args, "-o", self.prefix)
        self.assertEqual(status, 0, err)
        return truth, report, harness.read_folded(self.prefix + ".folded")

    def test_chain_without_frame_pointers_is_complete(self):
        truth, _, stacks = self.profile_folded("chain_nofp", "-r", "1")
        self.assertEqual(len(stacks), 1, stacks)
        stack, value = next(iter(stacks.items()))
        # every link to main, chain_d (inlined into chain_c) included, and on to the root
        self.assertTrue(stack.endswith("main;chain_a;chain_b;chain_c;chain_d;chain_e;chain_f"),
                        stack)
        self.assertTrue(stack.startswith("_start;"), stack)
        self.assertEqual(value, truth["leaked_bytes"])

    def test_chain_without_frame_pointers_defeats_the_frame_pointer_walk(self):
        # proves the target really has no frame pointers, so that the test above means something
        truth, _, stacks = self.profile_folded("chain_nofp", "-r", "1", "--unwind", "fp")
        self.assertEqual(sum(stacks.values()), truth["leaked_bytes"])
        self.assertFalse([s for s in stacks if "main;chain_a;chain_b" in s], stacks)

    def profile_python(self, *args, env=None):
        target = PythonTarget()
        try:
            ms = harness.Memsnoop("-p", target.pid, *args, env=env)
            ms.wait_attached()
            target.release()
            status, truth = target.finish()
            self.assertEqual(status, 0)
            status, report, err = ms.finish()
            self.assertEqual(status, 0, err)
        finally:
            target.kill()
        return report, err

    def test_debian_python3_stacks_reach_start(self):
        self.profile_python("--value", "alloc_space", "-o", self.prefix)
        stacks = harness.read_folded(self.prefix + ".folded")
        deep = [s for s in stacks if len(s.split(";")) > 10 and
                (s.startswith("_start;") or s.split(";")[0].startswith("__libc_start_main"))]
        self.assertTrue(deep, f"no stack deeper than 10 frames reaching _start: {stacks}")
        # nearly all the allocated bytes are in such stacks
        self.assertGreater(sum(stacks[s] for s in deep), 0.9 * sum(stacks.values()))

    def test_signals_interrupting_a_plt_stub(self):
        truth, report, stacks = self.profile_folded("plt_signal", "-r", "1", "-n", "100000")
        # (pthread_create's own blocks aside)
        stacks = {s: v for s, v in stacks.items() if "allocate_stack" not in s}
        self.assertEqual(sum(stacks.values()), truth["leaked_bytes"], stacks)
        # wherever the signal landed (the loop, the PLT stub, libc), the stack is whole
        for stack in stacks:
            self.assertRegex(stack, r"^__clone3;start_thread;spin_main;spin;.*"
                                    r";on_signal;alloc_in_handler$")
        # ...and some landed in the stub: a frame named by its offset in .plt
        plt = subprocess.run(["readelf", "-SW", harness.target_path("plt_signal")],
                             capture_output=True, text=True, check=True).stdout
        start, size = (int(x, 16) for x in re.search(
            r"\] \.plt\s+PROGBITS\s+\w+ (\w+) (\w+)", plt).groups())
        in_plt = [int(off, 16) for off in re.findall(r"\[\S*/plt_signal\+0x(\w+)\]", report)
                  if start <= int(off, 16) < start + size]
        self.assertTrue(in_plt, report)

    def test_kernel_walk_equals_libdw_on_debian_python3(self):
        # the test knob has the kernel send both its walk and a copy of the same stack: user
        # space unwinds the copy with libdw and compares, pc for pc
        _, err = self.profile_python("-r", "64K", "-v",
                                     env={"MEMSNOOP_TEST_UNWIND_ORACLE": "1"})
        compared, differ = map(int, re.search(
            r"unwind oracle: (\d+) kernel stacks compared with libdw's, (\d+) differ", err).groups())
        self.assertGreaterEqual(compared, 1000, err)
        self.assertEqual(differ, 0, err)

    def test_recursion_deeper_than_the_copy_is_marked_truncated(self):
        truth, report, stacks = self.profile_folded("deep_recursion", "-r", "1", "--unwind",
                                                    "dwarf-copy", "--stack-bytes", "4K")
        self.assertEqual(len(stacks), 1, stacks)
        stack, value = next(iter(stacks.items()))
        frames = stack.split(";")
        self.assertEqual(frames[0], "[truncated]")
        # only the frames the copy held: no garbage past its end
        self.assertEqual(set(frames[1:]), {"recurse"}, stack)
        self.assertGreater(len(frames), 10)
        self.assertEqual(value, truth["leaked_bytes"])
        self.assertIn("      [truncated]", report)
        self.assertIn("1 samples with stacks cut short", report)

    def test_recursion_deeper_than_the_walk_is_marked_truncated(self):
        truth, report, stacks = self.profile_folded("deep_recursion", "-r", "1")
        self.assertEqual(len(stacks), 1, stacks)
        stack, value = next(iter(stacks.items()))
        frames = stack.split(";")
        # the walk's bound, every frame a real one
        self.assertEqual(frames, ["[truncated]"] + ["recurse"] * 127, stack)
        self.assertEqual(value, truth["leaked_bytes"])
        self.assertIn("1 samples with stacks cut short", report)

    def test_signal_handler_allocating(self):
        truth, report, stacks = self.profile_folded("signal_alloc", "-r", "1")
        self.assertEqual(len(stacks), 1, stacks)
        stack, value = next(iter(stacks.items()))
        # from the handler, through the signal frame, to the interrupted code and its root
        self.assertTrue(stack.startswith("_start;"), stack)
        # (the signal frame's return address is libc's __restore_rt, whose symbol starts one
        # byte past the pc - 1 every return address is named by: it may read [unknown])
        self.assertRegex(stack, r";main;send_signal;\w*raise;__pthread_kill_implementation;"
                                r"[^;]+;on_signal;alloc_in_handler$")
        self.assertEqual(value, truth["leaked_bytes"])
        # the reference unwinder agrees frame for frame
        _, _, copied = self.profile_folded("signal_alloc", "-r", "1", "--unwind", "dwarf-copy")
        self.assertEqual(copied, stacks)

    def test_recursion_within_the_copy_is_complete(self):
        truth, status, report, err = harness.profile("deep_recursion", "-r", "1", "-o",
                                                     self.prefix, target_args=[50])
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        self.assertEqual(len(stacks), 1, stacks)
        stack = next(iter(stacks))
        # 51 levels (50 down to 0) in ~8 KiB, well inside the default 16K copy
        self.assertTrue(stack.endswith(";main" + ";recurse" * 51), stack)
        self.assertNotIn("[truncated]", stack)

if __name__ == "__main__":
    unittest.main()
