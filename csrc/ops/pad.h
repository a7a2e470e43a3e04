// F.pad (ops/pad.cpp): constant padding of any trailing dims, reflect / replicate / circular of the last 1-3,
// negative pads cropping as in torch. Linear in the input: the backward is an op (and differentiates again).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/pad.h"

namespace pynn {

// torch.nn.functional.pad: pad = (last_before, last_after, prev_before, prev_after, ...); mode "constant",
// "reflect", "replicate" or "circular"; value only for "constant" (default 0).
Tensor pad(const Tensor& input, const std::vector<int64_t>& pad, const std::string& mode,
           std::optional<double> value);
// The checked padding of input (its trailing g.ndim dims) by a resolved geometry, and its adjoint for an input of
// input_sizes: each is the other's backward.
Tensor pad_geometry(const Tensor& input, const PadGeometry& g);
Tensor pad_backward(const Tensor& grad_out, const PadGeometry& g, const Dims& input_sizes);

}  // namespace pynn
