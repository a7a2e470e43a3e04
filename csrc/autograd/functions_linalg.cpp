// Backward of matrix products: mm/bmm, matmul (any ranks), addmm/baddbmm.
#include <algorithm>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/linalg.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

Tensor mT(const Tensor& t) { return transpose(t, -2, -1); }

// A matrix operand stored column-major (e.g. a Linear weight used as weight.t()).
bool col_major(const Tensor& t) {
  const int d = t->dim();
  return d >= 2 && t->strides()[d - 2] == 1 && t->sizes()[d - 1] > 1 && t->strides()[d - 1] != 1;
}

// Gradients of C = A @ B in the layout of the operand they belong to (torch's mm_mat1/mat2_backward):
// for a column-major operand the product is computed transposed, so the gradient comes out
// column-major too and reaches the leaf (weight.t() -> weight) contiguous, without a transposing copy.
Tensor prod(const Tensor& a, const Tensor& b, bool batched) { return batched ? bmm(a, b) : mm(a, b); }
Tensor mat1_grad(const Tensor& g, const Tensor& m2, bool m1_col_major, bool batched) {
  return m1_col_major ? mT(prod(m2, mT(g), batched)) : prod(g, mT(m2), batched);
}
Tensor mat2_grad(const Tensor& g, const Tensor& m1, bool m2_col_major, bool batched) {
  return m2_col_major ? mT(prod(mT(g), m1, batched)) : prod(mT(m1), g, batched);
}

struct MmBackward : Node {
  SavedTensor a, b;
  bool a_col_major = false, b_col_major = false;
  bool batched = false;  // bmm
  std::string name() const override { return batched ? "BmmBackward0" : "MmBackward0"; }
  void release_saved() override { a.reset(); b.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor ga, gb;
    if (next_edges[0].valid()) ga = mat1_grad(g, b.unpack(this), a_col_major, batched);
    if (next_edges[1].valid()) gb = mat2_grad(g, a.unpack(this), b_col_major, batched);
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
      if (a2->dim() >= 3 && b2->dim() == 2) {
        // The forward folded a's batch dims into rows (a Linear on (batch, tokens, features)): so does its weight
        // gradient, one (k x rows) @ (rows x n) product, instead of a product per batch entry summed afterwards
        // (measured: 3% of a GPT training step in that sum, and a (batch, k, n) temporary per layer).
        const int64_t k = a2->size(-1), n = b2->size(-1), rows = a2->numel() / std::max<int64_t>(1, k);
        gb = reshape(mm(mT(reshape(a2, {rows, k})), reshape(g2, {rows, n})), ib.shape.vec());
      } else {
        Tensor r = matmul(mT(a2), g2);
        gb = reshape(sum_to(r, b2->sizes()), ib.shape.vec());
      }
    }
    return {ga, gb};
  }
};

struct AddmmBackward : Node {
  SavedTensor m1, m2;
  bool m1_col_major = false, m2_col_major = false;
  InputInfo iin;
  Scalar beta, alpha;
  bool batched = false;  // baddbmm
  std::string name() const override { return batched ? "BaddbmmBackward0" : "AddmmBackward0"; }
  void release_saved() override { m1.reset(); m2.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gi, g1, g2;
    if (next_edges[0].valid()) gi = reduce_to(beta.d == 1.0 ? g : mul(g, beta.d), iin);
    Tensor ga = alpha.d == 1.0 ? g : mul(g, alpha.d);
    if (next_edges[1].valid()) g1 = mat1_grad(ga, m2.unpack(this), m1_col_major, batched);
    if (next_edges[2].valid()) g2 = mat2_grad(ga, m1.unpack(this), m2_col_major, batched);
    return {gi, g1, g2};
  }
};

}  // namespace

void record_mm(const Tensor& a, const Tensor& b, const Tensor& out, bool batched) {
  auto node = std::make_shared<MmBackward>();
  node->batched = batched;
  if (requires_grad(b)) node->a = SavedTensor(a, false);
  if (requires_grad(a)) node->b = SavedTensor(b, false);
  node->a_col_major = col_major(a);
  node->b_col_major = col_major(b);
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
                  const Scalar& alpha, bool batched) {
  auto node = std::make_shared<AddmmBackward>();
  node->batched = batched;
  if (requires_grad(m2)) node->m1 = SavedTensor(m1, false);
  if (requires_grad(m1)) node->m2 = SavedTensor(m2, false);
  node->m1_col_major = col_major(m1);
  node->m2_col_major = col_major(m2);
  node->iin = InputInfo(input);
  node->beta = beta;
  node->alpha = alpha;
  record(node, {&input, &m1, &m2}, out);
}

}  // namespace autograd
}  // namespace pynn
