"""PREFIX.summary.json validated against its documented schema (docs/summary.schema.json),
its exact counters equal to the text report's, its memory readings a time series; the text
report's memory section beside the heap."""
import json
import os
import re

import jsonschema

import harness

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "summary.schema.json")


class SummaryTest(harness.OutputTest):
    def test_summary_matches_schema_and_report(self):
        truth, status, out, err = harness.profile("grower", "-r", "1", "-o", self.prefix,
                                                  target_args=(2500,))
        self.assertEqual(status, 0, err)
        with open(SCHEMA) as f:
            schema = json.load(f)
        with open(self.prefix + ".summary.json") as f:
            summary = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(summary, schema, cls=jsonschema.Draft202012Validator)

        report = harness.parse_report(out)
        # frees show their calls only in the text report
        exact = {e["name"]: (e["calls"], None if e["frees"] else e["bytes"])
                 for e in summary["exact"]["entry_points"]}
        exact["all allocations"] = (summary["exact"]["all_allocations"]["calls"],
                                    summary["exact"]["all_allocations"]["bytes"])
        self.assertEqual(exact, report["exact"])
        self.assertEqual(summary["exact"]["free_calls"], report["free"])
        est = summary["estimated"]
        self.assertEqual((est["allocated"]["objects"], est["allocated"]["bytes"]), report["allocated"])
        self.assertEqual((est["in_use"]["objects"], est["in_use"]["bytes"]), report["in use"])
        self.assertEqual(est["in_use"]["bytes"], truth["kept_bytes"])
        self.assertFalse(summary["losses"]["any"])
        self.assertEqual(summary["losses"]["lost_fraction"], 0)
        self.assertEqual(summary["top_sites"][0]["frames"][0], "grow_cache")
        self.assertEqual(summary["run"]["rate"], 1)

        # a reading each second while the target lived, in time order, growing with the heap
        pid = summary["run"]["targets"][0]["pid"]
        mem = summary["memory"]
        self.assertGreaterEqual(len(mem), 2, mem)
        self.assertTrue(all(m["pid"] == pid and m["rss"] > 0 for m in mem), mem)
        self.assertEqual([m["t_s"] for m in mem], sorted(m["t_s"] for m in mem))
        self.assertGreater(mem[-1]["anonymous"], mem[0]["anonymous"])
        # glibc's own view (libc6-dbg is installed): one arena, holding more as the heap grows
        self.assertTrue(all(m["glibc_arenas"] == 1 for m in mem), mem)
        self.assertGreater(mem[-1]["glibc_system_mem"], mem[0]["glibc_system_mem"])
        self.assertGreaterEqual(mem[-1]["glibc_system_mem"] + mem[-1]["glibc_mmapped"],
                                64 * 1024 * int(mem[-1]["t_s"] / 0.05) // 2)

        self.assertRegex(out, rf"memory \(the kernel's view, last reading\)\n  PID {pid} grower at "
                              r"[\d.]+ s: rss [\d.]+ [KM]iB, pss .*anonymous [\d.]+ [KM]iB")
        self.assertRegex(out, r"\n  heap in use [\d.]+ MiB at the end; [\d.]+ [KM]iB anonymous RSS "
                              r"at the last reading, [\d.]+ MiB held by glibc \(arenas and "
                              r"mmapped chunks\)\n")
