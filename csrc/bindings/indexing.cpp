// Indexing family: __getitem__/__setitem__, cat/stack/split, gather/scatter, masks, sort/topk, one_hot.
// Parsing of Python indices lives here; all semantics live in csrc/ops/indexing.cpp.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "bindings/bindings.h"
#include "core/error.h"
#include "core/shape.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/shape.h"

using namespace pynn;
using pynn_py::int_list;
using pynn_py::is_number;
using pynn_py::is_tensor;
using pynn_py::without_gil_if;

namespace {

using pynn_py::type_name;

bool is_numpy_bool(py::handle o) {
  const char* n = Py_TYPE(o.ptr())->tp_name;
  return std::strcmp(n, "numpy.bool_") == 0 || std::strcmp(n, "numpy.bool") == 0;
}
bool is_ndarray(py::handle o) { return std::strcmp(Py_TYPE(o.ptr())->tp_name, "numpy.ndarray") == 0; }
bool is_sequence(py::handle o) { return PyList_Check(o.ptr()) || PyTuple_Check(o.ptr()); }

int64_t as_index_int(py::handle o) {
  py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o.ptr()));
  if (!i) throw py::error_already_set();
  return i.cast<int64_t>();
}

std::optional<int64_t> opt_index(py::handle o) {
  if (o.is_none()) return std::nullopt;
  if (is_tensor(o)) return item(o.cast<Tensor>()).i;
  return as_index_int(o);
}

// Nested Python sequence of ints / bools -> int64 or bool tensor (x[[0, 2]], x[[True, False]]).
struct SeqCollector {
  std::vector<int64_t> shape;
  std::vector<int64_t> values;
  bool all_bool = true;
  bool any = false;

  void visit(py::handle o, size_t depth) {
    if (is_sequence(o)) {
      py::sequence s = py::reinterpret_borrow<py::sequence>(o);
      const int64_t n = static_cast<int64_t>(py::len(s));
      if (shape.size() <= depth) {
        PYNN_CHECK_INDEX(!any || depth == 0, "index", "setting an array element with a sequence");
        shape.push_back(n);
      } else {
        PYNN_CHECK_INDEX(shape[depth] == n, "index", "expected sequence of length ", shape[depth], " at dim ", depth,
                         " (got ", n, ")");
      }
      for (py::handle e : s) visit(e, depth + 1);
      return;
    }
    PYNN_CHECK_INDEX(depth == shape.size(), "index", "expected a sequence at dim ", depth);
    any = true;
    if (PyBool_Check(o.ptr()) || is_numpy_bool(o)) {
      values.push_back(py::cast<bool>(o) ? 1 : 0);
    } else if (PyLong_Check(o.ptr()) || (PyIndex_Check(o.ptr()) && !is_tensor(o))) {
      all_bool = false;
      values.push_back(as_index_int(o));
    } else if (is_tensor(o) && o.cast<Tensor>()->numel() == 1 && o.cast<Tensor>()->dim() == 0 &&
               is_integral(o.cast<Tensor>()->dtype(), false)) {
      all_bool = false;
      values.push_back(item(o.cast<Tensor>()).i);
    } else {
      throw IndexError("[index] tensors used as indices must be long, int or bool tensors");
    }
  }

  Tensor make() const {
    Dims sizes(shape);
    const bool as_bool = all_bool && any;
    Tensor t = empty(sizes, as_bool ? ScalarType::Bool : ScalarType::Int64, Device{});  // filled on the host
    if (as_bool) {
      bool* p = t->data_ptr<bool>();
      for (size_t i = 0; i < values.size(); ++i) p[i] = values[i] != 0;
    } else {
      int64_t* p = t->data_ptr<int64_t>();
      for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
    }
    return t;
  }
};

Tensor sequence_to_index_tensor(py::handle o) {
  SeqCollector c;
  c.visit(o, 0);
  return c.make();
}

TensorIndex parse_item(py::handle o) {
  if (o.is_none()) return TensorIndex::none();
  if (o.ptr() == Py_Ellipsis) return TensorIndex::ellipsis();
  if (PyBool_Check(o.ptr())) return TensorIndex::from_bool(o.ptr() == Py_True);
  if (is_tensor(o)) return TensorIndex::from_tensor(o.cast<Tensor>());
  if (PySlice_Check(o.ptr())) {
    std::optional<int64_t> start = opt_index(o.attr("start")), stop = opt_index(o.attr("stop"));
    std::optional<int64_t> step = opt_index(o.attr("step"));
    PYNN_CHECK_VALUE(!step || *step != 0, "index", "slice step cannot be zero");
    return TensorIndex::from_slice(start, stop, step ? *step : 1);
  }
  if (is_ndarray(o)) return TensorIndex::from_tensor(sequence_to_index_tensor(o.attr("tolist")()));
  if (PyLong_Check(o.ptr()) || PyIndex_Check(o.ptr())) return TensorIndex::from_int(as_index_int(o));
  if (is_sequence(o)) return TensorIndex::from_tensor(sequence_to_index_tensor(o));
  if (!PyFloat_Check(o.ptr()) && !is_number(o))  // torch tries to build a tensor from it and fails with a TypeError
    throw TypeError(str("[index] invalid index of type ", type_name(o)));
  throw IndexError(str("[index] only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                       "valid indices (got ", type_name(o), ")"));
}

// torch (legacy numpy rule): a short list holding slices, None, Ellipsis, tensors or sequences is a tuple.
bool list_is_tuple(py::handle o) {
  if (!PyList_Check(o.ptr())) return false;
  py::list l = py::reinterpret_borrow<py::list>(o);
  if (py::len(l) >= 32) return false;
  for (py::handle e : l)
    if (e.is_none() || e.ptr() == Py_Ellipsis || PySlice_Check(e.ptr()) || is_tensor(e) || is_sequence(e))
      return true;
  return false;
}

std::vector<TensorIndex> parse_index(py::handle o) {
  std::vector<TensorIndex> out;
  if (PyTuple_Check(o.ptr()) || list_is_tuple(o)) {
    for (py::handle e : o) out.push_back(parse_item(e));
  } else {
    out.push_back(parse_item(o));
  }
  return out;
}

Tensor value_tensor(py::handle v, const Tensor& like, const char* op) {
  if (is_tensor(v)) return v.cast<Tensor>();
  if (is_number(v)) return scalar_tensor(v.cast<Scalar>(), like->dtype());
  throw TypeError(str("[", op, "] can't assign a ", type_name(v), " to a Tensor; expected a number or a Tensor"));
}

py::tuple to_py_tuple(const std::vector<Tensor>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::cast(v[i]);
  return t;
}

bool big(const Tensor& t) { return t->numel() > pynn_py::kReleaseGilAbove; }

std::vector<Tensor> split_any(const Tensor& x, py::handle s, int64_t dim) {
  if (PyLong_Check(s.ptr()) || (PyIndex_Check(s.ptr()) && !is_tensor(s) && !is_ndarray(s)))
    return split(x, as_index_int(s), dim);
  return split_with_sizes(x, int_list(s, "split"), dim);
}

std::vector<int64_t> dims_from_args(const py::args& args, const py::kwargs& kwargs, const char* op) {
  if (kwargs && kwargs.contains("dims")) {
    PYNN_CHECK_TYPE(args.size() == 0, op, "got multiple values for argument 'dims'");
    return int_list(kwargs["dims"], op);
  }
  PYNN_CHECK_TYPE(args.size() > 0, op, "missing 1 required positional argument: 'dims'");
  if (args.size() == 1) return int_list(args[0], op);
  std::vector<int64_t> out;
  for (py::handle h : args) out.push_back(as_index_int(h));
  return out;
}

// index_put's indices: a non-empty sequence of tensors, as torch's parser takes them (None is refused there).
std::vector<Tensor> optional_tensors(py::handle seq) {
  std::vector<Tensor> out;
  PYNN_CHECK_TYPE(py::isinstance<py::sequence>(seq) && !is_tensor(seq), "index_put_",
                  "index_put_(): argument 'indices' must be tuple of Tensors, not ", type_name(seq));
  for (py::handle h : seq) {
    PYNN_CHECK_TYPE(is_tensor(h), "index_put_", "expected Tensor as element ", out.size(),
                    " in argument 0, but got ", type_name(h));
    out.push_back(h.cast<Tensor>());
  }
  PYNN_CHECK(!out.empty(), "index_put_", "index_put_(): indices must not be empty");
  return out;
}

std::vector<int64_t> opt_int_list(py::handle h, const char* op) {
  if (h.is_none()) return {};
  return int_list(h, op);
}

}  // namespace

void bind_indexing(py::module_& m, TensorClass& cls) {
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  // Leaked on purpose: these live as long as the interpreter.
  static py::object* topk_type = new py::object(namedtuple("topk", py::make_tuple("values", "indices")));
  static py::object* sort_type = new py::object(namedtuple("sort", py::make_tuple("values", "indices")));
  m.attr("_topk_result") = *topk_type;
  m.attr("_sort_result") = *sort_type;

  // ---- indexing --------------------------------------------------------------------------------------
  cls.def("__getitem__", [](const Tensor& x, py::handle idx) {
    std::vector<TensorIndex> parsed = parse_index(idx);
    return without_gil_if(big(x), [&] { return index(x, parsed); });
  });
  cls.def("__setitem__", [](const Tensor& x, py::handle idx, py::handle value) {
    std::vector<TensorIndex> parsed = parse_index(idx);
    Tensor v = value_tensor(value, x, "__setitem__");
    without_gil_if(big(x), [&] { index_put_(x, parsed, v); });
  });
  cls.def("index_put_", [](const Tensor& x, py::handle indices, const Tensor& values, bool accumulate) {
    index_put_tensors_(x, optional_tensors(indices), values, accumulate);
    return x;
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  cls.def("index_put", [](const Tensor& x, py::handle indices, const Tensor& values, bool accumulate) {
    return index_put(x, optional_tensors(indices), values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);

  // ---- cat / stack / split ----------------------------------------------------------------------------
  auto cat_fn = [](const std::vector<Tensor>& ts, int64_t dim) {
    int64_t n = 0;
    for (const Tensor& t : ts)
      if (t) n += t->numel();
    return without_gil_if(n > pynn_py::kReleaseGilAbove, [&] { return cat(ts, dim); });
  };
  // out= for the joins: every input is checked against autograd, then out receives the result.
  auto join_out = [](const char* op, const std::vector<Tensor>& ts, py::handle out, auto&& compute) {
    if (out.is_none()) return py::cast(compute());
    const Tensor o = pynn_py::out_argument(out, op, {});
    for (const Tensor& t : ts) check_out_autograd(op, o, {&t});
    return py::cast(pynn_py::write_out_released(op, o, compute()));
  };
  for (const char* name : {"cat", "concat", "concatenate"}) {
    m.def(name, cat_fn, py::arg("tensors"), py::arg("dim") = 0);
    m.def(name, [cat_fn, join_out](const std::vector<Tensor>& ts, int64_t dim, py::handle out) {
      return join_out("cat", ts, out, [&] { return cat_fn(ts, dim); });
    }, py::arg("tensors"), py::arg("dim") = 0, py::kw_only(), py::arg("out"));
  }
  m.def("stack", [](const std::vector<Tensor>& ts, int64_t dim) { return stack(ts, dim); }, py::arg("tensors"),
        py::arg("dim") = 0);
  m.def("stack", [join_out](const std::vector<Tensor>& ts, int64_t dim, py::handle out) {
    return join_out("stack", ts, out, [&] { return stack(ts, dim); });
  }, py::arg("tensors"), py::arg("dim") = 0, py::kw_only(), py::arg("out"));
  m.def("split", [](const Tensor& x, py::handle s, int64_t dim) { return to_py_tuple(split_any(x, s, dim)); },
        py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  cls.def("split", [](const Tensor& x, py::handle s, int64_t dim) { return to_py_tuple(split_any(x, s, dim)); },
          py::arg("split_size"), py::arg("dim") = 0);
  m.def("chunk", [](const Tensor& x, int64_t c, int64_t dim) { return to_py_tuple(chunk(x, c, dim)); },
        py::arg("input"), py::arg("chunks"), py::arg("dim") = 0);
  cls.def("chunk", [](const Tensor& x, int64_t c, int64_t dim) { return to_py_tuple(chunk(x, c, dim)); },
          py::arg("chunks"), py::arg("dim") = 0);
  m.def("unbind", [](const Tensor& x, int64_t dim) { return to_py_tuple(unbind(x, dim)); }, py::arg("input"),
        py::arg("dim") = 0);
  cls.def("unbind", [](const Tensor& x, int64_t dim) { return to_py_tuple(unbind(x, dim)); }, py::arg("dim") = 0);
  cls.def("repeat", [](const Tensor& x, py::args args) {
    std::vector<int64_t> reps = pynn_py::shape_from_args(args, "repeat");
    return without_gil_if(big(x), [&] { return repeat(x, reps); });
  });

  // ---- flip / roll / tril / triu -------------------------------------------------------------------
  m.def("flip", [](const Tensor& x, py::handle dims) { return flip(x, int_list(dims, "flip")); }, py::arg("input"),
        py::arg("dims"));
  cls.def("flip", [](const Tensor& x, py::args args, py::kwargs kwargs) {
    return flip(x, dims_from_args(args, kwargs, "flip"));
  });
  m.def("fliplr", [](const Tensor& x) { return flip(x, {1}); });
  m.def("flipud", [](const Tensor& x) { return flip(x, {0}); });
  auto roll_fn = [](const Tensor& x, py::handle shifts, py::handle dims) {
    return roll(x, int_list(shifts, "roll"), opt_int_list(dims, "roll"));
  };
  m.def("roll", roll_fn, py::arg("input"), py::arg("shifts"), py::arg("dims") = py::none());
  cls.def("roll", roll_fn, py::arg("shifts"), py::arg("dims") = py::none());
  m.def("tril", [](const Tensor& x, int64_t d) { return tril(x, d); }, py::arg("input"), py::arg("diagonal") = 0);
  m.def("triu", [](const Tensor& x, int64_t d) { return triu(x, d); }, py::arg("input"), py::arg("diagonal") = 0);
  cls.def("tril", [](const Tensor& x, int64_t d) { return tril(x, d); }, py::arg("diagonal") = 0);
  cls.def("triu", [](const Tensor& x, int64_t d) { return triu(x, d); }, py::arg("diagonal") = 0);
  cls.def("tril_", [](const Tensor& x, int64_t d) { tril_(x, d); return x; }, py::arg("diagonal") = 0);
  cls.def("triu_", [](const Tensor& x, int64_t d) { triu_(x, d); return x; }, py::arg("diagonal") = 0);

  // ---- gather / scatter / index_select ---------------------------------------------------------------
  auto gather_fn = [](const Tensor& x, int64_t dim, const Tensor& index, bool) {
    return without_gil_if(big(index), [&] { return gather(x, dim, index); });
  };
  m.def("gather", gather_fn, py::arg("input"), py::arg("dim"), py::arg("index"), py::kw_only(),
        py::arg("sparse_grad") = false);
  cls.def("gather", gather_fn, py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad") = false);
  m.def("take_along_dim", &pynn::take_along_dim, py::arg("input"), py::arg("indices"), py::arg("dim") = py::none());
  cls.def("take_along_dim", &pynn::take_along_dim, py::arg("indices"), py::arg("dim") = py::none());

  // scatter(dim, index, src) / scatter(dim, index, value=...) ; src may also be a number positionally.
  auto scatter_fn = [](const Tensor& x, int64_t dim, const Tensor& index, py::object src, py::object value,
                       py::object reduce, bool inplace) -> Tensor {
    PYNN_CHECK(reduce.is_none(), inplace ? "scatter_" : "scatter", "the reduce argument is not supported");
    if (src.is_none() && value.is_none())
      throw TypeError(str("[", inplace ? "scatter_" : "scatter", "] missing argument 'src' or 'value'"));
    py::object v = src.is_none() ? value : src;
    if (is_tensor(v)) {
      Tensor s = v.cast<Tensor>();
      if (inplace) {
        scatter_(x, dim, index, s);
        return x;
      }
      return scatter(x, dim, index, s);
    }
    Scalar sc = v.cast<Scalar>();
    if (inplace) {
      scatter_(x, dim, index, sc);
      return x;
    }
    return scatter(x, dim, index, sc);
  };
  m.def("scatter", [scatter_fn](const Tensor& x, int64_t dim, const Tensor& index, py::object src, py::object value,
                                py::object reduce) { return scatter_fn(x, dim, index, src, value, reduce, false); },
        py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
        py::arg("value") = py::none(), py::arg("reduce") = py::none());
  cls.def("scatter", [scatter_fn](const Tensor& x, int64_t dim, const Tensor& index, py::object src, py::object value,
                                  py::object reduce) { return scatter_fn(x, dim, index, src, value, reduce, false); },
          py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none(),
          py::arg("reduce") = py::none());
  cls.def("scatter_", [scatter_fn](const Tensor& x, int64_t dim, const Tensor& index, py::object src, py::object value,
                                   py::object reduce) { return scatter_fn(x, dim, index, src, value, reduce, true); },
          py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none(),
          py::arg("reduce") = py::none());
  m.def("scatter_add", [](const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    return scatter_add(x, dim, index, src);
  }, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add", [](const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    return scatter_add(x, dim, index, src);
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_", [](const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    scatter_add_(x, dim, index, src);
    return x;
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  auto index_select_fn = [](const Tensor& x, int64_t dim, const Tensor& index) {
    return without_gil_if(big(x), [&] { return index_select(x, dim, index); });
  };
  m.def("index_select", index_select_fn, py::arg("input"), py::arg("dim"), py::arg("index"));
  cls.def("index_select", index_select_fn, py::arg("dim"), py::arg("index"));

  // ---- masks -------------------------------------------------------------------------------------------
  auto masked_fill_fn = [](const Tensor& x, const Tensor& mask, py::handle value, bool inplace) -> Tensor {
    const char* op = inplace ? "masked_fill_" : "masked_fill";
    if (is_tensor(value)) {
      Tensor v = value.cast<Tensor>();
      if (inplace) {
        masked_fill_(x, mask, v);
        return x;
      }
      return masked_fill(x, mask, v);
    }
    PYNN_CHECK_TYPE(is_number(value), op, "value must be a number or a 0-dim Tensor, got ", type_name(value));
    Scalar s = value.cast<Scalar>();
    if (inplace) {
      masked_fill_(x, mask, s);
      return x;
    }
    return masked_fill(x, mask, s);
  };
  m.def("masked_fill", [masked_fill_fn](const Tensor& x, const Tensor& mask, py::handle v) {
    return masked_fill_fn(x, mask, v, false);
  }, py::arg("input"), py::arg("mask"), py::arg("value"));
  cls.def("masked_fill", [masked_fill_fn](const Tensor& x, const Tensor& mask, py::handle v) {
    return masked_fill_fn(x, mask, v, false);
  }, py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_", [masked_fill_fn](const Tensor& x, const Tensor& mask, py::handle v) {
    return masked_fill_fn(x, mask, v, true);
  }, py::arg("mask"), py::arg("value"));
  m.def("masked_select", [](const Tensor& x, const Tensor& mask) { return masked_select(x, mask); }, py::arg("input"),
        py::arg("mask"));
  cls.def("masked_select", [](const Tensor& x, const Tensor& mask) { return masked_select(x, mask); }, py::arg("mask"));
  auto nonzero_fn = [](const Tensor& x, bool as_tuple) -> py::object {
    if (as_tuple) return to_py_tuple(nonzero_tuple(x));
    return py::cast(nonzero(x));
  };
  m.def("nonzero", nonzero_fn, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false);
  m.def("nonzero", [nonzero_fn](const Tensor& x, bool as_tuple, py::handle out) {
    return pynn_py::with_out_object("nonzero", out, {&x}, [&] { return nonzero_fn(x, as_tuple); });
  }, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false, py::arg("out"));
  cls.def("nonzero", nonzero_fn, py::kw_only(), py::arg("as_tuple") = false);
  m.def("argwhere", [](const Tensor& x) { return nonzero(x); }, py::arg("input"));
  // torch.where(condition) alone is nonzero(condition, as_tuple=True); the three-operand form is elementwise.
  m.def("where", [](const Tensor& cond) { return to_py_tuple(nonzero_tuple(cond)); }, py::arg("condition"));
  cls.def("argwhere", [](const Tensor& x) { return nonzero(x); });

  // ---- sorting ---------------------------------------------------------------------------------------
  auto topk_fn = [](const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
    auto r = without_gil_if(big(x), [&] { return topk(x, k, dim, largest, sorted); });
    return (*topk_type)(r.first, r.second);
  };
  m.def("topk", topk_fn, py::arg("input"), py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true,
        py::arg("sorted") = true);
  m.def("topk", [topk_fn](const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted, py::handle out) {
    return pynn_py::with_out_object("topk", out, {&x}, [&] { return py::object(topk_fn(x, k, dim, largest, sorted)); });
  }, py::arg("input"), py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true,
     py::kw_only(), py::arg("out"));
  cls.def("topk", topk_fn, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  auto sort_fn = [](const Tensor& x, int64_t dim, bool descending, bool stable) {
    auto r = without_gil_if(big(x), [&] { return sort(x, dim, descending, stable); });
    return (*sort_type)(r.first, r.second);
  };
  m.def("sort", sort_fn, py::arg("input"), py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
        py::arg("stable") = false);
  m.def("sort", [sort_fn](const Tensor& x, int64_t dim, bool descending, bool stable, py::handle out) {
    return pynn_py::with_out_object("sort", out, {&x}, [&] { return py::object(sort_fn(x, dim, descending, stable)); });
  }, py::arg("input"), py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false,
     py::arg("out"));
  cls.def("sort", sort_fn, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
          py::arg("stable") = false);
  auto argsort_fn = [](const Tensor& x, int64_t dim, bool descending, bool stable) {
    return without_gil_if(big(x), [&] { return argsort(x, dim, descending, stable); });
  };
  m.def("argsort", argsort_fn, py::arg("input"), py::arg("dim") = -1, py::arg("descending") = false,
        py::kw_only(), py::arg("stable") = false);
  cls.def("argsort", argsort_fn, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
          py::arg("stable") = false);

  m.def("one_hot", [](const Tensor& x, int64_t n) { return one_hot(x, n); }, py::arg("tensor"),
        py::arg("num_classes") = -1);
}
