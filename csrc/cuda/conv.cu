// Convolution on CUDA (kernels/conv.h; 1-, 2- and 3-d, groups, dilation, asymmetric 'same' padding): im2col,
// one GEMM per block of samples batched over the groups through the registry's gemm kernel (cuBLAS), col2im —
// the CPU's plan (csrc/cpu/conv.cpp), with the columns of a block's samples side by side, (rows, samples * pixels),
// and outputs rearranged between (sample, channel, pixel) and (channel, sample * pixel) around the GEMM.
// col2im gathers (each input element sums the column entries that read it), so it needs no atomics and its sums
// do not depend on scheduling.
#include <cuda_runtime.h>

#include "cuda/cuda_utils.cuh"
#include "kernels/conv.h"
#include "kernels/linalg.h"

namespace pynn {
namespace cuda {
namespace {

// Column layout: entry (row r, sample s, column q) at r * row_stride + s * sample_stride + q, with rows
// ((c * kd + a) * kh + i) * kw + j over every input channel and columns (oz * oh + oy) * ow + ox.
struct ColLayout {
  int64_t row_stride, sample_stride;
};

template <typename T>
__global__ void im2col_dev(T* col, const T* x, ConvGeometry g, int64_t count, ColLayout L) {
  const int64_t P = g.od * g.oh * g.ow, rows = g.c_in * g.kd * g.kh * g.kw, total = rows * count * P;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t q = t % P, s = (t / P) % count, r = t / (P * count);
    const int64_t j = r % g.kw, i = (r / g.kw) % g.kh, a = (r / (g.kw * g.kh)) % g.kd, c = r / (g.kw * g.kh * g.kd);
    const int64_t ox = q % g.ow, oy = (q / g.ow) % g.oh, oz = q / (g.ow * g.oh);
    const int64_t iz = oz * g.sd - g.pad_d + a * g.dd, iy = oy * g.sh - g.pad_h + i * g.dh,
                  ix = ox * g.sw - g.pad_w + j * g.dw;
    T v = T(0);
    if (iz >= 0 && iz < g.d && iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
      v = x[(((s * g.c_in + c) * g.d + iz) * g.h + iy) * g.w + ix];
    col[r * L.row_stride + s * L.sample_stride + q] = v;
  }
}

// Input position z of output position o along one axis with kernel tap k: o = (z + pad - k * dil) / stride when
// that divides and lands in [0, out); -1 otherwise.
__device__ __forceinline__ int64_t out_pos(int64_t z, int64_t k, int64_t pad, int64_t dil, int64_t stride, int64_t out) {
  const int64_t num = z + pad - k * dil;
  if (num < 0 || num % stride != 0) return -1;
  const int64_t o = num / stride;
  return o < out ? o : -1;
}

// x (count samples, every element written) = the sum of the column entries that read each position.
template <typename T>
__global__ void col2im_dev(T* x, const T* col, ConvGeometry g, int64_t count, ColLayout L) {
  const int64_t total = count * g.c_in * g.d * g.h * g.w;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ix = t % g.w, iy = (t / g.w) % g.h, iz = (t / (g.w * g.h)) % g.d;
    const int64_t c = (t / (g.w * g.h * g.d)) % g.c_in, s = t / (g.w * g.h * g.d * g.c_in);
    T acc = T(0);
    for (int64_t a = 0; a < g.kd; ++a) {
      const int64_t oz = out_pos(iz, a, g.pad_d, g.dd, g.sd, g.od);
      if (oz < 0) continue;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t oy = out_pos(iy, i, g.pad_h, g.dh, g.sh, g.oh);
        if (oy < 0) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t ox = out_pos(ix, j, g.pad_w, g.dw, g.sw, g.ow);
          if (ox < 0) continue;
          const int64_t r = ((c * g.kd + a) * g.kh + i) * g.kw + j;
          acc += col[r * L.row_stride + s * L.sample_stride + (oz * g.oh + oy) * g.ow + ox];
        }
      }
    }
    x[t] = acc;
  }
}

// (sample, channel, pixel) <-> (channel, sample * pixel) for a block of `count` samples; to_sample_major adds
// the bias (when given) on the way.
template <typename T>
__global__ void to_channel_major(T* cm, const T* sm, int64_t count, int64_t C, int64_t P) {
  const int64_t total = count * C * P;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t p = t % P, s = (t / P) % count, c = t / (P * count);
    cm[t] = sm[(s * C + c) * P + p];
  }
}
template <typename T>
__global__ void to_sample_major(T* sm, const T* cm, const T* bias, int64_t count, int64_t C, int64_t P) {
  const int64_t total = count * C * P;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t p = t % P, c = (t / P) % C, s = t / (P * C);
    const T v = cm[(c * count + s) * P + p];
    sm[t] = bias ? v + bias[c] : v;
  }
}

// Samples per block: the column buffer stays under 2^26 elements (256 MiB of float32).
int64_t block_samples(const ConvGeometry& g) {
  const int64_t per = g.c_in * g.kd * g.kh * g.kw * g.col_cols();
  const int64_t cap = (int64_t(1) << 26) / (per > 0 ? per : 1);
  return cap < 1 ? 1 : (cap < g.n ? cap : g.n);
}

template <typename F>
void for_blocks(const ConvGeometry& g, F f) {
  const int64_t per = block_samples(g);
  for (int64_t s0 = 0; s0 < g.n; s0 += per) f(s0, g.n - s0 < per ? g.n - s0 : per);
}

Tensor scratch(int64_t elems, ScalarType dt, Device d) { return empty(Dims{elems > 0 ? elems : 1}, dt, d); }

template <typename T>
void conv2d_typed(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group(), Kall = g.c_in * g.kd * g.kh * g.kw;
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P;
  const gemm_fn gemm = gemm_kernel.at(x->device(), "conv2d");
  for_blocks(g, [&](int64_t s0, int64_t count) {
    const int64_t ld = count * P;
    Tensor col = scratch(Kall * ld, x->dtype(), x->device()), cm = scratch(g.c_out * ld, x->dtype(), x->device());
    im2col_dev<T><<<grid_for(Kall * ld), kBlock>>>(col->data_ptr<T>(), x->data_ptr<T>() + s0 * x_stride, g, count,
                                                   ColLayout{ld, P});
    check_launch("conv2d");
    gemm(out->dtype(), g.groups, Og, ld, K, Scalar(1.0), MatRef{weight->data(), Og * K, K, 1},
         MatRef{col->data(), K * ld, ld, 1}, Scalar(0.0), MatRef{cm->data(), Og * ld, ld, 1});
    to_sample_major<T><<<grid_for(g.c_out * ld), kBlock>>>(out->data_ptr<T>() + s0 * out_stride, cm->data_ptr<T>(),
                                                          bias ? bias->data_ptr<T>() : nullptr, count, g.c_out, P);
    check_launch("conv2d");
  });
}

template <typename T>
void conv2d_backward_input_typed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                 const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group(), Kall = g.c_in * g.kd * g.kh * g.kw;
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P;
  const Device dev = grad_out->device();
  const gemm_fn gemm = gemm_kernel.at(dev, "conv2d_backward");
  for_blocks(g, [&](int64_t s0, int64_t count) {
    const int64_t ld = count * P;
    Tensor col = scratch(Kall * ld, grad_out->dtype(), dev), cm = scratch(g.c_out * ld, grad_out->dtype(), dev);
    to_channel_major<T><<<grid_for(g.c_out * ld), kBlock>>>(cm->data_ptr<T>(), grad_out->data_ptr<T>() + s0 * out_stride,
                                                           count, g.c_out, P);
    check_launch("conv2d_backward");
    // Per group: (K x Og) weight^T @ (Og x ld) output gradient.
    gemm(grad_out->dtype(), g.groups, K, ld, Og, Scalar(1.0), MatRef{weight->data(), Og * K, 1, K},
         MatRef{cm->data(), Og * ld, ld, 1}, Scalar(0.0), MatRef{col->data(), K * ld, ld, 1});
    col2im_dev<T><<<grid_for(count * x_stride), kBlock>>>(grad_input->data_ptr<T>() + s0 * x_stride, col->data_ptr<T>(),
                                                         g, count, ColLayout{ld, P});
    check_launch("conv2d_backward");
  });
}

template <typename T>
void conv2d_backward_weight_typed(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                  const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group(), Kall = g.c_in * g.kd * g.kh * g.kw;
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P;
  const Device dev = x->device();
  const gemm_fn gemm = gemm_kernel.at(dev, "conv2d_backward");
  if (g.n == 0) {
    check(cudaMemset(grad_weight->data(), 0, grad_weight->numel() * grad_weight->itemsize()), "conv2d_backward");
    return;
  }
  for_blocks(g, [&](int64_t s0, int64_t count) {
    const int64_t ld = count * P;
    Tensor col = scratch(Kall * ld, x->dtype(), dev), cm = scratch(g.c_out * ld, x->dtype(), dev);
    im2col_dev<T><<<grid_for(Kall * ld), kBlock>>>(col->data_ptr<T>(), x->data_ptr<T>() + s0 * x_stride, g, count,
                                                   ColLayout{ld, P});
    to_channel_major<T><<<grid_for(g.c_out * ld), kBlock>>>(cm->data_ptr<T>(), grad_out->data_ptr<T>() + s0 * out_stride,
                                                           count, g.c_out, P);
    check_launch("conv2d_backward");
    // Per group: (Og x K) += (Og x ld) output gradient @ (ld x K) columns^T; the first block overwrites.
    gemm(x->dtype(), g.groups, Og, K, ld, Scalar(1.0), MatRef{cm->data(), Og * ld, ld, 1},
         MatRef{col->data(), K * ld, 1, ld}, Scalar(s0 == 0 ? 0.0 : 1.0), MatRef{grad_weight->data(), Og * K, K, 1});
  });
}

void conv2d_impl(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  if (out->numel() == 0) return;
  PYNN_DISPATCH_FLOAT(x->dtype(), "conv2d", [&] { conv2d_typed<scalar_t>(out, x, weight, bias, g); });
}

void conv2d_backward_input_impl(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                const ConvGeometry& g) {
  if (grad_input->numel() == 0) return;
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward",
                      [&] { conv2d_backward_input_typed<scalar_t>(grad_input, grad_out, weight, g); });
}

void conv2d_backward_weight_impl(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                 const ConvGeometry& g) {
  if (grad_weight->numel() == 0) return;
  PYNN_DISPATCH_FLOAT(x->dtype(), "conv2d_backward",
                      [&] { conv2d_backward_weight_typed<scalar_t>(grad_weight, grad_out, x, g); });
}

// F.unfold / F.fold: one sample's columns after another, (n, c_in * kh * kw, oh * ow).
void im2col_impl(const Tensor& cols, const Tensor& x, const ConvGeometry& g) {
  const int64_t rows = g.c_in * g.kd * g.kh * g.kw, P = g.col_cols();
  if (cols->numel() == 0) return;
  PYNN_DISPATCH_FLOAT(x->dtype(), "unfold", [&] {
    im2col_dev<scalar_t><<<grid_for(cols->numel()), kBlock>>>(cols->data_ptr<scalar_t>(), x->data_ptr<scalar_t>(), g,
                                                              g.n, ColLayout{P, rows * P});
    check_launch("unfold");
  });
}

void col2im_impl(const Tensor& x, const Tensor& cols, const ConvGeometry& g) {
  const int64_t rows = g.c_in * g.kd * g.kh * g.kw, P = g.col_cols();
  if (x->numel() == 0) return;
  PYNN_DISPATCH_FLOAT(x->dtype(), "fold", [&] {
    col2im_dev<scalar_t><<<grid_for(x->numel()), kBlock>>>(x->data_ptr<scalar_t>(), cols->data_ptr<scalar_t>(), g, g.n,
                                                           ColLayout{P, rows * P});
    check_launch("fold");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(conv2d_kernel, KernelSlot::CUDA, conv2d_impl);
PYNN_REGISTER_KERNEL(conv2d_backward_input_kernel, KernelSlot::CUDA, conv2d_backward_input_impl);
PYNN_REGISTER_KERNEL(conv2d_backward_weight_kernel, KernelSlot::CUDA, conv2d_backward_weight_impl);
PYNN_REGISTER_KERNEL(im2col_kernel, KernelSlot::CUDA, im2col_impl);
PYNN_REGISTER_KERNEL(col2im_kernel, KernelSlot::CUDA, col2im_impl);

}  // namespace cuda
}  // namespace pynn
