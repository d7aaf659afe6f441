#!/usr/bin/env python3
"""Measures what a hostile push server does to a run (the figures of issue 21): bytes of its
reply reaching memsnoop's stdout, seconds from SIGINT to the exit and the length of a -d 2 run
while the server never answers. Usage: sudo python3 scripts/push_hostile.py BUILD"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
os.environ["MEMSNOOP_BUILD"] = os.path.abspath(sys.argv[1])
import harness  # noqa: E402
import test_push_hostile as t  # noqa: E402


def run(answer, *args, stop=False):
    srv = t.RawServer(answer)
    target = harness.Target("phases")
    try:
        ms = harness.Memsnoop("-p", target.pid, "-r", "1", "--push", srv.url,
                              "--push-interval", "1", *args)
        ms.wait_attached()
        t0 = time.monotonic()
        target.release()
        srv.accepted.wait(harness.TIMEOUT)
        if stop:
            t0 = time.monotonic()
            ms.proc.send_signal(2)
        status, out, err = ms.finish()
        return status, out, time.monotonic() - t0
    finally:
        target.kill()
        srv.close()


harness.BUILD = os.environ["MEMSNOOP_BUILD"]
status, out, took = run(t.forge, "-d", "3")
print(f"forging server, -d 3: status {status}, stdout {len(out)} bytes, "
      f"forged line on stdout: {'FAKE' in out}, escapes on stdout: {chr(27) in out}")
status, out, took = run(t.hold, stop=True)
print(f"silent server: SIGINT to exit {took:.2f} s (status {status})")
status, out, took = run(t.hold, "-d", "2")
print(f"silent server: -d 2 run lasted {took:.2f} s from the attach (status {status})")
