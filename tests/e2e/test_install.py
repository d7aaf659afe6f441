"""make install PREFIX=... DESTDIR=... installs the binary, the man page and the bash
completion where they belong; the man page renders with man -l and documents every option
--help lists; make uninstall removes all of it."""
import os
import re
import subprocess
import tempfile
import unittest

import harness

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


class InstallTest(unittest.TestCase):
    def make(self, *args):
        # the build tree as the Makefile names it (relative), so that a rule remade here keeps
        # the dependency files' target names those of a plain make
        out = os.path.relpath(harness.BUILD, ROOT)
        p = subprocess.run(["make", "-s", "-C", ROOT, f"OUTPUT={out}", *args],
                           capture_output=True, text=True, timeout=harness.TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_install_man_page_uninstall(self):
        with tempfile.TemporaryDirectory() as dest:
            self.make("install", f"DESTDIR={dest}", "PREFIX=/usr")
            binary = os.path.join(dest, "usr/sbin/memsnoop")
            man = os.path.join(dest, "usr/share/man/man8/memsnoop.8")
            completion = os.path.join(dest, "usr/share/bash-completion/completions/memsnoop")
            self.assertTrue(os.access(binary, os.X_OK))
            usage = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
            rendered = subprocess.run(["man", "-l", man], capture_output=True, text=True,
                                      env=dict(os.environ, MANPAGER="cat", MANWIDTH="100"))
            self.assertEqual(rendered.returncode, 0, rendered.stderr)
            page = rendered.stdout
            for section in ("NAME", "SYNOPSIS", "OPTIONS", "EXIT STATUS", "EXAMPLES"):
                self.assertRegex(page, rf"(?m)^{section}$")
            options = set(re.findall(r"(--[a-z][a-z-]+)", usage))
            self.assertGreater(len(options), 15)
            for opt in options:
                self.assertIn(opt, page, f"{opt} is in --help but not in the man page")
            check = subprocess.run(["bash", "-n", completion], capture_output=True, text=True)
            self.assertEqual(check.returncode, 0, check.stderr)

            self.make("uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
            for path in (binary, man, completion):
                self.assertFalse(os.path.exists(path), path)


    def test_plain_make_names_make_deps_when_a_package_is_missing(self):
        # a dpkg-query that knows nothing of libdw-dev, as on a machine without it
        with tempfile.TemporaryDirectory() as shim:
            fake = os.path.join(shim, "dpkg-query")
            with open(fake, "w") as f:
                f.write('#!/bin/sh\nfor a; do pkg=$a; done\n'
                        '[ "$pkg" = libdw-dev ] && exit 1\n'
                        'echo "install ok installed"\n')
            os.chmod(fake, 0o755)
            out = os.path.join(shim, "build")
            p = subprocess.run(["make", "-C", ROOT, f"OUTPUT={out}"], capture_output=True,
                               text=True, timeout=harness.TIMEOUT,
                               env=dict(os.environ, PATH=f"{shim}:{os.environ['PATH']}"))
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("memsnoop: cannot build: missing libdw-dev; 'sudo make deps' "
                          "(scripts/install-deps.sh) installs them", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "memsnoop")))


if __name__ == "__main__":
    unittest.main()
