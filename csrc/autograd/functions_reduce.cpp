// Backward of reductions: sum and mean broadcast the gradient back over the reduced dims.
#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "core/shape.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

struct SumBackward : Node {
  InputInfo info;
  std::vector<int> dims;  // reduced dims of the input, sorted
  bool keepdim = false;
  double scale = 1.0;     // 1/N for mean
  bool mean = false;
  std::string name() const override { return mean ? "MeanBackward0" : "SumBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gx = g;
    if (!keepdim)
      for (int d : dims) gx = unsqueeze(gx, d);
    gx = expand_to(gx, info.shape);
    if (mean) gx = mul(gx, scale);
    if (gx->dtype() != info.dtype) gx = to_dtype(gx, info.dtype);
    return {gx};
  }
};

}  // namespace

void record_sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out, bool mean) {
  auto node = std::make_shared<SumBackward>();
  node->info = InputInfo(x);
  node->dims = reduction_dims(dims, x->dim(), mean ? "mean" : "sum");
  node->keepdim = keepdim;
  node->mean = mean;
  int64_t n = 1;
  for (int d : node->dims) n *= x->sizes()[d];
  node->scale = n == 0 ? 0.0 : 1.0 / static_cast<double>(n);
  record(node, {&x}, out);
}

}  // namespace autograd
}  // namespace pynn
