#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run: a separate build dir (build/asan, never build/dev) with the
# C++ tests and the extension instrumented, then ctest and the pytest suite against that extension.
# Python itself is not instrumented, so the ASan/UBSan runtimes are preloaded into it (leak detection off:
# the interpreter keeps its objects until exit by design). Run by scripts/run_tests.sh when PYNN_SANITIZE=1.
#   PYNN_SANITIZE_TESTS="test_a.py test_b.py"  runs those files instead of the whole suite; PYNN_SANITIZE_JOBS the -j.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build/asan
JOBS=${PYNN_SANITIZE_JOBS:-2}

# vptr/function checks need RTTI from every module (Python and torch have none instrumented): off. Every other
# UB check aborts at its first report, so a finding fails the run instead of scrolling past.
SAN="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# The targets ask for -O3, which under ASan takes several times longer to compile (CI has 2 cores and minutes):
# a compiler launcher appends -O1 (the last -O wins), ASan's usual level. -g1: line tables for the reports at a
# fraction of full debug info's compile time; asserts stay on.
mkdir -p "$BUILD"
LAUNCHER=$BUILD/o1-launcher.sh
printf '#!/bin/sh\nexec "$@" -O1\n' > "$LAUNCHER"
chmod +x "$LAUNCHER"
# Kernel files for the baseline and AVX2 only (AVX-512 would be a third instrumented copy of each, for minutes of
# CI): on an AVX-512 machine the dispatcher falls back to the AVX2 copies.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPYNN_BUILD_TESTS=ON -DPYNN_CUDA=OFF \
      -DPYNN_CPU_CAPABILITIES="default;avx2" \
      -DCMAKE_CXX_COMPILER_LAUNCHER="$LAUNCHER" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-g1" -DCMAKE_CXX_FLAGS="$SAN" \
      -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" -DCMAKE_MODULE_LINKER_FLAGS="$SAN" \
      -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF -DPython_EXECUTABLE="$(command -v python3)" > /dev/null
time cmake --build "$BUILD" -j"$JOBS"

# allocator_may_return_null: an impossible allocation returns null as malloc does outside ASan, so the tests of
# pynn's "DefaultCPUAllocator: can't allocate memory" RuntimeError see it instead of ASan aborting the process.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:alloc_dealloc_mismatch=0:detect_odr_violation=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

echo "== ctest under ASan+UBSan"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS"

# The instrumented extension beside a copy of the Python sources, so the tree's own pynn/_C*.so is untouched.
PKG=$BUILD/python
rm -rf "$PKG"
mkdir -p "$PKG"
cp -r pynn "$PKG/pynn"
rm -f "$PKG"/pynn/_C*.so
cp "$BUILD"/_C*.so "$PKG/pynn/"

CXX_BIN=$(cmake -LA -N "$BUILD" 2>/dev/null | sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p')
PRELOAD="$("${CXX_BIN:-c++}" -print-file-name=libasan.so) $("${CXX_BIN:-c++}" -print-file-name=libubsan.so)"
# The whole suite: it ran clean in about 2.5 minutes on 2 cores (instrumented -O1 build).
TESTS=${PYNN_SANITIZE_TESTS:-.}
echo "== pytest under ASan+UBSan: $TESTS"
cd tests
# -s: pytest captures fd 2, and a sanitizer's report written there died unseen with the aborted process.
# shellcheck disable=SC2086  # TESTS is a list of file names
LD_PRELOAD="$PRELOAD" PYTHONPATH="$PKG" PYNN_NUM_THREADS=2 \
  python3 -m pytest -q -s -p no:cacheprovider -x $TESTS
