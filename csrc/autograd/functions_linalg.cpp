// Backward of matrix products: mm/bmm, matmul (any ranks), addmm/baddbmm.
#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/linalg.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

Tensor mT(const Tensor& t) { return transpose(t, -2, -1); }

struct MmBackward : Node {
  SavedTensor a, b;
  std::string label;
  std::string name() const override { return label; }
  void release_saved() override { a.reset(); b.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor ga, gb;
    bool batched = label == "BmmBackward0";
    if (next_edges[0].valid()) ga = batched ? bmm(g, mT(b.unpack(this))) : mm(g, mT(b.unpack(this)));
    if (next_edges[1].valid()) gb = batched ? bmm(mT(a.unpack(this)), g) : mm(mT(a.unpack(this)), g);
    return {ga, gb};
  }
};

// matmul of any ranks: lift 1-D operands to matrices, use the batched formula, then undo
// broadcasting of batch dims and the lifting.
struct MatmulBackward : Node {
  SavedTensor a, b;
  InputInfo ia, ib;
  std::string name() const override { return "MatmulBackward0"; }
  void release_saved() override { a.reset(); b.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor av = a.unpack(this), bv = b.unpack(this);
    Tensor a2 = av->dim() == 1 ? unsqueeze(av, 0) : av;
    Tensor b2 = bv->dim() == 1 ? unsqueeze(bv, -1) : bv;
    Tensor g2 = g;
    if (av->dim() == 1) g2 = unsqueeze(g2, bv->dim() == 1 ? g2->dim() : g2->dim() - 1);
    if (bv->dim() == 1) g2 = unsqueeze(g2, -1);
    Tensor ga, gb;
    if (next_edges[0].valid()) {
      Tensor r = matmul(g2, mT(b2));
      ga = reshape(sum_to(r, a2->sizes()), ia.shape.vec());
    }
    if (next_edges[1].valid()) {
      Tensor r = matmul(mT(a2), g2);
      gb = reshape(sum_to(r, b2->sizes()), ib.shape.vec());
    }
    return {ga, gb};
  }
};

struct AddmmBackward : Node {
  SavedTensor m1, m2;
  InputInfo iin;
  Scalar beta, alpha;
  std::string label;
  std::string name() const override { return label; }
  void release_saved() override { m1.reset(); m2.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    bool batched = label == "BaddbmmBackward0";
    Tensor gi, g1, g2;
    if (next_edges[0].valid()) gi = reduce_to(beta.d == 1.0 ? g : mul(g, beta.d), iin);
    Tensor ga = alpha.d == 1.0 ? g : mul(g, alpha.d);
    if (next_edges[1].valid()) g1 = batched ? bmm(ga, mT(m2.unpack(this))) : mm(ga, mT(m2.unpack(this)));
    if (next_edges[2].valid()) g2 = batched ? bmm(mT(m1.unpack(this)), ga) : mm(mT(m1.unpack(this)), ga);
    return {gi, g1, g2};
  }
};

}  // namespace

void record_mm(const Tensor& a, const Tensor& b, const Tensor& out, const char* name) {
  auto node = std::make_shared<MmBackward>();
  node->label = name;
  if (requires_grad(b)) node->a = SavedTensor(a, false);
  if (requires_grad(a)) node->b = SavedTensor(b, false);
  record(node, {&a, &b}, out);
}

void record_matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  auto node = std::make_shared<MatmulBackward>();
  node->a = SavedTensor(a, false);
  node->b = SavedTensor(b, false);
  node->ia = InputInfo(a);
  node->ib = InputInfo(b);
  record(node, {&a, &b}, out);
}

void record_addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Tensor& out, const Scalar& beta,
                  const Scalar& alpha, const char* name) {
  auto node = std::make_shared<AddmmBackward>();
  node->label = name;
  if (requires_grad(m2)) node->m1 = SavedTensor(m1, false);
  if (requires_grad(m1)) node->m2 = SavedTensor(m2, false);
  node->iin = InputInfo(input);
  node->beta = beta;
  node->alpha = alpha;
  record(node, {&input, &m1, &m2}, out);
}

}  // namespace autograd
}  // namespace pynn
