#!/usr/bin/env python3
"""memsnoop's memory over a long run while serving and pushing: a target holding N live
sites, a scrape of /debug/pprof/heap and /metrics each second, a ?seconds=5 delta always
waiting, a push each second; memsnoop's RSS printed every MINUTES/10.

    sudo python3 scripts/serve_soak.py [BUILD] [SITES] [SECONDS]
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
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 600
os.environ["MEMSNOOP_BUILD"] = build
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.pushes += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return {l.split(":")[0]: int(l.split()[1]) for l in f if l.startswith(("VmRSS", "VmHWM"))}


def main():
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    sink.pushes = 0
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    target = harness.Target("many_sites", sites, seconds + 30)
    ms = subprocess.Popen([harness.memsnoop_path(), "-p", str(target.pid), "-r", "1", "--unwind",
                           "fp", "--interval", "0", "--listen", f"127.0.0.1:{port}",
                           "--push", f"http://127.0.0.1:{sink.server_address[1]}",
                           "--push-interval", "1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deltas = [0]

    def delta_loop():
        while ms.poll() is None:
            try:
                urllib.request.urlopen(f"{base}/debug/pprof/allocs?seconds=5").read()
                deltas[0] += 1
            except OSError:
                return

    try:
        head = ""
        while "attached" not in head:
            head += ms.stderr.readline()
        target.release()
        assert target.proc.stdout.readline().startswith("sites")
        threading.Thread(target=delta_loop, daemon=True).start()
        t0, scrapes, next_print = time.monotonic(), 0, 0
        while time.monotonic() - t0 < seconds:
            for path in ("/debug/pprof/heap", "/metrics"):
                urllib.request.urlopen(base + path).read()
                scrapes += 1
            if time.monotonic() - t0 >= next_print:
                r = rss_kib(ms.pid)
                print(f"t={time.monotonic() - t0:5.0f} s  memsnoop VmRSS {r['VmRSS']} kB, "
                      f"VmHWM {r['VmHWM']} kB; {scrapes} scrapes, {deltas[0]} deltas, "
                      f"{sink.pushes} pushes", flush=True)
                next_print += seconds / 10
            time.sleep(1)
        r = rss_kib(ms.pid)
        print(f"end: memsnoop VmRSS {r['VmRSS']} kB, VmHWM {r['VmHWM']} kB; {scrapes} scrapes, "
              f"{deltas[0]} deltas, {sink.pushes} pushes", flush=True)
        ms.send_signal(2)
        ms.stderr.read()
        ms.wait()
    finally:
        target.kill()
        if ms.poll() is None:
            ms.kill()
        sink.shutdown()


main()
