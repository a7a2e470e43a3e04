// Backward of the scans: cummax/cummin send each gradient to the element its running extreme came from;
// logcumsumexp uses the stable split into positive and negative gradient parts (TensorFlow's and torch's formula),
// made of logcumsumexp itself, so every order is differentiable.
#include "autograd/functions_search.h"

#include <limits>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/indexing.h"
#include "ops/search.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

struct CumExtremeBackward : Node {
  SavedTensor indices;
  int64_t dim = 0;
  Dims shape;
  const char* label = "CummaxBackward0";
  std::string name() const override { return label; }
  void release_saved() override { indices.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (shape.empty()) return {g};
    Tensor z = full(shape, Scalar(0.0), g->dtype(), g->device());
    return {scatter_add(z, dim, indices.unpack(this), g)};
  }
};

Tensor reverse_logcumsumexp(const Tensor& y, int64_t dim) {
  return flip(logcumsumexp(flip(y, {dim}), dim), {dim});
}

struct LogcumsumexpBackward : Node {
  SavedTensor x, out;
  int64_t dim = 0;
  std::string name() const override { return "LogcumsumexpBackward0"; }
  void release_saved() override { x.reset(); out.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor xv = x.unpack(this), r = out.unpack(this);
    // The lowest finite value, not -inf, stands for log(0): -inf would give inf - inf in the double backward.
    const double lowest = g->dtype() == ScalarType::Float32 ? -std::numeric_limits<float>::max()
                                                            : -std::numeric_limits<double>::max();
    Tensor ninf = full(g->sizes(), Scalar(lowest), g->dtype(), g->device());
    Tensor pos = where(binary(BinaryOp::Gt, g, num(0)), unary(UnaryOp::Log, g), ninf);
    Tensor negp = where(binary(BinaryOp::Lt, g, num(0)), unary(UnaryOp::Log, neg(g)), ninf);
    Tensor gp = unary(UnaryOp::Exp, add(reverse_logcumsumexp(sub(pos, r), dim), xv));
    Tensor gn = unary(UnaryOp::Exp, add(reverse_logcumsumexp(sub(negp, r), dim), xv));
    return {sub(gp, gn)};
  }
};

}  // namespace

void record_cum_extreme(const Tensor& x, int64_t dim, const Tensor& indices, const Tensor& values, const char* name) {
  auto node = std::make_shared<CumExtremeBackward>();
  node->indices = SavedTensor(indices, false);
  node->dim = dim;
  node->shape = x->sizes();
  node->label = name;
  record(node, {&x}, values);
}

void record_logcumsumexp(const Tensor& x, int64_t dim, const Tensor& out) {
  auto node = std::make_shared<LogcumsumexpBackward>();
  node->x = SavedTensor(x, false);
  node->dim = dim;
  record(node, {&x}, out);
  node->out = SavedTensor(out, true);
}

}  // namespace autograd
}  // namespace pynn
