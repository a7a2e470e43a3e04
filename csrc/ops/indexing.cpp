// Python-style indexing (x[idx], x[idx] = v), torch's index / index_put with tensor lists, and the
// advanced-indexing plan the take and put kernels run (kernels/indexing.h).
#include "ops/indexing.h"

#include <algorithm>
#include <string>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/overlap.h"
#include "core/shape.h"
#include "kernels/indexing.h"
#include "kernels/scatter_gather.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/indexing_internal.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(index_take_kernel, "index");
PYNN_DEFINE_KERNEL(index_put_kernel, "index_put_");

namespace index_detail {

std::vector<int64_t> strided_offsets(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
  std::vector<int64_t> out{0};
  for (size_t d = 0; d < sizes.size(); ++d) {
    std::vector<int64_t> next;
    next.reserve(out.size() * static_cast<size_t>(std::max<int64_t>(sizes[d], 0)));
    for (int64_t base : out)
      for (int64_t i = 0; i < sizes[d]; ++i) next.push_back(base + i * strides[d]);
    out.swap(next);
  }
  return out;
}

}  // namespace index_detail

namespace {

using autograd::untracked;
using namespace index_detail;

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
// Advanced indexing: result[outer..., broadcast index shape..., inner...]. The indexed dims form one block
// where the result keeps them when they are adjacent in src, else the block comes first (torch's rule).
struct AdvancedIndexPlan {
  Dims result_shape;
  AdvancedIndexGeom geom;
};

// indices: one entry per dim of src (null = the whole dim); non-null entries are int32/int64 tensors.
AdvancedIndexPlan plan_advanced(const Tensor& src, const std::vector<Tensor>& indices, const char* op,
                                bool wrap_negative) {
  const int nd = src->dim();
  std::vector<int> indexed_dims;
  Dims index_shape;
  for (int k = 0; k < nd; ++k) {
    if (!indices[k]) continue;
    same_device(op, src, indices[k]);
    const Dims& s = indices[k]->sizes();
    if (indexed_dims.empty()) {
      index_shape = s;
    } else {
      int n = std::max(index_shape.size(), s.size());
      Dims out(n);
      bool ok = true;
      for (int i = 0; i < n; ++i) {
        int ia = index_shape.size() - n + i, ib = s.size() - n + i;
        int64_t a = ia >= 0 ? index_shape[ia] : 1, b = ib >= 0 ? s[ib] : 1;
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
      index_shape = out;
    }
    indexed_dims.push_back(k);
  }
  AdvancedIndexPlan plan;
  AdvancedIndexGeom& g = plan.geom;
  g.op = op;
  g.wrap_negative = wrap_negative;
  g.index_numel = index_shape.prod();
  for (int k : indexed_dims) {
    IndexedDim e;
    e.index = contiguous(expand_to(to_dtype(indices[k], ScalarType::Int64), index_shape));
    e.dim = k;
    e.size = src->sizes()[k];
    e.stride = src->strides()[k];
    g.indexed.push_back(std::move(e));
  }
  const bool adjacent = indexed_dims.back() - indexed_dims.front() + 1 == static_cast<int>(indexed_dims.size());
  std::vector<int64_t> outer_sizes, outer_strides, inner_sizes, inner_strides;
  for (int d = 0; d < nd; ++d) {
    if (std::find(indexed_dims.begin(), indexed_dims.end(), d) != indexed_dims.end()) continue;
    if (adjacent && d < indexed_dims.front()) {
      outer_sizes.push_back(src->sizes()[d]);
      outer_strides.push_back(src->strides()[d]);
    } else {
      inner_sizes.push_back(src->sizes()[d]);
      inner_strides.push_back(src->strides()[d]);
    }
  }
  for (int64_t s : outer_sizes) plan.result_shape.push_back(s);
  for (int64_t s : index_shape) plan.result_shape.push_back(s);
  for (int64_t s : inner_sizes) plan.result_shape.push_back(s);
  // Nothing to move: no offset tables (the kernel still checks the index values).
  if (plan.result_shape.prod() == 0) return plan;
  g.outer_offsets = strided_offsets(outer_sizes, outer_strides);
  g.inner_offsets = strided_offsets(inner_sizes, inner_strides);
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

// A 0-dim bool index is Python's True/False (torch): a new dim of size 1 at its place, indexed by [0] or [].
// Returns x with those dims inserted (x itself when there are none); `indices` then index that view.
struct BoolScalarsApplied {
  Tensor view;
  std::vector<int64_t> new_dims;  // in increasing order
};
BoolScalarsApplied apply_bool_scalars(const Tensor& x, std::vector<Tensor>& indices, const char* op) {
  // torch's tensor-list form counts one dim per 0-dim index, a bool one too
  int64_t used = 0;
  for (const Tensor& t : indices) used += t && t->dtype() == ScalarType::Bool && t->dim() > 0 ? t->dim() : 1;
  PYNN_CHECK_INDEX(used <= x->dim(), op, "too many indices for tensor of dimension ", x->dim(), " (got ", used, ")");
  BoolScalarsApplied r{x, {}};
  int64_t d = 0;
  for (Tensor& t : indices) {
    if (t && t->dtype() == ScalarType::Bool && t->dim() == 0) {
      if (d > r.view->dim()) break;  // too many indices: normalize_indices says so
      const bool b = item(t).to<bool>();
      r.view = unsqueeze(r.view, d);
      r.new_dims.push_back(d);
      t = empty(Dims{b ? 1 : 0}, ScalarType::Int64, x->device());
      if (b) fill_(t, Scalar(int64_t(0)));
      ++d;
    } else {
      d += t && t->dtype() == ScalarType::Bool ? t->dim() : 1;
    }
  }
  return r;
}

autograd::ViewReplay unsqueeze_replay(const std::vector<int64_t>& dims) {
  return [dims](const Tensor& b) {
    Tensor v = b;
    for (int64_t d : dims) v = unsqueeze(v, d);
    return v;
  };
}

bool any_defined(const std::vector<Tensor>& v) {
  for (const Tensor& t : v)
    if (t) return true;
  return false;
}

void put_advanced(const Tensor& dst, const std::vector<Tensor>& adv, const Tensor& value, bool accumulate,
                  const char* op) {
  const Device dev = same_device(op, dst, value);
  AdvancedIndexPlan plan = plan_advanced(dst, adv, op, true);
  const Dims& shape = plan.result_shape;
  Tensor v = strip_leading_ones(value);
  bool ok = v->dim() <= shape.size();
  for (int i = 0; ok && i < v->dim(); ++i) {
    int64_t vs = v->sizes()[v->dim() - 1 - i], rs = shape[shape.size() - 1 - i];
    ok = vs == rs || vs == 1;
  }
  PYNN_CHECK(ok, op, "shape mismatch: value tensor of shape ", value->sizes().str(),
             " cannot be broadcast to indexing result of shape ", shape.str());
  assert_no_overlap(*dst, *value, op);  // torch refuses any shared memory between the written tensor and value
  v = to_dtype(v, dst->dtype());
  v = contiguous(expand_to(v, shape));
  index_put_kernel(dev, dst, v, plan.geom, accumulate);
}

bool nonempty_selection(const Tensor& view, const Tensor& mask) { return view->numel() > 0 && mask->numel() > 0; }

// ---------------------------------------------------------------------------------------------------
// A Python index after its basic part (ints, slices, None, Ellipsis) has been applied as a view: the view,
// and for each of its dims the advanced part that indexes it.
enum class AdvancedPart : int8_t {
  None,         // not indexed (a slice, a None, or an untouched dim)
  IndexTensor,  // an int32/int64 index tensor (in index_tensors)
  True,         // Python True (or a 0-dim bool tensor): a new dim of size 1
  False,        // Python False: a new dim of size 0
  Mask,         // one dim of a bool mask (in masks)
};
struct BasicIndexed {
  Tensor view;
  std::vector<Tensor> index_tensors;  // per dim of `view`; null unless its part is IndexTensor
  std::vector<AdvancedPart> parts;    // per dim of `view`
  std::vector<std::pair<Tensor, int>> masks;  // bool masks and their first dim; nonzero() runs only if needed
  // The index held exactly one advanced part, a bool mask (ndim >= 1) over dims [sole_mask_dim, + its ndim).
  Tensor sole_mask;
  int sole_mask_dim = 0;
  int advanced_parts = 0;
};

BasicIndexed apply_basic_index(const Tensor& x, const std::vector<TensorIndex>& idx, const char* op) {
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
  BasicIndexed w;
  Tensor r = x;
  int dim = 0;
  auto push = [&](Tensor t, AdvancedPart part) {
    w.index_tensors.resize(static_cast<size_t>(dim));
    w.parts.resize(static_cast<size_t>(dim), AdvancedPart::None);
    w.index_tensors.push_back(std::move(t));
    w.parts.push_back(part);
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
        push(nullptr, AdvancedPart::None);
        break;
      case K::None:
        r = unsqueeze(r, dim);
        push(nullptr, AdvancedPart::None);
        break;
      case K::Ellipsis:
        dim += static_cast<int>(x->dim() - specified);
        break;
      case K::Bool:
        ++w.advanced_parts;
        r = unsqueeze(r, dim);
        push(nullptr, i.boolean ? AdvancedPart::True : AdvancedPart::False);
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
          push(nullptr, b ? AdvancedPart::True : AdvancedPart::False);
        } else if (t->dtype() == ScalarType::Bool) {
          for (int k = 0; k < t->dim(); ++k)
            PYNN_CHECK_INDEX(t->sizes()[k] == r->sizes()[dim + k], op, "The shape of the mask ", t->sizes().str(),
                             " at index ", k, " does not match the shape of the indexed tensor ", r->sizes().str(),
                             " at index ", dim + k);
          w.sole_mask = t;
          w.sole_mask_dim = dim;
          w.masks.emplace_back(t, dim);
          for (int k = 0; k < t->dim(); ++k) push(nullptr, AdvancedPart::Mask);
        } else {
          PYNN_CHECK_INDEX(is_index_dtype(t->dtype()), op,
                           "tensors used as indices must be long, int or bool tensors");
          push(t, AdvancedPart::IndexTensor);
        }
        break;
      }
    }
  }
  w.index_tensors.resize(static_cast<size_t>(r->dim()));
  w.parts.resize(static_cast<size_t>(r->dim()), AdvancedPart::None);
  w.view = r;
  if (w.advanced_parts != 1) w.sole_mask = nullptr;
  return w;
}

// Index tensors, or several Python bools (which torch turns into index tensors that broadcast together),
// need advanced indexing; a single Python bool is just a new dim of size 1 or 0.
bool has_tensor_index(const BasicIndexed& w) {
  int bools = 0;
  for (AdvancedPart p : w.parts) {
    if (p == AdvancedPart::IndexTensor || p == AdvancedPart::Mask) return true;
    if (p == AdvancedPart::True || p == AdvancedPart::False) ++bools;
  }
  return bools > 1;
}

// Python True/False on their own are views: a new dim of size 1 (True) or 0 (False).
Tensor apply_bool_views(Tensor r, const BasicIndexed& w) {
  for (size_t d = 0; d < w.parts.size(); ++d)
    if (w.parts[d] == AdvancedPart::False) r = narrow(r, static_cast<int64_t>(d), 0, 0);
  return r;
}

// Mixed with index tensors, True/False become the long index tensors [0] / []; masks become one long
// index tensor per masked dim.
std::vector<Tensor> adv_with_bools(const BasicIndexed& w) {
  std::vector<Tensor> adv = w.index_tensors;
  for (const auto& m : w.masks) {
    Tensor nz = nonzero(m.first);
    for (int k = 0; k < m.first->dim(); ++k) adv[static_cast<size_t>(m.second + k)] = select(nz, 1, k);
  }
  const Device dev = w.view->device();
  for (size_t d = 0; d < adv.size(); ++d) {
    if (w.parts[d] == AdvancedPart::True) {
      adv[d] = empty(Dims{1}, ScalarType::Int64, dev);
      fill_(adv[d], Scalar(int64_t(0)));
    } else if (w.parts[d] == AdvancedPart::False) {
      adv[d] = empty(Dims{0}, ScalarType::Int64, dev);
    }
  }
  return adv;
}

// The basic part of an index as a view replay (for in-place writes through x[idx]).
autograd::ViewReplay basic_index_replay(const std::vector<TensorIndex>& idx, bool with_bool_views) {
  return [idx, with_bool_views](const Tensor& b) {
    BasicIndexed w = apply_basic_index(b, idx, "index");
    return with_bool_views ? apply_bool_views(w.view, w) : w.view;
  };
}

}  // namespace

namespace index_detail {

Tensor take_advanced(const Tensor& src, const std::vector<Tensor>& adv, const char* op, bool wrap_negative) {
  const Device dev = src->device();
  AdvancedIndexPlan plan = plan_advanced(src, adv, op, wrap_negative);
  Tensor out = empty(plan.result_shape, src->dtype(), dev);
  index_take_kernel.at(dev, op)(out, src, plan.geom);
  return out;
}

}  // namespace index_detail

// =====================================================================================================

Tensor index(const Tensor& x, const std::vector<TensorIndex>& idx) {
  require_defined("index", x);
  BasicIndexed w = apply_basic_index(x, idx, "index");
  if (!has_tensor_index(w)) {
    Tensor r = apply_bool_views(w.view, w);
    return r == x ? alias(x) : r;
  }
  const bool grad = autograd::needs_grad(w.view);
  if (w.sole_mask && w.sole_mask_dim == 0 && w.sole_mask->dim() == w.view->dim()) {
    Tensor out = untracked([&] { return masked_select(w.view, w.sole_mask); });
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
  const Device dev = same_device("index_put_", x, value);
  const bool grad = autograd::needs_grad(x, value);
  BasicIndexed w = apply_basic_index(x, idx, "index_put_");
  if (!has_tensor_index(w)) {  // torch: x[idx].copy_(value); copy_ bumps the version and records
    Tensor r = apply_bool_views(w.view, w);
    Tensor v = strip_leading_ones(value);  // copy_ refuses a v that partially overlaps r
    // Tracked even when only value requires grad, so that x's history becomes CopySlices.
    if (grad && r != x) autograd::set_view(r, x, basic_index_replay(idx, true));
    copy_(r, v);
    return;
  }
  // torch: index_put_ on the basic part's view (x itself when the index is purely advanced)
  const Tensor& target = w.view;
  if (grad && target != x) autograd::set_view(target, x, basic_index_replay(idx, false));
  autograd::check_inplace(target, "index_put_");
  std::vector<Tensor> adv;
  if (w.sole_mask && value->numel() == 1 && value->dim() <= 1) {
    // x[mask] = scalar: a masked fill of the view, the mask viewed with trailing size-1 dims.
    same_device("index_put_", x, w.sole_mask);
    Dims ms = w.sole_mask->sizes(), mst = w.sole_mask->strides();
    for (int d = w.sole_mask_dim + w.sole_mask->dim(); d < w.view->dim(); ++d) {
      ms.push_back(1);
      mst.push_back(0);
    }
    if (nonempty_selection(w.view, w.sole_mask)) {
      Tensor mask = make_view(w.sole_mask, ms, mst, w.sole_mask->offset());
      masked_fill_kernel.at(dev, "index_put_")(TensorIter{w.view, mask}, x->dtype(), item(value));
    }
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
  std::vector<Tensor> idx = indices;
  BoolScalarsApplied b = apply_bool_scalars(x, idx, "index");
  const bool grad = autograd::needs_grad(x);
  if (grad && b.view != x) autograd::set_view(b.view, x, unsqueeze_replay(b.new_dims));
  const Tensor& src = b.view;
  std::vector<Tensor> adv = normalize_indices(src, idx, "index");
  if (!any_defined(adv)) return alias(src);
  Tensor out = take_advanced(src, adv, "index");
  if (grad) autograd::record_index(src, adv, out);
  return out;
}

void index_put_tensors_(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& value, bool accumulate) {
  require_defined("index_put_", x);
  require_defined("index_put_", value, "value");
  // x[i] = v casts v; the explicit index_put_ does not, as in torch.
  PYNN_CHECK(value->dtype() == x->dtype(), "index_put_", "Index put requires the source and destination dtypes match, got ",
             type_title(x->dtype()), " for the destination and ", type_title(value->dtype()), " for the source.");
  same_device("index_put_", x, value);
  std::vector<Tensor> idx = indices;
  BoolScalarsApplied b = apply_bool_scalars(x, idx, "index_put_");
  const Tensor& dst = b.view;
  std::vector<Tensor> adv = normalize_indices(dst, idx, "index_put_");
  if (!any_defined(adv)) {  // add_ / copy_ bump the version and record
    Tensor v = strip_leading_ones(value);  // add_ / copy_ refuse a v that partially overlaps x
    if (accumulate) binary_(BinaryOp::Add, x, v);
    else copy_(x, v);
    return;
  }
  const bool grad = autograd::needs_grad(x, value);
  // As index_put_ through x[...]: the write goes to a view of x, recorded on it.
  if (grad && dst != x) autograd::set_view(dst, x, unsqueeze_replay(b.new_dims));
  autograd::check_inplace(dst, "index_put_");
  untracked([&] { put_advanced(dst, adv, value, accumulate, "index_put_"); });
  x->bump_version();
  if (grad) autograd::record_index_put_inplace(dst, adv, value, accumulate);
}

Tensor index_put(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& value, bool accumulate) {
  require_defined("index_put", x);
  Tensor out = clone(x);  // recorded: the result's history is CloneBackward, then IndexPutBackward on top
  index_put_tensors_(out, indices, value, accumulate);
  return out;
}

}  // namespace pynn
