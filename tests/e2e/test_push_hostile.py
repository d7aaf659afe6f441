"""--push against servers that misbehave: whatever answers on the push URL must not write into
memsnoop's stdout (the report) or its terminal, and must not hold memsnoop's exit."""
import os
import socket
import threading
import time
import unittest

import harness

FORGED = b"\x1b]0;owned\x07\x1b[2J\nFAKE: memsnoop: 0 leaks, all clear\n"
BIG = 20 << 20  # a reply body far larger than anything memsnoop keeps


class RawServer:
    """A TCP server on loopback; answer(conn) runs for each connection in its own thread.
    accepted is set at the first connection."""

    def __init__(self, answer):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.answer, self.accepted, self.conns = answer, threading.Event(), []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def read_request(conn):
    """Reads one request's head and body (Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def forge(conn):
    """A 400 whose body is terminal escapes, a forged report line and 20 MiB more."""
    try:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: %d\r\n\r\n" % (len(FORGED) + BIG) + FORGED)
        conn.sendall(b"A" * BIG)
    except OSError:
        pass  # memsnoop stops reading once it has what it keeps


def hold(conn):
    """Reads the request and never answers."""
    try:
        read_request(conn)
        conn.recv(1)
    except OSError:
        pass


class HostilePushTest(unittest.TestCase):
    def run_against(self, answer, *args, stop=None):
        """memsnoop -p on a held phases target, pushing each second to a RawServer(answer),
        stopped by -d (args) or by SIGINT once the server has a connection (stop=True).
        Returns (status, stdout, stderr, seconds from the stop to the exit)."""
        srv = RawServer(answer)
        target = harness.Target("phases")
        try:
            ms = harness.Memsnoop("-p", target.pid, "-r", "1", "-v", "--push", srv.url,
                                  "--push-interval", "1", *args)
            ms.wait_attached()
            t0 = time.monotonic()
            target.release()
            self.assertTrue(srv.accepted.wait(harness.TIMEOUT), "no push arrived")
            if stop:
                t0 = time.monotonic()
                ms.proc.send_signal(2)
            status, out, err = ms.finish()
            return status, out, err, time.monotonic() - t0
        finally:
            target.kill()
            srv.close()

    def test_a_reply_never_reaches_stdout_and_its_error_line_is_escaped(self):
        status, out, err, _ = self.run_against(forge, "-d", "3")
        self.assertEqual(status, 0, err)
        self.assertNotIn("FAKE", out)
        self.assertNotIn("\x1b", out + err)
        self.assertLess(len(out), 64 << 10)  # the report alone
        # the error line says what the server said, escaped and cut short
        self.assertIn("HTTP 400: \\x1b]0;owned\\x07\\x1b[2J\\x0aFAKE: memsnoop: 0 leaks", err)
        self.assertNotIn("A" * 300, err)
        self.assertIn("pushes dropped", err)

    def test_sigint_ends_a_run_within_a_second_while_the_server_never_answers(self):
        status, out, err, took = self.run_against(hold, stop=True)
        self.assertEqual(status, 0, err)
        self.assertIn("top", out)  # the report was written
        self.assertLess(took, 1.0, err)

    def test_duration_ends_a_run_within_a_second_of_it_while_the_server_never_answers(self):
        status, out, err, took = self.run_against(hold, "-d", "2")
        self.assertEqual(status, 0, err)
        self.assertIn("top", out)
        self.assertLess(took, 2 + 1.0, err)


if __name__ == "__main__":
    unittest.main()
