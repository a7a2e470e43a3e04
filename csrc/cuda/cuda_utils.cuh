// Shared by the csrc/cuda kernel files: error checks that raise pynn's Python-facing exceptions, launch sizes,
// and the elementwise loop over the device-neutral TensorIter geometry (core/iterator.h) with one offset
// calculator, 32-bit indices when every byte offset fits.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "core/dims.h"
#include "core/error.h"
#include "core/iterator.h"
#include "core/tensor.h"
#include "ops/factory.h"

namespace pynn {
namespace cuda {

// A failed runtime call raises RuntimeError("[op] CUDA error: <text>"); the sticky error state is cleared first
// so later calls are not poisoned by this one.
inline void check(cudaError_t e, const char* op) {
  if (e == cudaSuccess) return;
  cudaGetLastError();
  if (e == cudaErrorMemoryAllocation) throw std::runtime_error(str("[", op, "] CUDA out of memory"));
  throw std::runtime_error(str("[", op, "] CUDA error: ", cudaGetErrorString(e)));
}
// After a launch: configuration errors surface here; faults inside the kernel surface at the next sync.
inline void check_launch(const char* op) { check(cudaGetLastError(), op); }

constexpr int kBlock = 256;
inline unsigned grid_for(int64_t n, int block = kBlock) {
  int64_t g = (n + block - 1) / block;
  // Grid-stride loops cover the rest; enough blocks to fill any current GPU several times over.
  return static_cast<unsigned>(g < 1 ? 1 : (g > 65535 * 8 ? 65535 * 8 : g));
}

// The host value of a wrapped Python number or other CPU 0-dim operand, or nothing when `p` is device memory.
// Kernels read such operands from their launch parameters, never through the host pointer.
inline bool is_host_pointer(const void* p) {
  cudaPointerAttributes attr;
  if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
    cudaGetLastError();
    return true;
  }
  return attr.type == cudaMemoryTypeUnregistered || attr.type == cudaMemoryTypeHost;
}

// Operand k's address for linear element i over the iterator's coalesced shape (innermost first).
template <int N, typename index_t>
struct OffsetCalc {
  int ndim = 1;
  index_t sizes[kMaxDims];
  index_t strides[kMaxDims][N];

  __device__ __forceinline__ void get(index_t linear, index_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (ndim == 1) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] = linear * strides[0][k];
      return;
    }
    for (int d = 0; d < ndim; ++d) {
      const index_t i = linear % sizes[d];
      linear /= sizes[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += i * strides[d][k];
    }
  }
};

// The operands of one launch: device pointers, or for a host scalar its 8 bytes by value.
template <int N>
struct Operands {
  char* data[N];
  uint64_t scalar[N];
  bool is_scalar[N];

  template <typename T, typename index_t>
  __device__ __forceinline__ T load(int k, index_t off) const {
    if (is_scalar[k]) {
      T v;
      memcpy(&v, &scalar[k], sizeof(T));
      return v;
    }
    return *reinterpret_cast<const T*>(data[k] + off);
  }
};

template <typename... T>
struct TypeList {};

template <typename out_t, int N, typename index_t, typename F, typename... In, size_t... I>
__device__ __forceinline__ void apply_at(const F& f, const Operands<N>& ops, const index_t (&off)[N], TypeList<In...>,
                                         std::index_sequence<I...>) {
  *reinterpret_cast<out_t*>(ops.data[0] + off[0]) = f(ops.template load<In>(static_cast<int>(I) + 1, off[I + 1])...);
}

// A __global__ template takes one parameter pack at most: the input types travel as a TypeList.
template <int N, typename index_t, typename out_t, typename F, typename InList>
__global__ void elementwise_kernel(index_t n, OffsetCalc<N, index_t> calc, Operands<N> ops, F f) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index_t>(gridDim.x) * blockDim.x) {
    index_t off[N];
    calc.get(i, off);
    apply_at<out_t>(f, ops, off, InList{}, std::make_index_sequence<N - 1>{});
  }
}

template <int N, typename index_t>
OffsetCalc<N, index_t> make_offset_calc(const TensorIter& it) {
  OffsetCalc<N, index_t> c;
  c.ndim = it.ndim();
  for (int d = 0; d < it.ndim(); ++d) {
    c.sizes[d] = static_cast<index_t>(it.shape(d));
    for (int k = 0; k < N; ++k) c.strides[d][k] = static_cast<index_t>(it.stride(d, k));
  }
  return c;
}

// out_t out = f(In inputs...) over the iterator (operand 0 the output, then one per In). CPU operands are
// allowed only as 0-dim scalars (wrapped Python numbers), which go by value.
template <typename out_t, typename... In, typename F>
void launch_elementwise(const TensorIter& it, const F& f, const char* op = "elementwise") {
  constexpr int N = sizeof...(In) + 1;
  const int64_t n = it.numel();
  if (n == 0) return;
  Operands<N> ops;
  for (int k = 0; k < N; ++k) {
    ops.data[k] = it.data(k);
    ops.scalar[k] = 0;
    ops.is_scalar[k] = false;
  }
  const size_t sizes[N] = {sizeof(out_t), sizeof(In)...};
  for (int k = 1; k < N; ++k) {
    bool broadcast = true;
    for (int d = 0; d < it.ndim(); ++d) broadcast = broadcast && it.stride(d, k) == 0;
    if (broadcast && is_host_pointer(it.data(k))) {
      std::memcpy(&ops.scalar[k], it.data(k), sizes[k]);
      ops.is_scalar[k] = true;
    }
  }
  if (it.can_use_32bit_indexing() && n <= (int64_t(1) << 30)) {  // room for the grid-stride step
    elementwise_kernel<N, int32_t, out_t, F, TypeList<In...>><<<grid_for(n), kBlock>>>(
        static_cast<int32_t>(n), make_offset_calc<N, int32_t>(it), ops, f);
  } else {
    elementwise_kernel<N, int64_t, out_t, F, TypeList<In...>><<<grid_for(n), kBlock>>>(
        n, make_offset_calc<N, int64_t>(it), ops, f);
  }
  check_launch(op);
}

// A check a kernel makes and the host raises after it (a kernel cannot throw): the kernel records the first
// offending value with record_bad, the host reads it back (one 8-byte copy, which waits for the kernel).
constexpr int64_t kNothingBad = INT64_MIN;
__device__ __forceinline__ void record_bad(int64_t* flag, int64_t value) {
  atomicCAS(reinterpret_cast<unsigned long long*>(flag), static_cast<unsigned long long>(kNothingBad),
            static_cast<unsigned long long>(value));
}
class BadValueFlag {
 public:
  explicit BadValueFlag(Device d) : t_(full(Dims{1}, Scalar(kNothingBad), ScalarType::Int64, d)) {}
  int64_t* ptr() const { return t_->data_ptr<int64_t>(); }
  // The recorded value, if any.
  bool failed(int64_t* value, const char* op) const {
    int64_t v = kNothingBad;
    check(cudaMemcpy(&v, ptr(), sizeof v, cudaMemcpyDeviceToHost), op);
    *value = v;
    return v != kNothingBad;
  }

 private:
  Tensor t_;
};

}  // namespace cuda
}  // namespace pynn
