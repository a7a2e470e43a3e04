// Pooling ops (ops/pool.cpp): max / average / adaptive pooling over the last 1, 2 or 3 dims, with the leading dims
// (batch, channels) as independent planes. The gradients are ops too (and linear), so they differentiate again.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "kernels/pool.h"

namespace pynn {

// torch.nn.functional.max_pool1d/2d/3d with return_indices: {values, int64 indices (position in the plane)}.
// kernel, stride (empty: the kernel), padding and dilation hold one value or one per spatial dim.
std::pair<Tensor, Tensor> max_pool_nd(int spatial, const Tensor& input, const std::vector<int64_t>& kernel,
                                      const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                                      const std::vector<int64_t>& dilation, bool ceil_mode);
// avg_pool1d/2d/3d; divisor_override only for 2-d and 3-d, as in torch.
Tensor avg_pool_nd(int spatial, const Tensor& input, const std::vector<int64_t>& kernel,
                   const std::vector<int64_t>& stride, const std::vector<int64_t>& padding, bool ceil_mode,
                   bool count_include_pad, std::optional<int64_t> divisor_override);
// adaptive_avg_pool1d/2d/3d and adaptive_max_pool1d/2d/3d ({values, indices}).
Tensor adaptive_avg_pool_nd(int spatial, const Tensor& input, const std::vector<int64_t>& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool_nd(int spatial, const Tensor& input,
                                               const std::vector<int64_t>& output_size);

// torch.nn.functional.max_unpool1d/2d/3d: x's values written at their indices into zeros of the spatial
// output_size (the Python layer resolves it as torch's _unpool_output_size); the backward gathers at the indices.
Tensor max_unpool_nd(int spatial, const Tensor& input, const Tensor& indices, const std::vector<int64_t>& output_size);

// The checked pooling itself over input's last `spatial` dims (g's leading axes beyond them are unit ones): what the public ops
// and the backward formulas call. For Max, *indices receives the argmax positions. name: the backward node's
// (a string literal, e.g. "MaxPool2DWithIndicesBackward0").
Tensor pool2d(const Tensor& input, int spatial, const PoolGeometry& g, Tensor* indices, const char* name);
// dL/dinput of pool2d (grad_out shaped like its output, indices null for Avg); linear in grad_out.
Tensor pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Dims& input_sizes, int spatial,
                       const PoolGeometry& g, const char* name);

}  // namespace pynn
