// Backward of the LAPACK family, real case, in torch's formulas (FunctionsManual.cpp), written in ops so that
// double backward works. Multi-output ops have one node per output; each node returns that output's share.
#include "autograd/functions_lapack.h"

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/indexing.h"
#include "ops/lapack.h"
#include "ops/linalg.h"
#include "ops/reduce.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

Tensor mT(const Tensor& t) { return transpose(t, -2, -1); }
Tensor mmul(const Tensor& a, const Tensor& b) { return matmul(a, b); }
Tensor eye_for(const Tensor& like, int64_t n) { return eye(n, n, like->dtype(), like->device()); }
// x * diag(d) and diag(d) * x without forming diag(d).
Tensor scale_cols(const Tensor& x, const Tensor& d) { return mul(x, unsqueeze(d, -2)); }
Tensor scale_rows(const Tensor& x, const Tensor& d) { return mul(x, unsqueeze(d, -1)); }
Tensor expand_scalar_grad(const Tensor& g) { return unsqueeze(unsqueeze(g, -1), -1); }
// x R^-T = (R^-1 x^T)^T
Tensor right_solve_rt(const Tensor& x, const Tensor& r) { return mT(linalg_solve(r, mT(x))); }
// 1 / (d_j - d_i) off the diagonal, 0 on it.
Tensor inverse_gaps(const Tensor& d) {
  const int64_t n = d->sizes()[d->dim() - 1];
  Tensor e = eye_for(d, n);
  Tensor gaps = add(sub(unsqueeze(d, -2), unsqueeze(d, -1)), e);
  return mul(div(num(1), gaps), sub(num(1), e));
}

struct InvBackward : Node {
  SavedTensor out;
  std::string name() const override { return "LinalgInvExBackward0"; }
  void release_saved() override { out.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor it = mT(out.unpack(this));
    return {neg(mmul(mmul(it, g), it))};
  }
};

struct SolveBackward : Node {
  SavedTensor a, x;
  std::string name() const override { return "LinalgSolveExBackward0"; }
  void release_saved() override { a.reset(); x.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gb = linalg_solve(mT(a.unpack(this)), g);
    Tensor ga = next_edges[0].valid() ? neg(mmul(gb, mT(x.unpack(this)))) : nullptr;
    return {ga, next_edges[1].valid() ? gb : nullptr};
  }
};

// det: g det A^-T; logabsdet: g A^-T (A invertible: torch falls back to an SVD formula for singular A).
struct DetBackward : Node {
  SavedTensor a, det;
  bool log = false;
  std::string name() const override { return log ? "LinalgSlogdetBackward0" : "LinalgDetBackward0"; }
  void release_saved() override { a.reset(); det.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor scale = log ? g : mul(g, det.unpack(this));
    return {mul(expand_scalar_grad(scale), mT(linalg_inv(a.unpack(this))))};
  }
};

struct CholeskyBackward : Node {
  SavedTensor l;
  bool upper = false;
  std::string name() const override { return "LinalgCholeskyExBackward0"; }
  void release_saved() override { l.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor L = l.unpack(this), gL = g;
    if (upper) { L = mT(L); gL = mT(gL); }
    const int64_t n = L->sizes()[L->dim() - 1];
    // phi(L^T gL): the lower triangle with the diagonal halved; then L^-T phi L^-1, symmetrized.
    Tensor p = tril(mmul(mT(L), gL), 0);
    p = sub(p, mul(mul(p, eye_for(L, n)), 0.5));
    Tensor linv = linalg_inv(L);
    Tensor s = mmul(mmul(mT(linv), p), linv);
    return {mul(add(s, mT(s)), 0.5)};
  }
};

// QR (m >= n, reduced or square): with M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^-T,
// copyltu(M) = tril(M) + tril(M, -1)^T.
struct QrBackward : Node {
  SavedTensor q, r;
  bool for_r = false;
  std::string name() const override { return "LinalgQrBackward0"; }
  void release_saved() override { q.reset(); r.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor Q = q.unpack(this), R = r.unpack(this);
    Tensor M = for_r ? mmul(R, mT(g)) : neg(mmul(mT(g), Q));
    Tensor sym = add(tril(M, 0), mT(tril(M, -1)));
    Tensor lhs = mmul(Q, sym);
    if (!for_r) lhs = add(g, lhs);
    return {right_solve_rt(lhs, R)};
  }
};

// eigh: gA = V (diag(gL) + F o skew(V^T gV) / 2) V^T with F_ij = 1 / (L_j - L_i).
struct EighBackward : Node {
  SavedTensor l, v;
  bool for_vectors = false;
  std::string name() const override { return "LinalgEighBackward0"; }
  void release_saved() override { l.reset(); v.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor V = v.unpack(this);
    if (!for_vectors) return {mmul(scale_cols(V, g), mT(V))};
    Tensor vg = mmul(mT(V), g);
    Tensor inner = mul(mul(sub(vg, mT(vg)), 0.5), inverse_gaps(l.unpack(this)));
    return {mmul(mmul(V, inner), mT(V))};
  }
};

// SVD, reduced factors A = U diag(S) Vh, k = min(m, n), F_ij = 1 / (S_j^2 - S_i^2):
//   from gS:  U diag(gS) Vh
//   from gU:  U ((F o (U^T gU - gU^T U)) diag(S)) Vh + (I - U U^T) gU diag(1/S) Vh
//   from gVh: U (diag(S) (F o (V^T gV - gV^T V))) Vh + U diag(1/S) gVh (I - V Vh),  gV = gVh^T
struct SvdBackward : Node {
  SavedTensor u, s, vh;
  int which = 0;  // 0: U, 1: S, 2: Vh
  bool full = false;
  std::string name() const override { return "LinalgSvdBackward0"; }
  void release_saved() override { u.reset(); s.reset(); vh.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor U = u.unpack(this), S = s.unpack(this), Vh = vh.unpack(this);
    const int64_t k = S->sizes()[S->dim() - 1];
    Tensor gg = g;
    if (full && which != 1) {
      const int64_t m = U->sizes()[U->dim() - 2], n = Vh->sizes()[Vh->dim() - 1];
      PYNN_CHECK(m == n, "linalg.svd",
                 "svd_backward: The singular vectors in the complex case are specified up to multiplication by "
                 "e^{i phi}; with full_matrices=True the extra columns of U or rows of Vh are not unique either, so "
                 "their gradient is not defined. Use full_matrices=False.");
    }
    if (full) {
      U = narrow(U, -1, 0, k);
      Vh = narrow(Vh, -2, 0, k);
    }
    if (which == 1) return {mmul(scale_cols(U, gg), Vh)};
    Tensor F = inverse_gaps(mul(S, S));
    Tensor inv_s = div(num(1), S);
    if (which == 0) {
      Tensor ug = mmul(mT(U), gg);
      Tensor core = scale_cols(mul(F, sub(ug, mT(ug))), S);
      Tensor rest = scale_cols(sub(gg, mmul(U, ug)), inv_s);
      return {mmul(add(mmul(U, core), rest), Vh)};
    }
    Tensor V = mT(Vh);
    Tensor gV = mT(gg);
    Tensor vg = mmul(mT(V), gV);
    Tensor core = scale_rows(mul(F, sub(vg, mT(vg))), S);
    Tensor rest = scale_rows(sub(gg, mmul(mmul(gg, V), Vh)), inv_s);
    return {mmul(U, add(mmul(core, Vh), rest))};
  }
};

}  // namespace

void record_inv(const Tensor& a, const Tensor& out) {
  auto node = std::make_shared<InvBackward>();
  record(node, {&a}, out);
  node->out = SavedTensor(out, true);
}

void record_solve(const Tensor& a, const Tensor& b, const Tensor& x) {
  auto node = std::make_shared<SolveBackward>();
  node->a = SavedTensor(a, false);
  record(node, {&a, &b}, x);
  node->x = SavedTensor(x, true);
}

void record_det(const Tensor& a, const Tensor& det) {
  auto node = std::make_shared<DetBackward>();
  node->a = SavedTensor(a, false);
  record(node, {&a}, det);
  node->det = SavedTensor(det, true);
}

void record_logabsdet(const Tensor& a, const Tensor& logabsdet) {
  auto node = std::make_shared<DetBackward>();
  node->log = true;
  node->a = SavedTensor(a, false);
  record(node, {&a}, logabsdet);
}

void record_cholesky(const Tensor& a, const Tensor& l, bool upper) {
  auto node = std::make_shared<CholeskyBackward>();
  node->upper = upper;
  record(node, {&a}, l);
  node->l = SavedTensor(l, true);
}

void record_qr(const Tensor& a, const Tensor& q, const Tensor& r, bool q_computed, bool complete) {
  const int64_t m = a->sizes()[a->dim() - 2], n = a->sizes()[a->dim() - 1];
  const bool ok = q_computed && m >= n && !(complete && m > n);
  auto qn = std::make_shared<QrBackward>();
  auto rn = std::make_shared<QrBackward>();
  rn->for_r = true;
  if (!ok) {
    // Outputs stay differentiable-looking as in torch, which raises when the gradient is asked for.
    struct QrRefused : Node {
      std::string msg;
      std::string name() const override { return "LinalgQrBackward0"; }
      std::vector<Tensor> apply(const Tensor&) override { throw std::runtime_error(msg); }
    };
    auto refuse = std::make_shared<QrRefused>();
    refuse->msg = !q_computed
                      ? "[linalg.qr] The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                        "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
                  : complete && m > n
                      ? "[linalg.qr] The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
                      : "[linalg.qr] backward of linalg.qr for wide matrices (nrows < ncols) is not implemented in pynn";
    record(refuse, {&a}, r);
    if (q_computed) record(refuse, {&a}, q);
    return;
  }
  record(qn, {&a}, q);
  record(rn, {&a}, r);
  // Saved once every output has its grad_fn, so a node's saved siblings are weak links back (no cycles).
  for (auto* node : {qn.get(), rn.get()}) {
    node->q = SavedTensor(q, true);
    node->r = SavedTensor(r, true);
  }
}

void record_eigh(const Tensor& a, const Tensor& l, const Tensor& v, bool vectors) {
  auto ln = std::make_shared<EighBackward>();
  record(ln, {&a}, l);
  std::shared_ptr<EighBackward> vn;
  if (vectors) {
    vn = std::make_shared<EighBackward>();
    vn->for_vectors = true;
    record(vn, {&a}, v);
  }
  // eigvalsh computed V only for the gradient; it is not an output, so it is saved as a plain tensor.
  ln->v = SavedTensor(v, vectors);
  if (vn) {
    vn->l = SavedTensor(l, true);
    vn->v = SavedTensor(v, true);
  }
}

void record_svd(const Tensor& a, const Tensor& u, const Tensor& s, const Tensor& vh, bool uv_computed, bool full) {
  std::shared_ptr<SvdBackward> nodes[3];
  const Tensor* outs[3] = {&u, &s, &vh};
  for (int i = 0; i < 3; ++i) {
    if (!uv_computed && i != 1) continue;
    nodes[i] = std::make_shared<SvdBackward>();
    nodes[i]->which = i;
    nodes[i]->full = full;
    record(nodes[i], {&a}, *outs[i]);
  }
  for (int i = 0; i < 3; ++i) {
    if (!nodes[i]) continue;
    nodes[i]->u = SavedTensor(u, true);
    nodes[i]->s = SavedTensor(s, true);
    nodes[i]->vh = SavedTensor(vh, true);
  }
}

}  // namespace autograd
}  // namespace pynn
