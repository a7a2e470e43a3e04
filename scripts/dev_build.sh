#!/usr/bin/env bash
# Incremental development build: one persistent ninja build dir, the extension copied next to the
# sources so `PYTHONPATH=. python` imports it. Serialized with flock so parallel callers don't collide.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/pynn_dev_build.lock
flock 9
if [ ! -f build/dev/build.ninja ]; then
  cmake -S . -B build/dev -G Ninja -DCMAKE_BUILD_TYPE=Release -DPYNN_BUILD_TESTS=ON \
        -DPython_EXECUTABLE="$(command -v python3)" > /dev/null
fi
cmake --build build/dev -j2
# Copy then rename: overwriting the loaded library in place would crash running Python processes.
for so in build/dev/_C*.so; do
  cp -f "$so" "pynn/.$(basename "$so").tmp" && mv -f "pynn/.$(basename "$so").tmp" "pynn/$(basename "$so")"
done
