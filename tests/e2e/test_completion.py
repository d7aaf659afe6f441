"""The bash completion make builds from the option table: every option --help lists, the
values the parser accepts, nothing after "--"."""
import os
import re
import subprocess
import unittest

import harness


def complete(*words):
    """COMPREPLY for the command line words (the last one being completed)."""
    script = os.path.join(harness.BUILD, "memsnoop.bash-completion")
    line = " ".join(f"'{w}'" for w in words)
    p = subprocess.run(["bash", "-c", f'source "{script}"; COMP_WORDS=({line}); '
                        f'COMP_CWORD=$(({len(words)} - 1)); _memsnoop; '
                        'printf "%s\\n" "${COMPREPLY[@]}"'],
                       capture_output=True, text=True, timeout=30, cwd=harness.BUILD)
    assert p.returncode == 0, p.stderr
    return set(p.stdout.split())


def help_options():
    out = subprocess.run([harness.memsnoop_path(), "--help"], capture_output=True, text=True,
                         timeout=30).stdout
    main, _, diff = out.partition("memsnoop diff BASE NEW")
    pick = lambda text: set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]+)", text, re.M))
    return pick(main), pick(diff)


class CompletionTest(unittest.TestCase):
    def test_every_option_of_help_and_only_those(self):
        main, diff = help_options()
        self.assertGreater(len(main), 30)
        offered = complete("memsnoop", "--")
        # --no-fail-on-loss is said on --fail-on-loss's line of --help; "--" starts a COMMAND
        self.assertEqual(offered - {"--no-fail-on-loss", "--"}, main)
        self.assertIn("--", offered)
        self.assertEqual(complete("memsnoop", "diff", "a.pb.gz", "--") & diff, diff)

    def test_values_of_the_parser(self):
        self.assertEqual(complete("memsnoop", "--group-by", ""), {"exe", "cgroup", "pid", "none"})
        self.assertEqual(complete("memsnoop", "--unwind", ""), {"dwarf", "dwarf-copy", "fp"})
        self.assertEqual(complete("memsnoop", "-p", "1", "--value", "inuse_"),
                         {"inuse_space", "inuse_objects"})
        self.assertEqual(complete("memsnoop", "-r", ""), set())

    def test_nothing_after_double_dash(self):
        offered = complete("memsnoop", "-r", "1", "--", "ls", "--")
        self.assertFalse({o for o in offered if o.startswith("--")}, offered)
        self.assertIn("echo", complete("memsnoop", "--", "ech"))  # the command, then its files

    def test_version(self):
        p = subprocess.run([harness.memsnoop_path(), "--version"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^memsnoop \S+\n$")


if __name__ == "__main__":
    unittest.main()
