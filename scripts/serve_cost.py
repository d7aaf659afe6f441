#!/usr/bin/env python3
"""What serving and pushing cost memsnoop with many sites, against a target holding N
distinct live sites (every allocation sampled), memsnoop serving (--listen) and pushing each
second (--push) to a sink in this script:

    sudo python3 scripts/serve_cost.py [BUILD] [SITES] [REQUESTS]
        memsnoop's own CPU time (user + system, from /proc) per /debug/pprof/heap, per
        /metrics and per push, in the target's quiet window;
    sudo python3 scripts/serve_cost.py [BUILD] [SITES] soak SECONDS
        memsnoop's memory over a long run: a scrape of /debug/pprof/heap and /metrics each
        second, a ?seconds=5 delta always waiting, a push each second; its RSS printed ten
        times.
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
soak = len(sys.argv) > 4 and sys.argv[3] == "soak"
requests = 0 if soak else int(sys.argv[3]) if len(sys.argv) > 3 else 20
seconds = int(sys.argv[4]) if soak else 30
os.environ["MEMSNOOP_BUILD"] = build
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid):
    with open(f"/proc/{pid}/status") as f:
        return ", ".join(f"{line.split(':')[0]} {line.split()[1]} kB" for line in f
                         if line.startswith(("VmRSS", "VmHWM")))


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.sizes.append(len(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def get(url):
    with urllib.request.urlopen(url) as r:
        return len(r.read())


def measure_cost(ms, base, sink):
    for path in ("/debug/pprof/heap", "/metrics"):
        start, t0 = cpu_s(ms.pid), time.monotonic()
        for _ in range(requests):
            size = get(base + path)
        used, wall = cpu_s(ms.pid) - start, time.monotonic() - t0
        print(f"{sites} sites, {path}: {used / requests * 1000:.1f} ms of memsnoop CPU "
              f"and {wall / requests * 1000:.1f} ms wall per request, {size} bytes")
    pushes0, start, t0 = len(sink.sizes), cpu_s(ms.pid), time.monotonic()
    time.sleep(10)
    used, pushes = cpu_s(ms.pid) - start, len(sink.sizes) - pushes0
    print(f"{sites} sites, --push-interval 1: {pushes} pushes in {time.monotonic() - t0:.1f} s, "
          f"{used * 1000:.0f} ms of memsnoop CPU in all ({used / max(pushes, 1) * 1000:.1f} ms "
          f"per push, idle ticks included), {sink.sizes[-1]} bytes each")
    print(f"memsnoop {memory(ms.pid)}")


def measure_soak(ms, base, sink):
    deltas = [0]

    def delta_loop():
        while ms.poll() is None:
            try:
                get(f"{base}/debug/pprof/allocs?seconds=5")
                deltas[0] += 1
            except OSError:
                return

    threading.Thread(target=delta_loop, daemon=True).start()
    t0, scrapes, next_print = time.monotonic(), 0, 0
    while time.monotonic() - t0 < seconds:
        for path in ("/debug/pprof/heap", "/metrics"):
            get(base + path)
            scrapes += 1
        if time.monotonic() - t0 >= next_print:
            print(f"t={time.monotonic() - t0:5.0f} s  memsnoop {memory(ms.pid)}; {scrapes} "
                  f"scrapes, {deltas[0]} deltas, {len(sink.sizes)} pushes", flush=True)
            next_print += seconds / 10
        time.sleep(1)
    print(f"end: memsnoop {memory(ms.pid)}; {scrapes} scrapes, {deltas[0]} deltas, "
          f"{len(sink.sizes)} pushes", flush=True)


def main():
    if os.geteuid() != 0:
        sys.exit("serve_cost: memsnoop attaches BPF probes: run as root")
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    sink.sizes = []
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = harness.Target("many_sites", sites, seconds + 30)
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
        (measure_soak if soak else measure_cost)(ms, f"http://127.0.0.1:{port}", sink)
        ms.send_signal(2)
        ms.stderr.read()
        ms.wait()
    finally:
        target.kill()
        if ms.poll() is None:
            ms.kill()
        sink.shutdown()


main()
