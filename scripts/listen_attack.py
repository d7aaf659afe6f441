#!/usr/bin/env python3
"""/healthz latency of memsnoop --listen under the attacks of tests/e2e/test_serve_limits.py
(40 slowloris connections, a flood of 1,000 idle connections), worst of 5 asks each.
Usage: sudo python3 scripts/listen_attack.py BUILD"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
os.environ["MEMSNOOP_BUILD"] = os.path.abspath(sys.argv[1])
import harness  # noqa: E402
import test_serve_limits as t  # noqa: E402

harness.BUILD = os.environ["MEMSNOOP_BUILD"]
for name, attack in (("40 slowloris connections", {"slowloris": t.SLOWLORIS}),
                     ("1,000 idle connections", {"flood": t.FLOOD})):
    test = t.ListenLimitsTest()
    test.setUp()
    try:
        worst, _ = test.under(**attack)
        print(f"{name}: /healthz worst {worst:.2f} s of 5")
    except (OSError, AssertionError) as e:  # no answer at all
        print(f"{name}: /healthz failed: {e!r}")
    finally:
        test.tearDown()
