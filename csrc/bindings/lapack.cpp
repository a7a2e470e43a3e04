// The LAPACK family as private pynn._C functions; pynn/linalg.py gives them torch's names and result tuples.
#include "bindings/bindings.h"
#include "ops/lapack.h"

using namespace pynn;
using pynn_py::run_released;

void bind_lapack(py::module_& m) {
  m.def("_linalg_inv", [](const Tensor& a) { return run_released({a}, [&] { return linalg_inv(a); }); });
  m.def("_linalg_solve", [](const Tensor& a, const Tensor& b, bool left) {
    return run_released({a, b}, [&] { return linalg_solve(a, b, left); });
  });
  m.def("_linalg_ldl_factor_ex", [](const Tensor& a) { return run_released({a}, [&] { return linalg_ldl_factor_ex(a); }); });
  m.def("_linalg_ldl_solve", [](const Tensor& ld, const Tensor& piv, const Tensor& b) {
    return run_released({ld, piv, b}, [&] { return linalg_ldl_solve(ld, piv, b); });
  });
  m.def("_linalg_lu_factor_ex", [](const Tensor& a) { return run_released({a}, [&] { return linalg_lu_factor_ex(a); }); });
  m.def("_lu_solve_factored", [](const Tensor& lu, const Tensor& piv, const Tensor& b) {
    return run_released({lu, piv, b}, [&] { return lu_solve_factored(lu, piv, b); });
  });
  m.def("_linalg_det", [](const Tensor& a) { return run_released({a}, [&] { return linalg_det(a); }); });
  m.def("_linalg_slogdet", [](const Tensor& a) { return run_released({a}, [&] { return linalg_slogdet(a); }); });
  m.def("_linalg_cholesky", [](const Tensor& a, bool upper) {
    return run_released({a}, [&] { return linalg_cholesky(a, upper); });
  });
  m.def("_linalg_cholesky_ex", [](const Tensor& a, bool upper) {
    return run_released({a}, [&] { return linalg_cholesky_ex(a, upper); });
  });
  m.def("_linalg_qr", [](const Tensor& a, const std::string& mode) {
    return run_released({a}, [&] { return linalg_qr(a, mode); });
  });
  m.def("_linalg_eigh", [](const Tensor& a, const std::string& uplo) {
    return run_released({a}, [&] { return linalg_eigh(a, uplo); });
  });
  m.def("_linalg_eigvalsh", [](const Tensor& a, const std::string& uplo) {
    return run_released({a}, [&] { return linalg_eigvalsh(a, uplo); });
  });
  m.def("_linalg_svd", [](const Tensor& a, bool full) { return run_released({a}, [&] { return linalg_svd(a, full); }); });
  m.def("_linalg_svdvals", [](const Tensor& a) { return run_released({a}, [&] { return linalg_svdvals(a); }); });
}
