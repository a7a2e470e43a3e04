// Helpers the ops of the indexing families share (indexing.cpp, join.cpp, scatter_gather.cpp, sort.cpp).
// Not a public header: bindings and autograd include ops/indexing.h.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "ops/elementwise.h"

namespace pynn {
namespace index_detail {

// A 0-dim tensor seen as shape [1] (torch treats scalars as 1-element vectors in gather, sort, ...).
inline Tensor as_1d(const Tensor& t) { return t->dim() == 0 ? make_view(t, Dims{1}, Dims{1}, t->offset()) : t; }
inline Tensor as_0d(const Tensor& t) { return make_view(t, Dims{}, Dims{}, t->offset()); }

inline bool is_index_dtype(ScalarType t) { return t == ScalarType::Int64 || t == ScalarType::Int32; }

// Contiguous int64 copy of an index tensor (the tensor itself when it already is one).
inline Tensor index_as_int64(const Tensor& index) { return contiguous(to_dtype(index, ScalarType::Int64)); }

inline bool shares_storage(const Tensor& a, const Tensor& b) { return a->storage() == b->storage(); }

// Row-major element offsets of every position of a strided shape (one entry {0} for no dims). Built on the
// host for now; the kernels receive them in AdvancedIndexGeom (kernels/indexing.h).
std::vector<int64_t> strided_offsets(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides);

// src[adv]: torch's advanced indexing with one int32/int64 index tensor or null per dim of src. Index values
// are checked by the kernel: negatives count from the end when wrap_negative, else they are out of range.
Tensor take_advanced(const Tensor& src, const std::vector<Tensor>& adv, const char* op, bool wrap_negative = true);

}  // namespace index_detail
}  // namespace pynn
