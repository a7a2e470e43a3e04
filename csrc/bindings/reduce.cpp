// Reductions and scans as pynn functions and Tensor methods, with torch's signatures and keyword names.
#include <cmath>
#include <limits>
#include <string>

#include "bindings/bindings.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

using namespace pynn;
using pynn_py::int_list;
using pynn_py::run_released;

namespace {

// dim=None -> {} (every dim); an int, tuple or list otherwise.
std::vector<int64_t> opt_dims(const py::object& dim, const char* op) {
  if (dim.is_none()) return {};
  return int_list(dim, op);
}

// A single int dim (a one-element sequence is accepted too).
int64_t one_dim(const py::object& dim, const char* op) {
  std::vector<int64_t> d = int_list(dim, op);
  PYNN_CHECK_TYPE(d.size() == 1, op, "argument 'dim' must be int, not a sequence of ", d.size(), " ints");
  return d[0];
}

std::optional<int64_t> opt_dim(const py::object& dim, const char* op) {
  if (dim.is_none()) return std::nullopt;
  return one_dim(dim, op);
}

// Leaked on purpose: the namedtuple types live as long as the interpreter.
py::object* g_max_type = nullptr;
py::object* g_min_type = nullptr;

// max(input) | max(input, dim, keepdim=False) -> (values, indices) | max(input, other) -> maximum
py::object extreme(bool is_max, const Tensor& x, const py::object& dim, bool keepdim, const py::object& other) {
  const char* op = is_max ? "max" : "min";
  const BinaryOp bop = is_max ? BinaryOp::Maximum : BinaryOp::Minimum;
  py::object rhs = other;
  if (rhs.is_none() && pynn_py::is_tensor(dim)) rhs = dim;
  if (!rhs.is_none()) {
    Tensor o = pynn_py::to_tensor_operand(rhs, op);
    return py::cast(run_released({x, o}, [&] { return binary(bop, x, o); }));
  }
  // dim's default is Ellipsis, so that an explicit None is refused as torch's parser does.
  PYNN_CHECK_TYPE(!dim.is_none(), op, op, "() received an invalid combination of arguments - got (NoneType)");
  if (dim.ptr() == Py_Ellipsis) {
    return py::cast(run_released({x}, [&] { return is_max ? pynn::max(x) : pynn::min(x); }));
  }
  const int64_t d = one_dim(dim, op);
  std::pair<Tensor, Tensor> r =
      run_released({x}, [&] { return is_max ? max_dim(x, d, keepdim) : min_dim(x, d, keepdim); });
  return (*(is_max ? g_max_type : g_min_type))(r.first, r.second);
}

// var/std argument forms: (dim, unbiased, keepdim), (unbiased), (dim, *, correction, keepdim).
double correction_of(py::object& dim, const py::object& unbiased, const py::object& correction, const char* op) {
  py::object unb = unbiased;
  if (PyBool_Check(dim.ptr())) {  // var(x, False): the positional bool is `unbiased`
    PYNN_CHECK_TYPE(unb.is_none(), op, "got multiple values for argument 'unbiased'");
    unb = dim;
    dim = py::none();
  }
  PYNN_CHECK(unb.is_none() || correction.is_none(), op, "Cannot pass both correction and unbiased arguments");
  if (!correction.is_none()) return correction.cast<double>();
  if (!unb.is_none()) return unb.cast<bool>() ? 1.0 : 0.0;
  return 1.0;
}

Tensor var_std(bool take_sqrt, const Tensor& x, py::object dim, const py::object& unbiased, bool keepdim,
               const py::object& correction) {
  const char* op = take_sqrt ? "std" : "var";
  const double c = correction_of(dim, unbiased, correction, op);
  const std::vector<int64_t> dims = opt_dims(dim, op);
  return run_released({x}, [&] { return take_sqrt ? pynn::std(x, dims, c, keepdim) : var(x, dims, c, keepdim); });
}

py::tuple var_std_mean(bool take_sqrt, const Tensor& x, py::object dim, const py::object& unbiased, bool keepdim,
                       const py::object& correction) {
  const char* op = take_sqrt ? "std_mean" : "var_mean";
  const double c = correction_of(dim, unbiased, correction, op);
  const std::vector<int64_t> dims = opt_dims(dim, op);
  std::pair<Tensor, Tensor> r = run_released(
      {x}, [&] { return take_sqrt ? pynn::std_mean(x, dims, c, keepdim) : var_mean(x, dims, c, keepdim); });
  return py::make_tuple(r.first, r.second);
}

// p: a number, 'fro' (= 2) or None (= 2).
double norm_p(const py::object& p) {
  if (p.is_none()) return 2.0;
  if (py::isinstance<py::str>(p)) {
    std::string s = p.cast<std::string>();
    if (s == "fro") return 2.0;
    if (s == "nuc") throw NotImplementedError("[norm] the nuclear norm (p='nuc') is not implemented");
    throw ValueError(str("[norm] invalid norm type '", s, "'"));
  }
  return p.cast<double>();
}

Tensor norm_fn(const Tensor& x, const py::object& p, const py::object& dim, bool keepdim,
               std::optional<ScalarType> dtype) {
  const double pv = norm_p(p);
  const std::vector<int64_t> dims = opt_dims(dim, "norm");
  if (py::isinstance<py::str>(p) && dims.size() > 2) {  // torch routes 'fro' over > 2 dims to matrix_norm
    std::string got;
    for (int64_t d : dims) got += " " + std::to_string(d);
    throw std::runtime_error("[norm] linalg.matrix_norm: dim must be a 2-tuple. Got" + got);
  }
  return run_released({x}, [&] { return norm(x, pv, dims, keepdim, dtype); });
}

}  // namespace

void bind_reduce(py::module_& m, TensorClass& cls) {
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  g_max_type = new py::object(namedtuple("max", py::make_tuple("values", "indices")));
  g_min_type = new py::object(namedtuple("min", py::make_tuple("values", "indices")));
  m.attr("_max_result") = *g_max_type;
  m.attr("_min_result") = *g_min_type;

  // ---- sum / mean / prod ------------------------------------------------------------------------------
  auto sum_fn = [](const Tensor& x, const py::object& dim, bool keepdim, std::optional<ScalarType> dtype) {
    std::vector<int64_t> dims = opt_dims(dim, "sum");
    return run_released({x}, [&] { return sum(x, dims, keepdim, dtype); });
  };
  m.def("sum", sum_fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none());
  m.def("sum", [sum_fn](const Tensor& x, const py::object& dim, bool keepdim, std::optional<ScalarType> dtype,
                       py::handle out) {
    return pynn_py::with_out("sum", out, {&x}, [&] { return sum_fn(x, dim, keepdim, dtype); });
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none(), py::arg("out"));
  cls.def("sum", sum_fn, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
          py::arg("dtype") = py::none());

  auto mean_fn = [](const Tensor& x, const py::object& dim, bool keepdim, std::optional<ScalarType> dtype) {
    std::vector<int64_t> dims = opt_dims(dim, "mean");
    return run_released({x}, [&] { return mean(x, dims, keepdim, dtype); });
  };
  m.def("mean", mean_fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none());
  m.def("mean", [mean_fn](const Tensor& x, const py::object& dim, bool keepdim, std::optional<ScalarType> dtype,
                       py::handle out) {
    return pynn_py::with_out("mean", out, {&x}, [&] { return mean_fn(x, dim, keepdim, dtype); });
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none(), py::arg("out"));
  cls.def("mean", mean_fn, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
          py::arg("dtype") = py::none());

  auto prod_fn = [](const Tensor& x, const py::object& dim, bool keepdim, std::optional<ScalarType> dtype) {
    std::optional<int64_t> d = opt_dim(dim, "prod");
    return run_released({x}, [&] { return prod(x, d, keepdim, dtype); });
  };
  m.def("prod", prod_fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none());
  m.def("prod", [prod_fn](const Tensor& x, const py::object& dim, bool keepdim, std::optional<ScalarType> dtype,
                       py::handle out) {
    return pynn_py::with_out("prod", out, {&x}, [&] { return prod_fn(x, dim, keepdim, dtype); });
  }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none(), py::arg("out"));
  cls.def("prod", prod_fn, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
          py::arg("dtype") = py::none());

  // ---- max / min / amax / amin / argmax / argmin -----------------------------------------------------
  for (bool is_max : {true, false}) {
    const char* name = is_max ? "max" : "min";
    auto fn = [is_max](const Tensor& x, const py::object& dim, bool keepdim, const py::object& other) {
      return extreme(is_max, x, dim, keepdim, other);
    };
    m.def(name, fn, py::arg("input"), py::arg("dim") = py::ellipsis(), py::arg("keepdim") = false,
          py::arg("other") = py::none());
    m.def(name, [fn, name](const Tensor& x, const py::object& dim, bool keepdim, const py::object& other,
                           py::handle out) {
      return pynn_py::with_out_object(name, out, {&x}, [&] { return fn(x, dim, keepdim, other); });
    }, py::arg("input"), py::arg("dim") = py::ellipsis(), py::arg("keepdim") = false, py::arg("other") = py::none(),
       py::kw_only(), py::arg("out"));
    cls.def(name, fn, py::arg("dim") = py::ellipsis(), py::arg("keepdim") = false, py::arg("other") = py::none());

    auto afn = [is_max](const Tensor& x, const py::object& dim, bool keepdim) {
      std::vector<int64_t> dims = opt_dims(dim, is_max ? "amax" : "amin");
      return run_released({x}, [&] { return is_max ? amax(x, dims, keepdim) : amin(x, dims, keepdim); });
    };
    const char* aname = is_max ? "amax" : "amin";
    m.def(aname, afn, py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
    m.def(aname, [afn, aname](const Tensor& x, const py::object& dim, bool keepdim, py::handle out) {
      return pynn_py::with_out(aname, out, {&x}, [&] { return afn(x, dim, keepdim); });
    }, py::arg("input"), py::arg("dim") = py::tuple(), py::arg("keepdim") = false, py::kw_only(), py::arg("out"));
    cls.def(aname, afn, py::arg("dim") = py::tuple(), py::arg("keepdim") = false);

    auto argfn = [is_max](const Tensor& x, const py::object& dim, bool keepdim) {
      std::optional<int64_t> d = opt_dim(dim, is_max ? "argmax" : "argmin");
      return run_released({x}, [&] { return is_max ? argmax(x, d, keepdim) : argmin(x, d, keepdim); });
    };
    const char* argname = is_max ? "argmax" : "argmin";
    m.def(argname, argfn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
    m.def(argname, [argfn, argname](const Tensor& x, const py::object& dim, bool keepdim, py::handle out) {
      return pynn_py::with_out(argname, out, {&x}, [&] { return argfn(x, dim, keepdim); });
    }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("out"));
    cls.def(argname, argfn, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }

  // ---- var / std (+ _mean) ----------------------------------------------------------------------------
  for (bool take_sqrt : {false, true}) {
    auto fn = [take_sqrt](const Tensor& x, const py::object& dim, const py::object& unbiased, bool keepdim,
                          const py::object& correction) {
      return var_std(take_sqrt, x, dim, unbiased, keepdim, correction);
    };
    const char* name = take_sqrt ? "std" : "var";
    m.def(name, fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
          py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none());
    m.def(name, [fn, name](const Tensor& x, const py::object& dim, const py::object& unbiased, bool keepdim,
                           const py::object& correction, py::handle out) {
      return pynn_py::with_out_object(name, out, {&x}, [&] { return py::cast(fn(x, dim, unbiased, keepdim, correction)); });
    }, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false,
       py::kw_only(), py::arg("correction") = py::none(), py::arg("out"));
    cls.def(name, fn, py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false,
            py::kw_only(), py::arg("correction") = py::none());
    auto fn_mean = [take_sqrt](const Tensor& x, const py::object& dim, const py::object& unbiased, bool keepdim,
                               const py::object& correction) {
      return var_std_mean(take_sqrt, x, dim, unbiased, keepdim, correction);
    };
    m.def(take_sqrt ? "std_mean" : "var_mean", fn_mean, py::arg("input"), py::arg("dim") = py::none(),
          py::arg("unbiased") = py::none(), py::arg("keepdim") = false, py::kw_only(),
          py::arg("correction") = py::none());
  }

  // ---- norm / logsumexp -------------------------------------------------------------------------------
  m.def("norm", &norm_fn, py::arg("input"), py::arg("p") = "fro", py::arg("dim") = py::none(),
        py::arg("keepdim") = false, py::arg("dtype") = py::none());
  m.def("norm", [](const Tensor& x, const py::object& p, const py::object& dim, bool keepdim,
                    std::optional<ScalarType> dtype, py::handle out) {
    return pynn_py::with_out("norm", out, {&x}, [&] { return norm_fn(x, p, dim, keepdim, dtype); });
  }, py::arg("input"), py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false,
     py::arg("dtype") = py::none(), py::kw_only(), py::arg("out"));
  cls.def("norm", &norm_fn, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false,
          py::arg("dtype") = py::none());

  auto lse_fn = [](const Tensor& x, const py::object& dim, bool keepdim) {
    std::vector<int64_t> dims = int_list(dim, "logsumexp");
    return run_released({x}, [&] { return logsumexp(x, dims, keepdim); });
  };
  m.def("logsumexp", lse_fn, py::arg("input"), py::arg("dim"), py::arg("keepdim") = false);
  m.def("logsumexp", [lse_fn](const Tensor& x, const py::object& dim, bool keepdim, py::handle out) {
    return pynn_py::with_out("logsumexp", out, {&x}, [&] { return lse_fn(x, dim, keepdim); });
  }, py::arg("input"), py::arg("dim"), py::arg("keepdim") = false, py::kw_only(), py::arg("out"));
  cls.def("logsumexp", lse_fn, py::arg("dim"), py::arg("keepdim") = false);

  // ---- all / any --------------------------------------------------------------------------------------
  for (bool is_all : {true, false}) {
    auto fn = [is_all](const Tensor& x, const py::object& dim, bool keepdim) {
      std::vector<int64_t> dims = opt_dims(dim, is_all ? "all" : "any");
      return run_released({x}, [&] { return is_all ? all(x, dims, keepdim) : any(x, dims, keepdim); });
    };
    const char* name = is_all ? "all" : "any";
    m.def(name, fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false);
    m.def(name, [fn, name](const Tensor& x, const py::object& dim, bool keepdim, py::handle out) {
      return pynn_py::with_out(name, out, {&x}, [&] { return fn(x, dim, keepdim); });
    }, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("out"));
    cls.def(name, fn, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }

  // ---- cumsum / cumprod -------------------------------------------------------------------------------
  for (bool is_prod : {false, true}) {
    auto fn = [is_prod](const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
      return run_released({x}, [&] { return is_prod ? cumprod(x, dim, dtype) : cumsum(x, dim, dtype); });
    };
    const char* name = is_prod ? "cumprod" : "cumsum";
    m.def(name, fn, py::arg("input"), py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
    m.def(name, [fn, name](const Tensor& x, int64_t dim, std::optional<ScalarType> dtype, py::handle out) {
      return pynn_py::with_out(name, out, {&x}, [&] { return fn(x, dim, dtype); });
    }, py::arg("input"), py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("out"));
    cls.def(name, fn, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  }
}
