// Matrix products as pynn functions, Tensor methods and the @ operator.
#include "bindings/bindings.h"
#include "ops/linalg.h"

using namespace pynn;
using pynn_py::run_released;

namespace {

py::object matmul_operator(const Tensor& self, py::handle other, bool reflected) {
  if (!pynn_py::is_tensor(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  Tensor o = other.cast<Tensor>();
  return py::cast(run_released({self, o}, [&] { return reflected ? matmul(o, self) : matmul(self, o); }));
}

}  // namespace

void bind_linalg(py::module_& m, TensorClass& cls) {
  auto mm_fn = [](const Tensor& a, const Tensor& b) { return run_released({a, b}, [&] { return mm(a, b); }); };
  m.def("mm", mm_fn, py::arg("input"), py::arg("mat2"));
  m.def("mm", [mm_fn](const Tensor& a, const Tensor& b, py::handle out) {
    return pynn_py::with_out("mm", out, {&a, &b}, [&] { return mm_fn(a, b); });
  }, py::arg("input"), py::arg("mat2"), py::kw_only(), py::arg("out"));
  cls.def("mm", mm_fn, py::arg("mat2"));

  auto bmm_fn = [](const Tensor& a, const Tensor& b) { return run_released({a, b}, [&] { return bmm(a, b); }); };
  m.def("bmm", bmm_fn, py::arg("input"), py::arg("mat2"));
  m.def("bmm", [bmm_fn](const Tensor& a, const Tensor& b, py::handle out) {
    return pynn_py::with_out("bmm", out, {&a, &b}, [&] { return bmm_fn(a, b); });
  }, py::arg("input"), py::arg("mat2"), py::kw_only(), py::arg("out"));
  cls.def("bmm", bmm_fn, py::arg("mat2"));

  auto matmul_fn = [](const Tensor& a, const Tensor& b) { return run_released({a, b}, [&] { return matmul(a, b); }); };
  m.def("matmul", matmul_fn, py::arg("input"), py::arg("other"));
  m.def("matmul", [matmul_fn](const Tensor& a, const Tensor& b, py::handle out) {
    return pynn_py::with_out("matmul", out, {&a, &b}, [&] { return matmul_fn(a, b); });
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out"));
  cls.def("matmul", matmul_fn, py::arg("other"));
  cls.def("__matmul__", [](const Tensor& self, py::handle other) { return matmul_operator(self, other, false); });
  cls.def("__rmatmul__", [](const Tensor& self, py::handle other) { return matmul_operator(self, other, true); });

  auto addmm_fn = [](const Tensor& c, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
    return run_released({c, a, b}, [&] { return addmm(c, a, b, beta, alpha); });
  };
  m.def("addmm", addmm_fn, py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1,
        py::arg("alpha") = 1);
  m.def("addmm", [addmm_fn](const Tensor& c, const Tensor& a, const Tensor& b, const Scalar& beta,
                            const Scalar& alpha, py::handle out) {
    return pynn_py::with_out("addmm", out, {&c, &a, &b}, [&] { return addmm_fn(c, a, b, beta, alpha); });
  }, py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1,
     py::arg("out"));
  cls.def("addmm", addmm_fn, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1,
          py::arg("alpha") = 1);

  auto baddbmm_fn = [](const Tensor& c, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
    return run_released({c, a, b}, [&] { return baddbmm(c, a, b, beta, alpha); });
  };
  m.def("baddbmm", baddbmm_fn, py::arg("input"), py::arg("batch1"), py::arg("batch2"), py::kw_only(),
        py::arg("beta") = 1, py::arg("alpha") = 1);
  m.def("baddbmm", [baddbmm_fn](const Tensor& c, const Tensor& a, const Tensor& b, const Scalar& beta,
                                const Scalar& alpha, py::handle out) {
    return pynn_py::with_out("baddbmm", out, {&c, &a, &b}, [&] { return baddbmm_fn(c, a, b, beta, alpha); });
  }, py::arg("input"), py::arg("batch1"), py::arg("batch2"), py::kw_only(), py::arg("beta") = 1,
     py::arg("alpha") = 1, py::arg("out"));
  cls.def("baddbmm", baddbmm_fn, py::arg("batch1"), py::arg("batch2"), py::kw_only(), py::arg("beta") = 1,
          py::arg("alpha") = 1);

  auto mv_fn = [](const Tensor& a, const Tensor& v) { return run_released({a, v}, [&] { return mv(a, v); }); };
  m.def("mv", mv_fn, py::arg("input"), py::arg("vec"));
  m.def("mv", [mv_fn](const Tensor& a, const Tensor& v, py::handle out) {
    return pynn_py::with_out("mv", out, {&a, &v}, [&] { return mv_fn(a, v); });
  }, py::arg("input"), py::arg("vec"), py::kw_only(), py::arg("out"));
  cls.def("mv", mv_fn, py::arg("vec"));

  auto dot_fn = [](const Tensor& a, const Tensor& b) { return run_released({a, b}, [&] { return dot(a, b); }); };
  m.def("dot", dot_fn, py::arg("input"), py::arg("tensor"));
  m.def("dot", [dot_fn](const Tensor& a, const Tensor& b, py::handle out) {
    return pynn_py::with_out("dot", out, {&a, &b}, [&] { return dot_fn(a, b); });
  }, py::arg("input"), py::arg("tensor"), py::kw_only(), py::arg("out"));
  cls.def("dot", dot_fn, py::arg("tensor"));

  auto outer_fn = [](const Tensor& a, const Tensor& b) {
    return run_released({a, b}, [&] { return outer(a, b); });
  };
  for (const char* name : {"outer", "ger"}) {
    m.def(name, outer_fn, py::arg("input"), py::arg("vec2"));
    cls.def(name, outer_fn, py::arg("vec2"));
  }
}
