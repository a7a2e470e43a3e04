// Kernel interface of gather / scatter, masks, nonzero (csrc/ops/scatter_gather.cpp), shared by csrc/cpu and
// csrc/cuda. Shapes and dtypes were checked in csrc/ops; the kernels validate index values as they read them
// and raise the op's RuntimeError ("[op] index 5 is out of bounds for dimension 1 with size 3").
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/iterator.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace pynn {

// out[p] = x[p with p[dim] = index[p]]; out has index's shape; index is int64. Tensors are >= 1-D.
using gather_fn = void (*)(const Tensor& out, const Tensor& x, int dim, const Tensor& index, const char* op);
// self[p with p[dim] = index[p]] = src[p] (or += when `add`); src has self's dtype, positions range over index.
// Nothing is written if an index is out of range.
using scatter_fn = void (*)(const Tensor& self, int dim, const Tensor& index, const Tensor& src, bool add,
                            const char* op);
// self[p with p[dim] = index[p]] = value (converted to self's dtype). Nothing is written if an index is out
// of range.
using scatter_fill_fn = void (*)(const Tensor& self, int dim, const Tensor& index, const Scalar& value,
                                 const char* op);

// iter = (x, mask (bool)): x = value (converted to `dtype`, x's dtype) where mask is true.
using masked_fill_fn = void (*)(const TensorIter& iter, ScalarType dtype, const Scalar& value);
// out (0-dim int64) = number of non-zero elements of contiguous x (NaN counts as non-zero, -0.0 as zero). The
// count stays a tensor; the op reads it when it sizes its result (a sync on a device, as in torch).
using count_nonzero_fn = void (*)(const Tensor& out, const Tensor& x);
// out (count, ndim) int64: coordinates of the non-zero elements of contiguous x, row-major order.
using nonzero_fn = void (*)(const Tensor& out, const Tensor& x);
// out (1-D) = elements of contiguous x where contiguous bool mask (same shape) is true.
using masked_select_fn = void (*)(const Tensor& out, const Tensor& x, const Tensor& mask);

PYNN_DECLARE_KERNEL(gather_kernel, gather_fn);
PYNN_DECLARE_KERNEL(scatter_kernel, scatter_fn);
PYNN_DECLARE_KERNEL(scatter_fill_kernel, scatter_fill_fn);
PYNN_DECLARE_KERNEL(masked_fill_kernel, masked_fill_fn);
PYNN_DECLARE_KERNEL(count_nonzero_kernel, count_nonzero_fn);
PYNN_DECLARE_KERNEL(nonzero_kernel, nonzero_fn);
PYNN_DECLARE_KERNEL(masked_select_kernel, masked_select_fn);

}  // namespace pynn
