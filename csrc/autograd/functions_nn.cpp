// Backward of the nn family. Activation, softmax, nll and cross-entropy nodes call fused backward ops
// (csrc/ops/{activation,softmax,loss}.cpp), which switch to differentiable formulas when a graph is being built; prelu and the
// binary cross entropies are written directly in ops.
#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/nn.h"
#include "ops/reduce.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

// Loss weights are optional: an absent one unpacks as null, a present one is version-checked like any input.
SavedTensor saved_optional(const Tensor& t) { return t ? SavedTensor(t, false) : SavedTensor(); }

struct ActivationBackward : Node {
  Activation act;
  ActParams params;
  SavedTensor x;
  std::string name() const override {
    static const char* const names[] = {"GeluBackward0", "GeluBackward0", "EluBackward0", "SiluBackward0",
                                        "MishBackward0", "SoftplusBackward0", "LeakyReluBackward0", "HardtanhBackward0"};
    static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(Activation::NumOps),
                  "one node name per activation");
    return names[static_cast<int>(act)];
  }
  void release_saved() override { x.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override { return {activation_backward(act, g, x.unpack(this), params)}; }
};

struct PreluBackward : Node {
  SavedTensor x, weight;
  std::string name() const override { return "PreluKernelBackward0"; }
  void release_saved() override { x.reset(); weight.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor xv = x.unpack(this), w = weight.unpack(this);
    // The weight as [C, 1, ..., 1] (or a single value) broadcasting over x.
    std::vector<int64_t> ws;
    if (w->numel() > 1) {
      ws.push_back(w->numel());
      for (int d = 2; d < xv->dim(); ++d) ws.push_back(1);
    }
    Tensor wb = reshape(w, ws);
    Tensor pos = binary(BinaryOp::Gt, xv, num(0));
    Tensor gx, gw;
    if (next_edges[0].valid()) gx = where(pos, g, mul(g, wb));
    if (next_edges[1].valid()) {
      gw = sum_to(where(pos, zeros_like(g), mul(g, xv)), Dims(ws));
      gw = reshape(gw, w->sizes().vec());
    }
    return {gx, gw};
  }
};

struct SoftmaxBackward : Node {
  SavedTensor out;
  int dim = 0;
  bool is_log = false;
  std::string name() const override { return is_log ? "LogSoftmaxBackward0" : "SoftmaxBackward0"; }
  void release_saved() override { out.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override { return {softmax_backward_data(g, out.unpack(this), dim, is_log)}; }
};

// out = x * mask with mask = 0 or 1/(1-p): torch's CPU dropout is this product too.
struct DropoutBackward : Node {
  SavedTensor mask;
  std::string name() const override { return "MulBackward0"; }
  void release_saved() override { mask.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override { return {mul(g, mask.unpack(this))}; }
};

struct NllLossBackward : Node {
  SavedTensor input, target, weight, total_weight;
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;
  std::string name() const override { return "NllLossBackward0"; }
  void release_saved() override { input.reset(); target.reset(); weight.reset(); total_weight.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {nll_loss_backward(g, input.unpack(this), target.unpack(this), weight.unpack(this), reduction, ignore_index,
                              total_weight.unpack(this))};
  }
};

// nll_loss_backward is linear in its grad; its adjoint is nll_loss itself (same target, weight and divisor).
struct NllLossBackwardBackward : Node {
  SavedTensor target, weight;
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;
  std::string name() const override { return "NllLossBackwardBackward0"; }
  void release_saved() override { target.reset(); weight.reset(); }
  std::vector<Tensor> apply(const Tensor& gg) override {
    return {nll_loss(gg, target.unpack(this), weight.unpack(this), static_cast<int64_t>(reduction), ignore_index)};
  }
};

struct CrossEntropyBackward : Node {
  SavedTensor input, target, weight, total_weight;
  Tensor lse;             // the forward kernel's row logsumexps, seen by nothing else
  CrossEntropyArgs args;  // its total_weight is filled from the saved one at apply
  InputInfo target_info;
  std::string name() const override { return args.prob ? "CrossEntropyLossBackward0" : "NllLossBackward0"; }
  void release_saved() override { input.reset(); target.reset(); weight.reset(); total_weight.reset(); lse.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor x = input.unpack(this), t = target.unpack(this), w = weight.unpack(this);
    CrossEntropyArgs a = args;
    a.total_weight = total_weight.unpack(this);
    Tensor gx, gt;
    if (next_edges[0].valid()) gx = cross_entropy_backward(g, x, t, w, lse, a);
    if (a.prob && next_edges.size() > 1 && next_edges[1].valid()) {
      // d loss / d target_k = -(1 - eps) * w_k * log_softmax(x)_k per row.
      const int class_dim = x->dim() == 1 ? 0 : 1;
      Tensor G = g;
      if (a.reduction == Reduction::Mean) G = div(g, a.total_weight);
      else if (a.reduction == Reduction::None && class_dim == 1) G = unsqueeze(g, 1);
      Tensor lp = log_softmax(to_dtype(x, t->dtype() == x->dtype() ? x->dtype() : promote_types(x->dtype(), t->dtype())),
                              class_dim);
      if (w) {
        Dims ws(x->dim(), int64_t(1));
        ws[class_dim] = x->size(class_dim);
        lp = mul(lp, reshape(to_dtype(w, lp->dtype()), ws.vec()));
      }
      gt = reduce_to(mul(mul(G, lp), -(1.0 - a.label_smoothing)), target_info);
    }
    return {gx, gt};
  }
};

// The gradient flowing into each element of an elementwise loss (divided by numel for the mean).
Tensor elementwise_grad(const Tensor& g, Reduction r, int64_t numel) {
  return r == Reduction::Mean ? div(g, num(static_cast<double>(numel))) : g;
}

struct BinaryCrossEntropyBackward : Node {
  SavedTensor input, target, weight;
  Reduction reduction = Reduction::Mean;
  InputInfo input_info, target_info;
  std::string name() const override { return "BinaryCrossEntropyBackward0"; }
  void release_saved() override { input.reset(); target.reset(); weight.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor x = input.unpack(this), t = target.unpack(this), w = weight.unpack(this);
    Tensor G = elementwise_grad(g, reduction, x->numel());
    if (w) G = mul(G, to_dtype(w, x->dtype()));
    Tensor gx, gt;
    if (next_edges[0].valid()) {
      // torch's formula: the denominator is clamped at 1e-12f (a float, as in torch) so that x = 0 or 1 stays finite.
      Tensor denom = clamp(mul(sub(num(1), x), x), Scalar(static_cast<double>(1e-12f)), std::nullopt);
      gx = reduce_to(div(mul(G, sub(x, t)), denom), input_info);
    }
    if (next_edges[1].valid()) {
      // -logit(x), unclamped as in torch (infinite where x is 0 or 1).
      gt = reduce_to(mul(G, sub(unary(UnaryOp::Log1p, neg(x)), unary(UnaryOp::Log, x))), target_info);
    }
    return {gx, gt};
  }
};

struct BinaryCrossEntropyWithLogitsBackward : Node {
  SavedTensor input, target, weight, pos_weight;
  Reduction reduction = Reduction::Mean;
  InputInfo input_info, target_info;
  std::string name() const override { return "BinaryCrossEntropyWithLogitsBackward0"; }
  void release_saved() override { input.reset(); target.reset(); weight.reset(); pos_weight.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor x = input.unpack(this), t = target.unpack(this), w = weight.unpack(this);
    Tensor pw = pos_weight.unpack(this);
    Tensor G = elementwise_grad(g, reduction, x->numel());
    if (w) G = mul(G, w);
    Tensor gx, gt;
    if (next_edges[0].valid()) {
      // d/dx [(1 - t) x - (1 + (pw - 1) t) log_sigmoid(x)] = (1 + (pw - 1) t) sigmoid(x) - pw t
      Tensor s = unary(UnaryOp::Sigmoid, x);
      Tensor d = pw ? sub(mul(add(mul(sub(pw, num(1)), t), num(1)), s), mul(pw, t)) : sub(s, t);
      gx = reduce_to(mul(G, d), input_info);
    }
    if (next_edges[1].valid()) {
      // d/dt = -x - (pw - 1) log_sigmoid(x), log_sigmoid(x) = -softplus(-x)
      Tensor d = neg(x);
      if (pw) d = add(d, mul(sub(pw, num(1)), softplus(neg(x), 1.0, 20.0)));
      gt = reduce_to(mul(G, d), target_info);
    }
    return {gx, gt};
  }
};

}  // namespace

void record_activation(Activation act, const ActParams& p, const Tensor& x, const Tensor& out) {
  auto node = std::make_shared<ActivationBackward>();
  node->act = act;
  node->params = p;
  node->x = SavedTensor(x, false);
  record(node, {&x}, out);
}

void record_prelu(const Tensor& x, const Tensor& weight, const Tensor& out) {
  auto node = std::make_shared<PreluBackward>();
  node->x = SavedTensor(x, false);
  node->weight = SavedTensor(weight, false);
  record(node, {&x, &weight}, out);
}

void record_softmax(const Tensor& x, const Tensor& out, int dim, bool is_log) {
  auto node = std::make_shared<SoftmaxBackward>();
  node->dim = dim;
  node->is_log = is_log;
  record(node, {&x}, out);
  node->out = SavedTensor(out, true);
}

void record_dropout(const Tensor& x, const Tensor& mask, const Tensor& out) {
  auto node = std::make_shared<DropoutBackward>();
  node->mask = SavedTensor(mask, false);
  record(node, {&x}, out);
}

void record_nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                     int64_t ignore_index, const Tensor& total_weight, const Tensor& out) {
  auto node = std::make_shared<NllLossBackward>();
  node->input = SavedTensor(input, false);
  node->target = SavedTensor(target, false);
  node->weight = saved_optional(weight);
  node->total_weight = SavedTensor(total_weight, false);
  node->reduction = r;
  node->ignore_index = ignore_index;
  record(node, {&input}, out);
}

void record_nll_loss_backward(const Tensor& grad, const Tensor& target, const Tensor& weight, Reduction r,
                              int64_t ignore_index, const Tensor& out) {
  auto node = std::make_shared<NllLossBackwardBackward>();
  node->target = SavedTensor(target, false);
  node->weight = saved_optional(weight);
  node->reduction = r;
  node->ignore_index = ignore_index;
  record(node, {&grad}, out);
}

void record_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, const Tensor& lse,
                          Reduction r, int64_t ignore_index, double label_smoothing, const Tensor& total_weight,
                          bool prob, const Tensor& out) {
  auto node = std::make_shared<CrossEntropyBackward>();
  node->input = SavedTensor(input, false);
  node->target = SavedTensor(target, false);
  node->weight = saved_optional(weight);
  node->total_weight = SavedTensor(total_weight, false);
  node->lse = lse;
  node->args.reduction = r;
  node->args.ignore_index = ignore_index;
  node->args.label_smoothing = label_smoothing;
  node->args.prob = prob;
  node->target_info = InputInfo(target);
  if (prob) record(node, {&input, &target}, out);
  else record(node, {&input}, out);
}

void record_binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                                 const Tensor& out) {
  auto node = std::make_shared<BinaryCrossEntropyBackward>();
  node->input = SavedTensor(input, false);
  node->target = SavedTensor(target, false);
  node->weight = saved_optional(weight);
  node->reduction = r;
  node->input_info = InputInfo(input);
  node->target_info = InputInfo(target);
  record(node, {&input, &target}, out);
}

void record_binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                             const Tensor& pos_weight, Reduction r, const Tensor& out) {
  auto node = std::make_shared<BinaryCrossEntropyWithLogitsBackward>();
  node->input = SavedTensor(input, false);
  node->target = SavedTensor(target, false);
  node->weight = saved_optional(weight);
  node->pos_weight = saved_optional(pos_weight);
  node->reduction = r;
  node->input_info = InputInfo(input);
  node->target_info = InputInfo(target);
  record(node, {&input, &target}, out);
}

}  // namespace autograd
}  // namespace pynn
