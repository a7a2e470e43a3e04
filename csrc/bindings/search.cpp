// searchsorted / bucketize, cummax / cummin (values, indices) and logcumsumexp.
#include "bindings/bindings.h"
#include "ops/elementwise.h"
#include "ops/search.h"

using namespace pynn;
using pynn_py::run_released;

namespace {
// Leaked on purpose: the namedtuple types live as long as the interpreter.
py::object* g_cummax_type = nullptr;
py::object* g_cummin_type = nullptr;

bool right_from(bool right, const std::optional<std::string>& side) {
  if (!side) return right;
  PYNN_CHECK(*side == "left" || *side == "right", "searchsorted",
             "torch.searchsorted(): side can only be 'left' or 'right' but got ", *side);
  PYNN_CHECK(!(right && *side == "left"), "searchsorted",
             "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True");
  return *side == "right";
}
}  // namespace

void bind_search(py::module_& m, TensorClass& cls) {
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  g_cummax_type = new py::object(namedtuple("cummax", py::make_tuple("values", "indices")));
  g_cummin_type = new py::object(namedtuple("cummin", py::make_tuple("values", "indices")));

  m.def("searchsorted", [](const Tensor& seq, py::handle values, bool out_int32, bool right,
                           const std::optional<std::string>& side, const std::optional<Tensor>& sorter, py::object) {
    Tensor v = pynn_py::to_tensor_operand(values, "searchsorted");
    const bool r = right_from(right, side);
    Tensor s = sorter ? *sorter : Tensor();
    return run_released({seq, v}, [&] { return searchsorted(seq, v, out_int32, r, s); });
  }, py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
     py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none(), py::arg("out") = py::none());
  m.def("bucketize", [](py::handle values, const Tensor& boundaries, bool out_int32, bool right, py::object) {
    Tensor v = pynn_py::to_tensor_operand(values, "bucketize");
    return run_released({v, boundaries}, [&] { return bucketize(v, boundaries, out_int32, right); });
  }, py::arg("input"), py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false, py::arg("right") = false,
     py::arg("out") = py::none());

  for (bool is_max : {true, false}) {
    auto fn = [is_max](const Tensor& x, int64_t dim) {
      auto r = run_released({x}, [&] { return is_max ? cummax(x, dim) : cummin(x, dim); });
      return (*(is_max ? g_cummax_type : g_cummin_type))(r.first, r.second);
    };
    const char* name = is_max ? "cummax" : "cummin";
    m.def(name, fn, py::arg("input"), py::arg("dim"));
    m.def(name, [fn, name](const Tensor& x, int64_t dim, py::handle out) {
      return pynn_py::with_out_object(name, out, {&x}, [&] { return py::object(fn(x, dim)); });
    }, py::arg("input"), py::arg("dim"), py::kw_only(), py::arg("out"));
    cls.def(name, fn, py::arg("dim"));
  }
  auto lcse = [](const Tensor& x, int64_t dim) { return run_released({x}, [&] { return logcumsumexp(x, dim); }); };
  m.def("logcumsumexp", lcse, py::arg("input"), py::arg("dim"));
  cls.def("logcumsumexp", lcse, py::arg("dim"));
}
