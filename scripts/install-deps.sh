#!/usr/bin/env bash
# Installs the Debian packages memsnoop needs to build and test; with --bench, also the peers
# `make bench` measures against. Idempotent and quiet: apt-get runs only when something is
# missing.
set -euo pipefail

packages=(
	make gcc g++ clang libclang-rt-14-dev libc6-dbg
	libbpf-dev bpftool libelf-dev libdw-dev libcapstone-dev
	protobuf-c-compiler libprotobuf-c-dev zlib1g-dev
	libcmocka-dev python3 util-linux mount golang-go heaptrack coreutils
)
if [ "${1:-}" = "--bench" ]; then
	packages+=(bpftrace redis-server redis-tools sqlite3 jq git)
fi

missing=()
for pkg in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
