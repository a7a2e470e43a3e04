// The pynn._C module: dtype and device objects, the Tensor class and its core surface.
// Op families register themselves from csrc/bindings/<family>.cpp.
#include "bindings/bindings.h"

#include <pybind11/numpy.h>

#include "autograd/node.h"
#include "core/allocator.h"
#include "core/dispatch.h"
#include "core/parallel.h"
#include "core/random.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape.h"

using namespace pynn;
using pynn_py::run_released;

namespace pynn_py {
namespace {
// Plain handles, deliberately never released: static py::objects would be destroyed after the
// interpreter has finalized and crash the process at exit.
PyObject* g_dtypes[kNumScalarTypes] = {};
PyObject* g_size_type = nullptr;  // pynn.Size, set by the Python layer
}  // namespace

py::object dtype_object(ScalarType t) { return py::reinterpret_borrow<py::object>(g_dtypes[static_cast<int>(t)]); }

bool is_tensor(py::handle obj) { return py::isinstance<TensorImpl>(obj); }

bool is_number(py::handle obj) {
  if (PyBool_Check(obj.ptr()) || PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr())) return true;
  // numpy scalars: np.float32(1), np.int64(2), np.bool_(True)
  return py::hasattr(obj, "dtype") && py::hasattr(obj, "item") && !is_tensor(obj) && py::getattr(obj, "ndim", py::int_(1)).cast<int>() == 0;
}

Tensor to_tensor_operand(py::handle obj, const char* op) {
  if (is_tensor(obj)) return obj.cast<Tensor>();
  if (is_number(obj)) return wrap_scalar(obj.cast<Scalar>());
  throw TypeError(str("[", op, "] expected a Tensor or a number, got ", type_name(obj)));
}

Tensor out_argument(py::handle out, const char* op, std::initializer_list<const Tensor*> inputs) {
  PYNN_CHECK_TYPE(is_tensor(out), op, op, "(): argument 'out' must be Tensor, not ", type_name(out));
  Tensor o = out.cast<Tensor>();
  check_out_autograd(op, o, inputs);
  return o;
}

Tensor write_out_released(const char* op, const Tensor& out, const Tensor& result) {
  if (out->sizes() != result->sizes() && out->numel() != 0) {
    const std::string msg = str(
        "An output with one or more elements was resized since it had shape ", out->sizes().str(),
        ", which does not match the required output shape ", result->sizes().str(), ". This behavior is deprecated, "
        "and in a future PyTorch release outputs will not be resized unless they have zero elements. You can "
        "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).");
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  }
  return run_released({out, result}, [&] { return pynn::write_out(op, out, result); });
}

void check_out_object(py::handle out, const char* op, std::initializer_list<const Tensor*> inputs) {
  if (!PyTuple_Check(out.ptr()) && !PyList_Check(out.ptr())) {
    out_argument(out, op, inputs);
    return;
  }
  for (py::handle o : out) out_argument(o, op, inputs);
}

py::object write_out_object(const char* op, py::handle out, const py::object& result) {
  if (!PyTuple_Check(result.ptr())) return py::cast(write_out_released(op, out_argument(out, op, {}), result.cast<Tensor>()));
  const py::tuple results = py::reinterpret_borrow<py::tuple>(result);
  PYNN_CHECK_TYPE((PyTuple_Check(out.ptr()) || PyList_Check(out.ptr())) && py::len(out) == results.size(), op, op,
                  "(): argument 'out' must be a tuple of ", results.size(), " Tensors");
  py::list outs;
  for (size_t i = 0; i < results.size(); ++i) {
    py::handle o = py::reinterpret_borrow<py::sequence>(out)[i];
    outs.append(py::cast(write_out_released(op, out_argument(o, op, {}), results[i].cast<Tensor>())));
  }
  if (Py_TYPE(result.ptr()) == &PyTuple_Type) return py::tuple(outs);
  return py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(Py_TYPE(result.ptr())))(*outs);
}

std::vector<int64_t> int_list(py::handle obj, const char* op) {
  if (PyLong_Check(obj.ptr())) return {obj.cast<int64_t>()};
  if (is_tensor(obj)) {
    Tensor t = obj.cast<Tensor>();
    PYNN_CHECK_TYPE(is_integral(t->dtype(), false) && t->numel() == 1, op, "expected an int, got a tensor");
    return {item(t).i};
  }
  PYNN_CHECK_TYPE(py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj), op,
                  "expected an int or a sequence of ints, got ", type_name(obj));
  std::vector<int64_t> out;
  for (py::handle h : obj) {
    PYNN_CHECK_TYPE(PyLong_Check(h.ptr()) || py::hasattr(h, "__index__"), op, "expected a sequence of ints, got an element of type ",
                    type_name(h));
    out.push_back(py::int_(py::reinterpret_borrow<py::object>(h)).cast<int64_t>());
  }
  return out;
}

std::vector<int64_t> shape_from_args(const py::args& args, const char* op) {
  // x.view() is no 0-d view: torch's parser wants the size argument.
  if (args.size() == 0) throw TypeError(str(op, "() missing 1 required positional arguments: \"size\""));
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return int_list(args[0], op);
  std::vector<int64_t> out;
  for (py::handle h : args) {
    PYNN_CHECK_TYPE(PyLong_Check(h.ptr()) || py::hasattr(h, "__index__"), op, "expected ints for the size, got ",
                    type_name(h));
    out.push_back(py::int_(py::reinterpret_borrow<py::object>(h)).cast<int64_t>());
  }
  return out;
}

py::tuple to_tuple(const Dims& d) {
  py::tuple t(d.size());
  for (int i = 0; i < d.size(); ++i) t[i] = py::int_(d[i]);
  if (g_size_type) return py::reinterpret_borrow<py::object>(g_size_type)(t);
  return t;
}

}  // namespace pynn_py

namespace pybind11 {
namespace detail {

bool type_caster<ScalarType>::load(handle src, bool) {
  if (isinstance<pynn_py::DType>(src)) {
    value = src.cast<pynn_py::DType&>().type;
    return true;
  }
  // Python's own types, as torch accepts them: float -> float64, int -> int64, bool -> bool.
  if (src.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) { value = ScalarType::Float64; return true; }
  if (src.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) { value = ScalarType::Int64; return true; }
  if (src.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) { value = ScalarType::Bool; return true; }
  return false;
}

bool type_caster<Device>::load(handle src, bool) {
  if (isinstance<pynn_py::PyDevice>(src)) {
    value = src.cast<pynn_py::PyDevice&>().device;
    return true;
  }
  if (isinstance<str>(src)) {
    value = parse_device(src.cast<std::string>());
    return true;
  }
  if (PyLong_Check(src.ptr())) {  // an int means that CUDA device, as in torch
    value = Device{DeviceType::CUDA, src.cast<int>()};
    return true;
  }
  return false;
}

handle type_caster<Device>::cast(const Device& d, return_value_policy, handle) {
  return pybind11::cast(pynn_py::PyDevice{d}).release();
}

bool type_caster<Scalar>::load(handle src, bool) {
  PyObject* o = src.ptr();
  if (PyBool_Check(o)) { value = Scalar(o == Py_True); return true; }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw std::overflow_error("int too big to convert");  // OverflowError, torch's text
    value = Scalar(static_cast<int64_t>(v));
    return true;
  }
  if (PyFloat_Check(o)) { value = Scalar(PyFloat_AS_DOUBLE(o)); return true; }
  if (pynn_py::is_number(src)) {  // numpy scalar
    std::string kind = src.attr("dtype").attr("kind").cast<std::string>();
    object py = src.attr("item")();
    if (kind == "b") value = Scalar(py.cast<bool>());
    else if (kind == "i" || kind == "u") value = Scalar(py.cast<int64_t>());
    else value = Scalar(py.cast<double>());
    return true;
  }
  return false;
}

}  // namespace detail
}  // namespace pybind11

namespace {

ScalarType from_numpy_dtype(const py::dtype& dt) {
  char kind = dt.kind();
  int size = static_cast<int>(dt.itemsize());
  if (kind == 'f' && size == 4) return ScalarType::Float32;
  if (kind == 'f' && size == 8) return ScalarType::Float64;
  if (kind == 'i' && size == 8) return ScalarType::Int64;
  if (kind == 'i' && size == 4) return ScalarType::Int32;
  if (kind == 'f' && size == 2) return ScalarType::Float16;
  if (kind == 'b') return ScalarType::Bool;
  // torch would keep uint8/int16/int8 as they are; pynn has no such dtype, and converting
  // silently would change the values' type behind the caller's back.
  throw TypeError(str("[from_numpy] can't convert np.ndarray of type numpy.", std::string(py::str(dt)),
                      ": pynn does not support this dtype. The only supported types are: float64, float32, float16, "
                      "int64, int32, and bool."));
}

const char* numpy_format(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "?";
    case ScalarType::Int32: return "i";
    case ScalarType::Int64: return "q";
    case ScalarType::Float32: return "f";
    case ScalarType::Float64: return "d";
    case ScalarType::Float16: return "e";
    case ScalarType::BFloat16: break;  // numpy has no bfloat16: to_numpy refuses it first
  }
  return "f";
}

// torch shares a read-only array too, and says so; the Python warnings filter decides how often.
void warn_not_writable() {
  if (PyErr_WarnEx(PyExc_UserWarning,
                   "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This "
                   "means writing to this tensor will result in undefined behavior. You may want to copy the array to "
                   "protect its data or make it writable before converting it to a tensor.",
                   1) != 0)
    throw py::error_already_set();  // warnings turned into errors
}

// Shares the array's memory; the storage keeps the array alive and drops it with the GIL held.
Tensor from_numpy(py::array arr) {
  ScalarType dt = from_numpy_dtype(arr.dtype());
  PYNN_CHECK_VALUE(arr.dtype().attr("isnative").cast<bool>(), "from_numpy",
                   "given numpy array has byte order different from the native byte order. Conversion between byte "
                   "orders is currently not supported.");
  if (!arr.writeable()) warn_not_writable();
  int nd = static_cast<int>(arr.ndim());
  PYNN_CHECK(nd <= kMaxDims, "from_numpy", "arrays with more than ", kMaxDims, " dimensions are not supported");
  int64_t isz = static_cast<int64_t>(itemsize(dt));
  Dims sizes(nd), strides(nd);
  for (int i = 0; i < nd; ++i) {
    sizes[i] = arr.shape(i);
    int64_t sb = arr.strides(i);
    PYNN_CHECK(sb >= 0, "from_numpy", "At least one stride in the given numpy array is negative, and tensors with negative "
               "strides are not currently supported. (You can probably work around this by making a copy of your array "
               " with array.copy().)");
    PYNN_CHECK(sb % isz == 0, "from_numpy", "given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.");
    strides[i] = sb / isz;
  }
  int64_t elems = required_storage_elems(sizes, strides, 0);
  PyObject* owner = arr.ptr();
  Py_INCREF(owner);
  auto storage = Storage::wrap(const_cast<void*>(arr.data()), static_cast<size_t>(elems * isz), [owner](void*) {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    Py_DECREF(owner);
  });
  return std::make_shared<TensorImpl>(std::move(storage), sizes, strides, 0, dt);
}

py::array to_numpy(const Tensor& t) {
  PYNN_CHECK_TYPE(t->device().is_cpu(), "numpy", "can't convert ", t->device().str(),
                  " device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.");
  PYNN_CHECK_TYPE(t->dtype() != ScalarType::BFloat16, "numpy", "Got unsupported ScalarType BFloat16");
  std::vector<py::ssize_t> shape(t->sizes().begin(), t->sizes().end());
  std::vector<py::ssize_t> strides;
  // An empty tensor's strides may be huge (zeros(0, 2**62)); numpy reads no element, so they are 0 there.
  const bool empty = t->numel() == 0;
  for (int64_t s : t->strides()) strides.push_back(empty ? 0 : s * static_cast<int64_t>(t->itemsize()));
  // The capsule owns a reference to the storage, so the array outlives the tensor safely.
  auto* keep = new std::shared_ptr<Storage>(t->storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(py::dtype(numpy_format(t->dtype())), shape, strides, t->data(), base);
}

}  // namespace

void bind_tensor_core(py::module_& m, TensorClass& cls) {
  cls.def_property_readonly("shape", [](const Tensor& t) { return pynn_py::to_tuple(t->sizes()); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
             if (dim.is_none()) return pynn_py::to_tuple(t->sizes());
             return py::int_(t->size(dim.cast<int64_t>()));
           }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
             if (dim.is_none()) {
               py::tuple r(t->dim());
               for (int i = 0; i < t->dim(); ++i) r[i] = py::int_(t->strides()[i]);
               return r;
             }
             return py::int_(t->stride(dim.cast<int64_t>()));
           }, py::arg("dim") = py::none())
      .def("dim", [](const Tensor& t) { return t->dim(); })
      .def("ndimension", [](const Tensor& t) { return t->dim(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t->dim(); })
      .def("numel", [](const Tensor& t) { return t->numel(); })
      .def("nelement", [](const Tensor& t) { return t->numel(); })
      .def("element_size", [](const Tensor& t) { return t->itemsize(); })
      .def_property_readonly("itemsize", [](const Tensor& t) { return t->itemsize(); })
      .def_property_readonly("nbytes", [](const Tensor& t) { return t->numel() * static_cast<int64_t>(t->itemsize()); })
      .def_property_readonly("dtype", [](const Tensor& t) { return t->dtype(); })
      .def_property_readonly("device", [](const Tensor& t) { return t->device(); })
      .def_property_readonly("is_cuda", [](const Tensor& t) { return !t->device().is_cpu(); })
      .def_property_readonly("is_cpu", [](const Tensor& t) { return t->device().is_cpu(); })
      .def("storage_offset", [](const Tensor& t) { return t->offset(); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<intptr_t>(t->data()); })
      .def("_storage_ptr", [](const Tensor& t) { return reinterpret_cast<intptr_t>(t->storage()->data); })
      .def("_version_counter", [](const Tensor& t) { return t->version(); })
      .def_property_readonly("_version", [](const Tensor& t) { return t->version(); })
      .def("is_contiguous", [](const Tensor& t, py::object) { return t->is_contiguous(); }, py::arg("memory_format") = py::none())
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t->dtype()); })
      .def("is_complex", [](const Tensor&) { return false; })
      .def("item", [](const Tensor& t) {
        PYNN_CHECK(t->numel() == 1, "item", "a Tensor with ", t->numel(), " elements cannot be converted to Scalar");
        return item(t);
      })
      .def("numpy", [](const Tensor& t, bool force) {
             // An array shares the memory but not the graph: writes through it would be invisible to autograd.
             PYNN_CHECK(force || !autograd::requires_grad(t), "numpy",
                        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
             // force=True copies a device tensor to the host first, as torch's.
             return to_numpy(force && !t->device().is_cpu() ? to_device(t, Device{}) : t);
           }, py::arg("force") = false)
      .def("__len__", [](const Tensor& t) {
        if (t->dim() == 0) throw TypeError("len() of a 0-d tensor");
        return t->sizes()[0];
      })
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("__bool__", [](const Tensor& t) {
        PYNN_CHECK(t->numel() == 1, "bool", "Boolean value of Tensor with more than one value is ambiguous");
        return item(t).to<bool>();
      })
      .def("__float__", [](const Tensor& t) {
        PYNN_CHECK(t->numel() == 1, "float", "only one element tensors can be converted to Python scalars");
        return item(t).d;
      })
      .def("__int__", [](const Tensor& t) {
        PYNN_CHECK(t->numel() == 1, "int", "only one element tensors can be converted to Python scalars");
        Scalar s = item(t);
        // Python's own float -> int: NaN raises ValueError, inf OverflowError, big values stay exact (as torch).
        PyObject* r = s.is_float() ? PyLong_FromDouble(s.d) : PyLong_FromLongLong(s.i);
        if (!r) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(r);
      })
      .def("__index__", [](const Tensor& t) {
        PYNN_CHECK_TYPE(is_integral(t->dtype(), true) && t->numel() == 1, "index",
                        "only integer tensors of a single element can be converted to an index");
        return item(t).i;
      })
      .def("contiguous", [](const Tensor& t, py::object) { return run_released({t}, [&] { return contiguous(t); }); },
           py::arg("memory_format") = py::none())
      .def("clone", [](const Tensor& t, py::object) { return run_released({t}, [&] { return clone(t); }); },
           py::arg("memory_format") = py::none())
      .def("_to_dtype", [](const Tensor& t, ScalarType dt, bool copy) { return run_released({t}, [&] { return to_dtype(t, dt, copy); }); })
      .def("copy_", [](const Tensor& t, const Tensor& src, bool) {
             run_released({t, src}, [&] { copy_(t, src); });
             return t;
           }, py::arg("src"), py::arg("non_blocking") = false)
      .def("fill_", [](const Tensor& t, py::handle v) {
        if (pynn_py::is_tensor(v)) {
          Tensor vt = v.cast<Tensor>();
          PYNN_CHECK(vt->dim() == 0, "fill_", "fill_ only supports 0-dimension value tensor but got tensor with ", vt->dim(), " dimensions.");
          Scalar s = item(vt);
          run_released({t}, [&] { fill_(t, s); });
        } else {
          Scalar s = v.cast<Scalar>();
          run_released({t}, [&] { fill_(t, s); });
        }
        return t;
      })
      .def("zero_", [](const Tensor& t) { run_released({t}, [&] { fill_(t, Scalar(int64_t(0))); }); return t; })
      .def("uniform_", [](const Tensor& t, double a, double b, py::object) { run_released({t}, [&] { uniform_(t, a, b); }); return t; },
           py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("normal_", [](const Tensor& t, double mean, double std, py::object) { run_released({t}, [&] { normal_(t, mean, std); }); return t; },
           py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("bernoulli_", [](const Tensor& t, double p, py::object) { run_released({t}, [&] { bernoulli_(t, p); }); return t; },
           py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none());

  m.def("from_numpy", &from_numpy);
  // Factories make their tensor on `device` (default cpu); the C++ factories hold the logic.
  const auto dev = py::arg("device") = Device{};
  m.def("_empty", [](const std::vector<int64_t>& shape, ScalarType dt, Device d) { return empty_factory(Dims(shape), dt, d); },
        py::arg("shape"), py::arg("dtype"), dev);
  m.def("_full", [](const std::vector<int64_t>& shape, Scalar v, ScalarType dt, Device d) { return full(Dims(shape), v, dt, d); },
        py::arg("shape"), py::arg("value"), py::arg("dtype"), dev);
  m.def("_arange", [](Scalar s, Scalar e, Scalar st, std::optional<ScalarType> dt, Device d) { return arange(s, e, st, dt, d); },
        py::arg("start"), py::arg("end"), py::arg("step"), py::arg("dtype"), dev);
  m.def("_linspace", [](double s, double e, int64_t n, ScalarType dt, Device d) { return linspace(s, e, n, dt, d); },
        py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("dtype"), dev);
  m.def("_eye", [](int64_t n, int64_t k, ScalarType dt, Device d) { return eye(n, k, dt, d); }, py::arg("n"),
        py::arg("m"), py::arg("dtype"), dev);
  m.def("_rand", [](const std::vector<int64_t>& shape, ScalarType dt, Device d) { return rand(Dims(shape), dt, d); },
        py::arg("shape"), py::arg("dtype"), dev);
  m.def("_randn", [](const std::vector<int64_t>& shape, ScalarType dt, Device d) { return randn(Dims(shape), dt, d); },
        py::arg("shape"), py::arg("dtype"), dev);
  m.def("_randint", [](int64_t lo, int64_t hi, const std::vector<int64_t>& shape, ScalarType dt, Device d) {
    return randint(lo, hi, Dims(shape), dt, d);
  }, py::arg("low"), py::arg("high"), py::arg("shape"), py::arg("dtype"), dev);
  m.def("_randperm", [](int64_t n, ScalarType dt, Device d) { return randperm(n, dt, d); }, py::arg("n"),
        py::arg("dtype"), dev);
  m.def("manual_seed", [](int64_t seed) { default_generator().manual_seed(static_cast<uint64_t>(seed)); });
  m.def("initial_seed", [] { return default_generator().initial_seed(); });
  m.def("set_num_threads", [](int n) {
    PYNN_CHECK(n > 0, "set_num_threads", "Number of threads must be positive, got ", n);
    set_num_threads(n);
  });
  m.def("get_num_threads", [] { return get_num_threads(); });
  m.def("_get_default_dtype", [] { return pynn_py::dtype_object(default_float()); });
  m.def("_set_default_dtype", [](ScalarType t) { set_default_float(t); }, py::arg("d"));
  m.def("_cpu_capability", [] { return capability_name(cpu_capability()); });  // "default", "avx2", "avx512"
  // Outputs of kernels touching more than this are written with streaming stores (cpu/vec/stream.h).
  m.def("_cpu_last_level_cache_bytes", [] { return cpu_last_level_cache_bytes(); });
  m.def("_empty_cache", [] { cpu_empty_cache(); });
  m.def("_cached_bytes", [] { return cpu_cached_bytes(); });
  m.def("_set_size_type", [](py::object t) { pynn_py::g_size_type = t.release().ptr(); });
  // pynn/_out.py's out= for the functions written in Python: the same checks and copy as the C++ bindings'.
  m.def("_write_out", [](const Tensor& result, py::handle out, const std::string& op) {
    return pynn_py::write_out_released(op.c_str(), pynn_py::out_argument(out, op.c_str(), {}), result);
  });
  m.def("_is_wrapped_number", [](const Tensor& t) { return t->is_wrapped_number; });
}

PYBIND11_MODULE(_C, m) {
  m.doc() = "pynn C++ core";
  py::register_exception<IndexError>(m, "_IndexError", PyExc_IndexError);
  // torch._C._LinAlgError, which torch.linalg exposes as LinAlgError. Created once; the module keeps a reference.
  static PyObject* lin_alg_error = PyErr_NewException("pynn._C._LinAlgError", PyExc_RuntimeError, nullptr);
  m.attr("_LinAlgError") = py::handle(lin_alg_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const LinAlgError& e) {
      PyErr_SetString(lin_alg_error, e.what());
    } catch (const IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());  // a RuntimeError subclass, as torch raises
    } catch (const py::cast_error& e) {  // a Python object of the wrong type met obj.cast<T>(): torch's TypeError
      PyErr_SetString(PyExc_TypeError, e.what());
    }
  });

  py::class_<pynn_py::DType>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const pynn_py::DType& d) { return is_floating(d.type); })
      .def_property_readonly("is_complex", [](const pynn_py::DType&) { return false; })
      .def_property_readonly("is_signed", [](const pynn_py::DType& d) { return d.type != ScalarType::Bool; })
      .def_property_readonly("itemsize", [](const pynn_py::DType& d) { return itemsize(d.type); })
      .def("__repr__", [](const pynn_py::DType& d) { return std::string("pynn.") + dtype_name(d.type); })
      .def("__reduce__", [](const pynn_py::DType& d) { return py::str(dtype_name(d.type)); });
  for (int i = 0; i < kNumScalarTypes; ++i) {
    ScalarType t = static_cast<ScalarType>(i);
    pynn_py::g_dtypes[i] = py::cast(pynn_py::DType{t}).release().ptr();
    m.attr(dtype_name(t)) = pynn_py::dtype_object(t);
  }

  py::class_<pynn_py::PyDevice>(m, "device")
      .def(py::init([](py::object spec, py::object index) {
             Device d = spec.cast<Device>();
             if (!index.is_none()) d.index = index.cast<int>();
             return pynn_py::PyDevice{d};
           }), py::arg("type"), py::arg("index") = py::none())
      .def_property_readonly("type", [](const pynn_py::PyDevice& d) { return d.device.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](const pynn_py::PyDevice& d) -> py::object {
        return d.device.index < 0 ? py::object(py::none()) : py::object(py::int_(d.device.index));
      })
      .def("__eq__", [](const pynn_py::PyDevice& a, py::object b) {
        if (py::isinstance<pynn_py::PyDevice>(b)) return a.device == b.cast<pynn_py::PyDevice&>().device;
        if (py::isinstance<py::str>(b)) return a.device == parse_device(b.cast<std::string>());
        return false;
      })
      .def("__hash__", [](const pynn_py::PyDevice& d) { return static_cast<int>(d.device.type) * 1000 + d.device.index; })
      .def("__str__", [](const pynn_py::PyDevice& d) { return d.device.str(); })
      .def("__repr__", [](const pynn_py::PyDevice& d) {
        std::string s = std::string("device(type='") + (d.device.is_cpu() ? "cpu" : "cuda") + "'";
        if (d.device.index >= 0) s += ", index=" + std::to_string(d.device.index);
        return s + ")";
      });

  TensorClass cls(m, "Tensor", py::dynamic_attr());
  bind_tensor_core(m, cls);
  bind_elementwise(m, cls);
  bind_shape(m, cls);
  bind_reduce(m, cls);
  bind_linalg(m, cls);
  bind_indexing(m, cls);
  bind_autograd(m, cls);
  bind_nn(m, cls);
  bind_optim(m, cls);
  bind_conv(m);
  bind_norm(m);
  bind_rnn(m);
  bind_einsum(m, cls);
  bind_lapack(m);
  bind_search(m, cls);
  bind_ctc(m);
  bind_grad_mode(m, cls);
  bind_attention(m);
  bind_pad(m);
  bind_resample(m);
  bind_cuda(m, cls);

#ifdef PYNN_WITH_CUDA
  m.attr("_cuda_compiled") = true;
#else
  m.attr("_cuda_compiled") = false;
#endif
}
