// Shared by csrc/bindings.cpp and the csrc/bindings/<family>.cpp files: type casters (dtype, device, Python numbers) and argument helpers.
// Bindings hold no logic: they convert arguments and call one op.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <initializer_list>
#include <vector>

#include "core/device.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace py = pybind11;
using TensorClass = py::class_<pynn::TensorImpl, pynn::Tensor>;

namespace pynn_py {

// The Python dtype object: one instance per ScalarType, created at import (pynn.float32 ...).
struct DType {
  pynn::ScalarType type;
};
py::object dtype_object(pynn::ScalarType t);
// The Python device object (pynn.device).
struct PyDevice {
  pynn::Device device;
};

bool is_tensor(py::handle obj);
// For error messages.
inline std::string type_name(py::handle obj) { return Py_TYPE(obj.ptr())->tp_name; }
bool is_number(py::handle obj);  // bool, int, float, numpy scalar
// A Tensor, or a Python number as a wrapped 0-dim tensor; TypeError otherwise.
pynn::Tensor to_tensor_operand(py::handle obj, const char* op);
// Accepts f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size) forms of a shape argument.
std::vector<int64_t> shape_from_args(const py::args& args, const char* op);
// Accepts an int or a sequence of ints (dim=1 or dim=(0, 1)).
std::vector<int64_t> int_list(py::handle obj, const char* op);
// Python tuple of ints, returned for .shape / .stride() (pynn.Size where available).
py::tuple to_tuple(const pynn::Dims& d);

// The GIL policy of every op binding, in one place: a call whose tensor operands hold more than
// kReleaseGilAbove elements in all runs without the GIL, so two Python threads can compute at once; below
// that, releasing and re-acquiring costs more than it frees. Convert the Python arguments first: f must not
// touch Python objects.
constexpr int64_t kReleaseGilAbove = 1 << 14;

// The elements an op call touches, counted over its tensor operands (null ones count 0).
struct Work {
  int64_t elems = 0;
  Work(const pynn::Tensor& t) : elems(t ? t->numel() : 0) {}  // NOLINT: implicit, so run_released({a, b}, f) reads
  Work(const std::vector<pynn::Tensor>& ts) {                   // NOLINT
    for (const pynn::Tensor& t : ts) elems += t ? t->numel() : 0;
  }
};

template <typename F>
auto without_gil_if(bool release, F&& f) {
  if (release) {
    py::gil_scoped_release no_gil;
    return f();
  }
  return f();
}

// A whole graph (backward, autograd.grad) always runs without the GIL; Python hooks take it back.
template <typename F>
auto without_gil(F&& f) {
  return without_gil_if(true, std::forward<F>(f));
}

// Runs f, without the GIL when the operands are big enough for that to pay.
template <typename F>
auto run_released(std::initializer_list<Work> operands, F&& f) {
  int64_t n = 0;
  for (const Work& w : operands) n += w.elems;
  return without_gil_if(n > kReleaseGilAbove, std::forward<F>(f));
}

// torch's out= keyword on a binding. None: compute() as usual. A tensor: refused while autograd would record
// (checked before computing), then it receives the result (ops' write_out: device, shape, castable dtype) and
// is what the call returns (the same Python object). Anything else: TypeError.
pynn::Tensor out_argument(py::handle out, const char* op, std::initializer_list<const pynn::Tensor*> inputs);
pynn::Tensor write_out_released(const char* op, const pynn::Tensor& out, const pynn::Tensor& result);
template <typename F>
py::object with_out(const char* op, py::handle out, std::initializer_list<const pynn::Tensor*> inputs, F&& compute) {
  if (out.is_none()) return py::cast(compute());
  const pynn::Tensor o = out_argument(out, op, inputs);
  return py::cast(write_out_released(op, o, compute()));
}
// The same for bindings whose result is a Python object: a tensor, or a (named) tuple of tensors that a tuple
// or list of as many out tensors receives (the result keeps its namedtuple type, holding the out tensors).
void check_out_object(py::handle out, const char* op, std::initializer_list<const pynn::Tensor*> inputs);
py::object write_out_object(const char* op, py::handle out, const py::object& result);
template <typename F>
py::object with_out_object(const char* op, py::handle out, std::initializer_list<const pynn::Tensor*> inputs,
                           F&& compute) {
  if (out.is_none()) return compute();
  check_out_object(out, op, inputs);
  return write_out_object(op, out, compute());
}

// A Python object owned from C++ (a hook inside an autograd node or a tensor's meta). Its owner can die
// inside a GIL-free op or backward, and a reference may only be dropped with the GIL held.
class GilSafeObject {
 public:
  explicit GilSafeObject(py::object obj) : obj_(std::move(obj)) {}
  GilSafeObject(const GilSafeObject&) = delete;
  GilSafeObject& operator=(const GilSafeObject&) = delete;
  ~GilSafeObject() {
    if (!Py_IsInitialized()) {  // at exit: leak rather than touch a finalized interpreter
      obj_.release();
      return;
    }
    py::gil_scoped_acquire gil;
    obj_ = py::object();
  }
  const py::object& get() const { return obj_; }  // call with the GIL held

 private:
  py::object obj_;
};

}  // namespace pynn_py

namespace pybind11 {
namespace detail {

// Every Tensor parameter of every binding: pybind11 lets None convert to a null holder, which the C++ side
// would dereference. Refusing it here makes None (like any non-Tensor) a TypeError for every entry point at
// once, and keeps overload resolution working. Absent optional operands are std::optional<Tensor>.
template <>
class type_caster<pynn::Tensor> : public copyable_holder_caster<pynn::TensorImpl, pynn::Tensor> {
 public:
  bool load(handle src, bool convert) {
    if (src.is_none()) return false;
    return copyable_holder_caster<pynn::TensorImpl, pynn::Tensor>::load(src, convert);
  }
};

template <>
struct type_caster<pynn::ScalarType> {
  PYBIND11_TYPE_CASTER(pynn::ScalarType, const_name("dtype"));
  bool load(handle src, bool);
  static handle cast(pynn::ScalarType t, return_value_policy, handle) {
    return pynn_py::dtype_object(t).release();
  }
};

template <>
struct type_caster<pynn::Device> {
  PYBIND11_TYPE_CASTER(pynn::Device, const_name("device"));
  bool load(handle src, bool);
  static handle cast(const pynn::Device& d, return_value_policy, handle);
};

template <>
struct type_caster<pynn::Scalar> {
  PYBIND11_TYPE_CASTER(pynn::Scalar, const_name("Number"));
  bool load(handle src, bool);
  static handle cast(const pynn::Scalar& s, return_value_policy, handle) {
    if (s.kind == pynn::Scalar::Kind::Float) return PyFloat_FromDouble(s.d);
    if (s.kind == pynn::Scalar::Kind::Int) return PyLong_FromLongLong(s.i);
    return handle(s.i ? Py_True : Py_False).inc_ref();
  }
};

}  // namespace detail
}  // namespace pybind11

// One registration function per op family, each in csrc/bindings/<family>.cpp.
void bind_tensor_core(py::module_& m, TensorClass& cls);
void bind_elementwise(py::module_& m, TensorClass& cls);
void bind_shape(py::module_& m, TensorClass& cls);
void bind_reduce(py::module_& m, TensorClass& cls);
void bind_linalg(py::module_& m, TensorClass& cls);
void bind_indexing(py::module_& m, TensorClass& cls);
void bind_autograd(py::module_& m, TensorClass& cls);
void bind_nn(py::module_& m, TensorClass& cls);
void bind_optim(py::module_& m, TensorClass& cls);
void bind_conv(py::module_& m);
void bind_norm(py::module_& m);
void bind_rnn(py::module_& m);
void bind_einsum(py::module_& m, TensorClass& cls);
void bind_lapack(py::module_& m);
void bind_search(py::module_& m, TensorClass& cls);
void bind_ctc(py::module_& m);
void bind_grad_mode(py::module_& m, TensorClass& cls);
void bind_attention(py::module_& m);
void bind_pad(py::module_& m);
void bind_resample(py::module_& m);
void bind_cuda(py::module_& m, TensorClass& cls);
