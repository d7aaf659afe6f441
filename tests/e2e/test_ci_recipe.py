"""The README's CI recipe, as written: its lines are scripts/ci-example.sh's, which runs them."""
import os
import re
import subprocess
import unittest

import harness

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def recipe_in_readme():
    """The code block after "In CI, as root" in the README."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    m = re.search(r"In CI, as root.*?\n```\n(.*?)```", text, re.S)
    return m.group(1).splitlines()


def recipe_in_script():
    with open(os.path.join(ROOT, "scripts", "ci-example.sh")) as f:
        lines = f.read().splitlines()
    return lines[lines.index("# recipe") + 1:lines.index("# end")]


class CiRecipeTest(unittest.TestCase):
    def test_readme_recipe_is_the_script_and_fails_the_job(self):
        self.assertEqual(recipe_in_readme(), recipe_in_script())
        p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "ci-example.sh"), harness.BUILD],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("change +200000 (+195.3 KiB)", p.stdout)
        self.assertIn("inuse_space grew by 200000, more than --fail-above 102400", p.stderr)
        self.assertTrue(p.stdout.endswith("exit 3\n"), p.stdout)


if __name__ == "__main__":
    unittest.main()
