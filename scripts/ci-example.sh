#!/usr/bin/env bash
# The README's CI workflow, end to end, against a bundled program (tests/targets/leak_chain,
# which leaks N blocks of 1000 bytes): a baseline profile, a candidate profile, and the diff
# that fails the job when the heap grew. Run as root after `make check` (or `make`).
set -u
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# profile LEAKS PREFIX: starts the program, profiles it from its first allocation to its exit
profile() {
	coproc TARGET { "$build/tests/targets/leak_chain" "$1"; }
	read -r _ pid <&"${TARGET[0]}" # the program says "pid N" and waits for a byte
	"$build/memsnoop" -p "$pid" -r 1 --duration 60 -o "$2" >/dev/null 2>"$work/log" &
	local ms=$!
	until grep -q attached "$work/log"; do sleep 0.05; done
	echo go >&"${TARGET[1]}"
	wait "$ms"
}

profile 100 "$work/base"    # the baseline build
profile 300 "$work/new"     # the candidate
"$build/memsnoop" diff "$work/base.pb.gz" "$work/new.pb.gz" --fail-above 100K
status=$?
echo "exit $status"
exit "$status"
