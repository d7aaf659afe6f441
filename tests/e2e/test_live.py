"""The live view (--interval): a growing process seen tick by tick, appended blocks when the
output is not a terminal, redrawn in place on one; the final report unchanged by the ticks."""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
import unittest

import harness

CLEAR = "\033[H\033[2J"


def blocks(text):
    """The full blocks of a non-terminal live view: [(tick, [lines])], before the report."""
    out = []
    for line in text.splitlines():
        m = re.match(r"--- memsnoop [\d.]+ s, tick (\d+) ---$", line)
        if m:
            out.append((int(m.group(1)), []))
        elif line.startswith("memsnoop: "):
            break  # the final report
        elif out:
            out[-1][1].append(line)
    return out


class LiveViewTest(unittest.TestCase):
    def test_growing_site_on_top_with_positive_change_each_tick(self):
        truth, status, out, err = harness.profile("grower", "--interval", "1", "-r", "1",
                                                  "-n", "3", "--lifetimes",
                                                  target_args=(3500,))
        self.assertEqual(status, 0, err)
        self.assertNotIn("\033", out)  # not a terminal: no escape sequences
        got = blocks(out)
        self.assertGreaterEqual(len(got), 3, out)
        self.assertEqual([t for t, _ in got], list(range(1, len(got) + 1)))
        for tick, lines in got:
            rows = [l for l in lines if re.match(r"\s+\d+\s", l)]
            self.assertTrue(rows, f"tick {tick}: no site: {lines}")
            fields = rows[0].split()
            self.assertTrue(rows[0].split("  ")[-1].strip().startswith("grow_cache"), rows[0])
            self.assertTrue(fields[3].startswith("+") and fields[3] != "+0", rows[0])
            self.assertTrue(any(re.match(r"PID \d+ grower: rss \d", l) for l in lines), lines)
            self.assertTrue(any(re.match(r"exact, last [\d.]+ s: [1-9]\d* allocations \([\d.]+/s\)", l)
                                for l in lines), lines)
            self.assertIn("lost: none", lines)
        # several snapshots, one final report: exact, nothing counted twice
        report = harness.parse_report(out[out.index("memsnoop: "):])
        self.assertEqual(report["in use"], (truth["kept"], truth["kept_bytes"]))
        self.assertIn(f"age of all samples live at the report ({truth['kept']} objects)", out)

    def test_launched_program_gets_blocks_on_stderr(self):
        p = subprocess.run([harness.memsnoop_path(), "-r", "1", "--interval", "0.5", "--",
                            harness.target_path("grower"), "1500"],
                           input="g", capture_output=True, text=True, timeout=harness.TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^pid \d+\nkept 30\nkept_bytes 1966080\n$")  # its own
        got = blocks(p.stderr[p.stderr.index("--- memsnoop"):])
        self.assertGreaterEqual(len(got), 2, p.stderr)
        self.assertIn("leaked at exit", p.stderr)

    def on_terminal(self, stream, *args, cols=None, env=None):
        """Profiles grower with memsnoop's stdout or stderr on a terminal (a pty, cols wide
        when given); returns (what the terminal got, what the other stream got)."""
        target = harness.Target("grower", 2500)
        master, slave = pty.openpty()
        if cols:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
        try:
            ms = subprocess.Popen([harness.memsnoop_path(), "-p", str(target.pid), *args],
                                  stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})},
                                  stdout=slave if stream == "stdout" else subprocess.PIPE,
                                  stderr=slave if stream == "stderr" else subprocess.PIPE)
            os.close(slave)
            other_fd = (ms.stderr if stream == "stdout" else ms.stdout).fileno()
            got, open_fds = {master: b"", other_fd: b""}, {master, other_fd}
            released = False
            while open_fds:  # until both streams end (a pty's end reads as EIO)
                ready = select.select(list(open_fds), [], [], harness.TIMEOUT)[0]
                self.assertTrue(ready, "memsnoop hung")
                for fd in ready:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:
                        chunk = b""
                    got[fd] += chunk
                    if not chunk:
                        open_fds.discard(fd)
                if not released and any(b"attached" in v for v in got.values()):
                    target.release()
                    released = True
            screen, other = got[master], got[other_fd]
            target.finish()
            self.assertEqual(ms.wait(timeout=harness.TIMEOUT), 0)
        finally:
            target.kill()
            os.close(master)
        return screen.decode(), other.decode()

    def test_terminal_redraws_in_place(self):
        screen, _ = self.on_terminal("stdout", "--interval", "0.5")
        self.assertGreaterEqual(screen.count(CLEAR), 3, screen)
        self.assertIn("grow_cache", screen)

    def test_terminal_of_80_columns_fits_and_colours(self):
        screen, _ = self.on_terminal("stdout", "--interval", "0.5", cols=80,
                                     env={"TERM": "xterm", "NO_COLOR": ""})
        view = screen[:screen.rindex(CLEAR)]  # the ticks: the report after them may be wider
        self.assertIn("\033[1m--- memsnoop", view)
        lines = re.sub(r"\033\[[0-9;]*[A-Za-z]", "", view).replace("\r", "").split("\n")
        self.assertTrue(all(len(l) <= 80 for l in lines), [l for l in lines if len(l) > 80])
        # the memory line, cut after a whole figure
        self.assertTrue(any(re.match(r"PID \d+ grower: rss .*\d (B|KiB|MiB|GiB) \.\.\.$", l)
                            for l in lines), lines)
        screen, _ = self.on_terminal("stdout", "--interval", "0.5", cols=80,
                                     env={"TERM": "xterm", "NO_COLOR": "1"})
        self.assertNotIn("\033[1m", screen)

    def test_progress_line_without_live_view(self):
        # stdout a pipe: no live view by default; stderr a terminal: a line rewritten in place
        screen, out = self.on_terminal("stderr")
        lines = re.findall(r"\r\033\[Kmemsnoop: (\d+) s, (\d+) samples, heap in use ", screen)
        self.assertGreaterEqual(len(lines), 2, repr(screen))
        self.assertEqual([int(t) for t, _ in lines], sorted(int(t) for t, _ in lines))
        self.assertNotIn("\033", out)
        self.assertIn("grow_cache", out)
        self.assertNotIn("--- memsnoop", out)


if __name__ == "__main__":
    unittest.main()
