#!/usr/bin/env python3
"""Runs every end-to-end test (tests/e2e/test_*.py) as root and prints 'e2e: N passed, N failed'."""
import argparse
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("pattern", nargs="?", default="test_*.py")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("e2e: the end-to-end tests attach BPF probes and must run as root", file=sys.stderr)
        return 1
    os.environ["MEMSNOOP_BUILD"] = os.path.abspath(args.build)
    # under `sudo make check`, launched commands would run as the invoking user: the tests
    # that want that say so themselves
    for var in ("SUDO_UID", "SUDO_GID", "SUDO_USER"):
        os.environ.pop(var, None)
    suite = unittest.defaultTestLoader.discover(here, pattern=args.pattern)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"e2e: {passed} passed, {failed} failed, {len(result.skipped)} skipped")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
