// Kernel interface of convolution, shared by csrc/cpu and csrc/cuda. All checks happened in csrc/ops/conv.cpp;
// conv1d reaches these kernels as a 2-d convolution of height 1, conv3d with a depth, and conv_transpose as the
// input gradient.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// One convolution of up to 3 spatial dims: input (n, c_in, d, h, w), weight (c_out, c_in / groups, kd, kh, kw),
// output (n, c_out, od, oh, ow); 2-d convolutions have a unit depth (d = kd = od = 1), 1-d ones a unit height too.
// Input row i of output row r is r * sh - pad_h + i * dh (likewise for depth and columns); positions outside the
// input read as zero. Output sizes are given, not derived: 'same' pads asymmetrically (pad_* is the leading
// padding only), and conv_transpose's output_padding asks for fewer outputs than the padded input would give.
struct ConvGeometry {
  int64_t n = 0, c_in = 0, h = 0, w = 0;
  int64_t c_out = 0, kh = 0, kw = 0;
  int64_t oh = 0, ow = 0;
  int64_t sh = 1, sw = 1, pad_h = 0, pad_w = 0, dh = 1, dw = 1;
  int64_t groups = 1;
  int64_t d = 1, kd = 1, od = 1, sd = 1, pad_d = 0, dd = 1;  // depth (3-d only)

  int64_t in_per_group() const { return c_in / groups; }
  int64_t out_per_group() const { return c_out / groups; }
  int64_t in_pixels() const { return d * h * w; }
  int64_t col_rows() const { return in_per_group() * kd * kh * kw; }  // rows of one group's column matrix
  int64_t col_cols() const { return od * oh * ow; }
  // The column matrix of a sample is the input itself (a 1x1 kernel reading every pixel once, in order).
  bool col_is_input() const {
    return kd == 1 && kh == 1 && kw == 1 && sd == 1 && sh == 1 && sw == 1 && pad_d == 0 && pad_h == 0 &&
           pad_w == 0 && od == d && oh == h && ow == w;
  }
  // One input channel per group (depthwise, channel multiplier out_per_group; also any 1-channel input), 1-d or
  // 2-d: the direct kernels below serve it.
  bool is_depthwise() const { return in_per_group() == 1 && d == 1 && kd == 1 && od == 1; }
};

// out = conv(x, weight) (+ bias[c] per output channel when bias is defined). out, x, weight (and bias)
// contiguous, of one dtype.
using conv2d_fn = void (*)(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                           const ConvGeometry& g);
// grad_input (n, c_in, [d,] h, w) = the adjoint of conv in x, applied to grad_out (n, c_out, oh, ow); every element
// of grad_input is written. Also the forward of conv_transpose2d.
using conv2d_backward_input_fn = void (*)(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                          const ConvGeometry& g);
// grad_weight (c_out, c_in / groups, [kd,] kh, kw) = the adjoint of conv in weight, applied to grad_out; every element
// is written.
using conv2d_backward_weight_fn = void (*)(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                           const ConvGeometry& g);

// F.unfold / F.fold, the column matrices the convolution kernels build, per sample (groups, c_out, depth unused):
// cols (n, c_in * kh * kw, oh * ow) = the columns of x (n, c_in, h, w), zeros where they read padding.
using im2col_fn = void (*)(const Tensor& cols, const Tensor& x, const ConvGeometry& g);
// x (n, c_in, h, w) = every column entry summed into the input position it reads (padding entries dropped).
using col2im_fn = void (*)(const Tensor& x, const Tensor& cols, const ConvGeometry& g);

PYNN_DECLARE_KERNEL(conv2d_kernel, conv2d_fn);
PYNN_DECLARE_KERNEL(im2col_kernel, im2col_fn);
PYNN_DECLARE_KERNEL(col2im_kernel, col2im_fn);
PYNN_DECLARE_KERNEL(conv2d_backward_input_kernel, conv2d_backward_input_fn);
PYNN_DECLARE_KERNEL(conv2d_backward_weight_kernel, conv2d_backward_weight_fn);
// Direct kernels for is_depthwise() geometries, float32 / float64 (cpu/conv_depthwise.cpp, built per ISA); the
// CPU conv kernels above hand those geometries to them.
PYNN_DECLARE_KERNEL(depthwise_conv2d_kernel, conv2d_fn);
PYNN_DECLARE_KERNEL(depthwise_conv2d_backward_input_kernel, conv2d_backward_input_fn);
PYNN_DECLARE_KERNEL(depthwise_conv2d_backward_weight_kernel, conv2d_backward_weight_fn);

}  // namespace pynn
