// Embedding lookups on CUDA (kernels/embedding.h): the forward copies one row per index (one thread per
// element); the dense backward gives each thread one column and sums that column's rows in index order, as the
// CPU kernel, so duplicates add up in the same order and no atomics touch floats. Indices outside
// [0, num_weights) raise the CPU's IndexError after the kernel. max_norm's renorm has no CUDA kernel yet.
#include <cuda_runtime.h>

#include "cuda/cuda_utils.cuh"
#include "kernels/embedding.h"

namespace pynn {
namespace cuda {
namespace {

// The indices as int64, checked against [0, limit); a bad one is recorded and read as row 0.
struct Indices {
  const int64_t* i64;
  const int32_t* i32;
  int64_t limit;
  int64_t* bad;
  __device__ __forceinline__ int64_t operator[](int64_t i) const {
    const int64_t v = i64 ? i64[i] : static_cast<int64_t>(i32[i]);
    if (v >= 0 && v < limit) return v;
    record_bad(bad, v);
    return -1;
  }
};

Indices indices_of(const Tensor& t, int64_t limit, const BadValueFlag& flag) {
  if (t->dtype() != ScalarType::Int64 && t->dtype() != ScalarType::Int32)
    throw TypeError("[embedding] indices must be int64 or int32");
  return {t->dtype() == ScalarType::Int64 ? t->data_ptr<int64_t>() : nullptr,
          t->dtype() == ScalarType::Int32 ? t->data_ptr<int32_t>() : nullptr, limit, flag.ptr()};
}

void raise_if_bad(const BadValueFlag& flag) {
  int64_t v = 0;
  if (flag.failed(&v, "embedding")) throw IndexError("[embedding] index out of range in self");
}

template <typename T>
__global__ void lookup(T* out, const T* w, Indices idx, int64_t count, int64_t D) {
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < count * D;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = idx[t / D];
    out[t] = r < 0 ? T(0) : w[r * D + t % D];
  }
}

void embedding_impl(const Tensor& out, const Tensor& weight, const Tensor& indices) {
  const int64_t V = weight->size(0), D = weight->size(1), n = indices->numel();
  if (n * D == 0) return;
  const BadValueFlag flag(weight->device());
  const Indices idx = indices_of(indices, V, flag);
  PYNN_DISPATCH_FLOAT(weight->dtype(), "embedding", [&] {
    lookup<scalar_t><<<grid_for(n * D), kBlock>>>(out->data_ptr<scalar_t>(), weight->data_ptr<scalar_t>(), idx, n, D);
    check_launch("embedding");
  });
  raise_if_bad(flag);
}

// counts[v] = occurrences of v among the indices (integer atomics: exact whatever the order).
__global__ void count_rows(int* counts, Indices idx, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = idx[i];
    if (r >= 0) atomicAdd(counts + r, 1);
  }
}

// Row i's factor: 0 at padding_idx, 1 / occurrences with scale_grad_by_freq, else 1.
template <typename T>
__device__ __forceinline__ T row_scale(int64_t r, int64_t padding_idx, const int* counts) {
  if (r == padding_idx) return T(0);
  return counts ? T(1.0 / counts[r]) : T(1);
}

template <typename T>
__global__ void accumulate_columns(T* gw, const T* g, Indices idx, int64_t n, int64_t D, int64_t padding_idx,
                                   const int* counts) {
  for (int64_t d = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; d < D;
       d += static_cast<int64_t>(gridDim.x) * blockDim.x)
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = idx[i];
      if (r < 0 || r == padding_idx) continue;
      gw[r * D + d] += counts ? g[i * D + d] * row_scale<T>(r, padding_idx, counts) : g[i * D + d];
    }
}

template <typename T>
__global__ void scales(T* out, Indices idx, int64_t n, int64_t padding_idx, const int* counts) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = idx[i];
    out[i] = r < 0 ? T(0) : row_scale<T>(r, padding_idx, counts);
  }
}

// The occurrence counts of the looked-up rows, or null when not asked for.
Tensor row_counts(bool by_freq, const Indices& idx, int64_t n, int64_t rows, Device d) {
  if (!by_freq || n == 0) return nullptr;
  Tensor counts = full(Dims{rows}, Scalar(int64_t(0)), ScalarType::Int32, d);
  count_rows<<<grid_for(n), kBlock>>>(counts->data_ptr<int>(), idx, n);
  check_launch("embedding_backward");
  return counts;
}

void embedding_backward_impl(const EmbeddingBackwardArgs& a) {
  const int64_t V = a.grad_weight->size(0), D = a.grad_weight->size(1), n = a.indices->numel();
  const Device dev = a.grad_weight->device();
  check(cudaMemset(a.grad_weight->data(), 0, a.grad_weight->numel() * a.grad_weight->itemsize()), "embedding_backward");
  if (n * D == 0) return;
  const BadValueFlag flag(dev);
  const Indices idx = indices_of(a.indices, V, flag);
  const Tensor counts = row_counts(a.scale_grad_by_freq, idx, n, V, dev);
  PYNN_DISPATCH_FLOAT(a.grad_weight->dtype(), "embedding_backward", [&] {
    accumulate_columns<scalar_t><<<grid_for(D), kBlock>>>(a.grad_weight->data_ptr<scalar_t>(),
                                                           a.grad->data_ptr<scalar_t>(), idx, n, D, a.padding_idx,
                                                           counts ? counts->data_ptr<int>() : nullptr);
    check_launch("embedding_backward");
  });
  raise_if_bad(flag);
}

void embedding_grad_scale_impl(const Tensor& scale, const Tensor& indices, int64_t padding_idx,
                               bool scale_grad_by_freq) {
  const int64_t n = indices->numel();
  if (n == 0) return;
  const BadValueFlag flag(scale->device());
  // The counts buffer must cover every index value: sized by the largest one (read back once).
  int64_t rows = 1;
  if (scale_grad_by_freq) {
    const Tensor as64 = to_device(indices, Device{});
    rows = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = as64->dtype() == ScalarType::Int64 ? as64->data_ptr<int64_t>()[i]
                                                           : static_cast<int64_t>(as64->data_ptr<int32_t>()[i]);
      rows = v + 1 > rows ? v + 1 : rows;
    }
  }
  const Indices idx = indices_of(indices, scale_grad_by_freq ? rows : INT64_MAX, flag);
  const Tensor counts = row_counts(scale_grad_by_freq, idx, n, rows, scale->device());
  PYNN_DISPATCH_FLOAT(scale->dtype(), "embedding_backward", [&] {
    scales<scalar_t><<<grid_for(n), kBlock>>>(scale->data_ptr<scalar_t>(), idx, n, padding_idx,
                                               counts ? counts->data_ptr<int>() : nullptr);
    check_launch("embedding_backward");
  });
  raise_if_bad(flag);
}

}  // namespace

PYNN_REGISTER_KERNEL(embedding_kernel, KernelSlot::CUDA, embedding_impl);
PYNN_REGISTER_KERNEL(embedding_backward_kernel, KernelSlot::CUDA, embedding_backward_impl);
PYNN_REGISTER_KERNEL(embedding_grad_scale_kernel, KernelSlot::CUDA, embedding_grad_scale_impl);

}  // namespace cuda
}  // namespace pynn
