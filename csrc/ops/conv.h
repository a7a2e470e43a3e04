// Convolution ops (ops/conv.cpp): conv1d/2d/3d, conv_transpose1d/2d/3d, and the two gradients of a 2-d or 3-d
// convolution as ops of their own, so the backward (and its backward) is made of differentiable ops.
// Pooling lives in ops/pool.cpp (ops/pool.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/conv.h"

namespace pynn {

// The hyper-parameters of one 2-d (or, with the depth fields, 3-d) convolution once padding is resolved: pad_* is
// the padding before the first plane / row / column ('same' with an even kernel pads one more after, which shows
// in the output size only).
struct Conv2dParams {
  int64_t sh = 1, sw = 1, pad_h = 0, pad_w = 0, dh = 1, dw = 1, groups = 1;
  int64_t sd = 1, pad_d = 0, dd = 1;  // depth: 3-d only
};

// torch.nn.functional.conv1d / conv2d / conv3d. stride, padding and dilation hold one value or one per spatial dim.
// input (N, C, *spatial) or unbatched (C, *spatial); weight (out, C / groups, *kernel); bias null or (out).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups);
// padding = "valid" (none) or "same" (output as large as the input; stride 1 only).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const std::string& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const std::string& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const std::string& padding, const std::vector<int64_t>& dilation, int64_t groups);

// torch.nn.functional.conv_transpose1d / 2d / 3d; weight (C, out / groups, *kernel).
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation);
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation);

// The checked 2-d or 3-d convolution on batched operands (input and weight both 4-d or both 5-d, bias null or
// 1-d) with its output's spatial size given: what the public ops and the backward formulas call.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                   const Dims& out_spatial);
// dL/dinput of convolution for an input of input_sizes (4-d or 5-d), given grad_out; linear in both operands.
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Dims& input_sizes,
                             const Conv2dParams& p);
// dL/dweight of convolution for a weight of weight_sizes (4-d or 5-d), given grad_out; linear in both operands.
Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& input, const Dims& weight_sizes,
                              const Conv2dParams& p);

// torch.nn.functional.unfold: (N, C, H, W) or (C, H, W) -> (N, C * kh * kw, L) or (C * kh * kw, L).
Tensor im2col(const Tensor& input, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& dilation,
              const std::vector<int64_t>& padding, const std::vector<int64_t>& stride);
// torch.nn.functional.fold, unfold's adjoint: (N, C * kh * kw, L) or (C * kh * kw, L) -> (N, C, H, W) or (C, H, W).
Tensor col2im(const Tensor& input, const std::vector<int64_t>& output_size, const std::vector<int64_t>& kernel_size,
              const std::vector<int64_t>& dilation, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& stride);
// The two on batched operands with their geometry (c_in, h, w, kh, kw, oh, ow, strides...; groups 1): each is
// the other's backward.
Tensor im2col_geometry(const Tensor& input, const ConvGeometry& g);
Tensor col2im_geometry(const Tensor& cols, const ConvGeometry& g);

}  // namespace pynn
