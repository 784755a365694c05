#!/bin/sh
# run.sh - cross-build forja for aarch64 and run its tests under qemu-aarch64.
#
#   tests/arm64/run.sh [soak-seconds]        (default 20; make test-arm64)
#
# Builds build/arm64 with tests/arm64/toolchain.cmake (Debug, -O2, like
# make test-plain), runs every Criterion suite and every stress program under
# qemu-aarch64, then the soak driver for soak-seconds. Prints one line per
# program and exits non-zero if any failed.
#
# Needs (amd64 packages): gcc-aarch64-linux-gnu qemu-user cmake. The arm64
# Concurrency Kit and Criterion are NOT installed with apt-get install (the
# :arm64 -dev packages conflict with the amd64 ones and would remove them):
# they are downloaded with apt-get download and unpacked with dpkg -x into
# build/arm64-sysroot, which needs arm64 in dpkg's architectures once:
#   dpkg --add-architecture arm64 && apt-get update
# (this script does that itself when run as root).
#
# Criterion runs each test in a fresh exec of the test binary; the kernel
# can hand an aarch64 binary to qemu only through binfmt_misc, so as root this
# script mounts binfmt_misc if needed and registers qemu-aarch64 there (what
# Debian's qemu-user-binfmt does). Without it the Criterion suites cannot run
# and are reported as failed.
#
# What qemu cannot show: it runs the guest's memory accesses with the host's
# (x86-TSO) ordering, so ARM's weaker reorderings do not happen here; the
# orderings are checked by tests/model (spin) instead. Tests whose name
# contains "fork" are skipped: qemu-user 7.2 crashes (cpu_exec assertion)
# when a multi-threaded guest forks.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
soak_seconds=${1:-20}
build=$root/build/arm64
sysroot=$root/build/arm64-sysroot
cross_libc=/usr/aarch64-linux-gnu

say() { printf 'arm64: %s\n' "$*"; }
die() { say "$*"; exit 1; }

for tool in aarch64-linux-gnu-gcc qemu-aarch64 cmake apt-get dpkg; do
    command -v $tool >/dev/null 2>&1 ||
        die "$tool not found: apt-get install -y gcc-aarch64-linux-gnu qemu-user cmake"
done

# ------------------------------------------------------------- the sysroot
# Runtime dependencies of libcriterion3 and libck0, minus what the cross
# toolchain already provides (libc, libgcc).
if [ ! -f "$sysroot/.complete" ]; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        [ "$(id -u)" = 0 ] || die "run: dpkg --add-architecture arm64 && apt-get update"
        dpkg --add-architecture arm64 && apt-get update -qq || die "cannot add arm64"
    fi
    if ! apt-cache show libck0:arm64 >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] || die "run: apt-get update (arm64 package lists missing)"
        apt-get update -qq || die "apt-get update failed"
    fi
    rm -rf "$sysroot"
    mkdir -p "$sysroot/debs" || exit 1
    pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
               --no-breaks --no-replaces --no-enhances --no-pre-depends \
               libcriterion3:arm64 libck0:arm64 2>/dev/null |
           grep -E '^[a-z0-9].*:arm64$' | sort -u |
           grep -vE '^(libc6|libgcc-s1|gcc-12-base|libcrypt1):arm64$')
    say "downloading into $sysroot:" $pkgs libck-dev:arm64 libcriterion-dev:arm64
    # shellcheck disable=SC2086
    (cd "$sysroot/debs" && apt-get download -q $pkgs libck-dev:arm64 libcriterion-dev:arm64 \
        >/dev/null 2>&1) || die "apt-get download failed"
    for deb in "$sysroot"/debs/*.deb; do
        dpkg -x "$deb" "$sysroot" || die "dpkg -x $deb failed"
    done
    # We link Criterion dynamically; its .pc file's private requirements
    # would make pkg-config look for -dev packages we do not need.
    sed -i '/^Requires.private/d; /^Libs.private/d' \
        "$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig/criterion.pc" || exit 1
    touch "$sysroot/.complete"
fi

# ------------------------------------------------------------- binfmt_misc
binfmt=/proc/sys/fs/binfmt_misc
registered() { grep -qs '^enabled' "$binfmt/qemu-aarch64" || grep -qs qemu-aarch64 "$binfmt"/*aarch64* 2>/dev/null; }
if ! registered; then
    if [ "$(id -u)" = 0 ]; then
        [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null
        printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64:' \
            > "$binfmt/register" 2>/dev/null && say "registered qemu-aarch64 with binfmt_misc"
    fi
    registered || say "WARNING: qemu-aarch64 is not registered with binfmt_misc: Criterion suites will fail"
fi

# ------------------------------------------------------------------- build
export FORJA_ARM64_SYSROOT="$sysroot"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/tests/arm64/toolchain.cmake" \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O2 -g" -DFORJA_EXAMPLES=OFF \
      >/dev/null || die "cmake configure failed"
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null || die "build failed"

# ------------------------------------------------------------------- run
# The same emulator line as the toolchain file: environment variables, so a
# binary that re-executes itself passes them on.
libs=$cross_libc/lib:$sysroot/usr/lib/aarch64-linux-gnu:$sysroot/lib/aarch64-linux-gnu
run() {   # run TIMEOUT BINARY ARGS...
    t=$1; shift
    out=$(env QEMU_LD_PREFIX=$cross_libc QEMU_SET_ENV=LD_LIBRARY_PATH=$libs \
          timeout -s KILL "$t" qemu-aarch64 "$@" 2>&1)
    rc=$?
    if [ $rc = 0 ]; then
        printf 'PASS  %s  %s\n' "$(basename "$1")" "$(printf '%s\n' "$out" | tail -1)"
    else
        printf 'FAIL  %s (exit %s)\n' "$(basename "$1")" "$rc"
        printf '%s\n' "$out" | tail -25 | sed 's/^/      /'
        failures=$((failures + 1))
    fi
}
failures=0
say "qemu-aarch64 $(qemu-aarch64 --version | head -1 | sed 's/.*version //')"
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run 600 "$t" --jobs 1 --filter '!(*fork*)' --ascii
done
for t in "$build"/tests/stress_*; do
    [ -x "$t" ] || continue
    case $t in */stress_soak) continue ;; esac
    run 600 "$t"
done
run $((soak_seconds + 120)) "$build/tests/stress_soak" "$soak_seconds"
if [ $failures = 0 ]; then
    say "all passed under qemu-aarch64"
else
    say "$failures program(s) failed under qemu-aarch64"
fi
[ $failures = 0 ]
