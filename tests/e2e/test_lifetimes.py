"""Lifetime histograms: blocks living ~1 ms, ~100 ms and ~1 s land in their buckets, and
blocks never freed are aged at the report (text with --lifetimes, JSON with -o)."""
import json
import os
import tempfile
import unittest

import harness

MS = 1000000


def mass_outside(histogram, buckets, lo_ns, hi_ns):
    """Estimated objects in buckets that do not meet [lo_ns, hi_ns)."""
    return sum(v for v, (lo, hi) in zip(histogram, buckets)
               if v and (hi is not None and hi <= lo_ns or lo >= hi_ns))


class LifetimeTest(unittest.TestCase):
    def test_known_lifetimes_land_in_their_buckets(self):
        with tempfile.TemporaryDirectory() as tmp:
            prefix = os.path.join(tmp, "out")
            truth, status, report, err = harness.profile("lifetimes", "-r", "1", "--lifetimes",
                                                         "-o", prefix)
            self.assertEqual(status, 0, err)
            with open(prefix + ".lifetimes.json") as f:
                data = json.load(f)
        self.assertEqual(data["schema"], "memsnoop.lifetimes/1")
        buckets = data["buckets"]
        sites = {s["frames"][0]: s for s in data["sites"]}
        n = truth["per_site"]
        # a sleep never ends early; on a loaded machine it may end late: up to 10x
        for site, nominal in (("live_1ms", 1 * MS), ("live_100ms", 100 * MS), ("live_1s", 1000 * MS)):
            freed = sites[site]["freed"]
            self.assertEqual(sum(freed), n, site)
            self.assertEqual(mass_outside(freed, buckets, nominal, 10 * nominal), 0,
                             f"{site}: {freed}")
            self.assertEqual(sum(sites[site]["live_at_report"]), 0, site)
        kept = sites["kept_forever"]
        self.assertEqual(sum(kept["live_at_report"]), truth["kept"])
        self.assertEqual(sum(kept["freed"]), 0)
        # allocated before everything else, live through the ~1.1 s the program takes
        self.assertEqual(mass_outside(kept["live_at_report"], buckets, 1000 * MS, 60000 * MS), 0)
        self.assertEqual(sum(data["freed"]), 3 * n)
        self.assertIn(f"lifetimes of all freed samples ({3 * n} objects):", report)
        self.assertIn(f"age of all samples live at the report ({truth['kept']} objects):", report)


if __name__ == "__main__":
    unittest.main()
