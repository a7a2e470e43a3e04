// torch.linalg factorizations and solvers on the LAPACK kernels (float32/float64, any batch dims).
// Each op runs the kernel on a contiguous copy, turns LAPACK's info into torch's error and records its backward
// (autograd/functions_lapack.cpp), whose formulas call these same ops, so higher-order gradients follow.
#pragma once
#include <string>
#include <tuple>
#include <utility>

#include "core/tensor.h"

namespace pynn {

Tensor linalg_inv(const Tensor& a);
// Square A -> (packed LU, 1-based pivots int32, getrf's info int32 per matrix); untracked.
std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& a);
// x = A^-1 b from linalg_lu_factor_ex's factors (b: (*, n, k) with the factors' batch); untracked.
Tensor lu_solve_factored(const Tensor& lu, const Tensor& piv, const Tensor& b);
// Symmetric A (its lower triangle read) -> (compact LD, sytrf's pivots int32, info int32 per matrix); not
// differentiable (torch has no derivative either: pynn/linalg.py refuses the backward).
std::tuple<Tensor, Tensor, Tensor> linalg_ldl_factor_ex(const Tensor& a);
// x = A^-1 b from linalg_ldl_factor_ex's factors (b: (*, n, k) with the factors' batch); pivots are checked.
Tensor linalg_ldl_solve(const Tensor& ld, const Tensor& piv, const Tensor& b);
Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left = true);
Tensor linalg_det(const Tensor& a);
std::pair<Tensor, Tensor> linalg_slogdet(const Tensor& a);  // (sign, logabsdet)
Tensor linalg_cholesky(const Tensor& a, bool upper = false);
std::pair<Tensor, Tensor> linalg_cholesky_ex(const Tensor& a, bool upper = false);
std::pair<Tensor, Tensor> linalg_qr(const Tensor& a, const std::string& mode = "reduced");
std::pair<Tensor, Tensor> linalg_eigh(const Tensor& a, const std::string& uplo = "L");
Tensor linalg_eigvalsh(const Tensor& a, const std::string& uplo = "L");
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices = true);
Tensor linalg_svdvals(const Tensor& a);

}  // namespace pynn
