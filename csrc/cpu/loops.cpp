#include "cpu/loops.h"

#include <algorithm>

#include "core/parallel.h"

namespace pynn {
namespace cpu {

void serial_for_each(const TensorIter& it, InnerLoop loop, int64_t begin, int64_t end) {
  if (begin >= end) return;
  char* ptrs[TensorIter::kMaxOperands];
  int64_t inner_strides[TensorIter::kMaxOperands];
  for (int k = 0; k < it.nops(); ++k) inner_strides[k] = it.stride(0, k);
  if (it.ndim() == 1) {
    for (int k = 0; k < it.nops(); ++k) ptrs[k] = it.data(k) + begin * it.stride(0, k);
    loop(ptrs, inner_strides, end - begin);
    return;
  }
  int64_t counter[kMaxDims];
  int64_t rem = begin;
  for (int d = 0; d < it.ndim(); ++d) {
    counter[d] = rem % it.shape(d);
    rem /= it.shape(d);
  }
  int64_t pos = begin;
  while (pos < end) {
    for (int k = 0; k < it.nops(); ++k) {
      char* p = it.data(k);
      for (int d = 0; d < it.ndim(); ++d) p += counter[d] * it.stride(d, k);
      ptrs[k] = p;
    }
    int64_t n = std::min(it.shape(0) - counter[0], end - pos);
    loop(ptrs, inner_strides, n);
    pos += n;
    counter[0] += n;
    for (int d = 0; d < it.ndim() - 1 && counter[d] >= it.shape(d); ++d) {
      counter[d] = 0;
      ++counter[d + 1];
    }
  }
}

void for_each(const TensorIter& it, InnerLoop loop, int64_t grain) {
  if (it.numel() == 0) return;
  if (it.numel() < grain) {
    serial_for_each(it, loop, 0, it.numel());
    return;
  }
  parallel_for(0, it.numel(), grain, [&](int64_t b, int64_t e) { serial_for_each(it, loop, b, e); });
}

}  // namespace cpu
}  // namespace pynn
