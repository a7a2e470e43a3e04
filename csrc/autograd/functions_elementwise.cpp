// Backward of the elementwise family: unary, binary, where, clamp, casts and copies.
#include <cmath>
#include <limits>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/nn.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

// torch's calc_trigamma, as ops so that every order differentiates: the reflection
// psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x) below 1/2, six recurrence steps, then the asymptotic series.
Tensor trigamma(const Tensor& x) {
  const double kPi = 3.14159265358979323846;
  Tensor reflect = binary(BinaryOp::Lt, x, num(0.5));
  Tensor z = where(reflect, sub(num(1), x), x);
  Tensor acc = unary(UnaryOp::Reciprocal, unary(UnaryOp::Square, z));
  for (int k = 1; k < 6; ++k) acc = add(acc, unary(UnaryOp::Reciprocal, unary(UnaryOp::Square, add(z, num(k)))));
  Tensor w = add(z, num(6));
  Tensor ixx = unary(UnaryOp::Reciprocal, unary(UnaryOp::Square, w));
  Tensor poly = mul(ixx, sub(num(1.0 / 6), mul(ixx, sub(num(1.0 / 30), mul(ixx, 1.0 / 42)))));
  Tensor tail = div(add(add(poly, num(1)), div(num(0.5), w)), w);
  Tensor r = add(acc, tail);
  Tensor s = unary(UnaryOp::Sin, mul(x, kPi));
  return where(reflect, sub(div(num(kPi * kPi), unary(UnaryOp::Square, s)), r), r);
}

struct UnaryBackward : Node {
  UnaryOp op;
  SavedTensor x, result;
  InputInfo info;
  std::string name() const override { return std::string(op_name(op)) == "neg" ? "NegBackward0" : title() + "Backward0"; }
  std::string title() const {
    std::string n = op_name(op);
    std::string out;
    bool up = true;
    for (char c : n) {
      if (c == '_') { up = true; continue; }
      out += up ? static_cast<char>(std::toupper(c)) : c;
      up = false;
    }
    return out;
  }
  void release_saved() override { x.reset(); result.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gx;
    switch (op) {
      case UnaryOp::Neg: gx = neg(g); break;
      case UnaryOp::Abs: gx = mul(g, unary(UnaryOp::Sign, x.unpack(this))); break;
      // !(y <= 0), not y > 0: the gradient passes at NaN, as torch's threshold_backward
      case UnaryOp::Relu: {
        const Tensor y = result.unpack(this);
        if (!autograd::needs_grad(g, y) && g->dtype() == y->dtype() &&
            (y->dtype() == ScalarType::Float32 || y->dtype() == ScalarType::Float64)) {
          // One fused pass instead of four (compare, not, cast, multiply): hardtanh's gradient on y with the
          // bounds (0, NaN) is exactly threshold_backward, (y <= 0 || y >= NaN) ? 0 : g, the upper test never
          // true. Measured: 6% of a CNN training step at 2 threads went to the four passes.
          gx = activation_backward(Activation::Hardtanh, g, y,
                                   HardtanhParams{0.0, std::numeric_limits<double>::quiet_NaN()});
        } else {
          // where, not a multiply by the mask: a NaN gradient stops at y <= 0 too.
          gx = where(unary(UnaryOp::LogicalNot, binary(BinaryOp::Le, y, num(0))), g, zeros_like(g));
        }
        break;
      }
      case UnaryOp::Square: gx = mul(mul(g, x.unpack(this)), 2.0); break;
      case UnaryOp::Exp: gx = mul(g, result.unpack(this)); break;
      case UnaryOp::Expm1: gx = mul(g, add(result.unpack(this), num(1))); break;
      case UnaryOp::Log: gx = div(g, x.unpack(this)); break;
      case UnaryOp::Log2: gx = div(g, mul(x.unpack(this), std::log(2.0))); break;
      case UnaryOp::Log10: gx = div(g, mul(x.unpack(this), std::log(10.0))); break;
      case UnaryOp::Log1p: gx = div(g, add(x.unpack(this), num(1))); break;
      case UnaryOp::Sqrt: gx = div(g, mul(result.unpack(this), 2.0)); break;
      case UnaryOp::Rsqrt: {
        Tensor r = result.unpack(this);
        gx = mul(mul(g, mul(r, mul(r, r))), -0.5);
        break;
      }
      case UnaryOp::Sin: gx = mul(g, unary(UnaryOp::Cos, x.unpack(this))); break;
      case UnaryOp::Cos: gx = neg(mul(g, unary(UnaryOp::Sin, x.unpack(this)))); break;
      case UnaryOp::Tan: {
        Tensor r = result.unpack(this);
        gx = mul(g, add(mul(r, r), num(1)));
        break;
      }
      case UnaryOp::Asin:
      case UnaryOp::Acos: {
        Tensor xv = x.unpack(this);
        gx = div(g, unary(UnaryOp::Sqrt, sub(num(1), mul(xv, xv))));
        if (op == UnaryOp::Acos) gx = neg(gx);
        break;
      }
      case UnaryOp::Atan: {
        Tensor xv = x.unpack(this);
        gx = div(g, add(mul(xv, xv), num(1)));
        break;
      }
      case UnaryOp::Sinh: gx = mul(g, unary(UnaryOp::Cosh, x.unpack(this))); break;
      case UnaryOp::Cosh: gx = mul(g, unary(UnaryOp::Sinh, x.unpack(this))); break;
      case UnaryOp::Tanh: {
        Tensor r = result.unpack(this);
        gx = mul(g, sub(num(1), mul(r, r)));
        break;
      }
      case UnaryOp::Sigmoid: {
        Tensor r = result.unpack(this);
        gx = mul(g, mul(r, sub(num(1), r)));
        break;
      }
      case UnaryOp::Reciprocal: {
        Tensor r = result.unpack(this);
        gx = neg(mul(g, mul(r, r)));
        break;
      }
      case UnaryOp::Erf: {
        Tensor xv = x.unpack(this);
        gx = mul(mul(g, unary(UnaryOp::Exp, neg(mul(xv, xv)))), 2.0 / std::sqrt(M_PI));
        break;
      }
      case UnaryOp::Exp2: gx = mul(mul(g, result.unpack(this)), std::log(2.0)); break;
      case UnaryOp::Lgamma: gx = mul(g, unary(UnaryOp::Digamma, x.unpack(this))); break;
      case UnaryOp::Digamma: gx = mul(g, trigamma(x.unpack(this))); break;
      case UnaryOp::I0: gx = mul(g, unary(UnaryOp::I1, x.unpack(this))); break;
      case UnaryOp::I1: {
        // i1'(x) = i0(x) - i1(x) / x, 1/2 at 0 (torch's i1_backward)
        Tensor xv = x.unpack(this);
        Tensor zero = binary(BinaryOp::Eq, xv, num(0));
        Tensor safe = where(zero, full(xv->sizes(), Scalar(1.0), xv->dtype(), xv->device()), xv);
        Tensor d = sub(unary(UnaryOp::I0, xv), div(unary(UnaryOp::I1, xv), safe));
        gx = mul(g, where(zero, num(0.5), d));
        break;
      }
      case UnaryOp::Erfc: {
        Tensor xv = x.unpack(this);
        gx = mul(mul(g, unary(UnaryOp::Exp, neg(mul(xv, xv)))), -2.0 / std::sqrt(M_PI));
        break;
      }
      case UnaryOp::Erfinv: {
        Tensor r = result.unpack(this);
        gx = mul(mul(g, unary(UnaryOp::Exp, mul(r, r))), std::sqrt(M_PI) / 2.0);
        break;
      }
      default:  // sign, rounding: zero almost everywhere
        gx = zeros_like(g);
    }
    return {reduce_to(gx, info)};
  }
};

bool uses_result(UnaryOp op) {
  switch (op) {
    case UnaryOp::Relu: case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Sqrt: case UnaryOp::Rsqrt:
    case UnaryOp::Tan: case UnaryOp::Tanh: case UnaryOp::Sigmoid: case UnaryOp::Reciprocal: case UnaryOp::Exp2:
    case UnaryOp::Erfinv:
      return true;
    default:
      return false;
  }
}

// Binary ops with a gradient: the arithmetic ones, which come first in BinaryOp (bitwise, comparison and logical
// ops produce integers or bools).
constexpr int kDifferentiableBinaryOps = static_cast<int>(BinaryOp::Copysign) + 1;
static_assert(static_cast<int>(BinaryOp::BitwiseAnd) == kDifferentiableBinaryOps,
              "BinaryOp lists its differentiable ops first, ending with Copysign");
bool is_differentiable(BinaryOp op) { return static_cast<int>(op) < kDifferentiableBinaryOps; }

struct BinaryBackward : Node {
  BinaryOp op;
  Scalar alpha;
  SavedTensor a, b, result;
  InputInfo ia, ib;
  std::string name() const override {
    static const char* const names[] = {"AddBackward0", "SubBackward0", "MulBackward0", "DivBackward0",
                                        "PowBackward1", "MaximumBackward0", "MinimumBackward0", "RemainderBackward0",
                                        "FloorDivideBackward0", "Atan2Backward0", "FmodBackward1",
                                        "HypotBackward0", "CopysignBackward0"};
    static_assert(sizeof(names) / sizeof(names[0]) == kDifferentiableBinaryOps, "one name per differentiable op");
    return is_differentiable(op) ? names[static_cast<int>(op)] : "NotDifferentiable";
  }
  void release_saved() override { a.reset(); b.reset(); result.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    bool need_a = next_edges[0].valid(), need_b = next_edges.size() > 1 && next_edges[1].valid();
    Tensor ga, gb;
    switch (op) {
      case BinaryOp::Add:
      case BinaryOp::Sub:
        if (need_a) ga = g;
        if (need_b) {
          gb = alpha.d == 1.0 ? g : mul(g, alpha.d);
          if (op == BinaryOp::Sub) gb = neg(gb);
        }
        break;
      case BinaryOp::Mul:
        if (need_a) ga = mul(g, b.unpack(this));
        if (need_b) gb = mul(g, a.unpack(this));
        break;
      case BinaryOp::Div: {
        Tensor bv = b.unpack(this);
        if (need_a) ga = div(g, bv);
        if (need_b) gb = neg(div(mul(g, a.unpack(this)), mul(bv, bv)));
        break;
      }
      case BinaryOp::Pow: {
        Tensor av = a.unpack(this), bv = b.unpack(this);
        if (need_a) {
          // b * a^(b-1), defined as 0 where b == 0 (so 0^0 does not give nan)
          Tensor d = mul(bv, binary(BinaryOp::Pow, av, sub(bv, num(1))));
          ga = mul(g, where(binary(BinaryOp::Eq, bv, num(0)), zeros_like(d), d));
        }
        if (need_b) {
          // a^b * log(a), defined as 0 where a == 0 and b >= 0
          Tensor d = mul(result.unpack(this), unary(UnaryOp::Log, av));
          Tensor zero_base = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Eq, av, num(0)), binary(BinaryOp::Ge, bv, num(0)));
          gb = mul(g, where(zero_base, zeros_like(d), d));
        }
        break;
      }
      case BinaryOp::Maximum:
      case BinaryOp::Minimum: {
        // The winner takes the gradient; ties split it evenly, as in torch.
        Tensor av = a.unpack(this), bv = b.unpack(this);
        BinaryOp win = op == BinaryOp::Maximum ? BinaryOp::Gt : BinaryOp::Lt;
        Tensor tie = mul(mask_as(binary(BinaryOp::Eq, av, bv), g), 0.5);
        if (need_a) ga = mul(g, add(mask_as(binary(win, av, bv), g), tie));
        if (need_b) gb = mul(g, add(mask_as(binary(win, bv, av), g), tie));
        break;
      }
      case BinaryOp::Remainder:
        if (need_a) ga = g;
        if (need_b) gb = neg(mul(g, binary(BinaryOp::FloorDivide, a.unpack(this), b.unpack(this))));
        break;
      case BinaryOp::Atan2: {
        Tensor av = a.unpack(this), bv = b.unpack(this);
        // At (0, 0) torch's gradient is 0, not 0 / 0.
        Tensor denom = add(mul(av, av), mul(bv, bv));
        Tensor zero = binary(BinaryOp::Eq, denom, num(0));
        Tensor safe = where(zero, full(denom->sizes(), Scalar(1.0), denom->dtype(), denom->device()), denom);
        if (need_a) ga = mul(div(mul(g, bv), safe), mask_as(unary(UnaryOp::LogicalNot, zero), g));
        if (need_b) gb = mul(neg(div(mul(g, av), safe)), mask_as(unary(UnaryOp::LogicalNot, zero), g));
        break;
      }
      case BinaryOp::Fmod:
        if (need_a) ga = g;
        if (need_b) gb = neg(mul(g, div(a.unpack(this), b.unpack(this), RoundingMode::Trunc)));
        break;
      case BinaryOp::Hypot: {
        Tensor r = result.unpack(this);
        if (need_a) ga = div(mul(g, a.unpack(this)), r);
        if (need_b) gb = div(mul(g, b.unpack(this)), r);
        break;
      }
      case BinaryOp::Copysign: {
        // result / a, 0 where a == 0 (torch's copysign_tensor_self_backward); b gets no gradient
        Tensor av = a.unpack(this);
        if (need_a) {
          Tensor zero = binary(BinaryOp::Eq, av, num(0));
          Tensor ratio = div(result.unpack(this), where(zero, full(av->sizes(), Scalar(1.0), av->dtype(), av->device()), av));
          ga = mul(g, mul(ratio, mask_as(unary(UnaryOp::LogicalNot, zero), g)));
        }
        if (need_b) gb = zeros_like(g);
        break;
      }
      default:  // floor_divide and friends: zero gradient
        if (need_a) ga = zeros_like(g);
        if (need_b) gb = zeros_like(g);
    }
    return {ga ? reduce_to(ga, ia) : nullptr, gb ? reduce_to(gb, ib) : nullptr};
  }
};

bool saves_a(BinaryOp op) { return op != BinaryOp::Add && op != BinaryOp::Sub && op != BinaryOp::Div; }
bool saves_b(BinaryOp op) { return op != BinaryOp::Add && op != BinaryOp::Sub; }

std::shared_ptr<BinaryBackward> make_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  auto node = std::make_shared<BinaryBackward>();
  node->op = op;
  node->alpha = alpha;
  node->ia = InputInfo(a);
  node->ib = InputInfo(b);
  if (op == BinaryOp::Div || saves_a(op)) node->a = SavedTensor(a, false);
  if (saves_b(op)) node->b = SavedTensor(b, false);
  return node;
}

struct WhereBackward : Node {
  SavedTensor cond;
  InputInfo ia, ib;
  std::string name() const override { return "WhereBackward0"; }
  void release_saved() override { cond.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor c = cond.unpack(this), z = zeros_like(g);
    return {next_edges[0].valid() ? reduce_to(where(c, g, z), ia) : nullptr,
            next_edges[1].valid() ? reduce_to(where(c, z, g), ib) : nullptr};
  }
};

struct ClampBackward : Node {
  SavedTensor x;
  std::optional<Scalar> lo, hi;
  InputInfo info;
  std::string name() const override { return "ClampBackward1"; }
  void release_saved() override { x.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor xv = x.unpack(this);
    Tensor keep;
    if (lo) keep = binary(BinaryOp::Ge, xv, wrap_scalar(*lo));
    if (hi) {
      Tensor k = binary(BinaryOp::Le, xv, wrap_scalar(*hi));
      keep = keep ? binary(BinaryOp::LogicalAnd, keep, k) : k;
    }
    return {reduce_to(mul(g, mask_as(keep, g)), info)};
  }
};

struct CastBackward : Node {
  InputInfo info;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override { return {reduce_to(g, info)}; }
};

// self.copy_(src) / fill_: the overwritten values get no gradient, src gets all of it.
struct CopyBackward : Node {
  InputInfo src_info;
  bool has_src = true;
  std::string name() const override { return has_src ? "CopyBackwards" : "FillBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    std::vector<Tensor> out{zeros_like(g)};
    if (has_src) out.push_back(next_edges[1].valid() ? reduce_to(g, src_info) : nullptr);
    return out;
  }
};

}  // namespace

bool unary_backward_needs_input(UnaryOp op) { return !uses_result(op); }

void record_unary(UnaryOp op, const Tensor& x, const Tensor& out) {
  if (op >= UnaryOp::LogicalNot || op == UnaryOp::BitwiseNot) return;  // bool results are not differentiable
  auto node = std::make_shared<UnaryBackward>();
  node->op = op;
  node->info = InputInfo(x);
  record(node, {&x}, out);
  if (uses_result(op)) node->result = SavedTensor(out, true);
  else node->x = SavedTensor(x, false);
}

void record_unary_inplace(UnaryOp op, const Tensor& old, const Tensor& self) {
  auto node = std::make_shared<UnaryBackward>();
  node->op = op;
  node->info = InputInfo(self);
  record_inplace(node, self, {});
  if (uses_result(op)) node->result = SavedTensor(self, true);
  else node->x = SavedTensor(old, false);
}

void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out, const Scalar& alpha) {
  if (!is_differentiable(op)) return;  // integer and bool results
  auto node = make_binary(op, a, b, alpha);
  record(node, {&a, &b}, out);
  if (op == BinaryOp::Pow || op == BinaryOp::Hypot || op == BinaryOp::Copysign) node->result = SavedTensor(out, true);
}

void record_binary_inplace(BinaryOp op, const Tensor& old, const Tensor& other, const Tensor& self, const Scalar& alpha) {
  if (!is_differentiable(op)) return;
  auto node = make_binary(op, old, other, alpha);
  record_inplace(node, self, {&other});
  if (op == BinaryOp::Pow || op == BinaryOp::Hypot || op == BinaryOp::Copysign) node->result = SavedTensor(self, true);
}

void record_where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  auto node = std::make_shared<WhereBackward>();
  node->cond = SavedTensor(cond, false);
  node->ia = InputInfo(a);
  node->ib = InputInfo(b);
  record(node, {&a, &b}, out);
}

namespace {
std::shared_ptr<ClampBackward> make_clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  auto node = std::make_shared<ClampBackward>();
  node->x = SavedTensor(x, false);
  node->lo = lo;
  node->hi = hi;
  node->info = InputInfo(x);
  return node;
}
}  // namespace

void record_clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& out) {
  record(make_clamp(x, lo, hi), {&x}, out);
}

void record_clamp_inplace(const Tensor& old, std::optional<Scalar> lo, std::optional<Scalar> hi, const Tensor& self) {
  record_inplace(make_clamp(old, lo, hi), self, {});
}

void record_cast(const Tensor& x, const Tensor& out, const char* name) {
  auto node = std::make_shared<CastBackward>();
  node->info = InputInfo(x);
  node->label = name;
  record(node, {&x}, out);
}

void record_copy_inplace(const Tensor& src, const Tensor& self) {
  auto node = std::make_shared<CopyBackward>();
  node->src_info = InputInfo(src);
  record_inplace(node, self, {&src});
}

void record_fill_inplace(const Tensor& self) {
  auto node = std::make_shared<CopyBackward>();
  node->has_src = false;
  record_inplace(node, self, {});
}

}  // namespace autograd
}  // namespace pynn
