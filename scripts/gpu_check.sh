#!/usr/bin/env bash
# The one prepared check for a machine with an NVIDIA GPU (issue #14): at most GPU_CHECK_BUDGET seconds (570), one
# device command on an H200 with 16 cores.
#   1. builds pynn with PYNN_CUDA=ON into build/gpu (its own dir; the local GPU's architecture) and puts the
#      extension into pynn/
#   2. looks for torch (installs torch==2.13.0 when a package index answers; without it the torch comparisons skip)
#   3. runs tests/test_cuda.py (cuda against the CPU), then the whole suite with PYNN_TEST_DEVICE=cuda (the tests
#      built with conftest's P / both / check_op run their pynn side on the GPU against torch on the CPU)
#   4. runs benchmarks/bench_cuda.py (sgemm 4096, MLP step b512, CNN step b128, a + b launch overhead vs torch CUDA)
# Everything is logged to $OUT/gpu_check.log (or /tmp/gpu_check.log); results land in $OUT too. Each step has its
# own time limit and a failed step does not stop the later ones; the summary at the end says what passed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR="${OUT:-/tmp}"
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/gpu_check.log"
exec > >(tee "$LOG") 2>&1
PY="${PYTHON:-python3}"
JOBS="$(nproc)"
declare -A STATUS

# The whole script stays inside one 10-minute device command: each step's limit is cut to what is left.
BUDGET="${GPU_CHECK_BUDGET:-570}"

step() {  # step NAME SECONDS COMMAND...
  local name="$1" limit="$2"
  shift 2
  local left=$((BUDGET - SECONDS - 5))
  [ "$limit" -gt "$left" ] && limit=$left
  if [ "$limit" -lt 10 ]; then
    STATUS[$name]="skipped (time budget spent)"
    echo "=== $name: skipped, the time budget is spent"
    return 124
  fi
  echo
  echo "=== $name (limit ${limit}s) $(date -u +%H:%M:%S)"
  local t0=$SECONDS
  timeout "$limit" "$@"
  local rc=$?
  STATUS[$name]="rc=$rc $((SECONDS - t0))s"
  echo "=== $name: rc=$rc in $((SECONDS - t0))s"
  return $rc
}

echo "=== machine"
nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv || echo "nvidia-smi failed"
nvcc --version | tail -1 || echo "no nvcc on PATH"
"$PY" --version
"$PY" -c "import numpy, pybind11, scipy_openblas32, pytest; print('python deps ok')" ||
  "$PY" -m pip install -q numpy pybind11 scipy-openblas32 pytest ||
  echo "missing Python build/test dependencies and no package index: the build below will fail"

build() {
  local gen=()
  command -v ninja > /dev/null && gen=(-G Ninja)
  cmake -S . -B build/gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DPYNN_CUDA=ON -DPYNN_BUILD_TESTS=OFF \
        -DPython_EXECUTABLE="$(command -v "$PY")" &&
    cmake --build build/gpu -j "$JOBS" &&
    for so in build/gpu/_C*.so; do cp -f "$so" "pynn/.$(basename "$so").tmp" && mv -f "pynn/.$(basename "$so").tmp" "pynn/$(basename "$so")"; done
}
step build 240 bash -c "$(declare -f build); PY='$PY' JOBS='$JOBS' build" || { echo "build failed: nothing else can run"; exit 1; }
step import 30 env PYTHONPATH="$PWD" "$PY" -c "
import pynn
print('cuda available:', pynn.cuda.is_available(), 'devices:', pynn.cuda.device_count())
print('device:', pynn.cuda.get_device_name())
x = pynn.ones(4).cuda()
print('cublas loaded:', pynn._C._cuda_cublas_loaded(), 'sum on cuda:', (x + 1).sum().item())"

if ! "$PY" -c "import torch" 2> /dev/null; then
  step torch_install 60 "$PY" -m pip install -q torch==2.13.0 || echo "torch not installable here: torch comparisons skip"
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || echo "no torch"

cd tests
step test_cuda 90 env PYTHONPATH="$PWD/.." "$PY" -m pytest -q -p no:cacheprovider -rs test_cuda.py
step suite_on_cuda 150 env PYTHONPATH="$PWD/.." PYNN_TEST_DEVICE=cuda "$PY" -m pytest -q -p no:cacheprovider \
  --tb=line -o addopts="" . || true
cd ..
step bench 90 env PYTHONPATH="$PWD" "$PY" benchmarks/bench_cuda.py && cp -f benchmarks/results/cuda.json "$OUT_DIR/" 2> /dev/null

echo
echo "=== summary"
for k in build import torch_install test_cuda suite_on_cuda bench; do
  [ -n "${STATUS[$k]:-}" ] && echo "$k: ${STATUS[$k]}"
done
