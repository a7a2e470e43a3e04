// Backward of reductions and scans, following torch's formulas (FunctionsManual.cpp): sum/mean broadcast the
// gradient back; max/min/amax/amin route it to the selected elements; prod, var/std, norm, logsumexp, cumsum and
// cumprod use their closed forms, with torch's special cases at zeros and ties.
#include <cmath>
#include <limits>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "ops/indexing.h"
#include "ops/reduce.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

std::vector<int64_t> as_i64(const std::vector<int>& dims) { return std::vector<int64_t>(dims.begin(), dims.end()); }

Tensor eq(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Eq, a, b); }
Tensor eq0(const Tensor& a) { return eq(a, num(0)); }
Tensor sign(const Tensor& a) { return unary(UnaryOp::Sign, a); }
Tensor absolute(const Tensor& a) { return unary(UnaryOp::Abs, a); }
Tensor power(const Tensor& a, double e) { return binary(BinaryOp::Pow, a, num(e)); }
// where(cond, 0, v): torch's masked_fill(cond, 0), without spreading NaN from the masked-out values.
Tensor zero_where(const Tensor& cond, const Tensor& v) { return where(cond, num(0), v); }
// 0, 1, ..., n-1 (int64) laid along dim d of an ndim-dim tensor, every other dim of size 1.
Tensor positions(int64_t n, int ndim, int d, Device device) {
  std::vector<int64_t> shape(ndim, 1);
  shape[d] = n;
  return reshape(arange(Scalar(int64_t(0)), Scalar(n), Scalar(int64_t(1)), ScalarType::Int64, device), shape);
}
bool any_true(const Tensor& mask) { return item(pynn::any(mask)).i != 0; }
int64_t count_true(const Tensor& mask) { return item(pynn::sum(mask)).i; }

// Shared by every reduction node: the input's shape/dtype, the reduced dims and how to undo keepdim=false.
struct ReduceNode : Node {
  InputInfo info;
  ScalarType compute = ScalarType::Float32;  // dtype the forward computed in (an explicit dtype= may differ)
  std::vector<int> dims;                     // reduced dims of the input, sorted
  bool keepdim = false;
  SavedTensor x, result;
  void release_saved() override { x.reset(); result.reset(); }

  // t (shaped like the output) with the reduced dims back as size 1, so it broadcasts against the input.
  Tensor restore(Tensor t) const {
    if (!keepdim)
      for (int d : dims) t = unsqueeze(t, d);
    return t;
  }
  Tensor input() const { return to_dtype(x.unpack(this), compute); }
  Tensor done(const Tensor& gx) const {
    Tensor r = gx->sizes() == info.shape ? gx : expand_to(gx, info.shape);
    return r->dtype() == info.dtype ? r : to_dtype(r, info.dtype);
  }
  // The reduced count of elements (1 for a 0-dim input).
  int64_t reduced_numel() const {
    int64_t n = 1;
    for (int d : dims) n *= info.shape[d];
    return n;
  }
};

// Wires a node and fills the fields every reduction shares; the result is saved once it has its grad_fn.
template <typename N>
std::shared_ptr<N> make_node(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out,
                             const char* op, bool save_x, bool save_result) {
  auto node = std::make_shared<N>();
  node->info = InputInfo(x);
  node->compute = out->dtype();
  node->dims = reduction_dims(dims, x->dim(), op);
  node->keepdim = keepdim;
  if (save_x) node->x = SavedTensor(x, false);
  record(node, {&x}, out);
  if (save_result) node->result = SavedTensor(out, true);
  return node;
}

struct SumBackward : ReduceNode {
  bool mean = false;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gx = expand_to(restore(g), info.shape);
    if (mean) {
      const int64_t n = reduced_numel();
      gx = mul(gx, n == 0 ? 0.0 : 1.0 / static_cast<double>(n));
    }
    return {done(gx)};
  }
};

// amax/amin split the gradient evenly among the tied extremes of each reduced slice; max()/min() over
// everything do the same and count a NaN result as matching every NaN of the input.
struct ExtremeBackward : ReduceNode {
  bool is_max = true, all_dims = false;
  std::string name() const override {
    if (all_dims) return is_max ? "MaxBackward1" : "MinBackward1";
    return is_max ? "AmaxBackward0" : "AminBackward0";
  }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor xv = x.unpack(this), r = restore(result.unpack(this));
    Tensor mask = eq(xv, r);
    if (all_dims) {
      Tensor both_nan = binary(BinaryOp::LogicalAnd, unary(UnaryOp::IsNan, xv), unary(UnaryOp::IsNan, r));
      mask = binary(BinaryOp::LogicalOr, mask, both_nan);
    }
    Tensor maskf = mask_as(mask, g);
    Tensor share = div(restore(g), pynn::sum(maskf, as_i64(dims), true));
    // torch: max() fills the mask (zeros elsewhere), amax multiplies by it (NaN spreads where nothing matched)
    return {done(all_dims ? where(mask, share, num(0)) : mul(share, maskf))};
  }
};

// max(dim)/min(dim) values: the gradient goes to the element the index output points at.
struct SelectDimBackward : ReduceNode {
  bool is_max = true;
  SavedTensor indices;
  std::string name() const override { return is_max ? "MaxBackward0" : "MinBackward0"; }
  void release_saved() override {
    ReduceNode::release_saved();
    indices.reset();
  }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (info.shape.size() == 0) return {done(g)};
    Tensor gr = restore(g);
    return {done(scatter(full(info.shape, Scalar(0.0), gr->dtype(), gr->device()), dims[0], restore(indices.unpack(this)), gr))};
  }
};

// Reversed inclusive scan: r[i] = sum_{j >= i} w[j] along d.
Tensor reversed_cumsum(const Tensor& w, int d) { return flip(pynn::cumsum(flip(w, {d}), d), {d}); }

// [1, x_0, ..., x_{n-2}] along d.
Tensor shift_in_one(const Tensor& x, int d) {
  Dims ones_shape = x->sizes();
  ones_shape[d] = 1;
  return cat({full(ones_shape, Scalar(1.0), x->dtype(), x->device()), narrow(x, d, 0, x->sizes()[d] - 1)}, d);
}

// grad * prod_{j != i} x[j] along d as (product of the elements before i) * (product of those after i): zeros
// need no division and the formula stays differentiable (torch's prod_safe_zeros_backward).
Tensor prod_safe_zeros(const Tensor& g, const Tensor& in, int d) {
  if (in->numel() == 0) return expand_to(g, in->sizes());
  Tensor before = pynn::cumprod(shift_in_one(in, d), d);
  Tensor after = flip(pynn::cumprod(shift_in_one(flip(in, {d}), d), d), {d});
  return mul(g, mul(before, after));
}

struct ProdBackward : ReduceNode {
  bool all_dims = false;
  std::string name() const override { return all_dims ? "ProdBackward0" : "ProdBackward1"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor in = input();
    if (in->dim() == 0) return {done(g)};
    Tensor gr = restore(g), r = restore(result.unpack(this));
    Tensor zeros = eq0(in);
    if (!any_true(zeros)) return {done(mul(gr, div(r, in)))};
    if (!all_dims) return {done(prod_safe_zeros(gr, in, dims[0]))};
    // Several zeros give a zero gradient; with create_graph the exact formula keeps the second derivative.
    if (!grad_enabled() && count_true(zeros) > 1) return {done(zeros_like(in))};
    Tensor flat = reshape(contiguous(in), {-1});
    return {done(reshape(prod_safe_zeros(reshape(g, {1}), flat, 0), info.shape.vec()))};
  }
};

struct VarStdBackward : ReduceNode {
  bool is_std = false, all_dims = false;
  double correction = 1.0;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gv = g;
    if (is_std) {  // d std = d var / (2 std); torch zeroes it where std == 0
      Tensor r = result.unpack(this);
      gv = zero_where(eq0(r), div(g, mul(r, 2.0)));
    }
    Tensor xv = x.unpack(this);
    if (all_dims) {
      const double dof = static_cast<double>(xv->numel()) - correction;
      Tensor centered = sub(xv, pynn::mean(xv));
      if (dof <= 0) {  // 2/dof is infinite: NaN where x equals the mean (inf * 0), inf elsewhere, as torch
        const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
        return {done(mul(gv, where(eq0(centered), num(nan), num(inf))))};
      }
      return {done(mul(mul(gv, 2.0 / dof), centered))};
    }
    const double scale = 2.0 / (static_cast<double>(reduced_numel()) - correction);
    Tensor centered = sub(xv, pynn::mean(xv, as_i64(dims), true));
    return {done(mul(mul(restore(gv), scale), centered))};
  }
};

struct NormBackward : ReduceNode {
  double p = 2.0;
  std::string name() const override { return "LinalgVectorNormBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (p == 0.0) return {nullptr};  // piecewise constant: torch leaves the gradient undefined
    Tensor xv = input(), gr = restore(g), nr = restore(result.unpack(this));
    if (p == 1.0) return {done(mul(sign(xv), gr))};
    if (p == 2.0) return {done(mul(gr, zero_where(eq0(nr), div(xv, nr))))};
    if (std::isinf(p)) {  // the elements whose |x| is the norm share the gradient (NaNs count as such)
      Tensor ax = absolute(xv);
      Tensor mask = mask_as(binary(BinaryOp::LogicalOr, eq(ax, nr), unary(UnaryOp::IsNan, ax)), gr);
      return {done(mul(sign(xv), mul(div(gr, pynn::sum(mask, as_i64(dims), true)), mask)))};
    }
    if (p < 1.0) {
      Tensor scaled = mul(sign(xv), zero_where(eq0(xv), power(absolute(xv), p - 1)));
      return {done(mul(mul(scaled, gr), power(nr, 1 - p)))};
    }
    Tensor scaled = p < 2.0 ? mul(sign(xv), power(absolute(xv), p - 1)) : mul(xv, power(absolute(xv), p - 2));
    return {done(mul(scaled, zero_where(eq0(nr), div(gr, power(nr, p - 1)))))};
  }
};

struct LogsumexpBackward : ReduceNode {
  std::string name() const override { return "LogsumexpBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor xv = input(), r = restore(result.unpack(this));
    return {done(mul(restore(g), unary(UnaryOp::Exp, sub(xv, r))))};
  }
};

// d/dx_i of sum_k g_k * prod_{j<=k} x_j along d, where some x are zero. Without create_graph: O(n) with masks
// (only the elements before the first zero, and the first zero itself, get a gradient). With create_graph:
// every prod_{j<=k, j!=i} x_j as a cumprod of x with x_i replaced by 1, O(n^2) but differentiable (as torch).
Tensor cumprod_backward_zeros(const Tensor& g, const Tensor& in, const Tensor& out, int d) {
  Tensor is_zero = eq0(in);
  if (!grad_enabled()) {
    Tensor zeros_so_far = pynn::cumsum(is_zero, d);
    Tensor before = eq0(zeros_so_far);
    Tensor first_zero = binary(BinaryOp::LogicalAnd, is_zero, eq(zeros_so_far, num(1)));
    Tensor w = where(before, mul(out, g), num(0));
    Tensor g_before = where(before, div(reversed_cumsum(w, d), where(before, in, num(1))), num(0));
    Tensor skip_first = pynn::cumprod(where(first_zero, num(1), in), d);
    Tensor from_first = where(eq0(zeros_so_far), num(0), mul(g, skip_first));
    Tensor g_first = where(first_zero, pynn::sum(from_first, {d}, true), num(0));
    return add(g_before, g_first);
  }
  const int64_t n = in->sizes()[d];
  const int nd = in->dim() + 1;  // axis d indexes i (the input element), axis d + 1 indexes j, then k
  Tensor i = positions(n, nd, d, in->device()), j = positions(n, nd, d + 1, in->device());
  Tensor without_i = pynn::cumprod(where(eq(i, j), num(1), unsqueeze(in, d)), d + 1);
  Tensor terms = where(binary(BinaryOp::Ge, j, i), mul(without_i, unsqueeze(g, d)), num(0));
  return pynn::sum(terms, {d + 1}, false);
}

struct CumulativeBackward : ReduceNode {
  bool is_prod = false;
  std::string name() const override { return is_prod ? "CumprodBackward0" : "CumsumBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (info.shape.size() == 0 || info.shape[dims[0]] <= 1 || g->numel() <= 1) return {done(g)};
    const int d = dims[0];
    if (!is_prod) return {done(reversed_cumsum(g, d))};
    Tensor in = input(), out = result.unpack(this);
    if (!any_true(eq0(in))) return {done(div(reversed_cumsum(mul(out, g), d), in))};
    return {done(cumprod_backward_zeros(g, in, out, d))};
  }
};

}  // namespace

void record_sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out, bool mean,
                const char* name) {
  auto node = make_node<SumBackward>(x, dims, keepdim, out, mean ? "mean" : "sum", false, false);
  node->mean = mean;
  node->label = name ? name : mean ? "MeanBackward0" : "SumBackward0";
}

void record_extreme(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out, bool is_max,
                    bool all_dims) {
  auto node = make_node<ExtremeBackward>(x, dims, keepdim, out, is_max ? "amax" : "amin", true, true);
  node->is_max = is_max;
  node->all_dims = all_dims;
}

void record_select_dim(const Tensor& x, int64_t dim, bool keepdim, const Tensor& values, const Tensor& indices,
                       bool is_max) {
  auto node = make_node<SelectDimBackward>(x, {dim}, keepdim, values, is_max ? "max" : "min", false, false);
  node->is_max = is_max;
  node->indices = SavedTensor(indices, false);
}

void record_prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim, const Tensor& out) {
  std::vector<int64_t> dims;
  if (dim) dims.push_back(*dim);
  auto node = make_node<ProdBackward>(x, dims, keepdim, out, "prod", true, true);
  node->all_dims = !dim;
}

void record_var_std(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim,
                    const Tensor& out, bool is_std, const char* name) {
  auto node = make_node<VarStdBackward>(x, dims, keepdim, out, is_std ? "std" : "var", true, is_std);
  node->is_std = is_std;
  node->all_dims = dims.empty() || x->dim() == 0;
  node->correction = correction;
  node->label = name ? name : is_std ? "StdBackward0" : "VarBackward0";
}

void record_norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out) {
  auto node = make_node<NormBackward>(x, dims, keepdim, out, "norm", true, true);
  node->p = p;
}

void record_logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const Tensor& out) {
  make_node<LogsumexpBackward>(x, dims, keepdim, out, "logsumexp", true, true);
}

void record_cumulative(const Tensor& x, int64_t dim, const Tensor& out, bool is_prod) {
  // keepdim: a scan keeps every dim, so restore() is the identity
  auto node = make_node<CumulativeBackward>(x, {dim}, true, out, is_prod ? "cumprod" : "cumsum", is_prod, is_prod);
  node->is_prod = is_prod;
}

}  // namespace autograd
}  // namespace pynn
