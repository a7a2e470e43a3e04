// Record functions of the LAPACK family (nodes in functions_lapack.cpp). Multi-output ops record one node per
// differentiable output, each taking that output's gradient alone (the formulas are linear in the gradients).
#pragma once
#include "autograd/node.h"

namespace pynn {
namespace autograd {

void record_inv(const Tensor& a, const Tensor& out);
void record_solve(const Tensor& a, const Tensor& b, const Tensor& x);  // x = a^-1 b, b a batch of matrices
void record_det(const Tensor& a, const Tensor& det);
void record_logabsdet(const Tensor& a, const Tensor& logabsdet);
void record_cholesky(const Tensor& a, const Tensor& l, bool upper);
void record_qr(const Tensor& a, const Tensor& q, const Tensor& r, bool q_computed, bool complete);
void record_eigh(const Tensor& a, const Tensor& l, const Tensor& v, bool vectors);
void record_svd(const Tensor& a, const Tensor& u, const Tensor& s, const Tensor& vh, bool uv_computed, bool full);

}  // namespace autograd
}  // namespace pynn
