// Kernel interface of sort / topk (csrc/ops/sort.cpp), shared by csrc/cpu and csrc/cuda.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// src is contiguous (rows, n); values (src's dtype) and indices (int64) are contiguous (rows, k) with k <= n.
// Each row gets its k smallest (or largest when `descending`) elements in sorted order, ties kept in input
// order; NaN is larger than every number.
struct SortRows {
  int64_t rows = 0, n = 0, k = 0;
  bool descending = false;
};
using sort_rows_fn = void (*)(const Tensor& values, const Tensor& indices, const Tensor& src, const SortRows& geom);

PYNN_DECLARE_KERNEL(sort_rows_kernel, sort_rows_fn);

}  // namespace pynn
