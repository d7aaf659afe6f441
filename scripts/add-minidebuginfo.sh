#!/usr/bin/env bash
# Usage: add-minidebuginfo.sh IN OUT
# Writes OUT: IN stripped of every symbol, plus a .gnu_debugdata section holding its function
# symbols in an xz-compressed ELF ("MiniDebugInfo", as Fedora ships its binaries), for the
# tests of allocator discovery in stripped executables.
set -euo pipefail
in=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm "$in" --format=posix --defined-only | awk '$2 ~ /^[Tt]$/ { print $1 }' | sort -u >"$tmp/keep"
objcopy --only-keep-debug "$in" "$tmp/debug"
objcopy -S --remove-section .comment --keep-symbols="$tmp/keep" "$tmp/debug" "$tmp/mini"
xz -9 "$tmp/mini"
strip --strip-all -o "$tmp/stripped" "$in"
objcopy --add-section .gnu_debugdata="$tmp/mini.xz" "$tmp/stripped" "$out"
