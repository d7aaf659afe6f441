"""memsnoop -- COMMAND: from the first allocation (constructors included) to the exit, the
leak report, the program's exit status, --fail-on-leak and --follow-forks."""
import json
import os
import re
import signal
import subprocess
import time
import unittest

import harness

LEAKY = "leaky_ctor"
CTOR_BYTES, CTOR_OBJECTS = 25 * 400, 25     # what tests/targets/leaky_ctor.c leaks
MAIN_BYTES, MAIN_OBJECTS = 10 * 3000, 10


def launch(*args, memsnoop_args=(), timeout=60):
    """Runs memsnoop [memsnoop_args] -- args; returns (status, stdout, stderr)."""
    p = subprocess.run([harness.memsnoop_path(), *map(str, memsnoop_args), "--", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


class LaunchTest(harness.OutputTest):
    def test_exact_leak_report_constructor_and_main(self):
        status, out, err = launch(harness.target_path(LEAKY),
                                  memsnoop_args=("-r", "1", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        self.assertEqual(out, "hello\n")  # the program's stdout, untouched
        report = err[err.index("memsnoop: 1 process"):]
        totals = harness.parse_report(report)
        self.assertEqual(totals["in use"], (CTOR_OBJECTS + MAIN_OBJECTS, CTOR_BYTES + MAIN_BYTES))
        self.assertIn("still allocated at exit (leaked)", report)
        stacks = self.folded()
        # the constructor ran before main: seen, with its stack
        self.assertEqual({s.rpartition(";")[2]: v for s, v in stacks.items()},
                         {"leak_in_constructor": CTOR_BYTES, "leak_in_main": MAIN_BYTES}, stacks)
        self.assertTrue(any(s.endswith("call_init;before_main;leak_in_constructor") for s in stacks),
                        stacks)
        # the run's last lines name every file written, the flame graph as one to open
        last = err.splitlines()[-5:]
        self.assertEqual(sorted(line.split()[2] for line in last),
                         sorted(self.prefix + s for s in (".folded", ".lifetimes.json", ".pb.gz",
                                                          ".summary.json", ".svg")), err)
        self.assertIn(f"memsnoop: wrote {self.prefix}.svg (flame graph: open in a browser)", last)

    def test_kernel_walks_the_program_from_its_first_instruction(self):
        # stopped at its entry point, libraries mapped, the program's layout is loaded before
        # its own code runs: no sample needs a stack copy (as they would, right after exec)
        p = subprocess.run([harness.memsnoop_path(), "-r", "1", "-v", "-o", self.prefix, "--",
                            harness.target_path("leak_chain"), "100", "100000"], input="g",
                           capture_output=True, text=True, timeout=60)
        status, err = p.returncode, p.stderr
        self.assertEqual(status, 0, err)
        self.assertRegex(err, r"unwind tables: \d+ files loaded .*; 0 samples sent as stack copies")
        self.assertIn("lost data: none", err)
        self.assertTrue(all(s.startswith("_start;") for s in self.folded()), self.folded())

    def test_heaptrack_reports_the_same_leaks(self):
        ht_out = os.path.join(self.tmp.name, "ht")
        subprocess.run(["heaptrack", "-o", ht_out, harness.target_path(LEAKY)], check=True,
                       capture_output=True, timeout=120, cwd=self.tmp.name)
        printed = subprocess.run(["heaptrack_print", "-l", "1", "-p", "0", "-a", "0", "-T", "0",
                                  ht_out + ".zst"], capture_output=True, text=True, check=True,
                                 timeout=120).stdout
        theirs = {fn: (round(float(k) * 1000), int(calls)) for k, calls, fn in re.findall(
            r"^([\d.]+)K leaked over (\d+) calls from\n(\w+)$", printed, re.M)}
        total = re.search(r"total memory leaked: ([\d.]+)K", printed).group(1)
        status, _, err = launch(harness.target_path(LEAKY),
                                memsnoop_args=("-r", "1", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        bytes_ = {s.rpartition(";")[2]: v for s, v in self.folded().items()}
        launch(harness.target_path(LEAKY),
               memsnoop_args=("-r", "1", "--value", "inuse_objects", "-o", self.prefix))
        objects = {s.rpartition(";")[2]: v for s, v in self.folded().items()}
        ours = {fn: (bytes_[fn], objects[fn]) for fn in bytes_}
        self.assertEqual(ours, theirs)
        self.assertEqual(f"{sum(bytes_.values()) / 1000:.2f}", total)

    def test_exit_status_is_the_programs(self):
        self.assertEqual(launch(harness.target_path(LEAKY), 0)[0], 0)
        self.assertEqual(launch(harness.target_path(LEAKY), 7)[0], 7)
        self.assertEqual(launch(harness.target_path(LEAKY), "term")[0], 128 + signal.SIGTERM)

    def test_sigterm_reaches_the_program(self):
        ms = harness.Memsnoop("--", "sleep", "60")
        ms.wait_attached()
        start = time.monotonic()
        ms.proc.send_signal(signal.SIGTERM)
        status, _, err = ms.finish()
        self.assertEqual(status, 128 + signal.SIGTERM, err)  # sleep died of it, memsnoop said so
        self.assertLess(time.monotonic() - start, 30)
        self.assertIn("memsnoop: 1 process (sleep", err)

    def test_fail_on_leak_fires_above_and_not_below(self):
        leaked = CTOR_BYTES + MAIN_BYTES
        status, _, err = launch(harness.target_path(LEAKY),
                                memsnoop_args=("-r", "1", "--fail-on-leak", leaked - 1))
        self.assertEqual(status, 3)
        self.assertIn(f"leaked {leaked} bytes, more than --fail-on-leak {leaked - 1}", err)
        self.assertEqual(launch(harness.target_path(LEAKY),
                                memsnoop_args=("-r", "1", "--fail-on-leak", leaked))[0], 0)
        self.assertEqual(launch(harness.target_path(LEAKY), 7,
                                memsnoop_args=("-r", "1", "--fail-on-leak", leaked))[0], 7)

    def test_forks_followed_or_counted(self):
        status, _, err = launch(harness.target_path("forker"),
                                memsnoop_args=("-r", "1", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        self.assertEqual({s.rpartition(";")[2]: v for s, v in self.folded().items()},
                         {"parent_leaks": 5 * 2000})
        self.assertIn("1 child process not followed (--follow-forks profiles them)", err)

        status, _, err = launch(harness.target_path("forker"),
                                memsnoop_args=("-r", "1", "--follow-forks", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        self.assertEqual({s.rpartition(";")[2]: v for s, v in self.folded().items()},
                         {"parent_leaks": 5 * 2000, "child_leaks": 30 * 1000})
        self.assertNotIn("not followed", err)
        pids = set(re.findall(r"\) PID (\d+):", err))
        self.assertEqual(len(pids), 2, err)  # each site labelled with its process

    def test_children_forked_from_a_thread_are_followed(self):
        # tests/targets/thread_forker.c: every fork from a worker thread (ptrace, tracing the
        # main thread only, never sees them): a child, its orphaned grandchild, a vfork + exec
        child, grand, execd, parent = 40 * 1500, 20 * 700, 9 * 333, 5 * 2000
        leaked = child + grand + execd + parent
        status, _, err = launch(harness.target_path("thread_forker"),
                                memsnoop_args=("-r", "1", "--follow-forks", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        with open(self.prefix + ".summary.json") as f:
            summary = json.load(f)
        malloc = [e for e in summary["exact"]["entry_points"] if e["name"] == "malloc"]
        self.assertEqual([(e["calls"], e["bytes"]) for e in malloc], [(74, leaked)], err)
        self.assertEqual(len(summary["run"]["targets"]), 4, summary["run"])  # every process
        self.assertEqual(summary["run"]["unfollowed_children"], 0)
        leaves = {s.rpartition(";")[2]: v for s, v in self.folded().items()}
        # forked children symbolize with their parent's map even once gone
        for name, value in (("child_leaks", child), ("grandchild_leaks", grand),
                            ("parent_leaks", parent)):
            self.assertEqual(leaves.get(name), value, leaves)
        self.assertIn("lost data: none", err)
        # the leak of a child forked from a thread fails the run
        status, _, err = launch(harness.target_path("thread_forker"),
                                memsnoop_args=("-r", "1", "--follow-forks", "--fail-on-leak",
                                               leaked - 1))
        self.assertEqual(status, 3, err)
        self.assertIn(f"more than --fail-on-leak {leaked - 1}", err)

    def test_programs_started_through_a_shell_are_counted_once(self):
        leaked = CTOR_BYTES + MAIN_BYTES
        # the shell execs the program: the libc it maps is probed already, not a second time
        status, _, err = launch("sh", "-c", f"exec {harness.target_path(LEAKY)}",
                                memsnoop_args=("-r", "1", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        # what the shell allocated went with its image at the exec: not a leak
        self.assertEqual(sum(self.folded().values()), leaked)
        launch("sh", "-c", f"exec {harness.target_path(LEAKY)}",
               memsnoop_args=("-r", "1", "--value", "alloc_objects", "-o", self.prefix))
        program = {s: v for s, v in self.folded().items()
                   if s.endswith(("leak_in_main", "leak_in_constructor"))}
        self.assertEqual(sum(program.values()), CTOR_OBJECTS + 2 * MAIN_OBJECTS)  # 45, not 90
        # the shell forks, the child execs the program: followed, probed once
        status, _, err = launch("sh", "-c", f"{harness.target_path(LEAKY)}; true",
                                memsnoop_args=("-r", "1", "--follow-forks", "-o", self.prefix))
        self.assertEqual(status, 0, err)
        program = {s: v for s, v in self.folded().items()
                   if s.endswith(("leak_in_main", "leak_in_constructor"))}
        self.assertEqual(sum(program.values()), leaked, self.folded())

    def test_exec_mid_run_retires_the_old_image(self):
        # held by ptrace at its exec and exit, the new image is read and named
        p = subprocess.run([harness.memsnoop_path(), "-r", "1", "-o", self.prefix,
                            "--", harness.target_path("exec_self")], input="g",
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual({s.rpartition(";")[2]: v for s, v in self.folded().items()},
                         {"leak_after_exec": 7 * 900})

    def test_refused_commands(self):
        status, out, err = launch("no-such-command-memsnoop")
        self.assertEqual((status, err), (1, "memsnoop: no-such-command-memsnoop: command not found\n"))
        status, out, err = launch(harness.target_path("noalloc"))
        self.assertEqual(status, 1)
        self.assertIn("no allocator found", err)
        self.assertEqual(len(err.splitlines()), 1, err)


def held_child(ms_pid, deadline):
    """The launched child of memsnoop ms_pid while it is still held (traced by memsnoop, not
    exec'd yet: its executable is memsnoop's), or None once it has been released or memsnoop
    is gone. (memsnoop's other children, the loader it runs with --list, are not traced.)"""
    try:
        me = os.readlink(f"/proc/{ms_pid}/exe")
        while time.monotonic() < deadline:
            with open(f"/proc/{ms_pid}/task/{ms_pid}/children") as f:
                for kid in f.read().split():
                    with open(f"/proc/{kid}/status") as st:
                        traced = f"TracerPid:\t{ms_pid}\n" in st.read()
                    if traced:
                        return int(kid) if os.readlink(f"/proc/{kid}/exe") == me else None
    except (FileNotFoundError, ProcessLookupError):
        pass  # gone meanwhile
    return None


class HeldChildTest(harness.OutputTest):
    def test_a_held_child_killed_before_release_ends_the_run_with_its_outputs(self):
        """Killed while memsnoop attaches, the held child closes the pipe its release is
        written to: the write got SIGPIPE and memsnoop died with no report and no message."""
        for _ in range(20):  # the window is memsnoop's attach: the child can be missed in it
            ms = harness.Memsnoop("-r", "1", "-o", self.prefix, "--", harness.target_path(LEAKY))
            child = held_child(ms.proc.pid, time.monotonic() + harness.TIMEOUT)
            try:
                if child:
                    os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                child = None  # released and gone meanwhile
            status, out, err = ms.finish()
            if child:
                break
        else:
            self.skipTest("never saw the child held")
        self.assertEqual(status, 128 + signal.SIGKILL, err)  # the command's own status
        self.assertIn("memsnoop: the command ended before it was started", err)
        self.assertIn("memsnoop: 1 process", err)  # the report
        self.assertTrue(os.path.exists(self.prefix + ".summary.json"))


class EarlyForkTest(unittest.TestCase):
    """An LD_PRELOAD constructor forks before the program's _start, where memsnoop has its
    entry breakpoint: the child must not inherit it (it died of SIGTRAP: "early child:
    signal 5"), followed or not."""

    def run_early_fork(self, *memsnoop_args):
        return launch("env", "LD_PRELOAD=" + os.path.abspath(harness.target_path("early_fork.so")),
                      harness.target_path(LEAKY), 7, memsnoop_args=("-r", "1", *memsnoop_args))

    def test_a_child_forked_before_start_runs_and_is_counted(self):
        for args in ((), ("--follow-forks",)):
            status, out, err = self.run_early_fork(*args)
            self.assertEqual(status, 7, err)
            self.assertEqual(out, "hello\nhello\n")  # the child ran the program, then the parent
            self.assertIn("early child: exit 7\n", err)
            # the header counts the followed child too (2 processes) since forks are followed
            # in the kernel
            header = re.search(r"memsnoop: \d+ process", err)
            self.assertIsNotNone(header, err)
            report = harness.parse_report(err[header.start():])
            # followed, the child's leaks count beside the parent's; otherwise it is counted
            leaks = CTOR_OBJECTS + MAIN_OBJECTS, CTOR_BYTES + MAIN_BYTES
            self.assertEqual(report["in use"], tuple(v * (2 if args else 1) for v in leaks), err)
            if not args:
                self.assertIn("1 child process not followed", err)


if __name__ == "__main__":
    unittest.main()
