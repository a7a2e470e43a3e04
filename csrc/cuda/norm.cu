// layer_norm and rms_norm on CUDA (kernels/norm.h's row norms), forward and backward: one thread per row for
// the statistics and the input gradient (sums in double, as the CPU), one thread per column for the affine
// gradients, each summing its column over the rows in order, so no result depends on the launch. Batch and
// group norm have no CUDA kernels yet.
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/cuda_utils.cuh"
#include "kernels/norm.h"

namespace pynn {
namespace cuda {
namespace {

template <typename T>
T* data_or_null(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}

template <typename T>
__global__ void row_norm_forward(T* y, T* mean_out, T* rstd_out, const T* x, const T* w, const T* b, int64_t rows,
                                 int64_t n, double eps, bool rms) {
  const double dn = static_cast<double>(n);
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const T* xr = x + r * n;
    double mean = 0, acc = 0;
    if (!rms) {
      for (int64_t i = 0; i < n; ++i) mean += static_cast<double>(xr[i]);
      mean /= dn;
    }
    for (int64_t i = 0; i < n; ++i) {
      const double d = static_cast<double>(xr[i]) - mean;
      acc += d * d;
    }
    const double rstd = 1.0 / ::sqrt(acc / dn + eps);
    if (mean_out) mean_out[r] = static_cast<T>(mean);
    rstd_out[r] = static_cast<T>(rstd);
    const T m = static_cast<T>(mean), s = static_cast<T>(rstd);
    T* yr = y + r * n;
    for (int64_t i = 0; i < n; ++i) {
      T v = (xr[i] - m) * s;
      if (w) v = v * w[i];
      if (b) v = v + b[i];
      yr[i] = v;
    }
  }
}

// With dy' = dy * w: dx = rstd * (dy' - mean(dy') - (x - mean) * rstd^2 * mean(dy' * (x - mean))); rms drops
// the mean(dy') term.
template <typename T>
__global__ void row_norm_backward_input(T* dx, const T* dy, const T* x, const T* w, const T* mean, const T* rstd,
                                        int64_t rows, int64_t n, bool rms) {
  const double dn = static_cast<double>(n);
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const T* xr = x + r * n;
    const T* gr = dy + r * n;
    const T m = mean ? mean[r] : T(0), s = rstd[r];
    double sum_g = 0, sum_gx = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double dyw = static_cast<double>(gr[i]) * (w ? static_cast<double>(w[i]) : 1.0);
      sum_g += dyw;
      sum_gx += dyw * (static_cast<double>(xr[i]) - static_cast<double>(m));
    }
    if (rms) sum_g = 0;
    const double sd = static_cast<double>(s);
    const T mean_g = static_cast<T>(sum_g / dn), proj = static_cast<T>(sum_gx / dn * sd * sd);
    T* dr = dx + r * n;
    for (int64_t i = 0; i < n; ++i) dr[i] = ((w ? gr[i] * w[i] : gr[i]) - mean_g - (xr[i] - m) * proj) * s;
  }
}

template <typename T>
__global__ void row_norm_backward_affine(T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd,
                                         int64_t rows, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double sw = 0, sb = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const T g = dy[r * n + i];
      if (dw) sw += static_cast<double>(g * ((x[r * n + i] - (mean ? mean[r] : T(0))) * rstd[r]));
      sb += static_cast<double>(g);
    }
    if (dw) dw[i] = static_cast<T>(sw);
    if (db) db[i] = static_cast<T>(sb);
  }
}

void row_norm_impl(const RowNormArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), a.rms ? "rms_norm" : "layer_norm", [&] {
    using T = scalar_t;
    if (a.rows == 0) return;
    row_norm_forward<T><<<grid_for(a.rows), kBlock>>>(a.out->data_ptr<T>(), data_or_null<T>(a.mean),
                                                       a.rstd->data_ptr<T>(), a.input->data_ptr<T>(),
                                                       data_or_null<T>(a.weight), data_or_null<T>(a.bias), a.rows,
                                                       a.size, a.eps, a.rms);
    check_launch("layer_norm");
  });
}

void row_norm_backward_impl(const RowNormBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), a.rms ? "rms_norm_backward" : "layer_norm_backward", [&] {
    using T = scalar_t;
    const T* mean = data_or_null<T>(a.mean);
    if (a.out.input && a.rows > 0) {
      row_norm_backward_input<T><<<grid_for(a.rows), kBlock>>>(a.out.input->data_ptr<T>(), a.grad->data_ptr<T>(),
                                                                a.input->data_ptr<T>(), data_or_null<T>(a.weight),
                                                                mean, a.rstd->data_ptr<T>(), a.rows, a.size, a.rms);
      check_launch("layer_norm_backward");
    }
    if ((a.out.weight || a.out.bias) && a.size > 0) {
      row_norm_backward_affine<T><<<grid_for(a.size), kBlock>>>(data_or_null<T>(a.out.weight),
                                                                 data_or_null<T>(a.out.bias), a.grad->data_ptr<T>(),
                                                                 a.input->data_ptr<T>(), mean, a.rstd->data_ptr<T>(),
                                                                 a.rows, a.size);
      check_launch("layer_norm_backward");
    }
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(row_norm_kernel, KernelSlot::CUDA, row_norm_impl);
PYNN_REGISTER_KERNEL(row_norm_backward_kernel, KernelSlot::CUDA, row_norm_backward_impl);

}  // namespace cuda
}  // namespace pynn
