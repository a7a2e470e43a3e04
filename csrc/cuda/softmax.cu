// softmax / log_softmax and their backward on CUDA: one thread per row of kernels/softmax.h's RowGeom (rows of
// the class dim, `inner` apart; neighbouring threads own neighbouring rows, so for inner > 1 the loads coalesce).
// Sums in double, as the CPU kernels. Long rows (attention over long sequences, large vocabularies) would gain
// from a block per row; measured first on a GPU.
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/cuda_utils.cuh"
#include "cuda/rows.cuh"
#include "kernels/softmax.h"

namespace pynn {
namespace cuda {
namespace {

template <typename T>
__global__ void softmax_rows(T* out, const T* x, RowGeom g, bool is_log) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t base = row_base(g, r), st = g.inner, n = g.size;
    const T m = row_max(x + base, n, st);
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(::exp(x[base + i * st] - m));
    if (is_log) {
      const T shift = m + static_cast<T>(::log(s));
      for (int64_t i = 0; i < n; ++i) out[base + i * st] = x[base + i * st] - shift;
    } else {
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t i = 0; i < n; ++i) out[base + i * st] = ::exp(x[base + i * st] - m) * inv;
    }
  }
}

template <typename T>
__global__ void softmax_backward_rows(T* gx, const T* gy, const T* y, RowGeom g, bool is_log) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < (g.outer * g.inner);
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t base = row_base(g, r), st = g.inner, n = g.size;
    double s = 0;
    for (int64_t i = 0; i < n; ++i)
      s += is_log ? static_cast<double>(gy[base + i * st]) : static_cast<double>(gy[base + i * st]) * y[base + i * st];
    const T sum = static_cast<T>(s);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = base + i * st;
      gx[k] = is_log ? gy[k] - ::exp(y[k]) * sum : y[k] * (gy[k] - sum);
    }
  }
}

void softmax_impl(const Tensor& out, const Tensor& x, const RowGeom& g, bool is_log) {
  PYNN_DISPATCH_FLOAT(x->dtype(), is_log ? "log_softmax" : "softmax", [&] {
    if ((g.outer * g.inner) == 0 || g.size == 0) return;
    softmax_rows<scalar_t><<<grid_for((g.outer * g.inner)), kBlock>>>(out->data_ptr<scalar_t>(), x->data_ptr<scalar_t>(), g, is_log);
    check_launch("softmax");
  });
}

void softmax_backward_impl(const Tensor& grad_x, const Tensor& grad, const Tensor& out, const RowGeom& g,
                           bool is_log) {
  PYNN_DISPATCH_FLOAT(out->dtype(), is_log ? "log_softmax_backward" : "softmax_backward", [&] {
    if ((g.outer * g.inner) == 0 || g.size == 0) return;
    softmax_backward_rows<scalar_t><<<grid_for((g.outer * g.inner)), kBlock>>>(
        grad_x->data_ptr<scalar_t>(), grad->data_ptr<scalar_t>(), out->data_ptr<scalar_t>(), g, is_log);
    check_launch("softmax_backward");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(softmax_kernel, KernelSlot::CUDA, softmax_impl);
PYNN_REGISTER_KERNEL(softmax_backward_kernel, KernelSlot::CUDA, softmax_backward_impl);

}  // namespace cuda
}  // namespace pynn
