# An allocating workload for Debian's /usr/bin/python3 (built without frame pointers): objects
# over pymalloc's 512-byte limit come from malloc. Holds on stdin like every target.
import os
import sys

print("pid", os.getpid(), flush=True)
sys.stdin.read(1)


def build_rows(n):
    return [bytes(600 + i % 300) for i in range(n)]


def workload():
    kept = []
    for _ in range(20):
        kept.append(build_rows(20000))
    return sum(len(rows) for rows in kept)


print("rows", workload(), flush=True)
