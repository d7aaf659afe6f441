"""memsnoop runs as root and reads and writes what its targets and other users choose: each
attack reproduced for real, refused or made harmless."""
import json
import os
import resource
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import zlib

import harness

NOBODY = 65534
ATTACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attacks")
SUFFIXES = (".folded", ".pb.gz", ".lifetimes.json", ".svg", ".summary.json")


def run(args, env=None, **kwargs):
    p = subprocess.run([harness.memsnoop_path(), *map(str, args)], capture_output=True,
                       text=True, timeout=harness.TIMEOUT, stdin=subprocess.DEVNULL,
                       env=env, **kwargs)
    return p.returncode, p.stdout, p.stderr


def env_without_sudo(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUDO_")}
    env.update(extra)
    return env


# what memsnoop diff may allocate while refusing a gzip bomb of 256 MiB
DIFF_DATA_MAX = 128 << 20


class WrittenFilesTest(harness.OutputTest):
    def test_planted_symlink_is_replaced_not_followed(self):
        victim = os.path.join(self.tmp.name, "victim")
        with open(victim, "w") as f:
            f.write("precious\n")
        os.symlink(victim, self.prefix + ".folded")
        status, _, err = run(["-r", "1", "-o", self.prefix, "--", harness.target_path("leaky_ctor")],
                             env=env_without_sudo())
        self.assertEqual(status, 0, err)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertFalse(os.path.islink(self.prefix + ".folded"))
        self.assertTrue(any(s.endswith("leak_in_main") for s in self.folded()), self.folded())

    def test_previous_outputs_intact_until_the_run_has_written_new_ones(self):
        for s in SUFFIXES:
            with open(self.prefix + s, "w") as f:
                f.write("previous\n")
        target = harness.Target("leak_chain")
        try:
            ms = harness.Memsnoop("-p", target.pid, "-o", self.prefix)
            ms.wait_attached()
            ms.proc.kill()  # a run that fails: nothing written, nothing truncated
            ms.finish()
        finally:
            target.kill()
        for s in SUFFIXES:
            with open(self.prefix + s) as f:
                self.assertEqual(f.read(), "previous\n", s)
        self.assertEqual(sorted(os.listdir(self.tmp.name)), sorted("out" + s for s in SUFFIXES))

    def test_directory_prefix_refused(self):
        status, out, err = run(["-o", self.tmp.name + "/", "--", "true"])
        self.assertEqual(status, 1, err)
        self.assertEqual(err.strip().splitlines(),
                         [f"memsnoop: cannot write {self.tmp.name}/: a directory, not a file name "
                          f"(such as {self.tmp.name}/profile)"])
        self.assertEqual(os.listdir(self.tmp.name), [])

    def test_outputs_belong_to_the_sudo_user_whatever_the_umask(self):
        status, _, err = run(["-o", self.prefix, "--", "true"],
                             env=env_without_sudo(SUDO_UID=str(NOBODY), SUDO_GID=str(NOBODY)),
                             preexec_fn=lambda: os.umask(0o077))
        self.assertEqual(status, 0, err)
        for s in SUFFIXES:
            st = os.stat(self.prefix + s)
            self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777), (NOBODY, NOBODY, 0o644), s)
        self.assertEqual(len(os.listdir(self.tmp.name)), len(SUFFIXES))  # no temporary left


class FullDiskTest(harness.OutputTest):
    """Outputs on a full filesystem (a 16 KiB tmpfs): each failed one said with the reason the
    kernel gave, not the EIO a writer sees through stdio's error flag."""

    def setUp(self):
        super().setUp()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "none", self.tmp.name],
                       check=True)

    def tearDown(self):
        subprocess.run(["umount", self.tmp.name], check=True)
        super().tearDown()

    def test_enospc_said_as_no_space_left(self):
        _, status, _, err = harness.profile("many_sites", "-r", "1", "-o", self.prefix,
                                           target_args=(2000, 0))
        self.assertEqual(status, 1, err)
        failed = re.findall(r"^memsnoop: cannot write (\S+): (.*)$", err, re.M)
        self.assertTrue(failed, err)
        self.assertEqual({reason for _, reason in failed}, {"No space left on device"}, err)
        # the failed ones left nothing behind, not even their temporary files
        left = {os.path.join(self.tmp.name, n) for n in os.listdir(self.tmp.name)}
        self.assertFalse(left & {p for p, _ in failed})
        self.assertLessEqual(left, {self.prefix + s for s in SUFFIXES})


class PrivilegeTest(unittest.TestCase):
    def launched_ids(self, *memsnoop_args, **env):
        status, out, err = run([*memsnoop_args, "--", "sh", "-c", "id -u; id -g; id -G"],
                               env=env_without_sudo(**env))
        self.assertEqual(status, 0, err)
        return out.split("\n")[:3]

    def test_command_runs_as_the_sudo_user(self):
        self.assertEqual(self.launched_ids(SUDO_UID="65534", SUDO_GID="65534"),
                         ["65534", "65534", "65534"])

    def test_sudo_user_gets_its_supplementary_groups(self):
        groups = subprocess.run(["id", "-G", "root"], capture_output=True, text=True,
                                check=True).stdout.strip()
        self.assertEqual(self.launched_ids(SUDO_UID="0", SUDO_GID="0", SUDO_USER="root")[2],
                         groups)

    def test_user_option_and_as_root(self):
        self.assertEqual(self.launched_ids("--user", "nobody"), ["65534", "65534", "65534"])
        self.assertEqual(self.launched_ids("--as-root", SUDO_UID="65534", SUDO_GID="65534")[0],
                         "0")

    def test_unknown_user_refused(self):
        status, out, err = run(["--user", "no-such-user-here", "--", "true"])
        self.assertEqual((status, out), (1, ""), err)
        self.assertEqual(err.strip(), "memsnoop: --user no-such-user-here: no such user")


class TargetChosenProgramTest(unittest.TestCase):
    """A program linked with its own PT_INTERP, run unprivileged under memsnoop: memsnoop asks
    that "loader" which libraries the program maps, and must not run it as root."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        os.chmod(cls.tmp.name, 0o755)
        cls.interp = os.path.join(cls.tmp.name, "evil_interp")
        cls.prog = os.path.join(cls.tmp.name, "evil_prog")
        subprocess.run(["gcc", "-O1", "-static-pie", "-o", cls.interp,
                        os.path.join(ATTACKS, "evil_interp.c")], check=True)
        subprocess.run(["gcc", "-O1", f"-Wl,--dynamic-linker={cls.interp}", "-o", cls.prog,
                        os.path.join(ATTACKS, "evil_prog.c")], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.marker = os.path.join(self.tmp.name, "marker")
        if os.path.exists(self.marker):
            os.unlink(self.marker)

    def test_the_marker_works(self):
        subprocess.run([self.interp], env={"EVIL_MARKER": self.marker}, check=True)
        self.assertTrue(os.path.exists(self.marker))

    def test_unprivileged_program_interpreter_never_runs_as_root(self):
        status, _, err = run(["--", "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                              "--clear-groups", self.prog],
                             env=env_without_sudo(EVIL_MARKER=self.marker))
        self.assertIn("running setpriv", err)
        self.assertFalse(os.path.exists(self.marker), "the target's loader ran as root")

    def test_interpreter_that_never_answers_is_killed(self):
        p = subprocess.Popen([harness.memsnoop_path(), "--", "setpriv", f"--reuid={NOBODY}",
                              f"--regid={NOBODY}", "--clear-groups", self.prog],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True,
                             env=env_without_sudo(EVIL_HANG="1"))
        try:
            head = read_until(p, "took too long: killed")
            self.assertIn("the dynamic loader listing the libraries took too long: killed", head)
            p.terminate()  # the program itself hangs in its "loader": passed on to it
            _, err = p.communicate(timeout=harness.TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 143, head + err)

    def test_sudo_user_program_interpreter_never_runs_as_root(self):
        run(["--", self.prog], env=env_without_sudo(EVIL_MARKER=self.marker, SUDO_UID="65534",
                                                     SUDO_GID="65534"))
        self.assertFalse(os.path.exists(self.marker), "the program's loader ran as root")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StopUnderFloodTest(harness.OutputTest):
    def test_sigint_answered_within_half_a_second_and_outputs_written(self):
        target = harness.Target("stress")  # two threads allocating as fast as they can
        try:
            ms = harness.Memsnoop("-p", target.pid, "-r", "1", "-o", self.prefix)
            ms.wait_attached()
            target.release()
            deadline = time.monotonic() + harness.TIMEOUT
            while cpu_seconds(target.pid) < 0.5 and time.monotonic() < deadline:
                time.sleep(0.01)  # until the flood is under way
            start = time.monotonic()
            status, report, err = ms.stop(signal.SIGINT)
            elapsed = time.monotonic() - start
        finally:
            target.kill()
        self.assertEqual(status, 0, err)
        self.assertLess(elapsed, 0.5, "a stop must be answered within 0.5 s (the issue's bound)")
        self.assertGreater(harness.parse_report(report)["exact"]["all allocations"][0], 0)
        self.assertTrue(self.folded(), "the outputs were written")


class BoundedMemoryTest(harness.OutputTest):
    def stacks_past_the_bound(self, depth, *bound):
        """many_stacks (2^depth unique stacks, one allocation each) under a bound on the stack
        table: (stacks kept, samples in the overflow site), every sample accounted for."""
        truth, status, report, err = harness.profile(
            "many_stacks", "-r", "1", "--unwind", "fp", *bound,
            "--value", "alloc_objects", "-o", self.prefix, target_args=(depth,))
        self.assertEqual(status, 0, err)
        stacks = self.folded()
        full = stacks.pop("[stack table full]")
        # exact: every sample is in a kept stack or in the overflow site, and said so
        walks = sum(v for s, v in stacks.items() if ";walk;" in s)
        dropped = re.search(r"^  (\d+) sampled allocations lost: ring buffer full$", report, re.M)
        self.assertEqual(walks + full + (int(dropped.group(1)) if dropped else 0), truth["allocs"],
                         report)
        self.assertIn(f"  {full} samples of new stacks past the stack table's bound "
                      "(--stack-memory, --max-stacks), in one [stack table full] site", report)
        self.assertIn("WARNING: data was lost", report)
        return stacks, full

    def test_stacks_past_the_cap_counted_in_one_site(self):
        cap = 500
        stacks, _ = self.stacks_past_the_bound(11, "--max-stacks", cap)
        self.assertLessEqual(len(stacks), cap)
        with open(self.prefix + ".lifetimes.json") as f:
            lifetimes = json.load(f)
        self.assertEqual(len(lifetimes["sites"]), 1000 if len(stacks) >= 1000 else len(stacks) + 1)

    def test_stacks_past_the_memory_bound_counted_in_one_site(self):
        # 2048 stacks take more than 1 MiB (profile and raw stacks): 1M keeps a part
        stacks, full = self.stacks_past_the_bound(11, "--stack-memory", "1M")
        self.assertGreater(len(stacks), 10)
        self.assertLess(len(stacks), 2048)
        self.assertGreater(full, 0)


class RefusalTest(unittest.TestCase):
    def refuse(self, want_status, want_line, *args):
        status, out, err = run(args)
        self.assertEqual((status, out), (want_status, ""), err)
        self.assertEqual(err.strip().splitlines(), [want_line])

    def test_thread_names_its_process(self):
        p = subprocess.Popen(["/usr/bin/python3", "-c", "import threading, sys\n"
                              "t = threading.Thread(target=sys.stdin.read); t.start()\n"
                              "print(t.native_id, flush=True)\nt.join()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            tid = int(p.stdout.readline())
            self.refuse(1, f"memsnoop: PID {tid} is a thread of process {p.pid}: give -p {p.pid}",
                        "-p", tid)
        finally:
            p.kill()
            p.wait()

    def test_kernel_thread(self):
        self.refuse(1, "memsnoop: PID 2 (kthreadd) is a kernel thread: it has no user-space heap "
                       "to profile", "-p", 2)

    def test_zombie(self):
        p = subprocess.Popen(["true"])
        try:
            deadline = time.monotonic() + harness.TIMEOUT
            while "State:\tZ" not in open(f"/proc/{p.pid}/status").read():
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.01)
            self.refuse(1, f"memsnoop: PID {p.pid} (true) has exited (a zombie): nothing left to "
                           "profile", "-p", p.pid)
        finally:
            p.wait()

    def test_diff_refuses_a_directory_and_a_bad_value(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.refuse(1, f"memsnoop: {tmp}: a directory, not a profile", "diff", tmp, tmp)
            fifo = os.path.join(tmp, "fifo.pb.gz")
            os.mkfifo(fifo)  # opened blocking, it would wait for a writer forever
            self.refuse(1, f"memsnoop: {fifo}: not a regular file", "diff", fifo, fifo)
        self.refuse(2, "memsnoop: invalid value type 'bytes': expected inuse_space, "
                       "inuse_objects, alloc_space or alloc_objects",
                    "diff", "--value", "bytes", "a", "b")

    def test_gzip_bomb_refused_early(self):
        with tempfile.TemporaryDirectory() as tmp:
            bomb = os.path.join(tmp, "bomb.pb.gz")
            z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
            with open(bomb, "wb") as f:
                for _ in range(256):  # 256 MiB of zeros, ~250 KB compressed
                    f.write(z.compress(bytes(1 << 20)))
                f.write(z.flush())
            # a child's ru_maxrss counts the test runner's pages it was forked with (80 MB
            # after a whole make check): the bound is a data limit instead, which inflating
            # 256 MiB would hit
            p = subprocess.Popen([harness.memsnoop_path(), "diff", bomb, bomb],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=lambda: resource.setrlimit(
                                     resource.RLIMIT_DATA, (DIFF_DATA_MAX, DIFF_DATA_MAX)))
            _, status, _ = os.wait4(p.pid, 0)
            err = p.stderr.read()
            p.stdout.close()
            p.stderr.close()
        self.assertEqual(os.waitstatus_to_exitcode(status), 1, err)
        self.assertIn("refused as a decompression bomb", err)

    def test_duplicate_pids_merged(self):
        target = harness.Target("leak_chain")
        try:
            ms = harness.Memsnoop("-p", f"{target.pid},{target.pid}", "-p", target.pid, "-r", "1")
            ms.wait_attached()
            target.release()
            rc, truth = target.finish()
            status, report, err = ms.finish()
        finally:
            target.kill()
        self.assertEqual(status, 0, err)
        self.assertIn("memsnoop: 1 process (leak_chain", report)
        totals = harness.parse_report(report)
        leaked = (truth["leaked_objects"], truth["leaked_bytes"])
        self.assertEqual(totals["exact"]["malloc"], leaked, report)
        self.assertEqual(totals["in use"], leaked, report)


def read_until(proc, text, head=""):
    """proc's stderr read until text appears (or it ends); everything read."""
    fd = proc.stderr.fileno()
    deadline = time.monotonic() + harness.TIMEOUT
    while text not in head and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        chunk = os.read(fd, 4096).decode() if ready else ""
        if not chunk:
            break
        head += chunk
    return head


class ExecFromThreadTest(unittest.TestCase):
    """A thread execs: it becomes the process's leader; the probes bound to the old leader
    would see nothing more. Counted exactly after the exec, -p (both probe modes) and
    launched."""

    REATTACHED = "probes re-attached to its new leader"

    def check_after_exec(self, report, truth):
        totals = harness.parse_report(report)
        leaked = (truth["after_objects"], truth["after_bytes"])
        self.assertEqual(totals["in use"], leaked, report)

    def test_exec_from_a_thread_with_pid(self):
        for mode in ("session", "classic"):
            target = harness.Target("exec_thread")
            try:
                ms = harness.Memsnoop("-p", target.pid, "-r", "1", "--uprobe-mode", mode, "-v")
                ms.wait_attached()
                target.release()
                self.assertTrue(target.proc.stdout.readline().startswith("pid "))  # new image
                ms.stderr_head = read_until(ms.proc, self.REATTACHED, ms.stderr_head)
                self.assertIn(self.REATTACHED, ms.stderr_head)
                target.release()
                rc, truth = target.finish()
                status, report, err = ms.finish()
            finally:
                target.kill()
            self.assertEqual((rc, status), (0, 0), err)
            self.check_after_exec(report, truth)

    def test_exec_from_a_thread_launched(self):
        p = subprocess.Popen([harness.memsnoop_path(), "-r", "1", "-v", "--",
                              harness.target_path("exec_thread")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(p.stdout.readline().startswith("pid "))
            p.stdin.write("g")
            p.stdin.flush()
            self.assertTrue(p.stdout.readline().startswith("pid "))  # the new image, held
            head = read_until(p, self.REATTACHED)
            self.assertIn(self.REATTACHED, head)
            out, err = p.communicate(input="g", timeout=harness.TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0, err)
        truth = dict((k, int(v)) for k, v in (l.split() for l in out.splitlines()))
        err = head + err
        self.check_after_exec(err[err.index("memsnoop: 1 process"):], truth)


class ScriptTest(harness.OutputTest):
    def test_script_followed_to_its_interpreter(self):
        script = os.path.join(self.tmp.name, "script.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nexit 7\n")
        os.chmod(script, 0o755)
        status, _, err = run(["-r", "1", "--", script], env=env_without_sudo())
        self.assertEqual(status, 7, err)
        self.assertGreater(harness.parse_report(err[err.index("memsnoop: 1 process"):])
                           ["exact"]["malloc"][0], 0)


class TargetChosenFileTest(harness.OutputTest):
    """Files a target names, opened by root: never blocking, never another file than mapped."""

    N = 500

    def run_attack(self, mode):
        target = harness.Target("deleted_mapping", self.tmp.name, mode, self.N)
        try:
            ms = harness.Memsnoop("-p", target.pid, "-r", "1", "--value", "alloc_objects",
                                  "-o", self.prefix)
            ms.wait_attached()  # not blocked in open() at attach
            target.release()
            rc, truth = target.finish()
            self.assertEqual(rc, 0)
            status, _, err = ms.finish()  # the watchdog kills a hang: the test fails
            self.assertEqual(status, 0, err)
        finally:
            target.kill()
        sites = {s.rpartition(";")[2]: v for s, v in self.folded().items()}
        self.assertEqual(sites.get("attack_site"), truth["site_objects"], sites)

    def test_fifo_named_like_a_deleted_mapping_does_not_block(self):
        self.run_attack("fifo")

    def test_symlink_named_like_a_deleted_mapping_is_not_followed(self):
        # root must not read the C library (or any file) in place of the mapped one
        self.run_attack("symlink")

    def test_fifo_debuglink_does_not_block(self):
        lib = os.path.join(self.tmp.name, "libdl_attack.so")
        prog = os.path.join(self.tmp.name, "prog")
        subprocess.run(["gcc", "-g", "-O1", "-shared", "-fPIC", "-o", lib,
                        os.path.join(ATTACKS, "debuglink_lib.c")], check=True)
        subprocess.run(["objcopy", "--only-keep-debug", lib, lib[:-3] + ".debug"], check=True)
        subprocess.run(["objcopy", "--strip-debug", f"--add-gnu-debuglink={lib[:-3]}.debug", lib],
                       check=True)
        os.unlink(lib[:-3] + ".debug")
        os.mkfifo(lib[:-3] + ".debug")
        subprocess.run(["gcc", "-O1", "-o", prog, os.path.join(ATTACKS, "debuglink_prog.c"),
                        f"-L{self.tmp.name}", "-ldl_attack", f"-Wl,-rpath,{self.tmp.name}"],
                       check=True)
        p = subprocess.Popen([harness.memsnoop_path(), "-r", "1", "-o", self.prefix, "--", prog],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()  # SIGTERM is memsnoop's to handle: blocked in open(), it would not
            p.wait()
            self.fail("memsnoop blocked on the FIFO debuglink")
        self.assertEqual(p.returncode, 0, err)
        self.assertTrue(any(s.endswith(";main;lib_alloc") for s in self.folded()), self.folded())


if __name__ == "__main__":
    unittest.main()
