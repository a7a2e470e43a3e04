#include "ops/elementwise.h"

#include <algorithm>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/iterator.h"
#include "core/overlap.h"
#include "core/shape.h"
#include "core/random.h"
#include "ops/common.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(unary_kernel, "unary");
PYNN_DEFINE_KERNEL(binary_kernel, "binary");
PYNN_DEFINE_KERNEL(copy_kernel, "copy_");
PYNN_DEFINE_KERNEL(device_copy_kernel, "copy_");
PYNN_DEFINE_KERNEL(fill_kernel, "fill_");
PYNN_DEFINE_KERNEL(where_kernel, "where");
PYNN_DEFINE_KERNEL(clamp_kernel, "clamp");
PYNN_DEFINE_KERNEL(random_kernel, "random_");

namespace {

// Categories are enum ranges (kernels/elementwise.h orders the enums by category); the asserts pin the bounds.
bool is_float_op(UnaryOp op) { return op >= UnaryOp::Exp && op <= UnaryOp::I1; }
bool is_bool_out(UnaryOp op) { return op >= UnaryOp::LogicalNot && op < UnaryOp::NumOps; }
bool is_bool_out(BinaryOp op) { return op >= BinaryOp::Eq && op < BinaryOp::NumOps; }
static_assert(static_cast<int>(UnaryOp::Exp) == static_cast<int>(UnaryOp::BitwiseNot) + 1 &&
                  static_cast<int>(UnaryOp::LogicalNot) == static_cast<int>(UnaryOp::I1) + 1,
              "UnaryOp categories are contiguous");
static_assert(static_cast<int>(BinaryOp::Eq) == static_cast<int>(BinaryOp::Gcd) + 1,
              "BinaryOp comparisons follow the arithmetic ops");
bool is_rounding(UnaryOp op) { return op == UnaryOp::Floor || op == UnaryOp::Ceil || op == UnaryOp::Round || op == UnaryOp::Trunc; }

// torch's canCast: no float -> integral and no non-bool -> bool.
bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != ScalarType::Bool && to == ScalarType::Bool) return false;
  return true;
}

void check_cast_inplace(const char* op, ScalarType result, ScalarType self) {
  PYNN_CHECK(can_cast(result, self), op, "result type ", type_title(result), " can't be cast to the desired output type ",
             type_title(self));
}

// In-place writes into a tensor whose elements alias each other (an expanded view) would race.
void check_no_internal_overlap(const char* op, const Tensor& t) { assert_no_internal_overlap(*t, op); }

void check_inplace_shape(const char* op, const Tensor& self, const Tensor& other) {
  Dims b = broadcast_shapes(self->sizes(), other->sizes(), op);
  PYNN_CHECK(b == self->sizes(), op, "output with shape ", self->sizes().str(), " doesn't match the broadcast shape ",
             b.str());
}

ScalarType compute_dtype(BinaryOp op, ScalarType common) {
  if ((op == BinaryOp::Div || op == BinaryOp::Atan2 || op == BinaryOp::Hypot || op == BinaryOp::Copysign) &&
      !is_floating(common))
    return default_float();
  return common;
}

std::string inplace_name(const char* op) { return std::string(op) + "_"; }


// The value an in-place op overwrites, saved for its backward. The clone is recorded so that a
// double backward through the saved value reaches the history it came from.
Tensor snapshot(const Tensor& x) { return clone(x); }

}  // namespace

const char* op_name(UnaryOp op) {
  static const char* const names[] = {"neg", "abs", "sign", "relu", "floor", "ceil", "round", "trunc", "square",
                                "bitwise_not", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
                                "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid",
                                "reciprocal", "erf", "exp2", "erfc", "erfinv", "lgamma", "digamma", "i0", "special_i1", "logical_not", "isnan", "isinf", "isfinite"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(UnaryOp::NumOps), "one name per UnaryOp");
  return names[static_cast<int>(op)];
}

const char* op_name(BinaryOp op) {
  static const char* const names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "floor_divide",
                                "atan2", "fmod", "hypot", "copysign", "bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "eq", "ne", "lt", "le", "gt",
                                "ge", "logical_and", "logical_or", "logical_xor"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(BinaryOp::NumOps), "one name per BinaryOp");
  return names[static_cast<int>(op)];
}

ScalarType result_type(std::initializer_list<const TensorImpl*> tensors) {
  // Three tiers as in torch: dimensioned tensors, 0-dim tensors, wrapped Python numbers.
  // A lower tier changes the result only when it is of a higher category (bool < int < float).
  int tier[3] = {-1, -1, -1};
  for (const TensorImpl* t : tensors) {
    if (!t) continue;
    ScalarType dt = t->dtype();
    int k = t->is_wrapped_number ? 2 : (t->dim() == 0 ? 1 : 0);
    if (k == 2 && is_floating(dt)) dt = default_float();
    tier[k] = tier[k] < 0 ? static_cast<int>(dt) : static_cast<int>(promote_types(static_cast<ScalarType>(tier[k]), dt));
  }
  auto combine = [](int higher, int lower) {
    if (higher < 0) return lower;
    if (lower < 0) return higher;
    ScalarType h = static_cast<ScalarType>(higher), l = static_cast<ScalarType>(lower);
    if (is_floating(h)) return higher;
    if (h == ScalarType::Bool || is_floating(l)) return static_cast<int>(promote_types(h, l));
    return higher;
  };
  int r = combine(tier[0], combine(tier[1], tier[2]));
  return r < 0 ? default_float() : static_cast<ScalarType>(r);
}

Tensor wrap_scalar(const Scalar& s) {
  Tensor t = scalar_tensor(s, s.dtype());
  t->is_wrapped_number = true;
  return t;
}

namespace {
// Checks torch makes before any kernel runs (the kernels would only say the dtype is unsupported).
void check_binary_dtypes(BinaryOp op, const char* name, ScalarType a, ScalarType b) {
  if (op != BinaryOp::Sub) return;
  if (a == ScalarType::Bool && b == ScalarType::Bool)
    throw std::runtime_error(str("[", name, "] Subtraction, the `-` operator, with two bool tensors is not supported. "
                                 "Use the `^` or `logical_xor()` operator instead."));
  if (a == ScalarType::Bool || b == ScalarType::Bool)
    throw std::runtime_error(str("[", name, "] Subtraction, the `-` operator, with a bool tensor is not supported. If "
                                 "you are trying to invert a mask, use the `~` or `logical_not()` operator instead."));
}

void check_unary_dtype(UnaryOp op, const char* name, ScalarType dt) {
  if (op == UnaryOp::Neg && dt == ScalarType::Bool)
    throw std::runtime_error(str("[", name, "] Negation, the `-` operator, on a bool tensor is not supported. If you "
                                 "are trying to invert a mask, use the `~` or `logical_not()` operator instead."));
  if (dt != ScalarType::Bool) return;
  // torch has no bool kernel for these (floor_vml_cpu, abs_cpu ...); relu refuses bools by name.
  if (is_rounding(op) || op == UnaryOp::Abs) throw NotImplementedError(str("[", name, "] not implemented for 'Bool'"));
  if (op == UnaryOp::Relu) throw std::runtime_error(str("[", name, "] Boolean inputs not supported for relu"));
}

// square(bool) is pow(x, 2): the Python int promotes bool to int64, as in torch.
ScalarType unary_out_dtype(UnaryOp op, ScalarType dt) {
  if (is_float_op(op) && !is_floating(dt)) return default_float();
  if (op == UnaryOp::Square && dt == ScalarType::Bool) return ScalarType::Int64;
  return dt;
}
}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  const char* name = op_name(op);
  require_defined(name, x);
  check_unary_dtype(op, name, x->dtype());
  const auto kernel = unary_kernel.at(x->device(), name);
  ScalarType dt = x->dtype();
  // Integers are already rounded; the sign of a bool is itself.
  if ((is_rounding(op) && !is_floating(dt)) || (op == UnaryOp::Sign && dt == ScalarType::Bool)) return clone(x);
  dt = unary_out_dtype(op, dt);
  if (is_reduced_float(dt)) {  // a 16-bit input, or an integer one under a 16-bit default dtype
    Tensor r = unary(op, to_dtype(x, ScalarType::Float32));
    return is_bool_out(op) ? r : to_dtype(r, dt);
  }
  Tensor in = to_dtype(x, dt);
  Tensor out = empty(x->sizes(), is_bool_out(op) ? ScalarType::Bool : dt, x->device());
  kernel(op, TensorIter({out.get(), in.get()}), dt);
  if (autograd::needs_grad(x)) autograd::record_unary(op, x, out);
  return out;
}

void unary_(UnaryOp op, const Tensor& x) {
  std::string name = inplace_name(op_name(op));
  require_defined(name.c_str(), x);
  check_unary_dtype(op, name.c_str(), x->dtype());
  const auto kernel = unary_kernel.at(x->device(), name.c_str());
  check_no_internal_overlap(name.c_str(), x);
  ScalarType dt = x->dtype();
  if ((is_rounding(op) && !is_floating(dt)) || (op == UnaryOp::Sign && dt == ScalarType::Bool)) return;
  check_cast_inplace(name.c_str(), unary_out_dtype(op, dt), dt);
  if (is_bool_out(op)) check_cast_inplace(name.c_str(), ScalarType::Bool, dt);
  autograd::check_inplace(x, name.c_str());
  if ((is_bool_out(op) && dt != ScalarType::Bool) || is_reduced_float(dt)) {
    // The kernel writes bools; a wider tensor receives them cast (x.logical_not_() on floats: 1.0 / 0.0).
    copy_(x, unary(op, x));
    return;
  }
  bool grad = autograd::needs_grad(x);
  Tensor old = grad && autograd::unary_backward_needs_input(op) ? snapshot(x) : nullptr;
  kernel(op, TensorIter({x.get(), x.get()}), dt);
  x->bump_version();
  if (grad) autograd::record_unary_inplace(op, old, x);
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  const char* name = op_name(op);
  require_defined(name, a);
  require_defined(name, b, "other");
  const Device dev = same_device(name, a, b);  // not a's: a may be a wrapped Python number (2 - x)
  const auto kernel = binary_kernel.at(dev, name);
  ScalarType common = result_type({a.get(), b.get()});
  ScalarType dt = compute_dtype(op, common);
  check_binary_dtypes(op, name, a->dtype(), b->dtype());
  if (!alpha.is_float() || alpha.d != 1.0)
    PYNN_CHECK(is_floating(dt) || !alpha.is_float(), name, "For integral input tensors, argument alpha must not be a floating point number.");
  if (op == BinaryOp::Pow && !is_floating(dt) && dt != ScalarType::Bool && b->is_wrapped_number && !item(b).is_float() &&
      item(b).i < 0)
    throw std::runtime_error(str("[", name, "] Integers to negative integer powers are not allowed."));
  // torch checks a Python exponent fits the integer dtype (pow(int32, 2**40) raises; add(int32, 2**40) wraps)
  if (op == BinaryOp::Pow && !is_floating(dt) && b->is_wrapped_number && b->dtype() != dt)
    PYNN_DISPATCH_ALL(dt, name, [&] { (void)item(b).to<scalar_t>(); });
  // x ** 2 is common enough (losses, norms) to deserve the multiply instead of pow.
  if (op == BinaryOp::Pow && b->is_wrapped_number && item(b).d == 2.0 && dt == a->dtype()) return unary(UnaryOp::Square, a);
  if (is_reduced_float(dt)) {
    // Every operand as a plain float32 tensor, wrapped numbers and integers too: the recursion then computes in
    // float32 whatever the default dtype (int64 * 2.5 is float16 under a float16 default).
    const ScalarType f32 = ScalarType::Float32;
    Tensor r = binary(op, to_dtype(a, f32, a->is_wrapped_number), to_dtype(b, f32, b->is_wrapped_number), alpha);
    return is_bool_out(op) ? r : to_dtype(r, dt);
  }
  bool grad = autograd::needs_grad(a, b);
  Tensor ca = to_dtype(a, dt), cb = to_dtype(b, dt);
  Dims shape = a->sizes() == b->sizes() ? a->sizes() : broadcast_shapes(a->sizes(), b->sizes(), name);
  Tensor out = empty(shape, is_bool_out(op) ? ScalarType::Bool : dt, dev);
  kernel(op, TensorIter({out.get(), ca.get(), cb.get()}), dt, alpha);
  if (grad) autograd::record_binary(op, a, b, out, alpha);
  return out;
}

void binary_(BinaryOp op, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  std::string name = inplace_name(op_name(op));
  require_defined(name.c_str(), self);
  require_defined(name.c_str(), other, "other");
  const auto kernel = binary_kernel.at(same_device(name.c_str(), self, other), name.c_str());
  check_inplace_shape(name.c_str(), self, other);
  check_no_internal_overlap(name.c_str(), self);
  check_binary_dtypes(op, name.c_str(), self->dtype(), other->dtype());
  if (is_bool_out(op)) {  // comparisons in place: compute, then cast into self
    Tensor r = binary(op, self, other, alpha);
    copy_(self, r);
    return;
  }
  ScalarType common = compute_dtype(op, result_type({self.get(), other.get()}));
  check_cast_inplace(name.c_str(), common, self->dtype());
  ScalarType dt = self->dtype();
  if (is_reduced_float(dt)) {
    assert_no_partial_overlap(*self, *other, name.c_str());
    copy_(self, binary(op, self, other, alpha));
    return;
  }
  Tensor co = to_dtype(other, dt);
  // Reading other while writing self is safe elementwise only if they don't partially overlap (torch refuses).
  assert_no_partial_overlap(*self, *other, name.c_str());
  autograd::check_inplace(self, name.c_str());
  bool grad = autograd::needs_grad(self, other);
  const bool saves_values = op != BinaryOp::Add && op != BinaryOp::Sub;
  Tensor old = grad && saves_values ? snapshot(self) : self;
  // other aliasing self (w.mul_(w)) is overwritten too: its backward needs the value before the write.
  Tensor saved_other = grad && saves_values && other->storage() == self->storage() ? snapshot(other) : other;
  kernel(op, TensorIter({self.get(), self.get(), co.get()}), dt, alpha);
  self->bump_version();
  if (grad) autograd::record_binary_inplace(op, old, saved_other, self, alpha);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  require_defined("where", cond, "condition");
  const Device dev = same_device("where", cond, a, b);
  const auto kernel = where_kernel.at(dev, "where");
  PYNN_CHECK(cond->dtype() == ScalarType::Bool, "where", "expected condition to be a boolean tensor, but got a tensor with dtype ",
             dtype_name(cond->dtype()));
  ScalarType dt = result_type({a.get(), b.get()});
  // A Python number must fit the result dtype it is cast to (torch: where(c, int32, 2**40) raises).
  for (const Tensor* t : {&a, &b})
    if ((*t)->is_wrapped_number && dt != (*t)->dtype())
      PYNN_DISPATCH_ALL_AND_REDUCED(dt, "where", [&] { (void)item(*t).to<scalar_t>(); });
  Tensor ca = to_dtype(a, dt), cb = to_dtype(b, dt);
  Dims shape = broadcast_shapes(broadcast_shapes(cond->sizes(), a->sizes(), "where"), b->sizes(), "where");
  Tensor out = empty(shape, dt, dev);
  kernel(TensorIter({out.get(), cond.get(), ca.get(), cb.get()}), dt);
  if (autograd::needs_grad(a, b)) autograd::record_where(cond, a, b, out);
  return out;
}

Tensor clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  require_defined("clamp", x);
  const auto kernel = clamp_kernel.at(x->device(), "clamp");
  PYNN_CHECK(lo || hi, "clamp", "At least one of 'min' or 'max' must not be None");
  Tensor wlo = lo ? wrap_scalar(*lo) : nullptr, whi = hi ? wrap_scalar(*hi) : nullptr;
  ScalarType dt = result_type({x.get(), wlo.get(), whi.get()});
  if (is_reduced_float(dt)) return to_dtype(clamp(to_dtype(x, ScalarType::Float32), lo, hi), dt);
  Tensor in = to_dtype(x, dt);
  Tensor out = empty(x->sizes(), dt, x->device());
  kernel(TensorIter({out.get(), in.get()}), dt, lo, hi);
  if (autograd::needs_grad(x)) autograd::record_clamp(x, lo, hi, out);
  return out;
}

void clamp_(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  require_defined("clamp_", x);
  const auto kernel = clamp_kernel.at(x->device(), "clamp_");
  PYNN_CHECK(lo || hi, "clamp_", "At least one of 'min' or 'max' must not be None");
  check_no_internal_overlap("clamp_", x);
  Tensor wlo = lo ? wrap_scalar(*lo) : nullptr, whi = hi ? wrap_scalar(*hi) : nullptr;
  check_cast_inplace("clamp_", result_type({x.get(), wlo.get(), whi.get()}), x->dtype());
  if (is_reduced_float(x->dtype())) return copy_(x, clamp(x, lo, hi));
  autograd::check_inplace(x, "clamp_");
  bool grad = autograd::needs_grad(x);
  Tensor old = grad ? snapshot(x) : nullptr;
  kernel(TensorIter({x.get(), x.get()}), x->dtype(), lo, hi);
  x->bump_version();
  if (grad) autograd::record_clamp_inplace(old, lo, hi, x);
}

namespace {
bool is_number_bound(const Tensor& t) { return !t || t->is_wrapped_number; }
std::optional<Scalar> bound_value(const Tensor& t) { return t ? std::optional<Scalar>(item(t)) : std::nullopt; }
}  // namespace

Tensor clamp(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  PYNN_CHECK(lo || hi, "clamp", "At least one of 'min' or 'max' must not be None");
  if (is_number_bound(lo) && is_number_bound(hi)) return clamp(x, bound_value(lo), bound_value(hi));
  Tensor r = x;
  if (lo) r = binary(BinaryOp::Maximum, r, lo);
  if (hi) r = binary(BinaryOp::Minimum, r, hi);
  return r;
}

void clamp_(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  PYNN_CHECK(lo || hi, "clamp_", "At least one of 'min' or 'max' must not be None");
  if (is_number_bound(lo) && is_number_bound(hi)) return clamp_(x, bound_value(lo), bound_value(hi));
  require_defined("clamp_", x);
  // Checked for both bounds before the first write, so a bad max leaves x untouched.
  check_cast_inplace("clamp_", result_type({x.get(), lo.get(), hi.get()}), x->dtype());
  for (const Tensor& b : {lo, hi})
    if (b) check_inplace_shape("clamp_", x, b);
  if (lo) binary_(BinaryOp::Maximum, x, lo);
  if (hi) binary_(BinaryOp::Minimum, x, hi);
}

namespace {
void check_div_operands(const char* op, ScalarType common) {
  if (common == ScalarType::Bool)
    throw NotImplementedError(str("[", op, "] div with rounding_mode='trunc' is not implemented for 'Bool'"));
}

// a / b rounded toward zero in an integral dtype, exactly (a float quotient loses digits past 2^24 or
// 2^53): |a| floor-divided by |b|, with the sign of the true quotient.
Tensor trunc_divide_integral(const Tensor& a, const Tensor& b) {
  Tensor q = binary(BinaryOp::FloorDivide, unary(UnaryOp::Abs, a), unary(UnaryOp::Abs, b));
  Tensor sign = binary(BinaryOp::Mul, unary(UnaryOp::Sign, a), unary(UnaryOp::Sign, b));
  return binary(BinaryOp::Mul, sign, q);
}
}  // namespace

Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode) {
  if (mode == RoundingMode::None) return binary(BinaryOp::Div, a, b);
  if (mode == RoundingMode::Floor) return binary(BinaryOp::FloorDivide, a, b);
  require_defined("div", a);
  require_defined("div", b, "other");
  const ScalarType common = result_type({a.get(), b.get()});
  check_div_operands("div", common);
  if (is_floating(common)) return unary(UnaryOp::Trunc, binary(BinaryOp::Div, a, b));
  // Integral operands need no grad, so the composed ops record nothing.
  return trunc_divide_integral(to_dtype(a, common), to_dtype(b, common));
}

void div_(const Tensor& self, const Tensor& other, RoundingMode mode) {
  if (mode == RoundingMode::None) return binary_(BinaryOp::Div, self, other);
  if (mode == RoundingMode::Floor) return binary_(BinaryOp::FloorDivide, self, other);
  require_defined("div_", self);
  require_defined("div_", other, "other");
  const ScalarType common = result_type({self.get(), other.get()});
  check_div_operands("div_", common);
  check_cast_inplace("div_", common, self->dtype());
  if (is_floating(self->dtype())) {
    binary_(BinaryOp::Div, self, other);
    unary_(UnaryOp::Trunc, self);
    return;
  }
  check_inplace_shape("div_", self, other);
  check_no_internal_overlap("div_", self);
  copy_(self, trunc_divide_integral(to_dtype(self, common), to_dtype(other, common)));
}

void check_out_autograd(const char* op, const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  require_defined(op, out, "out");
  bool any = autograd::needs_grad(out);
  for (const Tensor* t : inputs) any = any || (*t && autograd::needs_grad(*t));
  PYNN_CHECK(!any, op, op, "(): functions with out=... arguments don't support automatic differentiation, but one "
             "of the arguments requires grad.");
}

Tensor write_out(const char* op, const Tensor& out, const Tensor& result) {
  require_defined(op, out, "out");
  PYNN_CHECK(out->device() == result->device(), op, "Expected out tensor to have device ", result->device().str(),
             ", but got ", out->device().str(), " instead");
  PYNN_CHECK(dtype_category(result->dtype()) <= dtype_category(out->dtype()), op, "result type ",
             type_title(result->dtype()), " can't be cast to the desired output type ", type_title(out->dtype()));
  if (out->sizes() != result->sizes()) resize_(out, result->sizes());  // torch resizes (and warns, if it held elements)
  autograd::GradModeGuard no_grad(false);
  copy_(out, result);
  return out;
}

void copy_(const Tensor& dst, const Tensor& src) {
  require_defined("copy_", dst);
  require_defined("copy_", src, "src");
  // The one op whose operands may live on two devices: the backend of the one that is not the CPU moves them.
  const bool across = dst->device() != src->device() && !src->is_wrapped_number;
  const auto kernel = across ? nullptr : copy_kernel.at(same_device("copy_", dst, src), "copy_");
  const auto move = across ? device_copy_kernel.at(dst->device().is_cpu() ? src->device() : dst->device(), "copy_")
                           : nullptr;
  check_inplace_shape("copy_", dst, src);
  // torch returns before its overlap checks when src is dst's very data (x.expand(4, 4).copy_(itself)).
  if (dst.get() == src.get() || (dst->storage() == src->storage() && dst->offset() == src->offset() &&
                                 dst->sizes() == src->sizes() && dst->strides() == src->strides() &&
                                 dst->dtype() == src->dtype()))
    return;
  check_no_internal_overlap("copy_", dst);
  assert_no_partial_overlap(*dst, *src, "copy_");  // a shifted or transposed view of dst: torch refuses
  const Tensor& s = src;
  autograd::check_inplace(dst, "copy_");
  bool grad = autograd::needs_grad(dst, src);
  if (across) move(dst, s);
  else kernel(TensorIter({dst.get(), s.get()}), dst->dtype(), s->dtype());
  dst->bump_version();
  if (grad) autograd::record_copy_inplace(src, dst);
}

void fill_(const Tensor& dst, const Scalar& value) {
  require_defined("fill_", dst);
  const auto kernel = fill_kernel.at(dst->device(), "fill_");
  autograd::check_inplace(dst, "fill_");
  // An expanded view is filled as torch allows it: through its distinct locations only (stride-0 dims as size 1).
  Dims sizes = dst->sizes();
  for (int d = 0; d < sizes.size(); ++d)
    if (dst->strides()[d] == 0) sizes[d] = std::min<int64_t>(sizes[d], 1);
  Tensor target = sizes == dst->sizes() ? dst : make_view(dst, sizes, dst->strides(), dst->offset());
  kernel(TensorIter({target.get()}), dst->dtype(), value);
  dst->bump_version();
  if (autograd::needs_grad(dst)) autograd::record_fill_inplace(dst);
}

Tensor to_dtype(const Tensor& x, ScalarType dtype, bool copy) {
  if (x->dtype() == dtype && !copy) return x;
  const auto kernel = copy_kernel.at(x->device(), "to");
  Tensor out = empty(x->sizes(), dtype, x->device());
  kernel(TensorIter({out.get(), x.get()}), dtype, x->dtype());
  if (is_floating(dtype) && autograd::needs_grad(x)) autograd::record_cast(x, out, "ToCopyBackward0");
  return out;
}

Tensor widen_reduced(const Tensor& t) {
  return !t || t->is_wrapped_number || !is_reduced_float(t->dtype()) ? t : to_dtype(t, ScalarType::Float32);
}

Tensor contiguous(const Tensor& x) {
  if (x->is_contiguous()) return x;
  return clone(x);
}

Tensor clone(const Tensor& x) {
  require_defined("clone", x);
  const auto kernel = copy_kernel.at(x->device(), "clone");
  Tensor out = empty(x->sizes(), x->dtype(), x->device());
  kernel(TensorIter({out.get(), x.get()}), x->dtype(), x->dtype());
  if (autograd::needs_grad(x)) autograd::record_cast(x, out, "CloneBackward0");
  return out;
}

namespace {
// Random kernels fill contiguous memory; other layouts go through a temporary. Each call claims numel counters
// of the default generator's stream.
void fill_random(const char* op, const Tensor& x, RandomArgs args) {
  const auto kernel = random_kernel.at(x->device(), op);
  autograd::check_inplace(x, op);
  check_no_internal_overlap(op, x);
  const RandomKey key = default_generator().reserve(static_cast<uint64_t>(x->numel()));
  args.seed = key.seed;
  args.offset = key.offset;
  // The 16-bit floats draw float32 values and round them (torch's CPU generators draw in float for them too).
  const ScalarType draw = is_reduced_float(x->dtype()) ? ScalarType::Float32 : x->dtype();
  if (x->is_contiguous() && draw == x->dtype()) {
    kernel(x, args);
  } else {
    Tensor tmp = empty(x->sizes(), draw, x->device());
    kernel(tmp, args);
    copy_kernel(x->device(), TensorIter({x.get(), tmp.get()}), x->dtype(), draw);
  }
  x->bump_version();
}
}  // namespace

void uniform_(const Tensor& x, double from, double to) {
  PYNN_CHECK(from <= to, "uniform_", "expects to return a [from, to) range, but found from=", from, " > to=", to);
  PYNN_CHECK_TYPE(is_floating(x->dtype()), "uniform_", "not implemented for dtype ", dtype_name(x->dtype()));
  fill_random("uniform_", x, RandomArgs{RandomDist::Uniform, from, to});
}

void normal_(const Tensor& x, double mean, double std) {
  PYNN_CHECK(std >= 0, "normal_", "expects std >= 0.0, but found std ", std);
  PYNN_CHECK_TYPE(is_floating(x->dtype()), "normal_", "not implemented for dtype ", dtype_name(x->dtype()));
  fill_random("normal_", x, RandomArgs{RandomDist::Normal, mean, std});
}

void bernoulli_(const Tensor& x, double p) {
  PYNN_CHECK(p >= 0 && p <= 1, "bernoulli_", "expects p to be in [0, 1], but got p=", p);
  fill_random("bernoulli_", x, RandomArgs{RandomDist::Bernoulli, p, 0});
}

}  // namespace pynn
