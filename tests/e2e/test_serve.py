"""--listen: the live profile read by go tool pprof over HTTP, a ?seconds=N delta holding only
its window, /metrics checked by promtool and equal to the summary, loopback only unless
asked, and malformed requests answered 4xx without stopping the profiler."""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import unittest

import harness


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=harness.TIMEOUT):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def metrics(text):
    """{'name{labels}': value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


class ServeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        # go tool pprof: a writable home, its downloads under PPROF_TMPDIR; nothing fetched
        self.env = dict(os.environ, HOME=self.tmp, GOCACHE=os.path.join(self.tmp, "gocache"),
                        PPROF_TMPDIR=self.tmp, GOTOOLCHAIN="local", GOFLAGS="")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = harness.Target("phases")
        self.ms = None

    def tearDown(self):
        self.target.kill()
        if self.ms and self.ms.proc.poll() is None:
            self.ms.proc.kill()
            self.ms.proc.wait()
        shutil.rmtree(self.tmp)

    def start(self, *args):
        self.ms = harness.Memsnoop("-p", self.target.pid, "-r", "1", "--listen",
                                   f"127.0.0.1:{self.port}", *args)
        self.ms.wait_attached()
        self.target.release()
        self.assertEqual(self.target.proc.stdout.readline(), "before_done 1\n")

    def window(self):
        """The second phase of the target."""
        self.target.release()
        self.assertEqual(self.target.proc.stdout.readline(), "window_done 1\n")

    def pprof_top(self, source, *args):
        p = subprocess.run(["go", "tool", "pprof", "-top", "-unit=B", *args, source],
                           capture_output=True, text=True, env=self.env, cwd=self.tmp,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def stop(self):
        status, out, err = self.ms.stop()
        self.assertEqual(status, 0, err)
        rc, truth = self.target.finish()
        self.assertEqual(rc, 0)
        return truth, out, err

    def test_go_pprof_reads_the_live_heap(self):
        self.start()
        top = self.pprof_top(f"{self.url}/debug/pprof/heap")
        self.assertIn("Type: inuse_space", top)
        self.assertRegex(top, r"\s40000B\s+100%\s+100%\s+40000B\s+100%\s+before_window")
        status, body = get(f"{self.url}/debug/pprof/heap?debug=1")  # as Go's handler: text
        text = body.decode()
        self.assertEqual(status, 200)
        self.assertRegex(text, r"^heap profile: \d+: 40000 \[\d+: \d+\] @ heap/2\n")
        self.assertRegex(text, r"\n\d+: 40000 \[\d+: 40000\] @ (0x[0-9a-f]+ ?)+\n#\t0x[0-9a-f]+\t"
                               r"before_window\t")
        self.window()
        top = self.pprof_top(f"{self.url}/debug/pprof/allocs")
        self.assertIn("Type: alloc_space", top)
        self.assertRegex(top, r"\s75000B\s+\S+%\s+\S+%\s+75000B\s+\S+%\s+in_window")
        self.assertRegex(top, r"\s40000B\s+\S+%\s+\S+%\s+40000B\s+\S+%\s+before_window")
        truth, _, _ = self.stop()
        self.assertEqual((truth["before_bytes"], truth["window_bytes"]), (40000, 75000))

    def delta_in_background(self, seconds):
        """Starts a ?seconds= request; returns its thread and result dict once memsnoop has
        read it (a later request counts it)."""
        result = {}

        def fetch():
            try:
                result["resp"] = get(f"{self.url}/debug/pprof/allocs?seconds={seconds}")
            except urllib.error.HTTPError as e:
                result["status"] = e.code
            except Exception as e:  # reported by the caller
                result["error"] = e

        fetcher = threading.Thread(target=fetch)
        fetcher.start()
        for _ in range(1000):
            m = metrics(get(f"{self.url}/metrics")[1].decode())
            if m["memsnoop_http_requests_total"] >= 1:
                return fetcher, result
        self.fail("the delta request was never read")

    def test_stop_answers_a_waiting_delta(self):
        self.start()
        fetcher, result = self.delta_in_background(60)
        self.assertTrue(fetcher.is_alive())
        status, _, err = self.ms.stop()
        self.assertEqual(status, 0, err)
        fetcher.join(harness.TIMEOUT)
        self.assertEqual(result, {"status": 503})

    def test_a_delta_read_at_the_stop_is_answered(self):
        """A ?seconds= request that arrives with the stop (memsnoop stopped by SIGSTOP while
        it comes, SIGINT queued before it runs again) is read by the last pass: it is
        answered 503, not suspended (libmicrohttpd aborts at a stop with a suspended
        connection, and the outputs were lost)."""
        self.start()
        os.kill(self.ms.proc.pid, signal.SIGSTOP)
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=harness.TIMEOUT) as c:
                c.sendall(b"GET /debug/pprof/allocs?seconds=60 HTTP/1.1\r\nHost: x\r\n"
                          b"Connection: close\r\n\r\n")
                self.ms.proc.send_signal(signal.SIGINT)
                os.kill(self.ms.proc.pid, signal.SIGCONT)
                answer = b""
                while chunk := c.recv(65536):
                    answer += chunk
        finally:
            os.kill(self.ms.proc.pid, signal.SIGCONT)
        status, out, err = self.ms.finish()
        self.assertEqual(status, 0, err)
        self.assertRegex(answer.decode(errors="replace"), r"^HTTP/1.1 503 ")
        self.assertIn("memsnoop:", out)

    def test_seconds_is_a_delta_of_its_window(self):
        self.start()
        path = os.path.join(self.tmp, "delta.pb.gz")
        # the delta's baseline is taken when its request is read
        fetcher, result = self.delta_in_background(2)
        self.assertTrue(fetcher.is_alive(), "the delta was answered before its window ended")
        self.window()
        # meanwhile the loop goes on: other requests are answered before the delta
        self.assertEqual(get(f"{self.url}/healthz"), (200, b"ok\n"))
        fetcher.join(harness.TIMEOUT)
        self.assertNotIn("error", result)
        status, body = result["resp"]
        self.assertEqual(status, 200)
        with open(path, "wb") as f:
            f.write(body)
        top = self.pprof_top(path, "-sample_index=alloc_space")
        self.assertRegex(top, r"Showing nodes accounting for 75000B, 100% of 75000B total")
        self.assertRegex(top, r"\s75000B\s+100%\s+100%\s+75000B\s+100%\s+in_window")
        self.assertNotIn("before_window", top)
        objects = self.pprof_top(path, "-sample_index=alloc_objects", "-unit=")
        self.assertRegex(objects, r"\s25\s+100%\s+100%\s+25\s+100%\s+in_window")
        self.stop()

    def test_metrics_pass_promtool_and_equal_the_summary(self):
        prefix = os.path.join(self.tmp, "out")
        self.start("-o", prefix)
        self.window()
        rss_key = f'memsnoop_memory_bytes{{pid="{self.target.pid}",field="rss"}}'
        deadline = time.monotonic() + harness.TIMEOUT
        while time.monotonic() < deadline:  # polled until the first tick's memory reading
            time.sleep(0.05)
            status, body = get(f"{self.url}/metrics")
            self.assertEqual(status, 200)
            text = body.decode()
            if rss_key in text:
                break
        check = subprocess.run(["promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        m = metrics(text)
        truth, _, _ = self.stop()
        with open(prefix + ".summary.json") as f:
            summary = json.load(f)
        exact = summary["exact"]
        self.assertEqual(m["memsnoop_allocations_total"], exact["all_allocations"]["calls"])
        self.assertEqual(m["memsnoop_allocated_bytes_total"], exact["all_allocations"]["bytes"])
        self.assertEqual(m["memsnoop_frees_total"], exact["free_calls"])
        for e in exact["entry_points"]:
            key = (f'{{allocator="{e["allocator"]}",group="{e["group"]}",'
                   f'function="{e["name"]}"}}')
            self.assertEqual(m["memsnoop_calls_total" + key], e["calls"], key)
        labels = f'{{pid="{self.target.pid}",comm="phases",cgroup="'
        inuse = [v for k, v in m.items() if k.startswith("memsnoop_heap_inuse_bytes" + labels)]
        self.assertEqual(inuse, [summary["estimated"]["in_use"]["bytes"]])
        self.assertEqual(inuse[0], truth["before_bytes"] + truth["window_bytes"])
        for name, value in summary["losses"].items():
            if name not in ("any", "lost_fraction"):
                self.assertEqual(m[f'memsnoop_losses_total{{counter="{name}"}}'], value, name)
        self.assertGreater(m[rss_key], 0)
        self.assertGreater(m["process_resident_memory_bytes"], 0)
        self.assertGreater(m["process_cpu_seconds_total"], 0)


class ListenRefusalTest(unittest.TestCase):
    def test_non_loopback_needs_listen_any(self):
        target = harness.Target("phases")
        try:
            status, _, err = harness.run_refused("-p", target.pid, "--listen", "0.0.0.0:6060")
            self.assertEqual(status, 1)
            self.assertIn("--listen 0.0.0.0:6060: not a loopback address", err)
            self.assertIn("add --listen-any", err)
            status, _, err = harness.run_refused("-p", target.pid, "--listen", "localhost:6060")
            self.assertEqual(status, 2)
            self.assertIn("invalid --listen 'localhost:6060'", err)
            status, _, err = harness.run_refused("-p", target.pid, "--listen-any")
            self.assertEqual(status, 2)
            # a port already taken is a refusal before anything is attached
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                s.listen()
                port = s.getsockname()[1]
                status, _, err = harness.run_refused("-p", target.pid, "--listen",
                                                     f"127.0.0.1:{port}")
            self.assertEqual(status, 1)
            self.assertIn("Address already in use", err)
        finally:
            target.kill()


class ServeFuzzTest(unittest.TestCase):
    """A bounded fuzz of the request path: random and malformed requests, an idle client;
    every answer is 2xx or 4xx (never 5xx), the server keeps answering and the profile
    stays exact."""

    REQUESTS = 300

    def raw(self, port, data, read=True):
        chunks = []
        with socket.create_connection(("127.0.0.1", port), timeout=harness.TIMEOUT) as s:
            # an incomplete request is waited for (until the server's idle timeout): not long
            s.settimeout(0.3)
            try:  # the server may answer and close before reading it all
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            while read:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)

    def test_malformed_requests(self):
        rng = random.Random(14)
        port = free_port()
        target = harness.Target("phases")
        try:
            ms = harness.Memsnoop("-p", target.pid, "-r", "1", "--listen", f"127.0.0.1:{port}")
            ms.wait_attached()
            idle = socket.create_connection(("127.0.0.1", port))  # never sends a byte
            target.release()
            self.assertEqual(target.proc.stdout.readline(), "before_done 1\n")
            paths = ["/debug/pprof/heap", "/debug/pprof/allocs", "/metrics", "/healthz", "/"]
            seeds = [b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % p.encode() for p in paths] + [
                b"GET /debug/pprof/allocs?seconds=-1 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /debug/pprof/heap?seconds=99999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /debug/pprof/heap?seconds=1x HTTP/1.1\r\nHost: x\r\n\r\n",
                b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\n" + b"X: " + b"y" * 30000 + b"\r\n\r\n",
                b"BREW /pot HTCPCP/1.0\r\n\r\n",
                b"\x00\xff\r\n\r\n",
            ]
            statuses = []
            for i in range(self.REQUESTS):
                data = bytearray(rng.choice(seeds))
                for _ in range(rng.randrange(4) if i >= len(seeds) else 0):
                    pos = rng.randrange(len(data))
                    data[pos:pos + 1] = bytes([rng.randrange(256)]) * rng.randrange(3)
                resp = self.raw(port, bytes(data))
                m = re.match(rb"HTTP/1\.[01] (\d{3}) ", resp)
                if m:
                    statuses.append(int(m.group(1)))
            self.assertTrue(all(200 <= s < 500 for s in statuses), sorted(set(statuses)))
            self.assertGreater(sum(400 <= s < 500 for s in statuses), self.REQUESTS // 10)
            self.assertEqual(get(f"http://127.0.0.1:{port}/healthz"), (200, b"ok\n"))
            target.release()
            self.assertEqual(target.proc.stdout.readline(), "window_done 1\n")
            idle.close()
            status, out, err = ms.stop()
            self.assertEqual(status, 0, err)
            rc, truth = target.finish()
            report = harness.parse_report(out)
            self.assertEqual(report["in use"][1], truth["before_bytes"] + truth["window_bytes"])
        finally:
            target.kill()


if __name__ == "__main__":
    unittest.main()
