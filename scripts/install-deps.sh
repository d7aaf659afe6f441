#!/usr/bin/env bash
# Installs the Debian packages memsnoop needs to build and test; with --bench, also the peers
# `make bench` measures against. Idempotent and quiet: apt-get runs only when something is
# missing. With --check, installs nothing: says which packages the build (not the tests)
# lacks and exits 1 when any (plain `make` runs this).
set -euo pipefail

build_packages=(
	make gcc clang libbpf-dev bpftool libelf-dev libdw-dev libcapstone-dev
	protobuf-c-compiler libprotobuf-c-dev zlib1g-dev liblzma-dev libmicrohttpd-dev
	libcurl4-openssl-dev
)
packages=(
	"${build_packages[@]}"
	g++ libclang-rt-14-dev libc6-dbg
	libcmocka-dev python3 util-linux mount golang-go heaptrack coreutils
	chromium python3-jsonschema man-db
	binutils xz-utils musl-tools libjemalloc-dev libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0
	redis-server redis-tools prometheus
	libpython3.11-testsuite
)
case "${1:-}" in
--bench) packages+=(bpftrace sqlite3 jq git) ;;
--check) packages=("${build_packages[@]}") ;;
esac

missing=()
for pkg in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = "--check" ]; then
	echo "memsnoop: cannot build: missing ${missing[*]}; 'sudo make deps' (scripts/install-deps.sh) installs them" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
