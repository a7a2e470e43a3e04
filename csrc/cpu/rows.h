// CPU walks over the rows of kernels/softmax.h's RowGeom, shared by the softmax and loss kernels.
// Inside the capability namespace: each ISA build of a kernel file gets its own copy.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/dispatch.h"
#include "core/parallel.h"
#include "kernels/softmax.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// Rows per parallel chunk (and per deterministic reduction block): about one elementwise grain of elements.
inline int64_t rows_per_grain(const RowGeom& g) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(g.size, 1));
}

// Calls f(begin, end) over row ranges, in parallel when the rows hold enough elements in all.
template <typename F>
void for_rows(const RowGeom& g, const F& f) {
  parallel_for(0, g.rows(), rows_per_grain(g), [&](int64_t b, int64_t e) { f(b, e); });
}

// Offset of row r's first element in a contiguous [outer, size, inner] tensor.
inline int64_t row_base(const RowGeom& g, int64_t r) {
  return g.inner == 1 ? r * g.size : (r / g.inner) * g.size * g.inner + r % g.inner;
}

}  // namespace
}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
