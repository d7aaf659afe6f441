"""Several programs in one run: the folded file and the flame graph give each a root frame,
and two builds of one program (one name) a root frame each, told apart by build ID."""
import os
import re
import shutil
import subprocess
import unittest

import harness

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


class ProgramsApartTest(harness.OutputTest):
    def profile_two(self, first, second):
        """-p of both programs (each leaks 100 and 300 blocks of 1000 bytes) at -r 1."""
        targets = [harness.Target(first, 100), harness.Target(second, 300)]
        try:
            ms = harness.Memsnoop("-p", f"{targets[0].pid},{targets[1].pid}", "-r", "1",
                                  "-o", self.prefix, "--interval", "0")
            ms.wait_attached()
            for t in targets:
                t.release()
            for t in targets:
                self.assertEqual(t.finish()[0], 0)
            status, _, err = ms.finish()
            self.assertEqual(status, 0, err)
        finally:
            for t in targets:
                t.kill()
        leaks = {s: v for s, v in self.folded().items() if s.endswith(";leak_inner")}
        with open(self.prefix + ".svg") as f:
            svg = f.read()
        return leaks, svg

    def test_two_programs_two_root_frames(self):
        other = os.path.join(self.tmp.name, "other_prog")
        shutil.copy(harness.target_path("leak_chain"), other)
        leaks, svg = self.profile_two(harness.target_path("leak_chain"), other)
        self.assertEqual({s.split(";")[0]: v for s, v in leaks.items()},
                         {"leak_chain": 100 * 1000, "other_prog": 300 * 1000}, leaks)
        self.assertTrue(all(s.split(";")[1] == "_start" for s in leaks), leaks)
        for name in ("leak_chain", "other_prog"):
            self.assertIn(f"<title>{name} ", svg)

    def test_two_builds_of_one_name_apart_by_build_id(self):
        os.mkdir(os.path.join(self.tmp.name, "b"))
        rebuilt = os.path.join(self.tmp.name, "b", "leak_chain")
        subprocess.run(["cc", "-O2", "-g", "-Wl,--build-id", "-I", os.path.join(ROOT, "tests", "targets"),
                        os.path.join(ROOT, "tests", "targets", "leak_chain.c"), "-o", rebuilt],
                       check=True)
        leaks, svg = self.profile_two(harness.target_path("leak_chain"), rebuilt)
        roots = {s.split(";")[0]: v for s, v in leaks.items()}
        self.assertEqual(sorted(roots.values()), [100 * 1000, 300 * 1000], leaks)
        self.assertEqual(len(roots), 2, roots)
        for root in roots:
            self.assertRegex(root, r"^leak_chain \[build [0-9a-f]{12}\]$")


if __name__ == "__main__":
    unittest.main()
