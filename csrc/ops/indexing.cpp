#include "ops/indexing.h"

#include <algorithm>
#include <string>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "cpu/indexing.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace pynn {
namespace {

// A 0-dim tensor seen as shape [1] (torch treats scalars as 1-element vectors in gather, sort, ...).
Tensor as_1d(const Tensor& t) { return t->dim() == 0 ? make_view(t, Dims{1}, Dims{1}, t->offset()) : t; }
Tensor as_0d(const Tensor& t) { return make_view(t, Dims{}, Dims{}, t->offset()); }

// Composite forwards run with recording off; the op then records its own single node.
template <typename F>
auto untracked(F f) {
  autograd::GradModeGuard off(false);
  return f();
}

bool any_needs_grad(const std::vector<Tensor>& ts) {
  if (!autograd::grad_enabled()) return false;
  for (const Tensor& t : ts)
    if (autograd::requires_grad(t)) return true;
  return false;
}

bool is_index_dtype(ScalarType t) { return t == ScalarType::Int64 || t == ScalarType::Int32; }

// Contiguous int64 copy of an index tensor (the tensor itself when it already is one).
Tensor index_as_int64(const Tensor& index) { return contiguous(to_dtype(index, ScalarType::Int64)); }

// Every value of a contiguous int64 tensor must lie in [0, size).
void check_index_range(const Tensor& idx, int64_t size, int dim, const char* op, bool index_error) {
  const int64_t* p = idx->data_ptr<int64_t>();
  const int64_t n = idx->numel();
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] < 0 || p[i] >= size) {
      std::string msg = str("[", op, "] index ", p[i], " is out of bounds for dimension ", dim, " with size ", size);
      if (index_error) throw IndexError(msg);
      throw std::runtime_error(msg);
    }
  }
}


bool shares_storage(const Tensor& a, const Tensor& b) { return a->storage() == b->storage(); }

// Drops leading size-1 dims of an assigned value, as torch's __setitem__ does (x[0] = t of shape [1, 3]).
Tensor strip_leading_ones(const Tensor& v) {
  int lead = 0;
  while (lead < v->dim() && v->sizes()[lead] == 1) ++lead;
  if (lead == 0) return v;
  Dims sizes, strides;
  for (int d = lead; d < v->dim(); ++d) {
    sizes.push_back(v->sizes()[d]);
    strides.push_back(v->strides()[d]);
  }
  if (autograd::needs_grad(v)) return reshape(v, sizes.vec());  // recorded: the value's gradient flows back
  return make_view(v, sizes, strides, v->offset());
}

// ---------------------------------------------------------------------------------------------------
// Advanced indexing plan: result[pre..., broadcast..., post...] = src[pre + mid + post] (element offsets).
struct AdvPlan {
  Dims shape;
  std::vector<int64_t> pre, mid, post;
};

// indices: one entry per dim of src (null = the whole dim); non-null entries are int32/int64 tensors.
AdvPlan plan_advanced(const Tensor& src, const std::vector<Tensor>& indices, const char* op) {
  const int nd = src->dim();
  std::vector<int> K;
  Dims B;
  for (int k = 0; k < nd; ++k) {
    if (!indices[k]) continue;
    const Dims& s = indices[k]->sizes();
    if (K.empty()) {
      B = s;
    } else {
      int n = std::max(B.size(), s.size());
      Dims out(n);
      bool ok = true;
      for (int i = 0; i < n; ++i) {
        int ia = B.size() - n + i, ib = s.size() - n + i;
        int64_t a = ia >= 0 ? B[ia] : 1, b = ib >= 0 ? s[ib] : 1;
        if (a != b && a != 1 && b != 1) ok = false;
        out[i] = a == 1 ? b : a;
      }
      if (!ok) {
        std::string shapes;
        for (int j = 0; j < nd; ++j)
          if (indices[j]) shapes += (shapes.empty() ? "" : ", ") + indices[j]->sizes().str();
        throw IndexError(str("[", op, "] shape mismatch: indexing tensors could not be broadcast together with shapes ",
                             shapes));
      }
      B = out;
    }
    K.push_back(k);
  }
  AdvPlan plan;
  const int64_t nb = B.prod();
  plan.mid.assign(static_cast<size_t>(nb), 0);
  for (int k : K) {
    Tensor t = contiguous(expand_to(to_dtype(indices[k], ScalarType::Int64), B));
    const int64_t* p = t->data_ptr<int64_t>();
    const int64_t size = src->sizes()[k], stride = src->strides()[k];
    for (int64_t j = 0; j < nb; ++j) {
      int64_t v = p[j];
      PYNN_CHECK_INDEX(v >= -size && v < size, op, "index ", v, " is out of bounds for dimension ", k, " with size ",
                       size);
      if (v < 0) v += size;
      plan.mid[j] += v * stride;
    }
  }
  const bool adjacent = K.back() - K.front() + 1 == static_cast<int>(K.size());
  std::vector<int64_t> pre_sizes, pre_strides, post_sizes, post_strides;
  for (int d = 0; d < nd; ++d) {
    if (std::find(K.begin(), K.end(), d) != K.end()) continue;
    if (adjacent && d < K.front()) {
      pre_sizes.push_back(src->sizes()[d]);
      pre_strides.push_back(src->strides()[d]);
    } else {
      post_sizes.push_back(src->sizes()[d]);
      post_strides.push_back(src->strides()[d]);
    }
  }
  for (int64_t s : pre_sizes) plan.shape.push_back(s);
  for (int64_t s : B) plan.shape.push_back(s);
  for (int64_t s : post_sizes) plan.shape.push_back(s);
  if (plan.shape.prod() == 0) {  // nothing to move; skip building tables
    plan.pre.clear();
    plan.mid.clear();
    plan.post.clear();
    return plan;
  }
  plan.pre = cpu::strided_offsets(pre_sizes, pre_strides);
  plan.post = cpu::strided_offsets(post_sizes, post_strides);
  return plan;
}

// Expands bool masks into long index tensors (one per masked dim) and checks dtypes; pads to src->dim().
std::vector<Tensor> normalize_indices(const Tensor& src, const std::vector<Tensor>& indices, const char* op) {
  std::vector<Tensor> out;
  int d = 0;
  for (const Tensor& t : indices) {
    if (!t) {
      out.push_back(nullptr);
      ++d;
      continue;
    }
    if (t->dtype() == ScalarType::Bool) {
      PYNN_CHECK_INDEX(d + t->dim() <= src->dim(), op, "too many indices for tensor of dimension ", src->dim());
      for (int k = 0; k < t->dim(); ++k)
        PYNN_CHECK_INDEX(t->sizes()[k] == src->sizes()[d + k], op, "The shape of the mask ", t->sizes().str(),
                         " at index ", k, " does not match the shape of the indexed tensor ", src->sizes().str(),
                         " at index ", d + k);
      Tensor nz = nonzero(t);
      for (int k = 0; k < t->dim(); ++k) out.push_back(select(nz, 1, k));
      d += t->dim();
    } else {
      PYNN_CHECK_INDEX(is_index_dtype(t->dtype()), op, "tensors used as indices must be long, int or bool tensors");
      out.push_back(t);
      ++d;
    }
  }
  PYNN_CHECK_INDEX(static_cast<int>(out.size()) <= src->dim(), op, "too many indices for tensor of dimension ",
                   src->dim());
  out.resize(static_cast<size_t>(src->dim()));
  return out;
}

bool any_defined(const std::vector<Tensor>& v) {
  for (const Tensor& t : v)
    if (t) return true;
  return false;
}

Tensor take_advanced(const Tensor& src, const std::vector<Tensor>& adv, const char* op) {
  AdvPlan plan = plan_advanced(src, adv, op);
  Tensor out = empty(plan.shape, src->dtype());
  cpu::index_take(out->data(), src->data(), src->itemsize(), plan.pre, plan.mid, plan.post);
  return out;
}

void put_advanced(const Tensor& dst, const std::vector<Tensor>& adv, const Tensor& value, bool accumulate,
                  const char* op) {
  AdvPlan plan = plan_advanced(dst, adv, op);
  Tensor v = strip_leading_ones(value);
  bool ok = v->dim() <= plan.shape.size();
  for (int i = 0; ok && i < v->dim(); ++i) {
    int64_t vs = v->sizes()[v->dim() - 1 - i], rs = plan.shape[plan.shape.size() - 1 - i];
    ok = vs == rs || vs == 1;
  }
  PYNN_CHECK(ok, op, "shape mismatch: value tensor of shape ", value->sizes().str(),
             " cannot be broadcast to indexing result of shape ", plan.shape.str());
  v = to_dtype(v, dst->dtype());
  if (shares_storage(v, dst)) v = clone(v);
  v = contiguous(expand_to(v, plan.shape));
  cpu::index_put(dst->data(), v->data(), dst->dtype(), plan.pre, plan.mid, plan.post, accumulate);
}

bool nonempty_selection(const Tensor& view, const Tensor& mask) { return view->numel() > 0 && mask->numel() > 0; }

// ---------------------------------------------------------------------------------------------------
// Basic part of a Python index: ints/slices/None/Ellipsis applied as views; tensors collected per dim.
struct Walk {
  Tensor view;
  std::vector<Tensor> adv;   // per dim of `view`; null: not indexed
  std::vector<int8_t> kind;  // per dim: 0 none, 1 index tensor, 2 Python True, 3 Python False, 4 bool mask
  std::vector<std::pair<Tensor, int>> masks;  // bool masks and their first dim; nonzero() runs only if needed
  // The index held exactly one advanced part, a bool mask (ndim >= 1) over dims [mask_dim, mask_dim + ndim).
  Tensor mask;
  int mask_dim = 0;
  int advanced_parts = 0;
};

Walk walk_index(const Tensor& x, const std::vector<TensorIndex>& idx, const char* op) {
  using K = TensorIndex::Kind;
  int64_t specified = 0;
  for (const TensorIndex& i : idx) {
    if (i.kind == K::Int || i.kind == K::Slice) ++specified;
    else if (i.kind == K::Tensor) {
      PYNN_CHECK_TYPE(i.tensor, op, "expected a Tensor index, got None");
      specified += i.tensor->dtype() == ScalarType::Bool ? i.tensor->dim() : 1;
    }
  }
  PYNN_CHECK_INDEX(specified <= x->dim(), op, "too many indices for tensor of dimension ", x->dim());
  Walk w;
  Tensor r = x;
  int dim = 0;
  auto push = [&](Tensor t, int8_t kind) {
    w.adv.resize(static_cast<size_t>(dim));
    w.kind.resize(static_cast<size_t>(dim), 0);
    w.adv.push_back(std::move(t));
    w.kind.push_back(kind);
    ++dim;
  };
  for (const TensorIndex& i : idx) {
    switch (i.kind) {
      case K::Int: {
        const int64_t size = r->sizes()[dim];
        PYNN_CHECK_INDEX(i.integer >= -size && i.integer < size, op, "index ", i.integer,
                         " is out of bounds for dimension ", dim, " with size ", size);
        r = select(r, dim, i.integer);
        break;
      }
      case K::Slice:
        PYNN_CHECK_VALUE(i.step > 0, op, "step must be greater than zero");
        r = slice(r, dim, i.start, i.stop, i.step);
        push(nullptr, 0);
        break;
      case K::None:
        r = unsqueeze(r, dim);
        push(nullptr, 0);
        break;
      case K::Ellipsis:
        dim += static_cast<int>(x->dim() - specified);
        break;
      case K::Bool:
        ++w.advanced_parts;
        r = unsqueeze(r, dim);
        push(nullptr, i.boolean ? 2 : 3);
        break;
      case K::Tensor: {
        const Tensor& t = i.tensor;
        if (t->dim() > 0 || t->dtype() == ScalarType::Bool) ++w.advanced_parts;
        if (t->dim() == 0 && is_index_dtype(t->dtype())) {  // torch: a 0-dim integer tensor acts as an int
          const int64_t v = item(t).i, size = r->sizes()[dim];
          PYNN_CHECK_INDEX(v >= -size && v < size, op, "index ", v, " is out of bounds for dimension ", dim,
                           " with size ", size);
          r = select(r, dim, v);
        } else if (t->dtype() == ScalarType::Bool && t->dim() == 0) {
          bool b = item(t).to<bool>();
          r = unsqueeze(r, dim);
          push(nullptr, b ? 2 : 3);
        } else if (t->dtype() == ScalarType::Bool) {
          for (int k = 0; k < t->dim(); ++k)
            PYNN_CHECK_INDEX(t->sizes()[k] == r->sizes()[dim + k], op, "The shape of the mask ", t->sizes().str(),
                             " at index ", k, " does not match the shape of the indexed tensor ", r->sizes().str(),
                             " at index ", dim + k);
          w.mask = t;
          w.mask_dim = dim;
          w.masks.emplace_back(t, dim);
          for (int k = 0; k < t->dim(); ++k) push(nullptr, 4);
        } else {
          PYNN_CHECK_INDEX(is_index_dtype(t->dtype()), op,
                           "tensors used as indices must be long, int or bool tensors");
          push(t, 1);
        }
        break;
      }
    }
  }
  w.adv.resize(static_cast<size_t>(r->dim()));
  w.kind.resize(static_cast<size_t>(r->dim()), 0);
  w.view = r;
  if (w.advanced_parts != 1) w.mask = nullptr;
  return w;
}

// Index tensors, or several Python bools (which torch turns into index tensors that broadcast together),
// need advanced indexing; a single Python bool is just a new dim of size 1 or 0.
bool has_tensor_index(const Walk& w) {
  int bools = 0;
  for (int8_t k : w.kind) {
    if (k == 1 || k == 4) return true;
    if (k >= 2) ++bools;
  }
  return bools > 1;
}

// Python True/False on their own are views: a new dim of size 1 (True) or 0 (False).
Tensor apply_bool_views(Tensor r, const Walk& w) {
  for (size_t d = 0; d < w.kind.size(); ++d)
    if (w.kind[d] == 3) r = narrow(r, static_cast<int64_t>(d), 0, 0);
  return r;
}

// Mixed with index tensors, True/False become the long index tensors [0] / []; masks become one long
// index tensor per masked dim.
std::vector<Tensor> adv_with_bools(const Walk& w) {
  std::vector<Tensor> adv = w.adv;
  for (const auto& m : w.masks) {
    Tensor nz = nonzero(m.first);
    for (int k = 0; k < m.first->dim(); ++k) adv[static_cast<size_t>(m.second + k)] = select(nz, 1, k);
  }
  for (size_t d = 0; d < adv.size(); ++d) {
    if (w.kind[d] == 2) {
      adv[d] = empty(Dims{1}, ScalarType::Int64);
      *adv[d]->data_ptr<int64_t>() = 0;
    } else if (w.kind[d] == 3) {
      adv[d] = empty(Dims{0}, ScalarType::Int64);
    }
  }
  return adv;
}

// The basic part of an index as a view replay (for in-place writes through x[idx]).
autograd::ViewReplay walk_replay(const std::vector<TensorIndex>& idx, bool with_bool_views) {
  return [idx, with_bool_views](const Tensor& b) {
    Walk w = walk_index(b, idx, "index");
    return with_bool_views ? apply_bool_views(w.view, w) : w.view;
  };
}

// ---------------------------------------------------------------------------------------------------
void scatter_impl(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar* value, bool add,
                  const char* op) {
  require_defined(op, x, "self");
  require_defined(op, index, "index");
  require_cpu(op, x);
  require_cpu(op, index);
  const int d = wrap_dim(dim, x->dim(), op);
  PYNN_CHECK(is_index_dtype(index->dtype()), op, "scatter(): Expected dtype int64 for index");
  if (src) {
    require_cpu(op, src);
    PYNN_CHECK(src->dtype() == x->dtype(), op, "scatter(): Expected self.dtype to be equal to src.dtype");
  }
  if (index->numel() == 0) return;
  Tensor xv = as_1d(x), iv = as_1d(index);
  Tensor sv = src ? as_1d(src) : nullptr;
  PYNN_CHECK(iv->dim() == xv->dim(), op, "Index tensor must have the same number of dimensions as self tensor");
  if (sv) PYNN_CHECK(iv->dim() == sv->dim(), op, "Index tensor must have the same number of dimensions as src tensor");
  for (int k = 0; k < iv->dim(); ++k) {
    bool ok = (k == d || iv->sizes()[k] <= xv->sizes()[k]) && (!sv || iv->sizes()[k] <= sv->sizes()[k]);
    if (!ok) {
      if (sv)
        throw std::runtime_error(str("[", op, "] Expected index ", iv->sizes().str(), " to be no larger than self ",
                                     xv->sizes().str(), " apart from dimension ", d,
                                     " and to be no larger size than src ", sv->sizes().str()));
      throw std::runtime_error(str("[", op, "] Expected index ", iv->sizes().str(), " to be no larger than self ",
                                   xv->sizes().str(), " apart from dimension ", d));
    }
  }
  Tensor idx = index_as_int64(iv);
  check_index_range(idx, xv->sizes()[d], d, op, false);
  if (sv) {
    if (shares_storage(sv, xv)) sv = clone(sv);
    cpu::scatter(xv, d, idx, sv, add);
  } else {
    cpu::scatter_fill(xv, d, idx, scalar_tensor(*value, x->dtype()));
  }
  x->bump_version();
}

Tensor scatter_out_of_place(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar* value,
                            bool add, const char* op) {
  Tensor out = untracked([&] {
    Tensor o = clone(x);
    scatter_impl(o, dim, index, src, value, add, op);
    return o;
  });
  if (autograd::needs_grad(x, src)) autograd::record_scatter(x, dim, index, src, add, out, false);
  return out;
}

void scatter_in_place(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar* value,
                      bool add, const char* op) {
  require_defined(op, x);
  autograd::check_inplace(x, op);
  const bool grad = autograd::needs_grad(x, src);
  untracked([&] { scatter_impl(x, dim, index, src, value, add, op); });
  if (grad) autograd::record_scatter(x, dim, index, src, add, x, true);
}

// value_tensor: the 0-dim tensor `value` came from (it may require grad), or null for a number.
void masked_fill_impl(const Tensor& x, const Tensor& mask, const Scalar& value, const Tensor& value_tensor) {
  require_defined("masked_fill_", x);
  require_defined("masked_fill_", mask, "mask");
  require_cpu("masked_fill_", x);
  require_cpu("masked_fill_", mask);
  PYNN_CHECK(mask->dtype() == ScalarType::Bool, "masked_fill_",
             "masked_fill_ only supports boolean masks, but got mask with dtype ", dtype_name(mask->dtype()));
  Dims b = broadcast_shapes(x->sizes(), mask->sizes(), "masked_fill_");
  PYNN_CHECK(b == x->sizes(), "masked_fill_", "output with shape ", x->sizes().str(),
             " doesn't match the broadcast shape ", b.str());
  autograd::check_inplace(x, "masked_fill_");
  const bool grad = autograd::needs_grad(x, value_tensor);
  cpu::masked_fill(x, mask, scalar_tensor(value, x->dtype()));
  x->bump_version();
  if (grad) autograd::record_masked_fill(x, mask, value_tensor, x, true);
}

Tensor masked_fill_out_of_place(const Tensor& x, const Tensor& mask, const Scalar& value, const Tensor& value_tensor) {
  require_defined("masked_fill", x);
  require_defined("masked_fill", mask, "mask");
  PYNN_CHECK(mask->dtype() == ScalarType::Bool, "masked_fill",
             "masked_fill_ only supports boolean masks, but got mask with dtype ", dtype_name(mask->dtype()));
  Dims b = broadcast_shapes(x->sizes(), mask->sizes(), "masked_fill");
  Tensor out = empty(b, x->dtype());
  untracked([&] {
    copy_(out, x);
    masked_fill_impl(out, mask, value, nullptr);
  });
  if (autograd::needs_grad(x, value_tensor)) autograd::record_masked_fill(x, mask, value_tensor, out, false);
  return out;
}

// Values and indices of the k first elements along `dim` in sorted order (ascending unless descending).
std::pair<Tensor, Tensor> sort_impl(const Tensor& x, int64_t dim, int64_t k, bool descending, const char* op) {
  require_defined(op, x);
  require_cpu(op, x);
  int d = wrap_dim(dim, x->dim(), op);
  Tensor xv = as_1d(x);
  const int nd = xv->dim();
  const int64_t n = xv->sizes()[d];
  PYNN_CHECK(k >= 0 && k <= n, op, "selected index k out of range");
  std::vector<int64_t> perm, inv(static_cast<size_t>(nd));
  for (int i = 0; i < nd; ++i)
    if (i != d) perm.push_back(i);
  perm.push_back(d);
  for (int i = 0; i < nd; ++i) inv[static_cast<size_t>(perm[i])] = i;
  const bool moved = d != nd - 1;
  const bool grad = autograd::needs_grad(x);
  Tensor xt = untracked([&] { return contiguous(moved ? permute(xv, perm) : xv); });
  Dims out_sizes = xt->sizes();
  out_sizes[nd - 1] = k;
  int64_t rows = 1;
  for (int i = 0; i < nd - 1; ++i) rows *= out_sizes[i];
  Tensor values = empty(out_sizes, x->dtype());
  Tensor indices = empty(out_sizes, ScalarType::Int64);
  if (values->numel() > 0) cpu::sort_rows(values, indices, xt, rows, n, k, descending);
  if (moved) {
    values = contiguous(permute(values, inv));
    indices = contiguous(permute(indices, inv));
  }
  if (x->dim() == 0) {
    values = as_0d(values);
    indices = as_0d(indices);
  }
  if (grad) autograd::record_sort_values(x, d, indices, values, op[0] == 't' ? "TopkBackward0" : "SortBackward0");
  return {values, indices};
}

void triangle_(const Tensor& x, int64_t diagonal, bool lower) {
  const char* op = lower ? "tril" : "triu";
  require_defined(op, x);
  require_cpu(op, x);
  PYNN_CHECK(x->dim() >= 2, op, op, ": input tensor must have at least 2 dimensions");
  autograd::check_inplace(x, op);
  const bool grad = autograd::needs_grad(x);
  if (x->is_contiguous()) {
    cpu::triangle_mask(x, diagonal, lower);
  } else {
    Tensor tmp = untracked([&] { return clone(x); });
    cpu::triangle_mask(tmp, diagonal, lower);
    untracked([&] { copy_(x, tmp); });
  }
  x->bump_version();
  if (grad) autograd::record_triangle(x, diagonal, lower, x, true);
}

Tensor triangle(const Tensor& x, int64_t diagonal, bool lower) {
  Tensor out = untracked([&] { return clone(x); });
  cpu::triangle_mask(out, diagonal, lower);
  if (autograd::needs_grad(x)) autograd::record_triangle(x, diagonal, lower, out, false);
  return out;
}

// Consecutive pieces of x along d (split / split_with_sizes): views torch refuses to modify in place.
std::vector<Tensor> narrow_pieces(const Tensor& x, int d, const std::vector<int64_t>& sizes, const char* name,
                                  const char* fn_name) {
  const bool grad = autograd::needs_grad(x);
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t len : sizes) {
    out.push_back(untracked([&] { return narrow(x, d, start, len); }));
    if (grad)
      autograd::record_multi_view(x, out.back(), [d, start, len](const Tensor& b) { return narrow(b, d, start, len); },
                                  name, fn_name, static_cast<int>(out.size() - 1));
    start += len;
  }
  return out;
}

}  // namespace

// =====================================================================================================
// Indexing

Tensor index(const Tensor& x, const std::vector<TensorIndex>& idx) {
  require_defined("index", x);
  require_cpu("index", x);
  Walk w = walk_index(x, idx, "index");
  if (!has_tensor_index(w)) {
    Tensor r = apply_bool_views(w.view, w);
    return r == x ? alias(x) : r;
  }
  const bool grad = autograd::needs_grad(w.view);
  if (w.mask && w.mask_dim == 0 && w.mask->dim() == w.view->dim()) {
    Tensor out = untracked([&] { return masked_select(w.view, w.mask); });
    if (grad) autograd::record_index(w.view, adv_with_bools(w), out);
    return out;
  }
  std::vector<Tensor> adv = adv_with_bools(w);
  Tensor out = take_advanced(w.view, adv, "index");
  if (grad) autograd::record_index(w.view, adv, out);
  return out;
}

void index_put_(const Tensor& x, const std::vector<TensorIndex>& idx, const Tensor& value) {
  require_defined("index_put_", x);
  require_defined("index_put_", value, "value");
  require_cpu("index_put_", x);
  require_cpu("index_put_", value);
  const bool grad = autograd::needs_grad(x, value);
  Walk w = walk_index(x, idx, "index_put_");
  if (!has_tensor_index(w)) {  // torch: x[idx].copy_(value); copy_ bumps the version and records
    Tensor r = apply_bool_views(w.view, w);
    Tensor v = strip_leading_ones(value);
    if (shares_storage(v, x)) v = clone(v);
    // Tracked even when only value requires grad, so that x's history becomes CopySlices.
    if (grad && r != x) autograd::set_view(r, x, walk_replay(idx, true));
    copy_(r, v);
    return;
  }
  // torch: index_put_ on the basic part's view (x itself when the index is purely advanced)
  const Tensor& target = w.view;
  if (grad && target != x) autograd::set_view(target, x, walk_replay(idx, false));
  autograd::check_inplace(target, "index_put_");
  std::vector<Tensor> adv;
  if (w.mask && value->numel() == 1 && value->dim() <= 1) {
    // x[mask] = scalar: a masked fill of the view, the mask viewed with trailing size-1 dims.
    Dims ms = w.mask->sizes(), mst = w.mask->strides();
    for (int d = w.mask_dim + w.mask->dim(); d < w.view->dim(); ++d) {
      ms.push_back(1);
      mst.push_back(0);
    }
    if (nonempty_selection(w.view, w.mask))
      cpu::masked_fill(w.view, make_view(w.mask, ms, mst, w.mask->offset()), to_dtype(value, x->dtype(), true));
    if (grad) adv = adv_with_bools(w);
  } else {
    adv = adv_with_bools(w);
    untracked([&] { put_advanced(w.view, adv, value, false, "index_put_"); });
  }
  x->bump_version();
  if (grad) autograd::record_index_put_inplace(target, adv, value, false);
}

Tensor index_tensors(const Tensor& x, const std::vector<Tensor>& indices) {
  require_defined("index", x);
  require_cpu("index", x);
  std::vector<Tensor> adv = normalize_indices(x, indices, "index");
  if (!any_defined(adv)) return alias(x);
  Tensor out = take_advanced(x, adv, "index");
  if (autograd::needs_grad(x)) autograd::record_index(x, adv, out);
  return out;
}

void index_put_tensors_(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& value, bool accumulate) {
  require_defined("index_put_", x);
  require_defined("index_put_", value, "value");
  require_cpu("index_put_", x);
  require_cpu("index_put_", value);
  std::vector<Tensor> adv = normalize_indices(x, indices, "index_put_");
  if (!any_defined(adv)) {  // add_ / copy_ bump the version and record
    Tensor v = strip_leading_ones(value);
    if (shares_storage(v, x)) v = clone(v);
    if (accumulate) binary_(BinaryOp::Add, x, v);
    else copy_(x, v);
    return;
  }
  autograd::check_inplace(x, "index_put_");
  const bool grad = autograd::needs_grad(x, value);
  untracked([&] { put_advanced(x, adv, value, accumulate, "index_put_"); });
  x->bump_version();
  if (grad) autograd::record_index_put_inplace(x, adv, value, accumulate);
}

// =====================================================================================================
// Joining and splitting

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  PYNN_CHECK_VALUE(!tensors.empty(), "cat", "expected a non-empty list of Tensors");
  ScalarType dtype = ScalarType::Bool;
  const Tensor* ref = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    require_defined("cat", t, "tensors");
    require_cpu("cat", t);
    PYNN_CHECK(t->dim() > 0, "cat", "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    dtype = i == 0 ? t->dtype() : promote_types(dtype, t->dtype());
    if (!ref && !(t->dim() == 1 && t->numel() == 0)) ref = &t;
  }
  if (!ref) return empty(Dims{0}, dtype);
  const int nd = (*ref)->dim();
  const int d = wrap_dim(dim, nd, "cat");
  Dims out_sizes = (*ref)->sizes();
  out_sizes[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t->dim() == 1 && t->numel() == 0) continue;  // legacy: 1-D empty tensors are skipped
    PYNN_CHECK(t->dim() == nd, "cat", "Tensors must have same number of dimensions: got ", nd, " and ", t->dim());
    for (int k = 0; k < nd; ++k) {
      if (k == d) continue;
      PYNN_CHECK(t->sizes()[k] == (*ref)->sizes()[k], "cat", "Sizes of tensors must match except in dimension ", d,
                 ". Expected size ", (*ref)->sizes()[k], " but got size ", t->sizes()[k], " for tensor number ", i,
                 " in the list.");
    }
    out_sizes[d] += t->sizes()[d];
  }
  Tensor out = empty(out_sizes, dtype);
  const bool grad = any_needs_grad(tensors);
  untracked([&] {
    int64_t offset = 0;
    for (const Tensor& t : tensors) {
      if (t->dim() == 1 && t->numel() == 0) continue;
      const int64_t len = t->sizes()[d];
      if (len > 0 && t->numel() > 0) copy_(narrow(out, d, offset, len), t);
      offset += len;
    }
  });
  if (grad) autograd::record_cat(tensors, d, out);
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  PYNN_CHECK(!tensors.empty(), "stack", "stack expects a non-empty TensorList");
  for (size_t i = 0; i < tensors.size(); ++i) {
    require_defined("stack", tensors[i], "tensors");
    PYNN_CHECK(tensors[i]->sizes() == tensors[0]->sizes(), "stack", "stack expects each tensor to be equal size, but got ",
               tensors[0]->sizes().str(), " at entry 0 and ", tensors[i]->sizes().str(), " at entry ", i);
  }
  const int d = wrap_dim(dim, tensors[0]->dim() + 1, "stack");
  Tensor out = untracked([&] {
    std::vector<Tensor> parts;
    parts.reserve(tensors.size());
    for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
    return cat(parts, d);
  });
  if (any_needs_grad(tensors)) autograd::record_stack(tensors, d, out);
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  require_defined("split", x);
  PYNN_CHECK(x->dim() > 0, "split", "split expects at least a 1-dimensional tensor");
  const int d = wrap_dim(dim, x->dim(), "split");
  PYNN_CHECK(split_size >= 0, "split", "split expects split_size be non-negative, but got split_size=", split_size);
  const int64_t n = x->sizes()[d];
  PYNN_CHECK(split_size != 0 || n == 0, "split", "split_size can only be 0 if dimension size is 0, but got dimension size of ",
             n);
  int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<int64_t> sizes;
  for (int64_t i = 0; i < pieces; ++i) sizes.push_back(std::min(split_size, n - i * split_size));
  return narrow_pieces(x, d, sizes, "SplitBackward0", "Split");
}

std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  require_defined("split", x);
  PYNN_CHECK(x->dim() > 0, "split", "split expects at least a 1-dimensional tensor");
  const int d = wrap_dim(dim, x->dim(), "split");
  const int64_t n = x->sizes()[d];
  int64_t total = 0;
  for (int64_t s : sizes) {
    PYNN_CHECK(s >= 0, "split", "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
               Dims(sizes).str());
    total += s;
  }
  PYNN_CHECK(total == n, "split", "split_with_sizes expects split_sizes to sum exactly to ", n,
             " (input tensor's size at dimension ", d, "), but got split_sizes=", Dims(sizes).str());
  return narrow_pieces(x, d, sizes, "SplitWithSizesBackward0", "SplitWithSizes");
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  require_defined("chunk", x);
  PYNN_CHECK(x->dim() > 0, "chunk", "chunk expects at least a 1-dimensional tensor");
  PYNN_CHECK(chunks > 0, "chunk", "chunk expects `chunks` to be greater than 0, got: ", chunks);
  const int d = wrap_dim(dim, x->dim(), "chunk");
  const int64_t n = x->sizes()[d];
  const int64_t split_size = (n + chunks - 1) / chunks;
  if (split_size == 0 && n == 0) return split_with_sizes(x, std::vector<int64_t>(static_cast<size_t>(chunks), 0), d);
  return split(x, split_size, d);
}

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  require_defined("unbind", x);
  PYNN_CHECK_INDEX(x->dim() > 0, "unbind", "Dimension specified as ", dim, " but tensor has no dimensions");
  const int d = wrap_dim(dim, x->dim(), "unbind");
  const bool grad = autograd::needs_grad(x);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < x->sizes()[d]; ++i) {
    out.push_back(untracked([&] { return select(x, d, i); }));
    if (grad)
      autograd::record_multi_view(x, out.back(), [d, i](const Tensor& b) { return select(b, d, i); },
                                  "UnbindBackward0", "Unbind", static_cast<int>(i));
  }
  return out;
}

Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats) {
  require_defined("repeat", x);
  require_cpu("repeat", x);
  const int nr = static_cast<int>(repeats.size());
  PYNN_CHECK(nr >= x->dim(), "repeat",
             "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const int pad = nr - x->dim();
  Dims xs(nr, int64_t(1)), xst(nr, int64_t(0)), out_sizes(nr);
  for (int i = 0; i < x->dim(); ++i) {
    xs[pad + i] = x->sizes()[i];
    xst[pad + i] = x->strides()[i];
  }
  for (int i = 0; i < nr; ++i) {
    PYNN_CHECK(repeats[i] >= 0, "repeat", "Trying to create tensor with negative dimension ", repeats[i], ": ",
               Dims(repeats).str());
    out_sizes[i] = xs[i] * repeats[i];
  }
  Tensor out = empty(out_sizes, x->dtype());
  if (out->numel() == 0) {
    if (autograd::needs_grad(x)) autograd::record_repeat(x, repeats, out);
    return out;
  }
  // View out as (r0, s0, r1, s1, ...) and copy x (broadcast along the r dims) into it.
  Dims ov_sizes, ov_strides, sv_sizes, sv_strides;
  const Dims& os = out->strides();
  for (int i = 0; i < nr; ++i) {
    if (repeats[i] != 1) {
      ov_sizes.push_back(repeats[i]);
      ov_strides.push_back(xs[i] * os[i]);
      sv_sizes.push_back(1);
      sv_strides.push_back(0);
    }
    ov_sizes.push_back(xs[i]);
    ov_strides.push_back(os[i]);
    sv_sizes.push_back(xs[i]);
    sv_strides.push_back(xst[i]);
  }
  copy_(make_view(out, ov_sizes, ov_strides, 0), make_view(x, sv_sizes, sv_strides, x->offset()));
  if (autograd::needs_grad(x)) autograd::record_repeat(x, repeats, out);
  return out;
}

Tensor flip(const Tensor& x, const std::vector<int64_t>& dims) {
  require_defined("flip", x);
  require_cpu("flip", x);
  const int nd = x->dim();
  std::vector<bool> flipped(static_cast<size_t>(std::max(nd, 1)), false);
  for (int64_t d0 : dims) {
    int d = wrap_dim(d0, nd, "flip");
    PYNN_CHECK(!flipped[d], "flip", "dim ", d, " appears multiple times in the list of dims");
    flipped[d] = true;
  }
  const bool grad = autograd::needs_grad(x);
  if (nd == 0 || x->numel() == 0) {
    Tensor out = untracked([&] { return clone(x); });
    if (grad) autograd::record_flip(x, dims, out);
    return out;
  }
  // Source offsets with the flipped dims walked backwards: rows over dims [0, nd-1), then the last dim.
  int64_t base = 0;
  std::vector<int64_t> pre_sizes, pre_strides, post_sizes, post_strides;
  for (int d = 0; d < nd; ++d) {
    int64_t st = x->strides()[d];
    if (flipped[d]) {
      base += (x->sizes()[d] - 1) * st;
      st = -st;
    }
    (d < nd - 1 ? pre_sizes : post_sizes).push_back(x->sizes()[d]);
    (d < nd - 1 ? pre_strides : post_strides).push_back(st);
  }
  Tensor out = empty(x->sizes(), x->dtype());
  cpu::index_take(out->data(), x->data(), x->itemsize(), cpu::strided_offsets(pre_sizes, pre_strides), {base},
                  cpu::strided_offsets(post_sizes, post_strides));
  if (grad) autograd::record_flip(x, dims, out);
  return out;
}

Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  require_defined("roll", x);
  require_cpu("roll", x);
  if (autograd::needs_grad(x)) {
    Tensor out = untracked([&] { return roll(x, shifts, dims); });
    autograd::record_roll(x, shifts, dims, out);
    return out;
  }
  if (dims.empty()) {
    PYNN_CHECK(shifts.size() == 1, "roll", "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:0");
    Tensor flat = reshape(x, {-1});
    Tensor r = roll(flat, shifts, {0});
    return reshape(r, x->sizes().vec());
  }
  PYNN_CHECK(shifts.size() == dims.size(), "roll", "shifts and dimensions must align. shifts: ", shifts.size(),
             ", dims:", dims.size());
  Tensor cur = x;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int d = wrap_dim(dims[i], x->dim(), "roll");
    const int64_t n = x->dim() == 0 ? 1 : cur->sizes()[d];
    if (n == 0 || x->dim() == 0) continue;
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    Tensor out = empty(cur->sizes(), cur->dtype());
    copy_(narrow(out, d, s, n - s), narrow(cur, d, 0, n - s));
    copy_(narrow(out, d, 0, s), narrow(cur, d, n - s, s));
    cur = out;
  }
  return cur == x ? clone(x) : cur;
}

Tensor tril(const Tensor& x, int64_t diagonal) {
  require_defined("tril", x);
  PYNN_CHECK(x->dim() >= 2, "tril", "tril: input tensor must have at least 2 dimensions");
  return triangle(x, diagonal, true);
}

Tensor triu(const Tensor& x, int64_t diagonal) {
  require_defined("triu", x);
  PYNN_CHECK(x->dim() >= 2, "triu", "triu: input tensor must have at least 2 dimensions");
  return triangle(x, diagonal, false);
}

void tril_(const Tensor& x, int64_t diagonal) { triangle_(x, diagonal, true); }
void triu_(const Tensor& x, int64_t diagonal) { triangle_(x, diagonal, false); }

// =====================================================================================================
// Gather / scatter

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  require_defined("gather", x);
  require_defined("gather", index, "index");
  require_cpu("gather", x);
  require_cpu("gather", index);
  const int d = wrap_dim(dim, x->dim(), "gather");
  PYNN_CHECK(is_index_dtype(index->dtype()), "gather", "gather(): Expected dtype int64 for index");
  Tensor xv = as_1d(x), iv = as_1d(index);
  PYNN_CHECK(iv->dim() == xv->dim(), "gather", "Index tensor must have the same number of dimensions as input tensor");
  for (int k = 0; k < iv->dim(); ++k)
    PYNN_CHECK(k == d || iv->sizes()[k] <= xv->sizes()[k], "gather", "Size does not match at dimension ", k,
               " expected index ", iv->sizes().str(), " to be no larger than self ", xv->sizes().str(),
               " apart from dimension ", d);
  Tensor idx = index_as_int64(iv);
  check_index_range(idx, xv->sizes()[d], d, "gather", false);
  Tensor out = empty(iv->sizes(), x->dtype());
  cpu::gather(out, xv, d, idx);
  if (index->dim() == 0) out = as_0d(out);
  if (autograd::needs_grad(x)) autograd::record_gather(x, d, index, out);
  return out;
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter", x);
  return scatter_out_of_place(x, dim, index, src, nullptr, false, "scatter");
}
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value) {
  require_defined("scatter", x);
  return scatter_out_of_place(x, dim, index, nullptr, &value, false, "scatter");
}
void scatter_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter_", src, "src");
  scatter_in_place(x, dim, index, src, nullptr, false, "scatter_");
}
void scatter_(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value) {
  scatter_in_place(x, dim, index, nullptr, &value, false, "scatter_");
}
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter_add", x);
  require_defined("scatter_add", src, "src");
  return scatter_out_of_place(x, dim, index, src, nullptr, true, "scatter_add");
}
void scatter_add_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter_add_", src, "src");
  scatter_in_place(x, dim, index, src, nullptr, true, "scatter_add_");
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  require_defined("index_select", x);
  require_defined("index_select", index, "index");
  require_cpu("index_select", x);
  require_cpu("index_select", index);
  const int d = wrap_dim(dim, x->dim(), "index_select");
  PYNN_CHECK_INDEX(index->dim() <= 1, "index_select", "index_select(): Index is supposed to be a vector");
  PYNN_CHECK(is_index_dtype(index->dtype()), "index_select", "index_select(): Expected dtype int32 or int64 for index");
  Tensor xv = as_1d(x);
  Tensor idx = index_as_int64(as_1d(index));
  check_index_range(idx, xv->sizes()[d], d, "index_select", true);
  std::vector<Tensor> adv(static_cast<size_t>(xv->dim()));
  adv[static_cast<size_t>(d)] = idx;
  Tensor out = take_advanced(xv, adv, "index_select");
  if (x->dim() == 0 && out->numel() == 1) out = as_0d(out);
  if (autograd::needs_grad(x)) autograd::record_index_select(x, d, index, out);
  return out;
}

// =====================================================================================================
// Masks

void masked_fill_(const Tensor& x, const Tensor& mask, const Scalar& value) {
  masked_fill_impl(x, mask, value, nullptr);
}

void masked_fill_(const Tensor& x, const Tensor& mask, const Tensor& value) {
  require_defined("masked_fill_", value, "value");
  PYNN_CHECK(value->dim() == 0, "masked_fill_",
             "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value->dim(),
             " dimension(s).");
  masked_fill_impl(x, mask, item(value), value);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value) {
  return masked_fill_out_of_place(x, mask, value, nullptr);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  require_defined("masked_fill", value, "value");
  PYNN_CHECK(value->dim() == 0, "masked_fill",
             "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value->dim(),
             " dimension(s).");
  return masked_fill_out_of_place(x, mask, item(value), value);
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  require_defined("masked_select", x);
  require_defined("masked_select", mask, "mask");
  require_cpu("masked_select", x);
  require_cpu("masked_select", mask);
  PYNN_CHECK(mask->dtype() == ScalarType::Bool, "masked_select", "masked_select: expected BoolTensor for mask");
  Dims b = broadcast_shapes(x->sizes(), mask->sizes(), "masked_select");
  Tensor xc = untracked([&] { return contiguous(expand_to(x, b)); });
  Tensor mc = contiguous(expand_to(mask, b));
  const int64_t n = cpu::count_nonzero(mc);
  Tensor out = empty(Dims{n}, x->dtype());
  cpu::masked_select(out, xc, mc);
  if (autograd::needs_grad(x)) autograd::record_masked_select(x, mask, out);
  return out;
}

Tensor nonzero(const Tensor& x) {
  require_defined("nonzero", x);
  require_cpu("nonzero", x);
  Tensor xc = contiguous(x);
  const int64_t n = cpu::count_nonzero(xc);
  Tensor out = empty(Dims{n, static_cast<int64_t>(x->dim())}, ScalarType::Int64);
  if (out->numel() > 0) cpu::nonzero(out, xc);
  return out;
}

std::vector<Tensor> nonzero_tuple(const Tensor& x) {
  require_defined("nonzero", x);
  Tensor nz = nonzero(as_1d(x));
  std::vector<Tensor> out;
  for (int k = 0; k < nz->sizes()[1]; ++k) out.push_back(contiguous(select(nz, 1, k)));
  return out;
}

// =====================================================================================================
// Sorting

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  (void)sorted;  // results are always sorted, which torch allows for sorted=False
  return sort_impl(x, dim, k, largest, "topk");
}

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  (void)stable;  // always stable
  require_defined("sort", x);
  const int d = wrap_dim(dim, x->dim(), "sort");
  const int64_t n = x->dim() == 0 ? 1 : x->sizes()[d];
  return sort_impl(x, d, n, descending, "sort");
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  return untracked([&] { return sort(x, dim, descending, stable).second; });
}

Tensor one_hot(const Tensor& x, int64_t num_classes) {
  require_defined("one_hot", x);
  require_cpu("one_hot", x);
  PYNN_CHECK(x->dtype() == ScalarType::Int64, "one_hot", "one_hot is only applicable to index tensor of type LongTensor.");
  Tensor xc = contiguous(x);
  const int64_t* p = xc->data_ptr<int64_t>();
  const int64_t n = xc->numel();
  int64_t mx = -1;
  for (int64_t i = 0; i < n; ++i) {
    PYNN_CHECK(p[i] >= 0, "one_hot", "Class values must be non-negative.");
    mx = std::max(mx, p[i]);
  }
  if (num_classes == -1) {
    PYNN_CHECK(n > 0, "one_hot", "Can not infer total number of classes from empty tensor.");
    num_classes = mx + 1;
  } else {
    PYNN_CHECK(num_classes >= 0, "one_hot", "num_classes should be positive or -1, got ", num_classes);
    PYNN_CHECK(mx < num_classes, "one_hot", "Class values must be smaller than num_classes.");
  }
  Dims sizes = x->sizes();
  sizes.push_back(num_classes);
  Tensor out = empty(sizes, ScalarType::Int64);
  if (out->numel() > 0) cpu::one_hot(out, xc, num_classes);
  return out;
}

}  // namespace pynn
