// Kernel interface of advanced indexing (x[idx], x[idx] = v, index_select, flip), shared by csrc/cpu and
// csrc/cuda. Every shape check, broadcast and dtype conversion happened in csrc/ops; what the kernels still
// validate is the index values, as they read them (a device assert on CUDA, the same IndexError on CPU).
#pragma once
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// One source dim indexed by a tensor. `index` is contiguous int64 with the broadcast shape of all index
// tensors (every IndexedDim of one geometry has the same numel).
struct IndexedDim {
  Tensor index;
  int dim = 0;          // the source dim, named in the out-of-range error
  int64_t size = 0;     // source size along it
  int64_t stride = 0;   // source stride along it, in elements
};

// Element offsets into the source (or destination) of advanced indexing, for a < outer, b < index numel,
// c < inner:
//   position (a, b, c) = outer_offsets[a] + sum_k indexed[k].index[b] * indexed[k].stride + inner_offsets[c]
// and the contiguous result / value element is ((a * index_numel) + b) * inner + c. outer_offsets and
// inner_offsets enumerate the non-indexed dims row-major; they are host vectors for now (a CUDA backend
// would upload them, or rebuild them from sizes and strides on the device).
struct AdvancedIndexGeom {
  std::vector<int64_t> outer_offsets;  // dims before the indexed block
  std::vector<IndexedDim> indexed;     // empty: one position b with offset 0 (flip)
  int64_t index_numel = 1;
  std::vector<int64_t> inner_offsets;  // dims after the indexed block
  bool wrap_negative = true;           // Python indexing counts -1 from the end; index_select refuses it
  const char* op = "index";            // names the op in the error
};

// out (contiguous, outer x index_numel x inner elements) = src at every position; src is read through its data
// pointer with the geometry's element offsets, whatever its dtype.
using index_take_fn = void (*)(const Tensor& out, const Tensor& src, const AdvancedIndexGeom& geom);
// dst at every position = (or += when accumulate) values (contiguous, dst's dtype). Repeated positions are
// deterministic: the last write wins, or all of them add up. Nothing is written if an index is out of range.
using index_put_fn = void (*)(const Tensor& dst, const Tensor& values, const AdvancedIndexGeom& geom,
                              bool accumulate);

PYNN_DECLARE_KERNEL(index_take_kernel, index_take_fn);
PYNN_DECLARE_KERNEL(index_put_kernel, index_put_fn);

}  // namespace pynn
