"""Refused input: one line saying what and why, a non-zero exit, nothing attached."""
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

USAGE, REFUSED = 2, 1


def unused_pid():
    """A PID no process has: one that just exited and is not yet reused."""
    p = subprocess.Popen(["true"])
    p.wait()
    while os.path.exists(f"/proc/{p.pid}"):
        p = subprocess.Popen(["true"])
        p.wait()
    return p.pid


class RefusalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.target = harness.Target("leak_chain")  # held before its pattern, never released

    @classmethod
    def tearDownClass(cls):
        cls.target.kill()

    def assertRefused(self, status, want_status, err, fragment):
        self.assertEqual(status, want_status, err)
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, f"expected one line, got: {err!r}")
        self.assertIn(fragment, lines[0])
        self.assertTrue(lines[0].startswith("memsnoop: "), lines[0])

    def refuse(self, want_status, fragment, *args, **kwargs):
        status, out, err = harness.run_refused(*args, **kwargs)
        self.assertRefused(status, want_status, err, fragment)
        self.assertEqual(out, "")

    def test_no_such_pid(self):
        pid = unused_pid()
        self.refuse(REFUSED, f"no such process: PID {pid}", "-p", pid)

    def test_pid_zero_and_garbage(self):
        self.refuse(USAGE, "invalid PID list '0'", "-p", "0")
        self.refuse(USAGE, "invalid PID list 'abc'", "-p", "abc")
        self.refuse(USAGE, "invalid PID list '12x'", "-p", "12x")
        self.refuse(USAGE, "invalid PID list '-3'", "-p", "-3")

    def test_bad_rate(self):
        for rate in ("0", "-5", "12Q", "lots", "99999999999G"):
            self.refuse(USAGE, f"invalid rate '{rate}'", "-p", self.target.pid, "-r", rate)

    def test_bad_duration_value_and_top(self):
        self.refuse(USAGE, "invalid duration '0'", "-p", self.target.pid, "-d", "0")
        self.refuse(USAGE, "invalid value type 'bytes'", "-p", self.target.pid, "--value", "bytes")
        self.refuse(USAGE, "invalid top count '0'", "-p", self.target.pid, "-n", "0")

    def test_unknown_option_and_missing_target(self):
        self.refuse(USAGE, "unknown option '--frobnicate'", "--frobnicate", "-p", "1")
        self.refuse(USAGE, "unknown option '-x'", "-x")
        self.refuse(USAGE, "missing argument for '-p'", "-p")
        self.refuse(USAGE, "no target: give -p PID", "-r", "1")

    def test_unwritable_output(self):
        self.refuse(REFUSED, "cannot write in /nonexistent/dir: No such file or directory",
                    "-p", self.target.pid, "-o", "/nonexistent/dir/x")

    def test_not_root(self):
        # a copy any user may run, in a directory any user may enter
        tmp = tempfile.mkdtemp()
        try:
            os.chmod(tmp, 0o755)
            binary = shutil.copy(harness.memsnoop_path(), tmp)
            os.chmod(binary, 0o755)
            status, out, err = harness.run_refused(
                "-p", self.target.pid, memsnoop=["setpriv", "--reuid=65534", "--regid=65534",
                                                 "--clear-groups", binary])
            self.assertRefused(status, REFUSED, err, "must run as root")
        finally:
            shutil.rmtree(tmp)

    def test_root_without_bpf_capabilities(self):
        status, out, err = harness.run_refused(
            "-p", self.target.pid,
            memsnoop=["setpriv", "--bounding-set=-sys_admin,-bpf,-perfmon",
                      harness.memsnoop_path()])
        self.assertRefused(status, REFUSED, err, "must run as root")

    def hidden(self, directory, fragment):
        """Runs memsnoop in a mount namespace where directory is an empty tmpfs."""
        status, out, err = harness.run_refused(
            "-p", self.target.pid,
            memsnoop=["unshare", "-m", "sh", "-c",
                      f'mount -t tmpfs none {directory} && exec "$0" "$@"',
                      harness.memsnoop_path()])
        self.assertRefused(status, REFUSED, err, fragment)

    def test_kernel_without_btf(self):
        self.hidden("/sys/kernel/btf", "kernel has no BTF")

    def test_kernel_without_uprobes(self):
        self.hidden("/sys/bus/event_source/devices", "kernel has no uprobe support")

    def test_process_without_allocator(self):
        target = harness.Target("noalloc")
        try:
            self.refuse(REFUSED, f"PID {target.pid} (noalloc): no allocator found",
                        "-p", target.pid)
        finally:
            target.kill()

    def test_never_traces_itself(self):
        status, out, err = harness.run_refused(
            memsnoop=["sh", "-c", f'exec {harness.memsnoop_path()} -p $$'])
        self.assertRefused(status, REFUSED, err, "refusing to profile memsnoop itself")

    def test_refused_target_is_unharmed(self):
        """After every refusal above, the held target still runs its pattern to the end."""
        target = harness.Target("leak_chain")
        harness.run_refused("-p", target.pid, "-o", "/nonexistent/x")
        target.release()
        status, truth = target.finish()
        self.assertEqual(status, 0)
        self.assertEqual(truth["leaked_objects"], 100)


if __name__ == "__main__":
    unittest.main()
