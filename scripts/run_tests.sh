#!/usr/bin/env bash
# Installs pynn with everything its tests need, then runs the C++ (ctest) and Python (pytest) suites.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/include/gtest/gtest.h ]; then
  apt-get update -qq && apt-get install -y -qq libgtest-dev > /dev/null
fi
python3 -m pip install -q --disable-pip-version-check \
  "scikit-build-core>=0.10" pybind11 scipy-openblas32 numpy ninja cmake pytest hypothesis torch==2.13.0 \
  scikit-learn tqdm matplotlib  # the examples, which tests/test_examples.py runs shortened
# A persistent build dir keeps rebuilds incremental; PYNN_BUILD_TESTS adds the GoogleTest binary.
python3 -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps \
  -Cbuild-dir=build/wheel -Ccmake.define.PYNN_BUILD_TESTS=ON .

ctest --test-dir build/wheel --output-on-failure
# Plain `pytest` (not `python -m pytest`) keeps the source tree off sys.path, so the installed wheel is tested.
# The first run uses the best CPU capability this machine has; the CPU kernels are also built for the lower ones
# (core/dispatch), so the suite runs again at each of them (a capability the CPU lacks falls back to its best).
cd tests
pytest -q -p no:cacheprovider .
for cap in default avx2; do
  echo "== pytest at PYNN_CPU_CAPABILITY=$cap"
  PYNN_CPU_CAPABILITY=$cap pytest -q -p no:cacheprovider .
done
# PYNN_SANITIZE=1 (.ci/run sets it) also runs the ASan+UBSan build (its own build dir) over ctest and a pytest
# suite: about 12 more minutes on 2 cores, so a local run leaves it off.
if [ "${PYNN_SANITIZE:-}" = "1" ]; then
  cd .. && bash scripts/sanitize.sh
fi
