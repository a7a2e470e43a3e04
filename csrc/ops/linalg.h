// Matrix products: check shapes and dtypes -> allocate a contiguous result -> cpu gemm/dot kernel.
// All operands of one product share a dtype (float32, float64, int32 or int64), as in torch.
#pragma once
#include "core/scalar.h"
#include "core/tensor.h"

namespace pynn {

Tensor mm(const Tensor& a, const Tensor& b);    // (m, k) @ (k, n)
Tensor bmm(const Tensor& a, const Tensor& b);   // (B, m, k) @ (B, k, n)
// torch.matmul: 1D.1D dot, 2D.1D mv, 1D.2D, 2D.2D mm, N-D batched with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
// beta * input + alpha * (m1 @ m2); input broadcasts to (m, n); beta == 0 ignores input (NaN included).
// Integral tensors truncate float beta/alpha (torch CPU behaviour).
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = Scalar(int64_t(1)),
             const Scalar& alpha = Scalar(int64_t(1)));
Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta = Scalar(int64_t(1)),
               const Scalar& alpha = Scalar(int64_t(1)));
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);    // 0-dim result
Tensor outer(const Tensor& a, const Tensor& b);  // dtypes promote (it is a broadcast multiply)

}  // namespace pynn
