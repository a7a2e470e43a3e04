#include "ops/linalg.h"

#include "autograd/functions.h"
#include "autograd/grad_mode.h"

#include <vector>

#include "core/shape.h"
#include "kernels/linalg.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(gemm_kernel, "mm");
PYNN_DEFINE_KERNEL(pack_b_kernel, "mm");
PYNN_DEFINE_KERNEL(packed_gemm_kernel, "mm");
PYNN_DEFINE_KERNEL(dot_kernel, "dot");

namespace {

// torch names C types in these messages ("float != double").
const char* ctype_name(ScalarType t) {
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

void refuse_bool(const char* op, const Tensor& a) {
  if (a->dtype() == ScalarType::Bool) throw NotImplementedError(str("[", op, "] not implemented for 'Bool'"));
}

// bool_later: matmul checks the shapes first and refuses bool in the product it picks (as torch).
void check_operands(const char* op, const Tensor& a, const Tensor& b, const char* na = "input",
                    const char* nb = "other", bool bool_later = false) {
  require_defined(op, a, na);
  require_defined(op, b, nb);
  same_device(op, a, b);
  PYNN_CHECK(a->dtype() == b->dtype(), op, "expected m1 and m2 to have the same dtype, but got: ",
             ctype_name(a->dtype()), " != ", ctype_name(b->dtype()));
  if (!bool_later) refuse_bool(op, a);
}

MatRef mat_ref(const Tensor& t) {  // 2-D or 3-D
  const Dims& s = t->strides();
  if (t->dim() == 3) return MatRef{t->data(), s[0], s[1], s[2]};
  return MatRef{t->data(), 0, s[0], s[1]};
}

std::string mat_str(const Tensor& t) {
  std::string s;
  for (int i = 0; i < t->dim(); ++i) s += (i ? "x" : "") + std::to_string(t->sizes()[i]);
  return s;
}

void check_mm_shapes(const char* op, const Tensor& a, const Tensor& b) {
  PYNN_CHECK(a->sizes()[1] == b->sizes()[0], op, "mat1 and mat2 shapes cannot be multiplied (", mat_str(a), " and ",
             mat_str(b), ")");
}

// c (contiguous, m x n or B x m x n) = alpha * a @ b + beta * c; the 16-bit floats multiply as float32 (BLAS has
// no kernel for them) and the product is rounded once.
void gemm_into(const Tensor& c, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
  if (is_reduced_float(a->dtype())) {
    Tensor wide_c = widen_reduced(c);
    gemm_into(wide_c, widen_reduced(a), widen_reduced(b), beta, alpha);
    copy_(c, wide_c);
    return;
  }
  const bool batched = a->dim() == 3;
  const int64_t batch = batched ? a->sizes()[0] : 1;
  const int64_t m = a->sizes()[batched ? 1 : 0], k = a->sizes()[batched ? 2 : 1], n = b->sizes()[batched ? 2 : 1];
  gemm_kernel(c->device(), a->dtype(), batch, m, n, k, alpha, mat_ref(a), mat_ref(b), beta, mat_ref(c));
}

Tensor mm_impl(const char* op, const Tensor& a, const Tensor& b) {
  check_mm_shapes(op, a, b);
  refuse_bool(op, a);
  Tensor c = empty(Dims{a->sizes()[0], b->sizes()[1]}, a->dtype(), a->device());
  gemm_into(c, a, b, Scalar(int64_t(0)), Scalar(int64_t(1)));
  return c;
}

void check_bmm_shapes(const char* op, const Tensor& a, const Tensor& b) {
  const Dims& sa = a->sizes();
  const Dims& sb = b->sizes();
  PYNN_CHECK(sb[0] == sa[0] && sb[1] == sa[2], op, "Expected size for first two dimensions of batch2 tensor to be: [",
             sa[0], ", ", sa[2], "] but got: [", sb[0], ", ", sb[1], "].");
}

Tensor bmm_impl(const char* op, const Tensor& a, const Tensor& b) {
  check_bmm_shapes(op, a, b);
  refuse_bool(op, a);
  Tensor c = empty(Dims{a->sizes()[0], a->sizes()[1], b->sizes()[2]}, a->dtype(), a->device());
  gemm_into(c, a, b, Scalar(int64_t(0)), Scalar(int64_t(1)));
  return c;
}

Tensor mv_impl(const char* op, const Tensor& a, const Tensor& v) {
  PYNN_CHECK(a->sizes()[1] == v->sizes()[0], op, "size mismatch, got input (", a->sizes()[0], "), mat (", mat_str(a),
             "), vec (", v->sizes()[0], ")");
  refuse_bool(op, a);
  if (is_reduced_float(a->dtype())) return to_dtype(mv_impl(op, widen_reduced(a), widen_reduced(v)), a->dtype());
  const int64_t m = a->sizes()[0], k = a->sizes()[1];
  Tensor c = empty(Dims{m}, a->dtype(), a->device());
  MatRef A = mat_ref(a);
  MatRef B{v->data(), 0, v->strides()[0], 1};
  MatRef C{c->data(), 0, 1, 1};
  gemm_kernel.at(a->device(), "mv")(a->dtype(), 1, m, 1, k, Scalar(int64_t(1)), A, B, Scalar(int64_t(0)), C);
  return c;
}

Tensor dot_impl(const char* op, const Tensor& a, const Tensor& b) {
  PYNN_CHECK(a->numel() == b->numel(), op, "inconsistent tensor size, expected tensor [", a->numel(),
             "] and src [", b->numel(), "] to have the same number of elements, but got ", a->numel(), " and ",
             b->numel(), " elements respectively");
  refuse_bool(op, a);
  if (is_reduced_float(a->dtype())) return to_dtype(dot_impl(op, widen_reduced(a), widen_reduced(b)), a->dtype());
  Tensor out = empty(Dims{}, a->dtype(), a->device());
  dot_kernel(a->device(), a->dtype(), a->numel(), a->data(), a->strides()[0], b->data(), b->strides()[0], out->data());
  return out;
}

Dims slice_dims(const Dims& d, int from, int to) {
  Dims r;
  for (int i = from; i < to; ++i) r.push_back(d[i]);
  return r;
}

}  // namespace

// Runs the forward with recording off (its internal views and copies need no graph), then records one node.
template <typename F, typename R>
Tensor recorded(const Tensor& a, const Tensor& b, F forward, R record) {
  const bool grad = autograd::needs_grad(a, b);
  Tensor out = autograd::untracked(forward);
  if (grad) record(out);
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands("mm", a, b, "input", "mat2");
  PYNN_CHECK(a->dim() == 2, "mm", "self must be a matrix");
  PYNN_CHECK(b->dim() == 2, "mm", "mat2 must be a matrix");
  return recorded(a, b, [&] { return mm_impl("mm", a, b); }, [&](const Tensor& out) { autograd::record_mm(a, b, out, false); });
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands("bmm", a, b, "input", "mat2");
  PYNN_CHECK(a->dim() == 3, "bmm", "batch1 must be a 3D tensor");
  PYNN_CHECK(b->dim() == 3, "bmm", "batch2 must be a 3D tensor");
  return recorded(a, b, [&] { return bmm_impl("bmm", a, b); }, [&](const Tensor& out) { autograd::record_mm(a, b, out, true); });
}

Tensor mv(const Tensor& a, const Tensor& v) {
  check_operands("mv", a, v, "input", "vec");
  PYNN_CHECK(a->dim() == 2 && v->dim() == 1, "mv", "vector + matrix @ vector expected, got ", a->dim(), ", ",
             v->dim());
  return recorded(a, v, [&] { return mv_impl("mv", a, v); }, [&](const Tensor& out) { autograd::record_matmul(a, v, out); });
}

Tensor dot(const Tensor& a, const Tensor& b) {
  require_defined("dot", a);
  require_defined("dot", b, "tensor");
  same_device("dot", a, b);
  PYNN_CHECK(a->dim() == 1 && b->dim() == 1, "dot", "1D tensors expected, but got ", a->dim(), "D and ", b->dim(),
             "D tensors");
  PYNN_CHECK(a->dtype() == b->dtype(), "dot", "dot : expected both vectors to have same dtype, but found ",
             type_title(a->dtype()), " and ", type_title(b->dtype()));
  if (a->dtype() == ScalarType::Bool) throw NotImplementedError("[dot] not implemented for 'Bool'");
  return recorded(a, b, [&] { return dot_impl("dot", a, b); }, [&](const Tensor& out) { autograd::record_matmul(a, b, out); });
}

Tensor outer(const Tensor& a, const Tensor& b) {
  require_defined("outer", a);
  require_defined("outer", b, "vec2");
  PYNN_CHECK(a->dim() == 1, "outer", "outer: Expected 1-D argument self, but got ", a->dim(), "-D");
  PYNN_CHECK(b->dim() == 1, "outer", "outer: Expected 1-D argument vec2, but got ", b->dim(), "-D");
  return binary(BinaryOp::Mul, unsqueeze(a, 1), unsqueeze(b, 0));
}

namespace {
Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  const char* op = "matmul";
  check_operands(op, a, b, "input", "other", /*bool_later=*/true);
  const int da = a->dim(), db = b->dim();
  PYNN_CHECK(da >= 1 && db >= 1, op, "both arguments to matmul need to be at least 1D, but they are ", da, "D and ",
             db, "D");
  if (da == 1 && db == 1) return dot_impl(op, a, b);
  if (da == 2 && db == 1) return mv_impl(op, a, b);
  if (da == 1 && db == 2) return squeeze(mm_impl(op, unsqueeze(a, 0), b), {0});
  if (da == 2 && db == 2) return mm_impl(op, a, b);

  const int64_t k = a->sizes()[da - 1];
  if (da >= 3 && db <= 2) {
    // Fold a's batch dims into rows: one big GEMM.
    const Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
    const Tensor a2 = reshape(a, {slice_dims(a->sizes(), 0, da - 1).prod(), k});
    Tensor r = mm_impl(op, a2, b2);
    Dims shape = slice_dims(a->sizes(), 0, da - 1);
    if (db == 2) shape.push_back(b->sizes()[1]);
    return make_view(r, shape, contiguous_strides(shape), r->offset());
  }

  // Batched: broadcast the batch dims, view each side as (B, rows, cols).
  const Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;
  const Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
  const int na = a2->dim(), nb = b2->dim();
  const int64_t m = a2->sizes()[na - 2], n = b2->sizes()[nb - 1];
  PYNN_CHECK(k == b2->sizes()[nb - 2], op, "Expected size for first two dimensions of batch2 tensor to be: [",
             "..., ", k, "] but got: [..., ", b2->sizes()[nb - 2], "]. (shapes ", mat_str(a), " and ", mat_str(b),
             " cannot be multiplied)");
  const Dims batch = broadcast_shapes(slice_dims(a2->sizes(), 0, na - 2), slice_dims(b2->sizes(), 0, nb - 2), op);
  const int64_t B = batch.prod();
  Dims ea = batch, eb = batch;
  ea.push_back(m);
  ea.push_back(k);
  eb.push_back(k);
  eb.push_back(n);
  const Tensor a3 = reshape(expand_to(a2, ea), {B, m, k});
  const Tensor b3 = reshape(expand_to(b2, eb), {B, k, n});
  Tensor r = bmm_impl(op, a3, b3);
  Dims shape = batch;
  if (da > 1) shape.push_back(m);
  if (db > 1) shape.push_back(n);
  return make_view(r, shape, contiguous_strides(shape), r->offset());
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  return recorded(a, b, [&] { return matmul_forward(a, b); }, [&](const Tensor& out) { autograd::record_matmul(a, b, out); });
}

namespace {
// addmm and baddbmm: c = beta * input + alpha * m1 @ m2 over matrices (rank 2) or batches of them (rank 3).
Tensor add_product(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha,
                   bool batched) {
  const char* op = batched ? "baddbmm" : "addmm";
  const char* n1 = batched ? "batch1" : "mat1";
  const char* n2 = batched ? "batch2" : "mat2";
  const int rank = batched ? 3 : 2;
  require_defined(op, input);
  same_device(op, input, m1, m2);
  check_operands(op, m1, m2, n1, n2);
  if (batched) {
    PYNN_CHECK(m1->dim() == 3, op, "batch1 must be a 3D tensor");
    PYNN_CHECK(m2->dim() == 3, op, "batch2 must be a 3D tensor");
  } else {
    PYNN_CHECK(m1->dim() == 2, op, "mat1 must be a matrix, got ", m1->dim(), "-D tensor");
    PYNN_CHECK(m2->dim() == 2, op, "mat2 must be a matrix, got ", m2->dim(), "-D tensor");
  }
  PYNN_CHECK(input->dtype() == m1->dtype(), op, "self and ", batched ? "batch1" : "mat2",
             " must have the same dtype, but got ", type_title(input->dtype()), " and ",
             type_title(batched ? m1->dtype() : m2->dtype()));
  if (batched) check_bmm_shapes(op, m1, m2);
  else check_mm_shapes(op, m1, m2);
  const Dims shape = batched ? Dims{m1->sizes()[0], m1->sizes()[1], m2->sizes()[2]}
                             : Dims{m1->sizes()[0], m2->sizes()[1]};
  PYNN_CHECK(input->dim() <= rank && broadcast_shapes(input->sizes(), shape, op) == shape, op,
             "The expanded size of the input ", input->sizes().str(), " must match the result shape ", shape.str());
  const bool grad = autograd::needs_grad({&input, &m1, &m2});
  Tensor out = autograd::untracked([&] {
    Tensor c = empty(shape, m1->dtype(), m1->device());
    const bool use_input = beta.to<double>() != 0.0;
    if (use_input && c->numel() > 0) copy_(c, input);
    gemm_into(c, m1, m2, use_input ? beta : Scalar(int64_t(0)), alpha);
    return c;
  });
  if (grad) autograd::record_addmm(input, m1, m2, out, beta, alpha, batched);
  return out;
}
}  // namespace

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  return add_product(input, m1, m2, beta, alpha, false);
}

Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  return add_product(input, b1, b2, beta, alpha, true);
}

}  // namespace pynn
