#include "iterator.h"

#include <vector>

#include "parallel.h"

namespace pynn {

TensorIter::TensorIter(std::initializer_list<const TensorImpl*> operands) {
  build(operands.begin(), static_cast<int>(operands.size()));
}

TensorIter::TensorIter(std::initializer_list<Tensor> operands) {
  const TensorImpl* ptrs[kMaxOperands];
  int n = 0;
  for (const Tensor& t : operands) ptrs[n++] = t.get();
  build(ptrs, n);
}

void TensorIter::build(const TensorImpl* const* ops, int nops) {
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
      if (td >= 0 && t->sizes()[td] != 1) st = t->strides()[td] * static_cast<int64_t>(t->itemsize());
      strides_[d][k] = st;
    }
  }
  for (int k = 0; k < nops; ++k) base_[k] = static_cast<char*>(ops[k]->data());
  // Drop size-1 dims, then merge neighbours whose strides line up for every operand.
  int out = 0;
  for (int d = 0; d < nd; ++d) {
    if (shape_[d] == 1) continue;
    if (out > 0) {
      bool can_merge = true;
      for (int k = 0; k < nops; ++k)
        if (strides_[d][k] != strides_[out - 1][k] * shape_[out - 1]) can_merge = false;
      if (can_merge) {
        shape_[out - 1] *= shape_[d];
        continue;
      }
    }
    shape_[out] = shape_[d];
    for (int k = 0; k < nops; ++k) strides_[out][k] = strides_[d][k];
    ++out;
  }
  if (out == 0) {  // a single element
    shape_[0] = 1;
    for (int k = 0; k < nops; ++k) strides_[0][k] = 0;
    out = 1;
  }
  ndim_ = out;
}

void TensorIter::serial_for_each(InnerLoop loop, int64_t begin, int64_t end) const {
  if (begin >= end) return;
  char* ptrs[kMaxOperands];
  int64_t inner_strides[kMaxOperands];
  for (int k = 0; k < nops_; ++k) inner_strides[k] = strides_[0][k];
  if (ndim_ == 1) {
    for (int k = 0; k < nops_; ++k) ptrs[k] = base_[k] + begin * strides_[0][k];
    loop(ptrs, inner_strides, end - begin);
    return;
  }
  int64_t counter[kMaxDims];
  int64_t rem = begin;
  for (int d = 0; d < ndim_; ++d) {
    counter[d] = rem % shape_[d];
    rem /= shape_[d];
  }
  int64_t pos = begin;
  while (pos < end) {
    for (int k = 0; k < nops_; ++k) {
      char* p = base_[k];
      for (int d = 0; d < ndim_; ++d) p += counter[d] * strides_[d][k];
      ptrs[k] = p;
    }
    int64_t n = std::min(shape_[0] - counter[0], end - pos);
    loop(ptrs, inner_strides, n);
    pos += n;
    counter[0] += n;
    for (int d = 0; d < ndim_ - 1 && counter[d] >= shape_[d]; ++d) {
      counter[d] = 0;
      ++counter[d + 1];
    }
  }
}

void TensorIter::for_each(InnerLoop loop, int64_t grain) const {
  if (numel_ == 0) return;
  if (numel_ < grain) {
    serial_for_each(loop, 0, numel_);
    return;
  }
  parallel_for(0, numel_, grain, [&](int64_t b, int64_t e) { serial_for_each(loop, b, e); });
}

}  // namespace pynn
