"""memsnoop keeps a target's file open only while a live process maps it: a process mapping
25,000 files is profiled exactly, and a deleted file is not pinned once its process is gone."""
import os
import signal
import tempfile
import time
import unittest

import harness

MANY = 25_000
HELD_MAX = 1024  # ADDRSPACE_HELD_MAX


def fd_targets(pid):
    """Where each of pid's descriptors points."""
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    return out


def read_truth(target):
    truth = {}
    while "churning" not in truth:  # the known pattern is done
        key, _, value = target.proc.stdout.readline().partition(" ")
        assert key, "the target ended early"
        truth[key] = int(value)
    return truth


class DescriptorTest(harness.OutputTest):
    def test_process_mapping_25k_files_profiled_exactly(self):
        with tempfile.TemporaryDirectory() as d:
            for i in range(MANY):
                with open(os.path.join(d, f"f{i:05d}"), "wb") as f:
                    f.write(b"x" * 64)
            target = harness.Target("map_files", d)
            try:
                ms = harness.Memsnoop("-p", target.pid, "-r", "1", "-o", self.prefix)
                ms.wait_attached()
                target.release()
                truth = read_truth(target)
                fds = len(fd_targets(ms.proc.pid))
                status, _, err = ms.stop(signal.SIGINT)
            finally:
                target.kill()
        self.assertEqual(status, 0, err)
        self.assertEqual(truth["mapped"], MANY)
        self.assertLess(fds, HELD_MAX + 256, "memsnoop holds a descriptor per mapped file")
        known = sum(v for s, v in self.folded().items() if ";known_pattern" in s)
        self.assertEqual(known, truth["known_bytes"], self.folded())

    def test_deleted_file_not_pinned_after_its_process_exits(self):
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as empty:
            lib = os.path.join(d, "libgone.so")
            with open(lib, "wb") as f:
                f.write(b"\x7fELF" + bytes(4 << 20))
            gone = harness.Target("map_files", d)
            other = harness.Target("map_files", empty)  # keeps the run going
            try:
                os.unlink(lib)  # mapped, deleted: only the mapping keeps it
                ms = harness.Memsnoop("-p", f"{gone.pid},{other.pid}", "-r", "1", "-o",
                                      self.prefix)
                ms.wait_attached()
                gone.release()
                truth = read_truth(gone)
                pinned = lambda: [t for t in fd_targets(ms.proc.pid) if "libgone.so" in t]
                self.assertTrue(pinned(), "held while its process lives (the test can fail)")
                gone.finish()
                deadline = time.monotonic() + 10  # released at the first tick after the exit
                while pinned() and time.monotonic() < deadline:
                    time.sleep(0.05)
                still = pinned()
                status, _, err = ms.stop(signal.SIGINT)
            finally:
                gone.kill()
                other.kill()
        self.assertEqual(status, 0, err)
        self.assertEqual(still, [], "a deleted file stays pinned after its process exited")
        # symbolized before its file went (the other target never ran its pattern)
        known = sum(v for s, v in self.folded().items() if ";main;known_pattern" in s)
        self.assertEqual(known, truth["known_bytes"], self.folded())


if __name__ == "__main__":
    unittest.main()
