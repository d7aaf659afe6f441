#!/usr/bin/env bash
# The README's CI recipe, run as written: the three lines between "recipe" and "end" below
# are the README's, character for character (tests/e2e/test_ci_recipe.py checks it and runs
# this script). ./base/myservice and ./new/myservice stand for two builds of one program:
# tests/targets/leak_chain leaking 100 blocks of 1000 bytes in the baseline, 300 in the
# candidate. Run as root after `make check` (or `make`).
set -u
build=$(realpath "${1:-build}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for b in base:100 new:300; do
	mkdir "$work/${b%:*}"
	printf '#!/bin/bash\nexec %q %s <<< go >/dev/null\n' "$build/tests/targets/leak_chain" "${b#*:}" \
		>"$work/${b%:*}/myservice"
	chmod +x "$work/${b%:*}/myservice"
done
export PATH="$build:$PATH"
cd "$work" || exit 1

# recipe
memsnoop -r 1 -o base -- ./base/myservice --self-test 2>base.txt  # baseline build, report kept
memsnoop -r 1 -o new -- ./new/myservice --self-test 2>new.txt     # candidate, same workload
memsnoop diff base.pb.gz new.pb.gz --fail-above 100K  # exit 3: the job fails (5: undecided)
# end
status=$?
echo "exit $status"
exit "$status"
