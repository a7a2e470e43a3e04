// Elementwise ops as pynn functions, Tensor methods and Python operators.
#include "bindings/bindings.h"
#include "ops/elementwise.h"

using namespace pynn;
using pynn_py::run_released;
using pynn_py::to_tensor_operand;

namespace {

Tensor run_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = Scalar(int64_t(1))) {
  return run_released({a, b}, [&] { return binary(op, a, b, alpha); });
}

void run_binary_(BinaryOp op, const Tensor& self, const Tensor& other, const Scalar& alpha = Scalar(int64_t(1))) {
  run_released({self, other}, [&] { binary_(op, self, other, alpha); });
}

// Python operators return NotImplemented for operands they don't know, so Python can try the other side.
py::object binary_operator(BinaryOp op, const Tensor& self, py::handle other, bool reflected) {
  if (!pynn_py::is_tensor(other) && !pynn_py::is_number(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  Tensor o = to_tensor_operand(other, op_name(op));
  return py::cast(reflected ? run_binary(op, o, self) : run_binary(op, self, o));
}

py::object inplace_operator(BinaryOp op, py::object self, py::handle other) {
  if (!pynn_py::is_tensor(other) && !pynn_py::is_number(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  run_binary_(op, self.cast<Tensor>(), to_tensor_operand(other, op_name(op)));
  return self;
}

// A None bound stays null; a number becomes a wrapped number, which ops::clamp tells from a tensor bound.
Tensor opt_bound(py::handle h) { return h.is_none() ? nullptr : to_tensor_operand(h, "clamp"); }

RoundingMode rounding_mode(const std::optional<std::string>& mode) {
  if (!mode) return RoundingMode::None;
  if (*mode == "trunc") return RoundingMode::Trunc;
  if (*mode == "floor") return RoundingMode::Floor;
  throw std::runtime_error(str("[div] div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *mode, "'"));
}

}  // namespace

void bind_elementwise(py::module_& m, TensorClass& cls) {
  struct UnaryEntry { const char* name; UnaryOp op; bool inplace; };
  static const UnaryEntry unaries[] = {
      {"neg", UnaryOp::Neg, true}, {"negative", UnaryOp::Neg, true}, {"abs", UnaryOp::Abs, true},
      {"sign", UnaryOp::Sign, true}, {"relu", UnaryOp::Relu, true}, {"floor", UnaryOp::Floor, true},
      {"ceil", UnaryOp::Ceil, true}, {"round", UnaryOp::Round, true}, {"trunc", UnaryOp::Trunc, true},
      {"square", UnaryOp::Square, true}, {"bitwise_not", UnaryOp::BitwiseNot, true}, {"exp", UnaryOp::Exp, true},
      {"expm1", UnaryOp::Expm1, true}, {"log", UnaryOp::Log, true}, {"log2", UnaryOp::Log2, true},
      {"log10", UnaryOp::Log10, true}, {"log1p", UnaryOp::Log1p, true}, {"sqrt", UnaryOp::Sqrt, true},
      {"rsqrt", UnaryOp::Rsqrt, true}, {"sin", UnaryOp::Sin, true}, {"cos", UnaryOp::Cos, true},
      {"tan", UnaryOp::Tan, true}, {"asin", UnaryOp::Asin, true}, {"acos", UnaryOp::Acos, true},
      {"atan", UnaryOp::Atan, true}, {"sinh", UnaryOp::Sinh, true}, {"cosh", UnaryOp::Cosh, true},
      {"tanh", UnaryOp::Tanh, true}, {"sigmoid", UnaryOp::Sigmoid, true}, {"reciprocal", UnaryOp::Reciprocal, true},
      {"erf", UnaryOp::Erf, true}, {"exp2", UnaryOp::Exp2, true}, {"erfc", UnaryOp::Erfc, true},
      {"erfinv", UnaryOp::Erfinv, true}, {"lgamma", UnaryOp::Lgamma, true}, {"digamma", UnaryOp::Digamma, true},
      {"i0", UnaryOp::I0, true}, {"_special_i1", UnaryOp::I1, false}, {"logical_not", UnaryOp::LogicalNot, true}, {"isnan", UnaryOp::IsNan, false},
      {"isinf", UnaryOp::IsInf, false}, {"isfinite", UnaryOp::IsFinite, false},
  };
  for (const UnaryEntry& e : unaries) {
    UnaryOp op = e.op;
    auto fn = [op](const Tensor& x) { return run_released({x}, [&] { return unary(op, x); }); };
    m.def(e.name, fn, py::arg("input"));
    // out= as a second overload: calls without it resolve on the first and pay nothing for it.
    m.def(e.name, [op, fn](const Tensor& x, py::handle out) {
      return pynn_py::with_out(op_name(op), out, {&x}, [&] { return fn(x); });
    }, py::arg("input"), py::kw_only(), py::arg("out"));
    cls.def(e.name, fn);
    if (e.inplace)
      cls.def((std::string(e.name) + "_").c_str(), [op](py::object self) {
        Tensor x = self.cast<Tensor>();
        run_released({x}, [&] { unary_(op, x); });
        return self;
      });
  }
  struct UnaryOperator { const char* name; UnaryOp op; };
  static const UnaryOperator unary_operators[] = {
      {"__neg__", UnaryOp::Neg}, {"__abs__", UnaryOp::Abs}, {"__invert__", UnaryOp::BitwiseNot}};
  for (const UnaryOperator& e : unary_operators) {
    UnaryOp op = e.op;
    cls.def(e.name, [op](const Tensor& x) { return run_released({x}, [&] { return unary(op, x); }); });
  }
  cls.def("__pos__", [](const Tensor& x) { return x; });

  struct BinaryEntry { const char* name; BinaryOp op; };
  static const BinaryEntry binaries[] = {
      {"mul", BinaryOp::Mul}, {"multiply", BinaryOp::Mul}, {"true_divide", BinaryOp::Div},
      {"pow", BinaryOp::Pow}, {"maximum", BinaryOp::Maximum}, {"minimum", BinaryOp::Minimum},
      {"fmax", BinaryOp::Maximum}, {"fmin", BinaryOp::Minimum},
      {"remainder", BinaryOp::Remainder}, {"floor_divide", BinaryOp::FloorDivide}, {"atan2", BinaryOp::Atan2},
      {"fmod", BinaryOp::Fmod}, {"hypot", BinaryOp::Hypot}, {"copysign", BinaryOp::Copysign},
      {"bitwise_and", BinaryOp::BitwiseAnd}, {"bitwise_or", BinaryOp::BitwiseOr}, {"bitwise_xor", BinaryOp::BitwiseXor},
      {"gcd", BinaryOp::Gcd},
      {"eq", BinaryOp::Eq}, {"ne", BinaryOp::Ne}, {"lt", BinaryOp::Lt}, {"le", BinaryOp::Le},
      {"gt", BinaryOp::Gt}, {"ge", BinaryOp::Ge}, {"less", BinaryOp::Lt}, {"greater", BinaryOp::Gt},
      {"not_equal", BinaryOp::Ne}, {"less_equal", BinaryOp::Le}, {"greater_equal", BinaryOp::Ge},
      {"logical_and", BinaryOp::LogicalAnd}, {"logical_or", BinaryOp::LogicalOr}, {"logical_xor", BinaryOp::LogicalXor},
  };
  for (const BinaryEntry& e : binaries) {
    BinaryOp op = e.op;
    m.def(e.name, [op](py::handle a, py::handle b) {
      return run_binary(op, to_tensor_operand(a, op_name(op)), to_tensor_operand(b, op_name(op)));
    }, py::arg("input"), py::arg("other"));
    m.def(e.name, [op](py::handle a, py::handle b, py::handle out) {
      const Tensor ta = to_tensor_operand(a, op_name(op)), tb = to_tensor_operand(b, op_name(op));
      return pynn_py::with_out(op_name(op), out, {&ta, &tb}, [&] { return run_binary(op, ta, tb); });
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out"));
    cls.def(e.name, [op](const Tensor& a, py::handle b) { return run_binary(op, a, to_tensor_operand(b, op_name(op))); },
            py::arg("other"));
    cls.def((std::string(e.name) + "_").c_str(), [op](py::object self, py::handle b) {
      run_binary_(op, self.cast<Tensor>(), to_tensor_operand(b, op_name(op)));
      return self;
    }, py::arg("other"));
  }
  // add/sub take alpha; div takes rounding_mode.
  for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub}) {
    const char* name = op_name(op);
    m.def(name, [op](py::handle a, py::handle b, Scalar alpha) {
      return run_binary(op, to_tensor_operand(a, op_name(op)), to_tensor_operand(b, op_name(op)), alpha);
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)));
    m.def(name, [op](py::handle a, py::handle b, Scalar alpha, py::handle out) {
      const Tensor ta = to_tensor_operand(a, op_name(op)), tb = to_tensor_operand(b, op_name(op));
      return pynn_py::with_out(op_name(op), out, {&ta, &tb}, [&] { return run_binary(op, ta, tb, alpha); });
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)), py::arg("out"));
    cls.def(name, [op](const Tensor& a, py::handle b, Scalar alpha) {
      return run_binary(op, a, to_tensor_operand(b, op_name(op)), alpha);
    }, py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)));
    cls.def((std::string(name) + "_").c_str(), [op](py::object self, py::handle b, Scalar alpha) {
      run_binary_(op, self.cast<Tensor>(), to_tensor_operand(b, op_name(op)), alpha);
      return self;
    }, py::arg("other"), py::kw_only(), py::arg("alpha") = Scalar(int64_t(1)));
  }
  m.attr("subtract") = m.attr("sub");
  auto divide = [](const Tensor& a, const Tensor& b, const std::optional<std::string>& mode) {
    RoundingMode rm = rounding_mode(mode);
    return run_released({a, b}, [&] { return div(a, b, rm); });
  };
  for (const char* name : {"div", "divide"}) {
    m.def(name, [divide](py::handle a, py::handle b, const std::optional<std::string>& mode) {
      return divide(to_tensor_operand(a, "div"), to_tensor_operand(b, "div"), mode);
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
    m.def(name, [divide](py::handle a, py::handle b, const std::optional<std::string>& mode, py::handle out) {
      const Tensor ta = to_tensor_operand(a, "div"), tb = to_tensor_operand(b, "div");
      return pynn_py::with_out("div", out, {&ta, &tb}, [&] { return divide(ta, tb, mode); });
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none(), py::arg("out"));
    cls.def(name, [divide](const Tensor& a, py::handle b, const std::optional<std::string>& mode) {
      return divide(a, to_tensor_operand(b, "div"), mode);
    }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
    cls.def((std::string(name) + "_").c_str(), [](py::object self, py::handle b, const std::optional<std::string>& mode) {
      Tensor s = self.cast<Tensor>(), o = to_tensor_operand(b, "div_");
      RoundingMode rm = rounding_mode(mode);
      run_released({s, o}, [&] { div_(s, o, rm); });
      return self;
    }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  }

  struct OperatorEntry { const char* name; const char* rname; const char* iname; BinaryOp op; };
  static const OperatorEntry operators[] = {
      {"__add__", "__radd__", "__iadd__", BinaryOp::Add},
      {"__sub__", "__rsub__", "__isub__", BinaryOp::Sub},
      {"__mul__", "__rmul__", "__imul__", BinaryOp::Mul},
      {"__truediv__", "__rtruediv__", "__itruediv__", BinaryOp::Div},
      {"__floordiv__", "__rfloordiv__", "__ifloordiv__", BinaryOp::FloorDivide},
      {"__mod__", "__rmod__", "__imod__", BinaryOp::Remainder},
      {"__pow__", "__rpow__", "__ipow__", BinaryOp::Pow},
      {"__and__", "__rand__", "__iand__", BinaryOp::BitwiseAnd},
      {"__or__", "__ror__", "__ior__", BinaryOp::BitwiseOr},
      {"__xor__", "__rxor__", "__ixor__", BinaryOp::BitwiseXor},
  };
  for (const OperatorEntry& e : operators) {
    BinaryOp op = e.op;
    cls.def(e.name, [op](const Tensor& a, py::handle b) { return binary_operator(op, a, b, false); }, py::is_operator());
    cls.def(e.rname, [op](const Tensor& a, py::handle b) { return binary_operator(op, a, b, true); }, py::is_operator());
    cls.def(e.iname, [op](py::object self, py::handle b) { return inplace_operator(op, self, b); }, py::is_operator());
  }
  struct CompareEntry { const char* name; BinaryOp op; };
  static const CompareEntry comparisons[] = {
      {"__eq__", BinaryOp::Eq}, {"__ne__", BinaryOp::Ne}, {"__lt__", BinaryOp::Lt},
      {"__le__", BinaryOp::Le}, {"__gt__", BinaryOp::Gt}, {"__ge__", BinaryOp::Ge},
  };
  for (const CompareEntry& e : comparisons) {
    BinaryOp op = e.op;
    cls.def(e.name, [op](const Tensor& a, py::handle b) { return binary_operator(op, a, b, false); }, py::is_operator());
  }

  m.def("where", [](const Tensor& cond, py::handle a, py::handle b) {
    Tensor ta = to_tensor_operand(a, "where"), tb = to_tensor_operand(b, "where");
    return run_released({cond, ta, tb}, [&] { return where(cond, ta, tb); });
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  m.def("where", [](const Tensor& cond, py::handle a, py::handle b, py::handle out) {
    const Tensor ta = to_tensor_operand(a, "where"), tb = to_tensor_operand(b, "where");
    return pynn_py::with_out("where", out, {&ta, &tb}, [&] {
      return run_released({cond, ta, tb}, [&] { return where(cond, ta, tb); });
    });
  }, py::arg("condition"), py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out"));
  cls.def("where", [](const Tensor& self, const Tensor& cond, py::handle other) {
    Tensor to = to_tensor_operand(other, "where");
    return run_released({cond, self, to}, [&] { return where(cond, self, to); });
  }, py::arg("condition"), py::arg("other"));

  // clamp accepts numbers or tensors for min and max; ops::clamp chooses the path.
  auto clamp_fn = [](const Tensor& x, py::handle lo, py::handle hi) {
    Tensor tl = opt_bound(lo), th = opt_bound(hi);
    return run_released({x, tl, th}, [&] { return clamp(x, tl, th); });
  };
  auto clamp_inplace = [](py::object self, py::handle lo, py::handle hi) {
    Tensor x = self.cast<Tensor>(), tl = opt_bound(lo), th = opt_bound(hi);
    run_released({x, tl, th}, [&] { clamp_(x, tl, th); });
    return self;
  };
  for (const char* name : {"clamp", "clip"}) {
    m.def(name, clamp_fn, py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none());
    m.def(name, [clamp_fn](const Tensor& x, py::handle lo, py::handle hi, py::handle out) {
      return pynn_py::with_out("clamp", out, {&x}, [&] { return clamp_fn(x, lo, hi); });
    }, py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none(), py::kw_only(), py::arg("out"));
    cls.def(name, clamp_fn, py::arg("min") = py::none(), py::arg("max") = py::none());
    cls.def((std::string(name) + "_").c_str(), clamp_inplace, py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  auto clamp_min = [clamp_fn](const Tensor& x, py::handle lo) { return clamp_fn(x, lo, py::none()); };
  auto clamp_max = [clamp_fn](const Tensor& x, py::handle hi) { return clamp_fn(x, py::none(), hi); };
  m.def("clamp_min", clamp_min, py::arg("input"), py::arg("min"));
  m.def("clamp_max", clamp_max, py::arg("input"), py::arg("max"));
  cls.def("clamp_min", clamp_min, py::arg("min"));
  cls.def("clamp_max", clamp_max, py::arg("max"));
  cls.def("clamp_min_", [clamp_inplace](py::object self, py::handle lo) { return clamp_inplace(self, lo, py::none()); },
          py::arg("min"));
  cls.def("clamp_max_", [clamp_inplace](py::object self, py::handle hi) { return clamp_inplace(self, py::none(), hi); },
          py::arg("max"));

  m.def("result_type", [](py::handle a, py::handle b) {
    Tensor ta = to_tensor_operand(a, "result_type"), tb = to_tensor_operand(b, "result_type");
    return result_type({ta.get(), tb.get()});
  });
  m.def("promote_types", [](ScalarType a, ScalarType b) { return promote_types(a, b); });
}
