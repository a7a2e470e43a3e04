#include "ops/lapack.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "autograd/functions_lapack.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "kernels/lapack.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/indexing.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(lu_factor_kernel, "linalg.lu_factor");
PYNN_DEFINE_KERNEL(lu_solve_kernel, "linalg.solve");
PYNN_DEFINE_KERNEL(ldl_factor_kernel, "linalg.ldl_factor");
PYNN_DEFINE_KERNEL(ldl_solve_kernel, "linalg.ldl_solve");
PYNN_DEFINE_KERNEL(cholesky_kernel, "linalg.cholesky");
PYNN_DEFINE_KERNEL(qr_kernel, "linalg.qr");
PYNN_DEFINE_KERNEL(eigh_kernel, "linalg.eigh");
PYNN_DEFINE_KERNEL(svd_kernel, "linalg.svd");

namespace {

void check_matrix(const char* op, const Tensor& a, const char* name = "A") {
  require_defined(op, a, name);
  PYNN_CHECK(a->dim() >= 2, op, op, ": The input tensor ", name, " must have at least 2 dimensions.");
  PYNN_CHECK(is_floating(a->dtype()), op, op, ": Expected a floating point or complex tensor as input. Got ",
             type_title(a->dtype()));
}

void check_square(const char* op, const Tensor& a, const char* name = "A") {
  check_matrix(op, a, name);
  const int d = a->dim();
  PYNN_CHECK(a->sizes()[d - 1] == a->sizes()[d - 2], op, op, ": ", name,
             " must be batches of square matrices, but they are ", a->sizes()[d - 2], " by ", a->sizes()[d - 1],
             " matrices");
}

// The operands of a solve from factors (LU, LD): square factors, a matrix B and pivots, on one device.
void check_factored_solve(const char* op, const Tensor& factors, const char* name, const Tensor& piv, const Tensor& b) {
  check_square(op, factors, name);
  check_matrix(op, b, "B");
  require_defined(op, piv, "pivots");
  same_device(op, factors, b);
  same_device(op, factors, piv);
}

Dims batch_of(const Tensor& a) {
  Dims b = a->sizes();
  b.pop_back();
  b.pop_back();
  return b;
}

Dims with_matrix(Dims batch, int64_t r, int64_t c) {
  batch.push_back(r);
  batch.push_back(c);
  return batch;
}

Dims with_vector(Dims batch, int64_t n) {
  batch.push_back(n);
  return batch;
}

// A contiguous copy the kernel may overwrite.
Tensor work_copy(const Tensor& a) {
  Tensor w = empty(a->sizes(), a->dtype(), a->device());
  if (w->numel() > 0) copy_(w, a);
  return w;
}

std::string batch_prefix(const Tensor& a, int64_t b) {
  return a->dim() > 2 ? str("(Batch element ", b, "): ") : std::string();
}

struct LU {
  Tensor lu, piv;
  std::vector<int32_t> info;
};

LU lu_factor(const Tensor& a) {
  const int64_t n = a->sizes()[a->dim() - 1];
  LU f;
  f.lu = work_copy(a);
  f.piv = empty(with_vector(batch_of(a), n), ScalarType::Int32, a->device());
  const int64_t batch = batch_of(a).prod();
  f.info.assign(static_cast<size_t>(batch), 0);
  lu_factor_kernel(a->device(), a->dtype(), batch, n, f.lu->data(), static_cast<int32_t*>(f.piv->data()), f.info.data());
  return f;
}

// x = A^-1 b for contiguous-able b (batch, n, k) matching the factors' batch.
Tensor lu_solve(const LU& f, const Tensor& b) {
  const int64_t n = b->sizes()[b->dim() - 2], k = b->sizes()[b->dim() - 1];
  Tensor x = work_copy(b);
  lu_solve_kernel(b->device(), b->dtype(), batch_of(b).prod(), n, k, f.lu->data(),
                  static_cast<const int32_t*>(f.piv->data()), x->data());
  return x;
}

Tensor identity_batch(const Dims& batch, int64_t n, ScalarType dt, Device dev) {
  Tensor eye_n = eye(n, n, dt, dev);
  return expand_to(eye_n, with_matrix(batch, n, n));
}

// The permutation's sign from getrf's pivots: -1 per row swap.
Tensor pivot_sign(const Tensor& piv, ScalarType dt) {
  const int64_t n = piv->sizes()[piv->dim() - 1];
  Tensor steps = arange(Scalar(int64_t(1)), Scalar(n + 1), Scalar(int64_t(1)), ScalarType::Int32, piv->device());
  Tensor swaps = sum(to_dtype(binary(BinaryOp::Ne, piv, steps), ScalarType::Int64), {-1});
  Tensor odd = binary(BinaryOp::Remainder, swaps, wrap_scalar(Scalar(int64_t(2))));
  return to_dtype(binary(BinaryOp::Sub, wrap_scalar(Scalar(int64_t(1))), binary(BinaryOp::Mul, odd, wrap_scalar(Scalar(int64_t(2))))), dt);
}

Tensor solve_core(const Tensor& a, const Tensor& b) {
  // a (*, n, n), b (*, n, k) with equal batch dims
  const bool grad = autograd::needs_grad(a, b);
  Tensor x = autograd::untracked([&] {
    LU f = lu_factor(a);
    for (size_t i = 0; i < f.info.size(); ++i)
      PYNN_CHECK_LINALG(f.info[i] == 0, "linalg.solve", "torch.linalg.solve: ", batch_prefix(a, static_cast<int64_t>(i)),
                 "The solver failed because the input matrix is singular.");
    return lu_solve(f, b);
  });
  if (grad) autograd::record_solve(a, b, x);
  return x;
}

}  // namespace

// The factors as tensors (square A), for pynn.linalg's LU family; untracked (Python records the gradients).
std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& a) {
  check_square("linalg.lu_factor_ex", a);
  LU f = autograd::untracked([&] { return lu_factor(a); });
  Tensor info = empty(batch_of(a), ScalarType::Int32, a->device());
  if (!f.info.empty()) std::copy(f.info.begin(), f.info.end(), static_cast<int32_t*>(info->data()));
  return {f.lu, f.piv, info};
}

Tensor lu_solve_factored(const Tensor& lu, const Tensor& piv, const Tensor& b) {
  const char* op = "linalg.lu_solve";
  check_factored_solve(op, lu, "LU", piv, b);
  const int64_t n = lu->sizes()[lu->dim() - 1];
  PYNN_CHECK(lu->dtype() == b->dtype(), op, "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type ",
             type_title(lu->dtype()), " and B of type ", type_title(b->dtype()), " instead");
  PYNN_CHECK(piv->dtype() == ScalarType::Int32, op, "linalg.lu_solve: pivots should be a Tensor of scalar type Int");
  PYNN_CHECK(piv->sizes() == with_vector(batch_of(lu), n), op,
             "linalg.lu_solve: Expected pivots of shape ", with_vector(batch_of(lu), n).str(), ", got ", piv->sizes().str());
  PYNN_CHECK(b->sizes()[b->dim() - 2] == n && batch_of(b) == batch_of(lu), op,
             "linalg.lu_solve: Incompatible shapes of LU and B: ", lu->sizes().str(), " and ", b->sizes().str());
  // getrs trusts the pivots: a row index outside [1, n] would read or write outside the matrix.
  if (piv->numel() > 0) {
    Tensor pc = contiguous(to_device(piv, Device{}));
    const int32_t* p = static_cast<const int32_t*>(pc->data());
    for (int64_t i = 0; i < pc->numel(); ++i)
      PYNN_CHECK(p[i] >= 1 && p[i] <= n, op, "linalg.lu_solve: pivots must be in [1, ", n, "], got ", p[i]);
  }
  return autograd::untracked([&] {
    LU f;
    f.lu = work_copy(lu);
    f.piv = work_copy(piv);
    return lu_solve(f, b);
  });
}

std::tuple<Tensor, Tensor, Tensor> linalg_ldl_factor_ex(const Tensor& a) {
  const char* op = "torch.linalg.ldl_factor_ex";
  check_square(op, a);
  const int64_t n = a->sizes()[a->dim() - 1];
  const int64_t batch = batch_of(a).prod();
  Tensor ld = autograd::untracked([&] { return work_copy(a); });
  Tensor piv = empty(with_vector(batch_of(a), n), ScalarType::Int32, a->device());
  Tensor info = empty(batch_of(a), ScalarType::Int32, a->device());
  std::vector<int32_t> codes(static_cast<size_t>(batch), 0);
  ldl_factor_kernel(a->device(), a->dtype(), batch, n, ld->data(), static_cast<int32_t*>(piv->data()), codes.data());
  if (!codes.empty()) std::copy(codes.begin(), codes.end(), static_cast<int32_t*>(info->data()));
  return {ld, piv, info};
}

Tensor linalg_ldl_solve(const Tensor& ld, const Tensor& piv, const Tensor& b) {
  const char* op = "torch.linalg.ldl_solve";
  check_factored_solve(op, ld, "LD", piv, b);
  const int64_t n = ld->sizes()[ld->dim() - 1];
  PYNN_CHECK(ld->dtype() == b->dtype(), op, op, ": Expected LD and B to have the same dtype, but found LD of type ",
             type_title(ld->dtype()), " and B of type ", type_title(b->dtype()), " instead");
  PYNN_CHECK(is_integral(piv->dtype(), false), op, op, ": Expected pivots to be integers. Got ",
             type_title(piv->dtype()));
  PYNN_CHECK(piv->sizes() == with_vector(batch_of(ld), n), op, op, ": Expected pivots of shape ",
             with_vector(batch_of(ld), n).str(), ", got ", piv->sizes().str());
  PYNN_CHECK(b->sizes()[b->dim() - 2] == n, op, "Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix "
             "is ", n, " by ", n, " but each b matrix is ", b->sizes()[b->dim() - 2], " by ", b->sizes()[b->dim() - 1]);
  PYNN_CHECK(batch_of(b) == batch_of(ld), op, op, ": Incompatible shapes of LD and B: ", ld->sizes().str(), " and ",
             b->sizes().str());
  return autograd::untracked([&] {
    // sytrs trusts the pivots: each in [1, n], or an equal negative pair closing a 2x2 block (lower: rows k, k+1).
    Tensor pc = contiguous(to_dtype(to_device(piv, Device{}), ScalarType::Int32));
    const int32_t* p = static_cast<const int32_t*>(pc->data());
    const int64_t batch = batch_of(ld).prod();
    for (int64_t m = 0; m < batch; ++m) {
      const int32_t* pm = p + m * n;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t v = pm[k];
        const bool pair = v < 0 && k + 1 < n && pm[k + 1] == v;
        PYNN_CHECK((v >= 1 || pair) && std::abs(v) <= n, op, op, ": pivots must be LAPACK sytrf's, in [1, ", n,
                   "] or an equal negative pair, got ", v, " at ", k);
        if (pair) ++k;
      }
    }
    Tensor x = work_copy(b);
    Tensor f = contiguous(ld);
    ldl_solve_kernel(b->device(), b->dtype(), batch, n, b->sizes()[b->dim() - 1], f->data(),
                     static_cast<const int32_t*>(to_device(pc, piv->device())->data()), x->data());
    return x;
  });
}

Tensor linalg_inv(const Tensor& a) {
  const char* op = "linalg.inv";
  check_square(op, a);
  const bool grad = autograd::needs_grad(a);
  Tensor out = autograd::untracked([&] {
    const int64_t n = a->sizes()[a->dim() - 1];
    LU f = lu_factor(a);
    for (size_t i = 0; i < f.info.size(); ++i)
      PYNN_CHECK_LINALG(f.info[i] == 0, op, op, ": ", batch_prefix(a, static_cast<int64_t>(i)), "The diagonal element ",
                 f.info[i], " is zero, the inversion could not be completed because the input matrix is singular.");
    return lu_solve(f, identity_batch(batch_of(a), n, a->dtype(), a->device()));
  });
  if (grad) autograd::record_inv(a, out);
  return out;
}

Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left) {
  const char* op = "linalg.solve";
  check_square(op, a);
  require_defined(op, b, "B");
  same_device(op, a, b);
  PYNN_CHECK(a->dtype() == b->dtype(), op, "linalg.solve: Expected A and B to have the same dtype, but found A of type ",
             type_title(a->dtype()), " and B of type ", type_title(b->dtype()), " instead");
  if (!left) {
    PYNN_CHECK(b->dim() >= 2, op, "linalg.solve: with left=False, B must be a batch of matrices");
    return transpose(linalg_solve(transpose(a, -2, -1), transpose(b, -2, -1), true), -2, -1);
  }
  const int64_t n = a->sizes()[a->dim() - 1];
  Dims abatch = batch_of(a);
  const bool vector = b->dim() == 1 || (b->dim() == a->dim() - 1 && b->sizes() == with_vector(abatch, n));
  Tensor b2 = vector ? unsqueeze(b, -1) : b;
  PYNN_CHECK(b2->dim() >= 2, op, "linalg.solve: The input tensor B must have at least 2 dimensions.");
  PYNN_CHECK(b2->sizes()[b2->dim() - 2] == n, op, "linalg.solve: Incompatible shapes of A and B for the equation AX = B (",
             a->sizes()[a->dim() - 2], "x", n, " and ", b2->sizes()[b2->dim() - 2], "x", b2->sizes()[b2->dim() - 1], ")");
  const Dims batch = broadcast_shapes(abatch, batch_of(b2), op);
  Tensor ae = expand_to(a, with_matrix(batch, n, n));
  Tensor be = expand_to(b2, with_matrix(batch, n, b2->sizes()[b2->dim() - 1]));
  Tensor x = solve_core(ae, be);
  return vector ? squeeze(x, {-1}) : x;
}

namespace {
// det and slogdet share the factorization: U's diagonal and the pivots' sign.
struct DetParts {
  Tensor diag, sign;
};
DetParts det_parts(const Tensor& a) {
  LU f = lu_factor(a);
  return DetParts{diagonal(f.lu, 0, -2, -1), pivot_sign(f.piv, a->dtype())};
}
}  // namespace

Tensor linalg_det(const Tensor& a) {
  check_square("linalg.det", a);
  const bool grad = autograd::needs_grad(a);
  Tensor out = autograd::untracked([&] {
    DetParts p = det_parts(a);
    return binary(BinaryOp::Mul, prod(p.diag, -1), p.sign);
  });
  if (grad) autograd::record_det(a, out);
  return out;
}

std::pair<Tensor, Tensor> linalg_slogdet(const Tensor& a) {
  check_square("linalg.slogdet", a);
  const bool grad = autograd::needs_grad(a);
  Tensor sign, logabs;
  autograd::untracked([&] {
    DetParts p = det_parts(a);
    sign = binary(BinaryOp::Mul, prod(unary(UnaryOp::Sign, p.diag), -1), p.sign);
    logabs = sum(unary(UnaryOp::Log, unary(UnaryOp::Abs, p.diag)), {-1});
    return 0;
  });
  if (grad) autograd::record_logabsdet(a, logabs);
  return {sign, logabs};
}

// The factor and potrf's info per matrix (0, or the order of the first leading minor that is not positive-definite,
// where the factor holds what potrf left), raising nothing: torch.linalg.cholesky_ex.
std::pair<Tensor, Tensor> linalg_cholesky_ex(const Tensor& a, bool upper) {
  check_square("linalg.cholesky", a);
  const bool grad = autograd::needs_grad(a);
  const Dims batch = batch_of(a);
  std::vector<int32_t> codes(static_cast<size_t>(batch.prod()), 0);
  Tensor l = autograd::untracked([&] {
    const int64_t n = a->sizes()[a->dim() - 1];
    Tensor w = work_copy(a);
    cholesky_kernel(a->device(), a->dtype(), static_cast<int64_t>(codes.size()), n, w->data(), upper, codes.data());
    return w;
  });
  if (grad) autograd::record_cholesky(a, l, upper);
  Tensor info = empty(batch, ScalarType::Int32, a->device());
  if (!codes.empty()) std::copy(codes.begin(), codes.end(), static_cast<int32_t*>(info->data()));
  return {l, info};
}

Tensor linalg_cholesky(const Tensor& a, bool upper) {
  const char* op = "linalg.cholesky";
  auto [l, info] = linalg_cholesky_ex(a, upper);
  const int32_t* codes = static_cast<const int32_t*>(info->data());
  for (int64_t i = 0; i < info->numel(); ++i)
    PYNN_CHECK_LINALG(codes[i] == 0, op, op, ": ", batch_prefix(a, i),
               "The factorization could not be completed because the input is not positive-definite (the leading "
               "minor of order ", codes[i], " is not positive-definite).");
  return l;
}

std::pair<Tensor, Tensor> linalg_qr(const Tensor& a, const std::string& mode) {
  const char* op = "linalg.qr";
  check_matrix(op, a);
  PYNN_CHECK(mode == "reduced" || mode == "complete" || mode == "r", op,
             "qr received unrecognized mode '", mode, "' but expected one of 'reduced' (default), 'r', or 'complete'");
  const int64_t m = a->sizes()[a->dim() - 2], n = a->sizes()[a->dim() - 1], k = std::min(m, n);
  const bool complete = mode == "complete", want_q = mode != "r";
  const int64_t qcols = complete ? m : k, rrows = complete ? m : k;
  const bool grad = autograd::needs_grad(a);
  Tensor q, r;
  autograd::untracked([&] {
    const Dims batch = batch_of(a);
    Tensor w = work_copy(a);
    Tensor tau = empty(with_vector(batch, k), a->dtype(), a->device());
    q = want_q ? empty(with_matrix(batch, m, qcols), a->dtype(), a->device()) : empty(Dims{0}, a->dtype(), a->device());
    qr_kernel(a->device(), a->dtype(), batch.prod(), m, n, w->data(), tau->data(), want_q ? q->data() : nullptr, qcols);
    // R: the upper triangle of geqrf's output (rows past m are zero in complete mode with m < n: none exist).
    r = contiguous(triu(narrow(w, -2, 0, std::min(rrows, m)), 0));
    return 0;
  });
  if (grad) autograd::record_qr(a, q, r, want_q, complete);
  return {q, r};
}

namespace {
std::pair<Tensor, Tensor> eigh_impl(const char* op, const Tensor& a, const std::string& uplo, bool vectors) {
  check_square(op, a);
  PYNN_CHECK(uplo == "L" || uplo == "U" || uplo == "l" || uplo == "u", op,
             "Expected UPLO argument to be 'L' or 'U', but got ", uplo);
  const bool grad = autograd::needs_grad(a);
  vectors = vectors || grad;  // eigvalsh's gradient needs the eigenvectors
  Tensor w, v;
  autograd::untracked([&] {
    const int64_t n = a->sizes()[a->dim() - 1];
    v = work_copy(a);
    w = empty(with_vector(batch_of(a), n), a->dtype(), a->device());
    std::vector<int32_t> info(static_cast<size_t>(batch_of(a).prod()), 0);
    eigh_kernel(a->device(), a->dtype(), static_cast<int64_t>(info.size()), n, v->data(), w->data(), vectors,
                uplo == "L" || uplo == "l", info.data());
    for (size_t i = 0; i < info.size(); ++i)
      PYNN_CHECK_LINALG(info[i] == 0, op, op, ": ", batch_prefix(a, static_cast<int64_t>(i)),
                 "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
                 "repeated eigenvalues (error code: ", info[i], ").");
    return 0;
  });
  if (grad) autograd::record_eigh(a, w, v, vectors);
  return {w, v};
}

std::tuple<Tensor, Tensor, Tensor> svd_impl(const char* op, const Tensor& a, bool full, bool compute_uv) {
  check_matrix(op, a);
  const int64_t m = a->sizes()[a->dim() - 2], n = a->sizes()[a->dim() - 1], k = std::min(m, n);
  const bool grad = autograd::needs_grad(a);
  compute_uv = compute_uv || grad;  // svdvals' gradient needs U and V
  Tensor u, s, vh;
  autograd::untracked([&] {
    const Dims batch = batch_of(a);
    Tensor w = work_copy(a);
    s = empty(with_vector(batch, k), a->dtype(), a->device());
    u = compute_uv ? empty(with_matrix(batch, m, full ? m : k), a->dtype(), a->device()) : empty(Dims{0}, a->dtype(), a->device());
    vh = compute_uv ? empty(with_matrix(batch, full ? n : k, n), a->dtype(), a->device()) : empty(Dims{0}, a->dtype(), a->device());
    std::vector<int32_t> info(static_cast<size_t>(batch.prod()), 0);
    svd_kernel(a->device(), a->dtype(), batch.prod(), m, n, w->data(), s->data(), compute_uv ? u->data() : nullptr,
               compute_uv ? vh->data() : nullptr, compute_uv, full, info.data());
    for (size_t i = 0; i < info.size(); ++i)
      PYNN_CHECK_LINALG(info[i] == 0, op, op, ": ", batch_prefix(a, static_cast<int64_t>(i)),
                 "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
                 "repeated singular values (error code: ", info[i], ").");
    return 0;
  });
  if (grad) autograd::record_svd(a, u, s, vh, compute_uv, full);
  return {u, s, vh};
}
}  // namespace

std::pair<Tensor, Tensor> linalg_eigh(const Tensor& a, const std::string& uplo) {
  return eigh_impl("linalg.eigh", a, uplo, true);
}

Tensor linalg_eigvalsh(const Tensor& a, const std::string& uplo) {
  return eigh_impl("linalg.eigvalsh", a, uplo, false).first;
}

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices) {
  return svd_impl("linalg.svd", a, full_matrices, true);
}

Tensor linalg_svdvals(const Tensor& a) { return std::get<1>(svd_impl("linalg.svdvals", a, false, false)); }

}  // namespace pynn
