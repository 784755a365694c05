# tests/arm64/toolchain.cmake - cross-compile forja for aarch64 Linux with
# Debian's gcc-aarch64-linux-gnu, and run what it builds under qemu-aarch64.
#
# The arm64 Concurrency Kit and Criterion come from a sysroot folder made by
# tests/arm64/run.sh (apt-get download + dpkg -x; never apt-get install of an
# :arm64 -dev package, which would remove the amd64 one). Point to it with
# the environment variable FORJA_ARM64_SYSROOT (run.sh sets it):
#   FORJA_ARM64_SYSROOT=$PWD/build/arm64-sysroot \
#     cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=tests/arm64/toolchain.cmake
# ctest then runs every test through CMAKE_CROSSCOMPILING_EMULATOR.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

set(FORJA_ARM64_SYSROOT "$ENV{FORJA_ARM64_SYSROOT}")
if(NOT FORJA_ARM64_SYSROOT OR NOT EXISTS "${FORJA_ARM64_SYSROOT}/usr/include/ck_pr.h")
  message(FATAL_ERROR "FORJA_ARM64_SYSROOT must name the folder tests/arm64/run.sh "
                      "unpacks the arm64 libck and Criterion into (got '${FORJA_ARM64_SYSROOT}')")
endif()
set(_multiarch "${FORJA_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")

# The cross libc lives in /usr/aarch64-linux-gnu (libc6-dev-arm64-cross, a
# dependency of gcc-aarch64-linux-gnu); the rest in the sysroot folder.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu "${FORJA_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (find_package(PkgConfig) in the top CMakeLists) reads only the
# sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_LIBDIR} "${_multiarch}/pkgconfig:${FORJA_ARM64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${FORJA_ARM64_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")

# Criterion's own dependencies (libgit2, nanomsg, ...) are found at link time
# through rpath-link and at run time through LD_LIBRARY_PATH under qemu.
# (Some of them unpack to lib/, some to usr/lib/.)
set(_libs "${_multiarch}:${FORJA_ARM64_SYSROOT}/lib/aarch64-linux-gnu")
string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -Wl,-rpath-link,${_libs}")
# Run through environment variables rather than -L / -E, so that a test
# that re-executes itself (Criterion's BoxFort runs every test in a fresh
# exec of the binary, which needs qemu registered with binfmt_misc: run.sh)
# passes them on. The cross libc comes first in the guest's library path: the
# loader (from QEMU_LD_PREFIX) and libc.so must be the same build, and a host
# with libc6:arm64 installed has another one in /lib/aarch64-linux-gnu
# (mixing them hangs in the first pthread_create).
set(CMAKE_CROSSCOMPILING_EMULATOR
    env QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
    QEMU_SET_ENV=LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:${_libs}
    qemu-aarch64)
