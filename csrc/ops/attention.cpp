// scaled_dot_product_attention: check -> lay out (contiguous q, k, v; the mask made additive and read through
// broadcast strides) -> one fused kernel -> record. Its backward op runs the fused kernel without a graph and
// the same formulas in differentiable ops (the "math path") with one; a mask that requires grad takes the math
// path forward too, since the fused kernels treat the mask as a constant.
#include "ops/attention.h"

#include <cmath>
#include <limits>

#include "autograd/functions_common.h"
#include "ops/common.h"
#include "ops/indexing.h"
#include "ops/linalg.h"
#include "ops/nn.h"
#include "ops/nn_common.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {
using namespace autograd::fn;

PYNN_DEFINE_KERNEL(sdpa_kernel, "scaled_dot_product_attention");
PYNN_DEFINE_KERNEL(sdpa_backward_kernel, "scaled_dot_product_attention_backward");
PYNN_DEFINE_KERNEL(sdpa_dropout_mask_kernel, "scaled_dot_product_attention");

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

// torch's C++ type names, which its SDPA messages print.
const char* c10_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "long int";
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
    case ScalarType::Float16: return "c10::Half";
    case ScalarType::BFloat16: return "c10::BFloat16";
  }
  return "?";
}

// torch's broadcast error, with dims counted in the 4-d (B, Hq, L, S) result.
void check_broadcast(const Tensor& mask, const Dims& to) {
  const int nd = mask->dim(), off = to.size() - nd;
  for (int d = 0; d < nd; ++d) {
    const int64_t m = mask->size(d), t = to[off + d];
    PYNN_CHECK(m == 1 || m == t, kOp, "The size of tensor a (", t, ") must match the size of tensor b (", m,
               ") at non-singleton dimension ", off + d);
  }
}

SdpaGeom geometry(const Tensor& q, const Tensor& k, const Tensor& v) {
  SdpaGeom g;
  g.heads = q->size(1);
  g.N = q->size(0) * g.heads;
  g.L = q->size(2);
  g.E = q->size(3);
  g.S = k->size(2);
  g.Ev = v->size(3);
  g.group = g.heads / k->size(1);
  return g;
}

// The causal mask as an additive (L, S) tensor: -inf above the diagonal.
Tensor causal_additive(const SdpaGeom& g, ScalarType dt, Device dev) {
  return triu(full(Dims{g.L, g.S}, Scalar(-std::numeric_limits<double>::infinity()), dt, dev), 1);
}

// The math path's views: heads grouped as (B * Hkv, group, ...), keys and values (B * Hkv, 1, ...), so
// matmul's batch broadcasting shares each key/value head among its query heads.
struct MathViews {
  Tensor q, k, v;
  Dims scores;  // (B * Hkv, group, L, S)
};
MathViews math_views(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaGeom& g) {
  const int64_t bk = g.Nkv();
  return {reshape(q, {bk, g.group, g.L, g.E}), reshape(k, {bk, 1, g.S, g.E}), reshape(v, {bk, 1, g.S, g.Ev}),
          Dims{bk, g.group, g.L, g.S}};
}

// softmax(q k^T * scale + mask) in differentiable ops, with fully masked rows 0 (not nan) and no nan in their
// gradients either: those rows are softmaxed as zeros and then multiplied by 0.
Tensor math_probs(const MathViews& mv, const Tensor& mask, const SdpaParams& p) {
  Tensor s = mul(matmul(mv.q, transpose(mv.k, -2, -1)), p.scale);
  if (mask) s = add(s, reshape(mask, mv.scores.vec()));
  if (p.causal) s = add(s, causal_additive(p.g, s->dtype(), s->device()));
  Tensor valid = autograd::untracked([&] {
    return binary(BinaryOp::Ne, amax(s, {-1}, true), num(-std::numeric_limits<double>::infinity()));
  });
  Tensor probs = softmax(where(valid, s, zeros_like(s)), -1);
  return mul(probs, mask_as(valid, probs));
}

Tensor dropout_mask_for(const SdpaParams& p, ScalarType dt, Device dev) {
  Tensor z = empty(Dims{p.g.N, p.g.L, p.g.S}, dt, dev);
  sdpa_dropout_mask_kernel(dev, z, p.g, p.dropout);
  return z;
}

Tensor math_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, const SdpaParams& p) {
  const MathViews mv = math_views(q, k, v, p.g);
  Tensor probs = math_probs(mv, mask, p);
  if (p.dropout.p > 0) probs = mul(probs, reshape(dropout_mask_for(p, q->dtype(), q->device()), mv.scores.vec()));
  return reshape(matmul(probs, mv.v), {q->size(0), q->size(1), p.g.L, p.g.Ev});
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa) {
  require_defined(kOp, q, "query");
  require_defined(kOp, k, "key");
  require_defined(kOp, v, "value");
  const Device dev = same_device(kOp, q, k, v, attn_mask);
  PYNN_CHECK(q->dtype() == k->dtype() && q->dtype() == v->dtype(), kOp,
             "Expected query, key, and value to have the same dtype, but got query.dtype: ", c10_name(q->dtype()),
             " key.dtype: ", c10_name(k->dtype()), " and value.dtype: ", c10_name(v->dtype()), " instead.");
  // torch's wording (its kernels are float-only): "expected scalar type Float but found Long".
  PYNN_CHECK(is_floating(q->dtype()), kOp, "expected scalar type Float but found ",
             q->dtype() == ScalarType::Bool ? "Bool" : q->dtype() == ScalarType::Int32 ? "Int" : "Long");
  if (is_reduced_float(q->dtype()))
    return to_dtype(scaled_dot_product_attention(widen_reduced(q), widen_reduced(k), widen_reduced(v),
                                                 widen_reduced(attn_mask), dropout_p, is_causal, scale, enable_gqa),
                    q->dtype());
  PYNN_CHECK(q->dim() == 4 && k->dim() == 4 && v->dim() == 4, kOp, "expected 4-d query, key and value");
  PYNN_CHECK(q->size(0) == k->size(0) && k->size(0) == v->size(0), kOp,
             "Expected query, key and value to have the same batch size, but got query.size(0): ", q->size(0),
             ", key.size(0): ", k->size(0), " and value.size(0): ", v->size(0));
  PYNN_CHECK(k->size(3) == q->size(3), kOp, "Expected size for first two dimensions of batch2 tensor to be: [",
             q->size(0) * q->size(1), ", ", q->size(3), "] but got: [", q->size(0) * q->size(1), ", ", k->size(3),
             "].");
  PYNN_CHECK(k->size(2) == v->size(2), kOp,
             "Expected key and value to have the same sequence length, but got key.size(-2): ", k->size(2),
             " and value.size(-2): ", v->size(2));
  if (enable_gqa) {
    PYNN_CHECK(k->size(1) == v->size(1) && k->size(1) > 0 && q->size(1) % k->size(1) == 0, kOp,
               "Number of heads in key and value must divide the number of heads in query");
  } else {
    for (const Tensor* t : {&k, &v})
      PYNN_CHECK((*t)->size(1) == q->size(1), kOp, "The size of tensor a (", q->size(1),
                 ") must match the size of tensor b (", (*t)->size(1), ") at non-singleton dimension 1");
  }
  PYNN_CHECK(dropout_p >= 0 && dropout_p <= 1, kOp, "dropout probability has to be between 0 and 1, but got ",
                   dropout_p);
  const ScalarType dt = q->dtype();
  if (attn_mask) {
    PYNN_CHECK(attn_mask->dtype() == ScalarType::Bool || attn_mask->dtype() == dt, kOp,
               "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: ",
               c10_name(attn_mask->dtype()), " and  query.dtype: ", c10_name(dt), " instead.");
    PYNN_CHECK(attn_mask->dim() <= 4, kOp, "attn_mask of ", attn_mask->dim(),
               " dims does not broadcast to the 4-d attention scores");
  }
  SdpaParams p;
  p.g = geometry(q, k, v);
  p.causal = is_causal;
  p.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(p.g.E));
  const Dims scores{q->size(0), q->size(1), p.g.L, p.g.S};
  if (attn_mask) check_broadcast(attn_mask, scores);
  if (p.g.N == 0 || p.g.L == 0) return empty(Dims{q->size(0), q->size(1), p.g.L, p.g.Ev}, dt, dev);
  const bool train_mask = attn_mask && autograd::needs_grad(attn_mask);
  PYNN_CHECK(!(train_mask && is_causal), kOp,
             "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True");
  const sdpa_fn kernel = sdpa_kernel.at(dev, kOp);  // before reserving: a missing kernel draws nothing
  if (dropout_p > 0) {
    p.dropout.p = dropout_p;
    p.dropout.key = default_generator().reserve(p.dropout.draws(p.g));
  }
  if (train_mask) return math_forward(q, k, v, expand_to(attn_mask, scores), p);

  SdpaArgs a;
  static_cast<SdpaParams&>(a) = p;
  if (attn_mask) {
    Tensor m = autograd::untracked([&] {
      Tensor add_mask = attn_mask->dtype() == ScalarType::Bool
                            ? where(attn_mask, full(Dims{}, Scalar(0.0), dt, dev),
                                    full(Dims{}, Scalar(-std::numeric_limits<double>::infinity()), dt, dev))
                            : attn_mask;
      return expand_to(add_mask, scores);
    });
    a.mask.data = m;
    a.mask.offset.resize(p.g.N);
    for (int64_t n = 0; n < p.g.N; ++n)
      a.mask.offset[n] = (n / p.g.heads) * m->stride(0) + (n % p.g.heads) * m->stride(1);
    a.mask.si = m->stride(2);
    a.mask.sj = m->stride(3);
  }
  a.q = contiguous_untracked(q);
  a.k = contiguous_untracked(k);
  a.v = contiguous_untracked(v);
  a.out = empty(Dims{q->size(0), q->size(1), p.g.L, p.g.Ev}, dt, dev);
  a.lse = empty(Dims{q->size(0), q->size(1), p.g.L}, dt, dev);
  kernel(a);
  if (autograd::needs_grad({&q, &k, &v})) autograd::record_sdpa(q, k, v, a.out, a.lse, a);
  return a.out;
}

SdpaGrads scaled_dot_product_attention_backward(const Tensor& grad, const Tensor& q, const Tensor& k,
                                                const Tensor& v, const Tensor& out, const Tensor& lse,
                                                const SdpaParams& p) {
  const char* op = "scaled_dot_product_attention_backward";
  const Device dev = same_device(op, grad, q, k, v);
  const ScalarType dt = q->dtype();
  if (autograd::needs_grad({&grad, &q, &k, &v})) {
    // create_graph: the kernel's formulas in differentiable ops (probabilities recomputed from q and k).
    const MathViews mv = math_views(q, k, v, p.g);
    const Tensor probs = math_probs(mv, p.mask.data, p);
    const Tensor z = p.dropout.p > 0 ? reshape(dropout_mask_for(p, dt, dev), mv.scores.vec()) : nullptr;
    const Tensor dropped = z ? mul(probs, z) : probs;
    const Tensor go = reshape(grad, {p.g.Nkv(), p.g.group, p.g.L, p.g.Ev});
    Tensor dp = matmul(go, transpose(mv.v, -2, -1));
    if (z) dp = mul(dp, z);
    const Tensor ds = mul(mul(probs, sub(dp, sum(mul(probs, dp), {-1}, true))), p.scale);
    SdpaGrads r;
    r.q = reshape(matmul(ds, mv.k), q->sizes().vec());
    r.k = reshape(sum(matmul(transpose(ds, -2, -1), mv.q), {1}), k->sizes().vec());
    r.v = reshape(sum(matmul(transpose(dropped, -2, -1), go), {1}), v->sizes().vec());
    return r;
  }
  SdpaBackwardArgs a;
  static_cast<SdpaParams&>(a) = p;
  a.grad = contiguous_untracked(grad, dt);
  a.q = contiguous_untracked(q);
  a.k = contiguous_untracked(k);
  a.v = contiguous_untracked(v);
  a.out = contiguous_untracked(out);
  a.lse = lse;
  a.dq = empty(q->sizes(), dt, dev);
  a.dk = empty(k->sizes(), dt, dev);
  a.dv = empty(v->sizes(), dt, dev);
  sdpa_backward_kernel(dev, a);
  return {a.dq, a.dk, a.dv};
}

Tensor sdpa_dropout_mask(const Dims& shape, double p, ScalarType dtype) {
  PYNN_CHECK(shape.size() == 4, kOp, "expected a (B, H, L, S) shape");
  PYNN_CHECK_VALUE(p > 0 && p <= 1, kOp, "dropout probability has to be in (0, 1], but got ", p);
  SdpaParams sp;
  sp.g.heads = shape[1];
  sp.g.N = shape[0] * shape[1];
  sp.g.L = shape[2];
  sp.g.S = shape[3];
  sp.dropout.p = p;
  sp.dropout.key = default_generator().reserve(sp.dropout.draws(sp.g));
  return reshape(dropout_mask_for(sp, dtype, Device{}), shape.vec());
}

}  // namespace pynn
