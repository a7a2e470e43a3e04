// Kernel interface of softmax / log_softmax and their backward, shared by csrc/cpu and csrc/cuda. Also home of
// RowGeom, the row view the class losses (kernels/loss.h) share, since cross entropy fuses a log_softmax.
#pragma once
#include <cstdint>

#include "core/dims.h"
#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// A contiguous tensor read as [outer, size, inner]; a "row" is the `size` elements of one (outer, inner)
// pair, `inner` apart. Softmax normalizes rows; the losses take size = C classes.
struct RowGeom {
  int64_t outer = 1, size = 1, inner = 1;
  int64_t rows() const { return outer * inner; }
};
// The rows along dimension `dim` of a tensor of shape `sizes`.
inline RowGeom row_geom(const Dims& sizes, int dim) {
  RowGeom g;
  for (int d = 0; d < sizes.size(); ++d) {
    if (d < dim) g.outer *= sizes[d];
    else if (d == dim) g.size = sizes[d];
    else g.inner *= sizes[d];
  }
  return g;
}

// All tensors contiguous with x's shape and of one floating dtype; out = softmax(x) or log_softmax(x) by row.
using softmax_fn = void (*)(const Tensor& out, const Tensor& x, const RowGeom& g, bool is_log);
// out is the forward's result, grad = dL/dout; writes grad_x = dL/dx.
using softmax_backward_fn = void (*)(const Tensor& grad_x, const Tensor& grad, const Tensor& out, const RowGeom& g,
                                     bool is_log);

PYNN_DECLARE_KERNEL(softmax_kernel, softmax_fn);
PYNN_DECLARE_KERNEL(softmax_backward_kernel, softmax_backward_fn);

}  // namespace pynn
