// View ops as pynn functions and Tensor methods; both f(2, 3) and f((2, 3)) forms are accepted.
#include "bindings/bindings.h"
#include "ops/shape.h"

using namespace pynn;
using pynn_py::int_list;
using pynn_py::shape_from_args;

void bind_shape(py::module_& m, TensorClass& cls) {
  cls.def("view", [](const Tensor& x, py::args args) -> py::object {
    if (args.size() == 1 && (py::isinstance<pynn_py::DType>(args[0]) || PyType_Check(args[0].ptr())))
      throw TypeError("[view] view(dtype) is not supported; use .to(dtype)");
    return py::cast(view(x, shape_from_args(args, "view")));
  });
  cls.def("reshape", [](const Tensor& x, py::args args) { return reshape(x, shape_from_args(args, "reshape")); });
  m.def("reshape", [](const Tensor& x, py::handle shape) { return reshape(x, int_list(shape, "reshape")); },
        py::arg("input"), py::arg("shape"));
  cls.def("view_as", [](const Tensor& x, const Tensor& other) { return view(x, other->sizes().vec()); });
  cls.def("reshape_as", [](const Tensor& x, const Tensor& other) { return reshape(x, other->sizes().vec()); });
  cls.def("expand", [](const Tensor& x, py::args args) { return expand(x, shape_from_args(args, "expand")); });
  cls.def("expand_as", [](const Tensor& x, const Tensor& other) { return expand(x, other->sizes().vec()); });
  m.def("broadcast_to", [](const Tensor& x, py::handle shape) { return expand(x, int_list(shape, "broadcast_to")); });
  cls.def("broadcast_to", [](const Tensor& x, py::handle shape) { return expand(x, int_list(shape, "broadcast_to")); });
  cls.def("permute", [](const Tensor& x, py::args args) { return permute(x, shape_from_args(args, "permute")); });
  m.def("permute", [](const Tensor& x, py::handle dims) { return permute(x, int_list(dims, "permute")); },
        py::arg("input"), py::arg("dims"));
  for (const char* name : {"transpose", "swapaxes", "swapdims"}) {
    m.def(name, [](const Tensor& x, int64_t a, int64_t b) { return transpose(x, a, b); }, py::arg("input"), py::arg("dim0"), py::arg("dim1"));
    cls.def(name, [](const Tensor& x, int64_t a, int64_t b) { return transpose(x, a, b); }, py::arg("dim0"), py::arg("dim1"));
  }
  m.def("t", [](const Tensor& x) { return t(x); });
  cls.def("t", [](const Tensor& x) { return t(x); });
  cls.def_property_readonly("T", [](const Tensor& x) {
    std::vector<int64_t> dims;
    for (int i = x->dim() - 1; i >= 0; --i) dims.push_back(i);
    return permute(x, dims);
  });
  cls.def_property_readonly("mT", [](const Tensor& x) {
    PYNN_CHECK(x->dim() >= 2, "mT", "tensor.mT is only supported on matrices or batches of matrices. Got ", x->dim(), "-D tensor.");
    return transpose(x, -2, -1);
  });
  auto squeeze_fn = [](const Tensor& x, py::handle dim) {
    if (dim.is_none()) return squeeze(x);
    return squeeze(x, int_list(dim, "squeeze"));
  };
  m.def("squeeze", squeeze_fn, py::arg("input"), py::arg("dim") = py::none());
  cls.def("squeeze", squeeze_fn, py::arg("dim") = py::none());
  m.def("unsqueeze", [](const Tensor& x, int64_t d) { return unsqueeze(x, d); }, py::arg("input"), py::arg("dim"));
  cls.def("unsqueeze", [](const Tensor& x, int64_t d) { return unsqueeze(x, d); }, py::arg("dim"));
  m.def("flatten", [](const Tensor& x, int64_t s, int64_t e) { return flatten(x, s, e); }, py::arg("input"),
        py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  cls.def("flatten", [](const Tensor& x, int64_t s, int64_t e) { return flatten(x, s, e); }, py::arg("start_dim") = 0,
          py::arg("end_dim") = -1);
  m.def("unflatten", [](const Tensor& x, int64_t d, py::handle sizes) { return unflatten(x, d, int_list(sizes, "unflatten")); },
        py::arg("input"), py::arg("dim"), py::arg("sizes"));
  cls.def("unflatten", [](const Tensor& x, int64_t d, py::handle sizes) { return unflatten(x, d, int_list(sizes, "unflatten")); },
          py::arg("dim"), py::arg("sizes"));
  m.def("narrow", [](const Tensor& x, int64_t d, int64_t s, int64_t l) { return narrow(x, d, s, l); }, py::arg("input"),
        py::arg("dim"), py::arg("start"), py::arg("length"));
  cls.def("narrow", [](const Tensor& x, int64_t d, int64_t s, int64_t l) { return narrow(x, d, s, l); }, py::arg("dim"),
          py::arg("start"), py::arg("length"));
  m.def("select", [](const Tensor& x, int64_t d, int64_t i) { return select(x, d, i); }, py::arg("input"), py::arg("dim"), py::arg("index"));
  cls.def("select", [](const Tensor& x, int64_t d, int64_t i) { return select(x, d, i); }, py::arg("dim"), py::arg("index"));
  m.def("diagonal", [](const Tensor& x, int64_t o, int64_t a, int64_t b) { return diagonal(x, o, a, b); }, py::arg("input"),
        py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  cls.def("diagonal", [](const Tensor& x, int64_t o, int64_t a, int64_t b) { return diagonal(x, o, a, b); },
          py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  cls.def("unfold", [](const Tensor& x, int64_t d, int64_t size, int64_t step) { return unfold(x, d, size, step); },
          py::arg("dimension"), py::arg("size"), py::arg("step"));
  m.def("_resize_", [](py::object self, py::handle sizes, py::handle strides) {
    const Tensor x = self.cast<Tensor>();
    std::optional<Dims> st;
    if (!strides.is_none()) st = Dims(int_list(strides, "resize_"));
    resize_(x, Dims(int_list(sizes, "resize_")), st);
    return self;
  });
  auto as_strided_fn = [](const Tensor& x, py::handle size, py::handle stride, int64_t offset) {
    return as_strided(x, Dims(int_list(size, "as_strided")), Dims(int_list(stride, "as_strided")), offset);
  };
  m.def("as_strided", [as_strided_fn](const Tensor& x, py::handle size, py::handle stride, py::object off) {
    return as_strided_fn(x, size, stride, off.is_none() ? x->offset() : off.cast<int64_t>());
  }, py::arg("input"), py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  cls.def("as_strided", [as_strided_fn](const Tensor& x, py::handle size, py::handle stride, py::object off) {
    return as_strided_fn(x, size, stride, off.is_none() ? x->offset() : off.cast<int64_t>());
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  m.def("_alias", [](const Tensor& x) { return alias(x); });
}
