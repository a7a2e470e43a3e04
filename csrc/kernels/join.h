// Kernel interface of the join family's own kernels (csrc/ops/join.cpp), shared by csrc/cpu and csrc/cuda.
// cat, stack, repeat and roll are copies (the elementwise copy kernel); flip is an advanced-indexing take
// (kernels/indexing.h). What is left is tril / triu.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// Zeroes, in contiguous x (a batch of rows x cols matrices), the elements above (lower = true: tril) or below
// (triu) the given diagonal.
using triangle_mask_fn = void (*)(const Tensor& x, int64_t diagonal, bool lower);

PYNN_DECLARE_KERNEL(triangle_mask_kernel, triangle_mask_fn);

}  // namespace pynn
