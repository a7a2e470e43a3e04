#include "iterator.h"

#include <utility>
#include <vector>

#include "error.h"
#include "overlap.h"

namespace pynn {

TensorIter::TensorIter(std::initializer_list<const TensorImpl*> operands) {
  PYNN_CHECK(operands.size() <= static_cast<size_t>(kMaxOperands), "TensorIter", "at most ", kMaxOperands,
             " operands, got ", operands.size());
  build(operands.begin(), static_cast<int>(operands.size()));
}

TensorIter::TensorIter(std::initializer_list<Tensor> operands) {
  PYNN_CHECK(operands.size() <= static_cast<size_t>(kMaxOperands), "TensorIter", "at most ", kMaxOperands,
             " operands, got ", operands.size());
  const TensorImpl* ptrs[kMaxOperands];
  int n = 0;
  for (const Tensor& t : operands) ptrs[n++] = t.get();
  build(ptrs, n);
}

void TensorIter::build(const TensorImpl* const* ops, int nops) {
  // Every kernel that writes through an iterator gets torch's overlap checks here, before the first write.
  assert_no_internal_overlap(*ops[0]);
  for (int k = 1; k < nops; ++k) assert_no_partial_overlap(*ops[0], *ops[k]);
  nops_ = nops;
  const Dims& shape = ops[0]->sizes();
  int nd = shape.size();
  numel_ = shape.prod();
  // Reverse the dims (innermost first) and compute broadcast byte strides.
  for (int d = 0; d < nd; ++d) {
    int src = nd - 1 - d;
    shape_[d] = shape[src];
    for (int k = 0; k < nops; ++k) {
      const TensorImpl* t = ops[k];
      int td = t->dim() - nd + src;
      int64_t st = 0;
      // An empty iteration visits nothing, and its strides (zeros(0, 2**62)) may not fit in bytes: left 0.
      if (td >= 0 && t->sizes()[td] != 1 && numel_ != 0) st = t->strides()[td] * static_cast<int64_t>(t->itemsize());
      strides_[d][k] = st;
    }
  }
  for (int k = 0; k < nops; ++k) base_[k] = static_cast<char*>(ops[k]->data());
  ndim_ = nd;
  coalesce();
}

void TensorIter::coalesce() {
  // Drop size-1 dims, then merge neighbours whose strides line up for every operand.
  int out = 0;
  for (int d = 0; d < ndim_; ++d) {
    if (shape_[d] == 1) continue;
    if (out > 0) {
      bool can_merge = true;
      for (int k = 0; k < nops_; ++k)
        if (strides_[d][k] != strides_[out - 1][k] * shape_[out - 1]) can_merge = false;
      if (can_merge) {
        shape_[out - 1] *= shape_[d];
        continue;
      }
    }
    shape_[out] = shape_[d];
    for (int k = 0; k < nops_; ++k) strides_[out][k] = strides_[d][k];
    ++out;
  }
  if (out == 0) {  // a single element
    shape_[0] = 1;
    for (int k = 0; k < nops_; ++k) strides_[0][k] = 0;
    out = 1;
  }
  ndim_ = out;
}

void TensorIter::sort_outer_dims_by(int k) {
  auto key = [&](int d) { return strides_[d][k] < 0 ? -strides_[d][k] : strides_[d][k]; };
  for (int d = 2; d < ndim_; ++d)  // insertion sort of dims 1.., stable
    for (int e = d; e > 1 && key(e) < key(e - 1); --e) {
      std::swap(shape_[e], shape_[e - 1]);
      for (int j = 0; j < nops_; ++j) std::swap(strides_[e][j], strides_[e - 1][j]);
    }
  coalesce();
}

bool TensorIter::can_use_32bit_indexing() const {
  constexpr int64_t kMax = (int64_t(1) << 31) - 1;
  if (numel_ > kMax) return false;
  for (int k = 0; k < nops_; ++k) {
    int64_t extent = 0;
    for (int d = 0; d < ndim_; ++d) extent += (shape_[d] - 1) * (strides_[d][k] < 0 ? -strides_[d][k] : strides_[d][k]);
    if (extent > kMax) return false;
  }
  return true;
}

}  // namespace pynn
