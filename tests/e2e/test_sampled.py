"""At a sampled rate the estimates are unbiased: each site's within 5 sigma of the truth.

For n allocations of s bytes at mean interval R, each is taken with p = 1 - exp(-s/R) and
weighted 1/p (Horvitz-Thompson): Var(bytes) = n s^2 (1-p)/p, Var(objects) = n (1-p)/p.
"""
import math
import os
import unittest

import harness

RATE = 64 * 1024
SITES = ("site_small", "site_medium", "site_large")


def bounds(n, size, rate):
    p = -math.expm1(-size / rate)
    sd_objects = math.sqrt(n * (1 - p) / p)
    return sd_objects, sd_objects * size


class SampledTest(harness.OutputTest):
    def site_values(self, value):
        truth, status, report, err = harness.profile("sampled", "-r", RATE, "--value", value,
                                                     "-o", self.prefix)
        self.assertEqual(status, 0, err)
        stacks = harness.read_folded(self.prefix + ".folded")
        values = {}
        for site in SITES:
            values[site] = sum(v for s, v in stacks.items() if s.endswith(";" + site))
        return truth, values, harness.parse_report(report)

    def test_alloc_space_per_site_within_5_sigma(self):
        truth, values, report = self.site_values("alloc_space")
        var_total = 0
        for site in SITES:
            n, size = truth[site + "_count"], truth[site + "_size"]
            _, sd = bounds(n, size, RATE)
            var_total += sd * sd
            self.assertLess(abs(values[site] - n * size), 5 * sd,
                            f"{site}: estimated {values[site]}, truth {n * size}, sd {sd:.0f}")
        # the report's total estimate against the kernel's exact byte count
        exact = report["exact"]["all allocations"][1]
        self.assertLess(abs(report["allocated"][1] - exact), 5 * math.sqrt(var_total))

    def test_alloc_objects_per_site_within_5_sigma(self):
        truth, values, _ = self.site_values("alloc_objects")
        for site in SITES:
            n, size = truth[site + "_count"], truth[site + "_size"]
            sd, _ = bounds(n, size, RATE)
            self.assertLess(abs(values[site] - n), 5 * sd,
                            f"{site}: estimated {values[site]}, truth {n}, sd {sd:.1f}")

    def test_nothing_in_use_after_everything_freed(self):
        truth, values, report = self.site_values("inuse_space")
        self.assertEqual(values, {site: 0 for site in SITES})
        self.assertEqual(report["in use"][1], 0)


if __name__ == "__main__":
    unittest.main()
