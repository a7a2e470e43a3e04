// Kernel interface of the search and scan family (searchsorted/bucketize, cummax/cummin, logcumsumexp), shared by
// csrc/cpu and csrc/cuda. Operands are contiguous; every check happened in csrc/ops/search.cpp.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/dtype.h"

namespace pynn {

// For each of rows x m values, the insertion point into its row of `seq` (rows x n, or one row shared by all when
// seq_shared): the first i with seq[i] >= v (seq[i] > v when right). out is int64, or int32 when out_int32.
using searchsorted_fn = void (*)(ScalarType dt, int64_t rows, int64_t n, int64_t m, const void* seq, bool seq_shared,
                                 const void* values, void* out, bool out_int32, bool right);

enum class ScanOp { Max, Min, LogSumExp };
// Inclusive scan of x viewed as (outer, n, inner) along n into values (same layout); Max/Min also write the index
// of the element each running extreme came from (the last one among ties, NaN wins and sticks, as torch).
using scan_fn = void (*)(ScanOp op, ScalarType dt, int64_t outer, int64_t n, int64_t inner, const void* x,
                         void* values, int64_t* indices);

PYNN_DECLARE_KERNEL(searchsorted_kernel, searchsorted_fn);
PYNN_DECLARE_KERNEL(scan_kernel, scan_fn);

}  // namespace pynn
