// Dropout with a counter-based mask (kernels/dropout.h).
#include "autograd/functions.h"
#include "core/random.h"
#include "kernels/dropout.h"
#include "ops/common.h"
#include "ops/nn.h"
#include "ops/nn_common.h"

namespace pynn {

PYNN_DEFINE_KERNEL(dropout_kernel, "dropout");

Tensor dropout(const Tensor& x, double p, bool training) {
  require_defined("dropout", x);
  PYNN_CHECK_VALUE(p >= 0 && p <= 1, "dropout", "dropout probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0) return x;
  require_float("dropout", x);
  if (is_reduced_float(x->dtype())) return to_dtype(dropout(widen_reduced(x), p, training), x->dtype());
  const Device dev = x->device();
  const dropout_fn kernel = dropout_kernel.at(dev, "dropout");  // before reserving: a missing kernel draws nothing
  DropoutArgs args;
  args.p = p;
  args.key = default_generator().reserve(static_cast<uint64_t>(dropout_draws(x->numel(), x->dtype())));
  Tensor in = contiguous_untracked(x);
  Tensor out = empty(x->sizes(), x->dtype(), dev);
  Tensor mask = empty(x->sizes(), x->dtype(), dev);
  kernel(out, mask, in, args);
  if (autograd::needs_grad(x)) autograd::record_dropout(x, mask, out);
  return out;
}

}  // namespace pynn
