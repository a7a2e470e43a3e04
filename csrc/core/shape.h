// Shape arithmetic shared by the ops: dim wrapping, broadcasting, view strides.
#pragma once
#include <vector>

#include "dims.h"

namespace pynn {

// Wraps a possibly negative dim into [0, ndim); a 0-dim tensor accepts dims -1 and 0 like torch.
int wrap_dim(int64_t dim, int64_t ndim, const char* op);
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);
// Replaces a single -1 in `shape` so that it holds `numel` elements.
Dims infer_size(const std::vector<int64_t>& shape, int64_t numel, const char* op);
// Strides that let a tensor of (sizes, strides) be viewed as new_sizes without a copy; false if none exist.
bool view_strides(const Dims& sizes, const Dims& strides, const Dims& new_sizes, Dims& out);
// Sorted, wrapped, de-duplicated dims; empty `dims` means all of them.
std::vector<int> reduction_dims(const std::vector<int64_t>& dims, int ndim, const char* op);

}  // namespace pynn
