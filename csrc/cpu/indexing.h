// CPU kernels for indexing, gather/scatter, masking, sorting and triangular masks.
// Inputs were validated by csrc/ops/indexing.cpp: index values are int64, in range, and shapes agree.
// Element moves are dtype-agnostic (dispatched on itemsize); only arithmetic and comparisons see dtypes.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace pynn {
namespace cpu {

// Row-major element offsets of every position of a strided shape (one entry {0} for no dims).
std::vector<int64_t> strided_offsets(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides);

// The "take" kernel of advanced indexing: for a < pre.size(), b < mid.size(), c < post.size(),
//   out[(a * nb + b) * npost + c] = src[pre[a] + mid[b] + post[c]]          (offsets in elements)
// `out` is contiguous; `src` points at the source's first element.
void index_take(void* out, const void* src, size_t itemsize, const std::vector<int64_t>& pre,
                const std::vector<int64_t>& mid, const std::vector<int64_t>& post);
// The inverse: dst[pre[a] + mid[b] + post[c]] = (or +=) values[(a * nb + b) * npost + c]; `values` contiguous.
// Serial, so repeated positions are deterministic (the last write wins, or all of them add up).
void index_put(void* dst, const void* values, ScalarType dtype, const std::vector<int64_t>& pre,
               const std::vector<int64_t>& mid, const std::vector<int64_t>& post, bool accumulate);

// out[p] = x[p with p[dim] = index[p]]; out has index's shape; index is int64. Tensors are >= 1-D.
void gather(const Tensor& out, const Tensor& x, int dim, const Tensor& index);
// self[p with p[dim] = index[p]] = src[p] (or += when `add`); src has self's dtype, positions range over index.
void scatter(const Tensor& self, int dim, const Tensor& index, const Tensor& src, bool add);
// self[p with p[dim] = index[p]] = value; `value` is a 0-dim tensor of self's dtype.
void scatter_fill(const Tensor& self, int dim, const Tensor& index, const Tensor& value);

// x[mask] = value in place; mask (bool) broadcasts to x; `value` is a 0-dim tensor of x's dtype.
void masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);
// Number of non-zero elements of a contiguous tensor (NaN counts as non-zero, -0.0 as zero).
int64_t count_nonzero(const Tensor& x);
// out (count, ndim) int64: coordinates of the non-zero elements of contiguous x, row-major order.
void nonzero(const Tensor& out, const Tensor& x);
// out (1-D) = elements of contiguous x where contiguous bool mask (same shape) is true.
void masked_select(const Tensor& out, const Tensor& x, const Tensor& mask);

// src is contiguous (rows, n); values/indices are contiguous (rows, k) with k <= n. Each row gets its k
// smallest (or largest when `descending`) elements in sorted order, ties kept in input order; NaN is
// larger than every number.
void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& src, int64_t rows, int64_t n, int64_t k,
               bool descending);

// Zeroes, in contiguous x (batch of rows x cols matrices), the elements above (lower=true: tril) or
// below (triu) the given diagonal.
void triangle_mask(const Tensor& x, int64_t diagonal, bool lower);

// out (numel(index), classes) int64 zero-filled then one-hot; index contiguous int64 in range.
void one_hot(const Tensor& out, const Tensor& index, int64_t classes);

}  // namespace cpu
}  // namespace pynn
