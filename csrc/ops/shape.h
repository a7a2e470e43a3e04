// View ops (share storage) and copy ops that rearrange elements.
#pragma once
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace pynn {

// Views
Tensor view(const Tensor& x, const std::vector<int64_t>& shape);
Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape);  // a view when possible, else a copy
Tensor as_strided(const Tensor& x, const Dims& sizes, const Dims& strides, int64_t offset);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor t(const Tensor& x);                                   // <= 2-D only
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor expand(const Tensor& x, const std::vector<int64_t>& shape);  // -1 keeps a size
Tensor expand_to(const Tensor& x, const Dims& shape);        // broadcast to shape (right-aligned)
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, const std::vector<int64_t>& dims);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& x, int64_t dim, const std::vector<int64_t>& sizes);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);  // drops dim
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step);
Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t d1 = 0, int64_t d2 = 1);
Tensor unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step);
Tensor alias(const Tensor& x);  // a new TensorImpl over the same geometry (detach, Parameter)
// torch's Tensor.resize_: x becomes contiguous with `sizes` at its offset; the storage grows (in place, so views
// sharing it see the new block; the old bytes are kept) when the new geometry needs more. Refused for tensors
// that require grad and for memory pynn does not own (numpy's).
// `strides` (dense, e.g. channels-last) default to contiguous ones.
void resize_(const Tensor& x, const Dims& sizes, std::optional<Dims> strides = std::nullopt);

}  // namespace pynn
