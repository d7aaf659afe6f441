#!/usr/bin/env python3
"""What serving and pushing cost memsnoop with many sites: its own CPU time (user + system,
from /proc) per /debug/pprof/heap, per /metrics and per push, against a target holding N
distinct live sites (every allocation sampled), in the target's quiet window.

    sudo python3 scripts/serve_cost.py [BUILD] [SITES] [REQUESTS]
"""
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build"
sites = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
requests = int(sys.argv[3]) if len(sys.argv) > 3 else 20
os.environ["MEMSNOOP_BUILD"] = build
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

QUIET = 30  # seconds the target stays quiet


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.sizes.append(len(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    if os.geteuid() != 0:
        sys.exit("serve_cost: memsnoop attaches BPF probes: run as root")
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    sink.sizes = []
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = harness.Target("many_sites", sites, QUIET)
    ms = subprocess.Popen([harness.memsnoop_path(), "-p", str(target.pid), "-r", "1", "--unwind",
                           "fp", "--interval", "0", "--listen", f"127.0.0.1:{port}",
                           "--push", f"http://127.0.0.1:{sink.server_address[1]}",
                           "--push-interval", "1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        head = ""
        while "attached" not in head:
            head += ms.stderr.readline()
        target.release()
        assert target.proc.stdout.readline().startswith("sites")
        time.sleep(2)  # the last samples resolved, a push or two done
        for path in ("/debug/pprof/heap", "/metrics"):
            start, t0 = cpu_s(ms.pid), time.monotonic()
            size = 0
            for _ in range(requests):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
                    size = len(r.read())
            used, wall = cpu_s(ms.pid) - start, time.monotonic() - t0
            print(f"{sites} sites, {path}: {used / requests * 1000:.1f} ms of memsnoop CPU "
                  f"and {wall / requests * 1000:.1f} ms wall per request, {size} bytes")
        pushes0, start, t0 = len(sink.sizes), cpu_s(ms.pid), time.monotonic()
        time.sleep(10)
        used, pushes = cpu_s(ms.pid) - start, len(sink.sizes) - pushes0
        print(f"{sites} sites, --push-interval 1: {pushes} pushes in "
              f"{time.monotonic() - t0:.1f} s, {used * 1000:.0f} ms of memsnoop CPU in all "
              f"({used / max(pushes, 1) * 1000:.1f} ms per push, idle ticks included), "
              f"{sink.sizes[-1]} bytes each")
        with open(f"/proc/{ms.pid}/status") as f:
            rss = [line for line in f if line.startswith(("VmRSS", "VmHWM"))]
        print("memsnoop " + ", ".join(line.split(":")[0] + " " + " ".join(line.split()[1:])
                                     for line in rss))
        ms.send_signal(2)
        ms.stderr.read()
        ms.wait()
    finally:
        target.kill()
        if ms.poll() is None:
            ms.kill()
        sink.shutdown()


main()
