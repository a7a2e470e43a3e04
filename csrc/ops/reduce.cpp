#include "ops/reduce.h"

#include "autograd/functions.h"
#include "autograd/grad_mode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/shape.h"
#include "kernels/reduce.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(reduce_kernel, "sum");
PYNN_DEFINE_KERNEL(arg_reduce_kernel, "argmax");
PYNN_DEFINE_KERNEL(var_kernel, "var");
PYNN_DEFINE_KERNEL(logsumexp_kernel, "logsumexp");
PYNN_DEFINE_KERNEL(cumulative_kernel, "cumsum");

namespace {

// Raises NotImplementedError before any copy or cast when x's backend has no reduction kernels.
void check_backend(const Tensor& x, const char* op) { (void)reduce_kernel.at(x->device(), op); }

// How a reduction reads its input and where its output goes.
struct Plan {
  Tensor input;               // contiguous, read as [outer, size, inner]
  ReduceGeom g;
  Dims kept_sizes;            // the kernel's output, kept dims in the order the kernel writes them
  std::vector<int64_t> back;  // permutation restoring the kept dims' original order; empty when none is needed
  Dims out_shape;             // the result's shape (keepdim applied)
};

// perm: dims sorted so that permute(x, perm) is contiguous; false when x is not a dense permutation.
bool dense_order(const Tensor& x, std::vector<int64_t>& perm) {
  if (x->numel() == 0) return false;
  const Dims& sz = x->sizes();
  const Dims& st = x->strides();
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return st[(int)a] > st[(int)b]; });
  int64_t expected = 1;
  for (int i = static_cast<int>(perm.size()) - 1; i >= 0; --i) {
    int d = static_cast<int>(perm[i]);
    if (sz[d] == 1) continue;
    if (st[d] != expected) return false;
    expected *= sz[d];
  }
  return true;
}

// rd: sorted, wrapped reduced dims. logical_order: the reduced elements must be visited in row-major order
// (indices of a flattened argmax), so no memory-order shortcut is taken. allow_lead: the kernel accepts a
// leading reduced axis (ReduceGeom::lead).
Plan make_plan(const Tensor& x, const std::vector<int>& rd, bool keepdim, bool logical_order = false,
               bool allow_lead = true) {
  const int nd = x->dim();
  const Dims& sz = x->sizes();
  bool red[kMaxDims] = {};
  for (int d : rd) red[d] = true;
  Plan p;
  for (int d = 0; d < nd; ++d) {
    if (!red[d]) p.out_shape.push_back(sz[d]);
    else if (keepdim) p.out_shape.push_back(1);
  }

  // Memory order: src is a contiguous tensor whose dim i is x's dim perm[i].
  std::vector<int64_t> perm(nd);
  std::iota(perm.begin(), perm.end(), 0);
  Tensor src = x;
  if (!x->is_contiguous()) {
    if (!logical_order && dense_order(x, perm)) {
      src = permute(x, perm);
    } else {
      std::iota(perm.begin(), perm.end(), 0);
      src = contiguous(x);
    }
  }

  // Runs of reduced / kept dims in memory order (size-1 dims don't matter).
  struct Run {
    bool red;
    int64_t size;
  };
  std::vector<Run> runs;
  for (int i = 0; i < nd; ++i) {
    const int d = static_cast<int>(perm[i]);
    if (sz[d] == 1) continue;
    if (runs.empty() || runs.back().red != red[d]) runs.push_back({red[d], 1});
    runs.back().size *= sz[d];
  }
  int red_runs = 0;
  for (const Run& r : runs) red_runs += r.red;

  p.g = ReduceGeom{};
  if (red_runs == 0) {  // nothing of size > 1 is reduced: every output is a single input element
    p.input = src;
    p.g.outer = x->numel();
  } else if (red_runs == 1) {  // [kept, reduced, kept]: read in place
    p.input = src;
    bool before = true;
    for (const Run& r : runs) {
      if (r.red) {
        p.g.size = r.size;
        before = false;
      } else if (before) {
        p.g.outer *= r.size;
      } else {
        p.g.inner *= r.size;
      }
    }
  } else if (allow_lead && red_runs == 2 && runs[0].red && runs.size() <= 4) {
    // [reduced, kept, reduced, kept?] (NCHW over (0, 2, 3)): read in place with a leading reduced axis
    p.input = src;
    p.g.lead = runs[0].size;
    p.g.outer = runs[1].size;
    p.g.size = runs[2].size;
    if (runs.size() == 4) p.g.inner = runs[3].size;
  } else {  // kept dims first, reduced dims last, then one contiguous copy
    std::vector<int64_t> q;
    for (int i = 0; i < nd; ++i)
      if (!red[perm[i]]) {
        q.push_back(i);
        p.g.outer *= sz[(int)perm[i]];
      }
    for (int i = 0; i < nd; ++i)
      if (red[perm[i]]) {
        q.push_back(i);
        p.g.size *= sz[(int)perm[i]];
      }
    p.input = contiguous(permute(src, q));
  }
  PYNN_CHECK(p.input->is_contiguous(), "reduce", "internal error: reduction input is not contiguous");

  std::vector<int64_t> kept;  // original dims, in the order the kernel writes them
  for (int i = 0; i < nd; ++i)
    if (!red[perm[i]]) {
      kept.push_back(perm[i]);
      p.kept_sizes.push_back(sz[(int)perm[i]]);
    }
  bool ordered = true;
  int64_t last = -1;
  for (int64_t d : kept) {
    if (sz[(int)d] == 1) continue;
    if (d < last) ordered = false;
    last = d;
  }
  if (!ordered) {
    p.back.resize(kept.size());
    std::iota(p.back.begin(), p.back.end(), 0);
    std::sort(p.back.begin(), p.back.end(), [&](int64_t a, int64_t b) { return kept[a] < kept[b]; });
  }
  return p;
}

Tensor alloc_out(const Plan& p, ScalarType dtype) { return empty(p.kept_sizes, dtype, p.input->device()); }

Tensor finish(const Plan& p, Tensor out) {
  if (!p.back.empty()) out = contiguous(permute(out, p.back));
  return make_view(out, p.out_shape, contiguous_strides(p.out_shape), out->offset());
}

bool has_output(const Plan& p) { return p.g.outer * p.g.inner > 0; }

std::vector<int> dims_of(const Tensor& x, const std::vector<int64_t>& dims, const char* op) {
  return reduction_dims(dims, x->dim(), op);
}

// A reduction without an identity (max, argmax, inf-norm) over zero elements is an error, as in torch
// (IndexError for an empty reduced dim and for argmax/argmin over everything, RuntimeError otherwise).
// Called before the dims are checked for repeats: torch reports an empty reduced dim first.
void check_nonempty(const Tensor& x, const std::vector<int64_t>& dims, const char* op, bool is_arg = false) {
  if (x->numel() != 0) return;
  if (dims.empty() || x->dim() == 0) {
    if (is_arg)
      throw IndexError(str("[", op, "] ", op, "(): Expected reduction dim to be specified for input.numel() == 0."));
    PYNN_CHECK(false, op, op,
               "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
               "'dim' argument.");
  }
  for (int64_t raw : dims) {
    const int d = wrap_dim(raw, x->dim(), op);
    PYNN_CHECK_INDEX(x->sizes()[d] != 0, op, op, "(): Expected reduction dim ", d, " to have non-zero size.");
  }
}

// The 16-bit floats reduce in float32 and the result is rounded once (torch accumulates them in float too).
Tensor simple_reduce(const char* op, ReduceOp kind, const Tensor& x, const std::vector<int>& rd, bool keepdim,
                     ScalarType out_dtype, double arg = 1.0) {
  if (is_reduced_float(x->dtype()) || is_reduced_float(out_dtype)) {
    const ScalarType wide = is_reduced_float(out_dtype) ? ScalarType::Float32 : out_dtype;
    return to_dtype(simple_reduce(op, kind, widen_reduced(x), rd, keepdim, wide, arg), out_dtype);
  }
  Plan p = make_plan(x, rd, keepdim);
  Tensor out = alloc_out(p, out_dtype);
  if (has_output(p)) reduce_kernel.at(p.input->device(), op)(kind, p.input, out, p.g, arg);
  return finish(p, out);
}

ScalarType sum_dtype(ScalarType t) { return is_floating(t) ? t : ScalarType::Int64; }

Tensor sum_like(const char* op, ReduceOp kind, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                std::optional<ScalarType> dtype) {
  require_defined(op, x);
  check_backend(x, op);
  std::vector<int> rd = dims_of(x, dims, op);
  Tensor in = dtype ? to_dtype(x, *dtype) : x;
  ScalarType kdt = sum_dtype(in->dtype());
  Tensor r = simple_reduce(op, kind, in, rd, keepdim, kdt);
  if (dtype && *dtype != kdt) r = to_dtype(r, *dtype);
  return r;
}

std::pair<Tensor, Tensor> arg_reduce(const char* op, bool is_max, const Tensor& x, std::optional<int64_t> dim,
                                     bool keepdim, bool want_values) {
  require_defined(op, x);
  check_backend(x, op);
  std::vector<int64_t> dims;
  if (dim) dims.push_back(*dim);
  const bool is_arg = !want_values;
  PYNN_CHECK(!(is_arg && x->dtype() == ScalarType::Bool), op, op, "(): does not support bool input");
  if (is_reduced_float(x->dtype())) {
    std::pair<Tensor, Tensor> r = arg_reduce(op, is_max, widen_reduced(x), dim, keepdim, want_values);
    if (want_values) r.first = to_dtype(r.first, x->dtype());  // exact: the extreme is one of x's values
    return r;
  }
  check_nonempty(x, dims, op, is_arg);
  std::vector<int> rd = dims_of(x, dims, op);
  Plan p = make_plan(x, rd, keepdim, /*logical_order=*/!dim, /*allow_lead=*/false);
  Tensor values = want_values ? alloc_out(p, x->dtype()) : Tensor();
  Tensor indices = alloc_out(p, ScalarType::Int64);
  if (has_output(p)) arg_reduce_kernel.at(p.input->device(), op)(is_max, p.input, values, indices, p.g);
  return {want_values ? finish(p, values) : Tensor(), finish(p, indices)};
}

Tensor scan(const char* op, bool is_prod, const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
  require_defined(op, x);
  check_backend(x, op);
  const int d = wrap_dim(dim, x->dim(), op);
  Tensor in = contiguous(dtype ? to_dtype(x, *dtype) : x);
  if (is_reduced_float(in->dtype())) return to_dtype(scan(op, is_prod, widen_reduced(in), dim, std::nullopt), in->dtype());
  ScalarType kdt = sum_dtype(in->dtype());
  Tensor out = empty(in->sizes(), kdt, in->device());
  ReduceGeom g;
  for (int i = 0; i < in->dim(); ++i) {
    int64_t s = in->sizes()[i];
    if (i < d) g.outer *= s;
    else if (i == d) g.size *= s;
    else g.inner *= s;
  }
  if (out->numel() > 0) cumulative_kernel.at(in->device(), op)(is_prod, in, out, g);
  if (dtype && *dtype != kdt) out = to_dtype(out, *dtype);
  return out;
}

bool differentiable(const Tensor& x, const Tensor& out) { return is_floating(out->dtype()) && autograd::needs_grad(x); }

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  Tensor out = autograd::untracked([&] { return sum_like("sum", ReduceOp::Sum, x, dims, keepdim, dtype); });
  if (differentiable(x, out)) autograd::record_sum(x, dims, keepdim, out, false);
  return out;
}

namespace {
Tensor mean_forward(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  autograd::GradModeGuard off(false);
  require_defined("mean", x);
  check_backend(x, "mean");
  if (dtype) {
    PYNN_CHECK(is_floating(*dtype), "mean",
               "mean(): could not infer output dtype. Optional dtype must be either a floating point or complex "
               "dtype. Got: ", type_title(*dtype));
  } else {
    PYNN_CHECK(is_floating(x->dtype()), "mean",
               "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
               "Got: ", type_title(x->dtype()));
  }
  std::vector<int> rd = dims_of(x, dims, "mean");
  Tensor in = dtype ? to_dtype(x, *dtype) : x;
  int64_t n = 1;
  for (int d : rd) n *= x->sizes()[d];
  return simple_reduce("mean", ReduceOp::Sum, in, rd, keepdim, in->dtype(), static_cast<double>(n));
}
}  // namespace

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  Tensor out = mean_forward(x, dims, keepdim, dtype);
  if (differentiable(x, out)) autograd::record_sum(x, dims, keepdim, out, true);
  return out;
}

Tensor prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim, std::optional<ScalarType> dtype) {
  std::vector<int64_t> dims;
  if (dim) dims.push_back(*dim);
  Tensor out = autograd::untracked([&] { return sum_like("prod", ReduceOp::Prod, x, dims, keepdim, dtype); });
  if (differentiable(x, out)) autograd::record_prod(x, dim, keepdim, out);
  return out;
}

// all_dims: max()/min() of everything, whose backward also matches NaNs (amax/amin over every dim does not).
static Tensor extreme(const char* op, bool is_max, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                      bool all_dims) {
  Tensor out = autograd::untracked([&] {
    require_defined(op, x);
    check_backend(x, op);
    check_nonempty(x, dims, op);
    std::vector<int> rd = dims_of(x, dims, op);
    return simple_reduce(op, is_max ? ReduceOp::Max : ReduceOp::Min, x, rd, keepdim, x->dtype());
  });
  if (differentiable(x, out)) autograd::record_extreme(x, dims, keepdim, out, is_max, all_dims);
  return out;
}

Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("amax", true, x, dims, keepdim, false);
}
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("amin", false, x, dims, keepdim, false);
}
Tensor max(const Tensor& x) { return extreme("max", true, x, {}, false, true); }
Tensor min(const Tensor& x) { return extreme("min", false, x, {}, false, true); }

static std::pair<Tensor, Tensor> extreme_dim(bool is_max, const Tensor& x, int64_t dim, bool keepdim) {
  const char* op = is_max ? "max" : "min";
  std::pair<Tensor, Tensor> r = autograd::untracked([&] { return arg_reduce(op, is_max, x, dim, keepdim, true); });
  if (differentiable(x, r.first)) autograd::record_select_dim(x, dim, keepdim, r.first, r.second, is_max);
  return r;
}

std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim(true, x, dim, keepdim);
}
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim(false, x, dim, keepdim);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_reduce("argmax", true, x, dim, keepdim, false).second;
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_reduce("argmin", false, x, dim, keepdim, false).second;
}

static Tensor var_std_forward(const char* op, bool take_sqrt, const Tensor& x, const std::vector<int64_t>& dims,
                              double correction, bool keepdim) {
  autograd::GradModeGuard off(false);
  require_defined(op, x);
  check_backend(x, op);
  PYNN_CHECK(is_floating(x->dtype()), op, "std and var only support floating point and complex dtypes");
  if (is_reduced_float(x->dtype()))
    return to_dtype(var_std_forward(op, take_sqrt, widen_reduced(x), dims, correction, keepdim), x->dtype());
  std::vector<int> rd = dims_of(x, dims, op);
  Plan p = make_plan(x, rd, keepdim);
  Tensor out = alloc_out(p, x->dtype());
  if (has_output(p)) var_kernel.at(p.input->device(), op)(p.input, out, p.g, correction, take_sqrt);
  return finish(p, out);
}

static Tensor var_std(const char* op, bool take_sqrt, const Tensor& x, const std::vector<int64_t>& dims,
                      double correction, bool keepdim) {
  Tensor out = var_std_forward(op, take_sqrt, x, dims, correction, keepdim);
  if (differentiable(x, out)) autograd::record_var_std(x, dims, correction, keepdim, out, take_sqrt);
  return out;
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std("var", false, x, dims, correction, keepdim);
}
Tensor std(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std("std", true, x, dims, correction, keepdim);
}

// One fused op for torch: both outputs' grad_fn carry the fused node's name (one node per output here).
static std::pair<Tensor, Tensor> var_std_mean(bool take_sqrt, const Tensor& x, const std::vector<int64_t>& dims,
                                              double correction, bool keepdim) {
  const char* op = take_sqrt ? "std_mean" : "var_mean";
  const char* name = take_sqrt ? "StdMeanBackward0" : "VarMeanBackward0";
  Tensor v = var_std_forward(op, take_sqrt, x, dims, correction, keepdim);
  Tensor m = mean_forward(x, dims, keepdim, std::nullopt);
  if (differentiable(x, v)) {
    autograd::record_var_std(x, dims, correction, keepdim, v, take_sqrt, name);
    autograd::record_sum(x, dims, keepdim, m, true, name);
  }
  return {v, m};
}

std::pair<Tensor, Tensor> var_mean(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std_mean(false, x, dims, correction, keepdim);
}
std::pair<Tensor, Tensor> std_mean(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std_mean(true, x, dims, correction, keepdim);
}

static Tensor norm_forward(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim,
                           std::optional<ScalarType> dtype) {
  autograd::GradModeGuard off(false);
  const char* op = "norm";
  require_defined(op, x);
  check_backend(x, op);
  PYNN_CHECK(is_floating(x->dtype()), op,
             "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ", type_title(x->dtype()));
  if (dtype)
    PYNN_CHECK(is_floating(*dtype), op, "linalg.vector_norm: dtype should be floating point or complex. Got ",
               type_title(*dtype));
  std::vector<int> rd = dims_of(x, dims, op);
  if (x->numel() == 0 && (p < 0 || std::isinf(p))) {
    bool empty_reduction = rd.empty() ? true : false;
    for (int d : rd) empty_reduction = empty_reduction || x->sizes()[d] == 0;
    PYNN_CHECK(!empty_reduction, op, "linalg.vector_norm cannot compute the ", p,
               " norm on an empty tensor because the operation does not have an identity");
  }
  Tensor in = dtype ? to_dtype(x, *dtype) : x;
  ReduceOp kind = ReduceOp::NormP;
  if (p == 2) kind = ReduceOp::NormL2;
  else if (p == 1) kind = ReduceOp::NormL1;
  else if (p == 0) kind = ReduceOp::NormL0;
  else if (std::isinf(p)) kind = p > 0 ? ReduceOp::NormInf : ReduceOp::NormNegInf;
  return simple_reduce(op, kind, in, rd, keepdim, in->dtype(), p);
}

Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  Tensor out = norm_forward(x, p, dims, keepdim, dtype);
  if (differentiable(x, out)) autograd::record_norm(x, p, dims, keepdim, out);
  return out;
}

static Tensor logsumexp_forward(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  autograd::GradModeGuard off(false);
  require_defined("logsumexp", x);
  check_backend(x, "logsumexp");
  std::vector<int> rd = dims_of(x, dims, "logsumexp");
  Tensor in = is_floating(x->dtype()) ? x : to_dtype(x, default_float());
  if (is_reduced_float(in->dtype())) return to_dtype(logsumexp_forward(widen_reduced(in), dims, keepdim), in->dtype());
  Plan p = make_plan(in, rd, keepdim, false, /*allow_lead=*/false);
  Tensor out = alloc_out(p, in->dtype());
  if (has_output(p)) logsumexp_kernel(p.input->device(), p.input, out, p.g);
  return finish(p, out);
}

Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor out = logsumexp_forward(x, dims, keepdim);
  if (differentiable(x, out)) autograd::record_logsumexp(x, dims, keepdim, out);
  return out;
}

Tensor all(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  require_defined("all", x);
  check_backend(x, "all");
  return simple_reduce("all", ReduceOp::All, x, dims_of(x, dims, "all"), keepdim, ScalarType::Bool);
}

Tensor any(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  require_defined("any", x);
  check_backend(x, "any");
  return simple_reduce("any", ReduceOp::Any, x, dims_of(x, dims, "any"), keepdim, ScalarType::Bool);
}

static Tensor recorded_scan(const char* op, bool is_prod, const Tensor& x, int64_t dim,
                            std::optional<ScalarType> dtype) {
  Tensor out = autograd::untracked([&] { return scan(op, is_prod, x, dim, dtype); });
  if (differentiable(x, out)) autograd::record_cumulative(x, dim, out, is_prod);
  return out;
}

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
  return recorded_scan("cumsum", false, x, dim, dtype);
}
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
  return recorded_scan("cumprod", true, x, dim, dtype);
}

}  // namespace pynn
