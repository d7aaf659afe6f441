#!/usr/bin/env python3
"""Runs the end-to-end tests as root and prints 'e2e: N passed, N failed'.

What runs: every tests/e2e/test_*.py by default; a file pattern ("test_exact.py",
"test_*cgroup*.py"); or dotted names ("test_exact", "test_exact.Exact",
"test_exact.Exact.test_realloc"), which is what `make e2e T=...` passes. Each way runs with
the same environment, so one test runs exactly as `make check` runs it.
"""
import argparse
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)


def is_file_pattern(sel):
    return sel.endswith(".py") or any(c in sel for c in "*?[")


def failed_loads(suite):
    """The messages of the names unittest could not load (it makes them failing tests)."""
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from failed_loads(test)
        elif isinstance(test, unittest.loader._FailedTest):
            yield str(test._exception).strip().splitlines()[-1]


def load(selections):
    """The suite of the selections; a name that matches no file, class or test is an error."""
    loader = unittest.defaultTestLoader
    if all(is_file_pattern(sel) for sel in selections):
        return unittest.TestSuite(loader.discover(here, pattern=sel) for sel in selections)
    suite = unittest.TestSuite()
    for sel in selections:
        if is_file_pattern(sel):
            suite.addTest(loader.discover(here, pattern=sel))
            continue
        try:
            tests = loader.loadTestsFromName(sel)
        except (AttributeError, ImportError) as e:
            raise LookupError(f"{sel}: {e}")
        for msg in failed_loads(tests):
            raise LookupError(f"{sel}: {msg}")
        if not tests.countTestCases():
            raise LookupError(f"{sel}: no test there")
        suite.addTest(tests)
    return suite


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("selection", nargs="*", default=["test_*.py"],
                    help="file patterns (test_*.py) or names: FILE, FILE.Class, FILE.Class.test")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("e2e: the end-to-end tests attach BPF probes and must run as root", file=sys.stderr)
        return 1
    os.environ["MEMSNOOP_BUILD"] = os.path.abspath(args.build)
    # under `sudo make check`, launched commands would run as the invoking user: the tests
    # that want that say so themselves
    for var in ("SUDO_UID", "SUDO_GID", "SUDO_USER"):
        os.environ.pop(var, None)
    try:
        suite = load(args.selection)
    except LookupError as e:
        print(f"e2e: no such test: {e}", file=sys.stderr)
        return 2
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"e2e: {passed} passed, {failed} failed, {len(result.skipped)} skipped")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
