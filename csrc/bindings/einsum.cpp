// einsum (equation and sublist forms), tensordot, inner, kron.
#include "bindings/bindings.h"
#include "ops/einsum.h"
#include "ops/shape.h"

#include <array>
#include <optional>
#include <string_view>

using namespace pynn;
using pynn_py::run_released;

namespace {

// torch's sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]) as an equation; ints 0..51 name letters A-Za-z.
std::string sublist_term(py::handle sub) {
  std::string s;
  for (py::handle h : sub) {
    if (h.ptr() == Py_Ellipsis) {
      s += "...";
      continue;
    }
    PYNN_CHECK_TYPE(PyLong_Check(h.ptr()), "einsum", "einsum(): expected sublist elements to be ints or Ellipsis, got ",
                    pynn_py::type_name(h));
    const int64_t v = h.cast<int64_t>();
    PYNN_CHECK_VALUE(v >= 0 && v < 52, "einsum", "einsum(): subscript in subscript list is not within the valid range [0, 52)");
    s += static_cast<char>(v < 26 ? 'A' + v : 'a' + v - 26);
  }
  return s;
}

// einsum(equation, x) that only permutes x ('ij->ji'): the permutation cached per (equation, rank), so the view
// costs what x.permute() does instead of a parse per call. Empty when the call is not of that kind.
std::optional<Tensor> einsum_cached_view(const py::args& args) {
  if (args.size() != 2 || !PyUnicode_Check(args[0].ptr())) return std::nullopt;
  py::detail::make_caster<Tensor> operand;  // one type lookup (is_tensor and then cast would make two)
  if (!operand.load(args[1], false)) return std::nullopt;
  const Tensor x = py::detail::cast_op<Tensor>(operand);
  if (!x) return std::nullopt;
  struct Plan {
    std::string equation;
    int64_t rank = -1;
    std::optional<std::vector<int64_t>> perm;
  };
  thread_local std::array<Plan, 8> plans;
  thread_local size_t next_slot = 0;
  Py_ssize_t len = 0;
  const char* eq = PyUnicode_AsUTF8AndSize(args[0].ptr(), &len);
  if (!eq) throw py::error_already_set();
  const int64_t rank = x->dim();
  const std::string_view key(eq, static_cast<size_t>(len));
  for (const Plan& p : plans)
    if (p.rank == rank && p.equation == key) {
      if (!p.perm) return std::nullopt;
      return permute(x, *p.perm);
    }
  Plan& p = plans[next_slot++ % plans.size()];
  p.perm = einsum_permutation(std::string(key), rank);  // an invalid equation raises here, before it is cached
  p.equation = std::string(key);
  p.rank = rank;
  if (!p.perm) return std::nullopt;
  return permute(x, *p.perm);
}

py::object einsum_py(py::args args) {
  if (std::optional<Tensor> view = einsum_cached_view(args)) return py::cast(std::move(*view));
  PYNN_CHECK_TYPE(args.size() >= 1, "einsum", "einsum(): must specify the equation string and at least one operand, or "
                  "at least one operand and its subscripts list");
  std::string eq;
  std::vector<Tensor> ops;
  if (py::isinstance<py::str>(args[0])) {
    eq = args[0].cast<std::string>();
    if (args.size() == 2 && !pynn_py::is_tensor(args[1]) && py::isinstance<py::sequence>(args[1])) {
      for (py::handle h : args[1]) ops.push_back(h.cast<Tensor>());
    } else {
      for (size_t i = 1; i < args.size(); ++i) {
        PYNN_CHECK_TYPE(pynn_py::is_tensor(args[i]), "einsum", "einsum(): expected Tensor operands, got ",
                        pynn_py::type_name(args[i]));
        ops.push_back(args[i].cast<Tensor>());
      }
    }
  } else {
    const size_t n = args.size();
    for (size_t i = 0; i + 1 < n; i += 2) {
      ops.push_back(args[i].cast<Tensor>());
      eq += (i ? "," : "") + sublist_term(args[i + 1]);
    }
    if (n % 2 == 1) eq += "->" + sublist_term(args[n - 1]);
  }
  std::vector<pynn_py::Work> work(ops.begin(), ops.end());
  int64_t elems = 0;
  for (const auto& w : work) elems += w.elems;
  return py::cast(pynn_py::without_gil_if(elems > pynn_py::kReleaseGilAbove, [&] { return einsum(eq, ops); }));
}

}  // namespace

void bind_einsum(py::module_& m, TensorClass& cls) {
  m.def("einsum", &einsum_py);
  m.def("tensordot", [](const Tensor& a, const Tensor& b, py::object dims) {
    if (PyLong_Check(dims.ptr())) {
      const int64_t d = dims.cast<int64_t>();
      return run_released({a, b}, [&] { return tensordot(a, b, d); });
    }
    std::vector<int64_t> da, db;
    if (pynn_py::is_tensor(dims)) {
      Tensor t = dims.cast<Tensor>();
      PYNN_CHECK(t->dim() == 0 || (t->dim() == 2 && t->sizes()[0] == 2), "tensordot",
                 "tensordot expects dims to be an int, a pair of lists or a 2 x n tensor");
      if (t->dim() == 0) {
        const int64_t d = item(t).i;
        return run_released({a, b}, [&] { return tensordot(a, b, d); });
      }
      py::list rows = py::reinterpret_steal<py::object>(PyObject_CallMethod(dims.ptr(), "tolist", nullptr));
      da = pynn_py::int_list(rows[0], "tensordot");
      db = pynn_py::int_list(rows[1], "tensordot");
    } else {
      py::sequence s = dims.cast<py::sequence>();
      PYNN_CHECK(s.size() == 2, "tensordot", "tensordot expects dims to be a pair of lists of dims, got ", s.size(), " lists");
      da = pynn_py::int_list(s[0], "tensordot");
      db = pynn_py::int_list(s[1], "tensordot");
    }
    return run_released({a, b}, [&] { return tensordot(a, b, da, db); });
  }, py::arg("a"), py::arg("b"), py::arg("dims") = 2);
  auto inner_fn = [](const Tensor& a, const Tensor& b) { return run_released({a, b}, [&] { return inner(a, b); }); };
  m.def("inner", inner_fn, py::arg("input"), py::arg("other"));
  cls.def("inner", inner_fn, py::arg("other"));
  auto kron_fn = [](const Tensor& a, const Tensor& b) { return run_released({a, b}, [&] { return kron(a, b); }); };
  m.def("kron", kron_fn, py::arg("input"), py::arg("other"));
  cls.def("kron", kron_fn, py::arg("other"));
}
