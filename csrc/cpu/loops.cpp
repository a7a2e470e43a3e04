#include "cpu/loops.h"

#include <algorithm>

#include "core/parallel.h"

namespace pynn {
namespace cpu {

namespace {

// Counters over the iterator's dims [first, ndim) from a linear position in them, the operands' pointers kept in
// step: a carry out of a dim subtracts its extent, so a row costs no pointer recomputation (with short rows, a
// permuted copy's 64 elements, recomputing them cost as much as the row).
class DimWalker {
 public:
  DimWalker(const TensorIter& it, int first, int64_t position) : it_(it), first_(first) {
    for (int d = first; d < it.ndim(); ++d) {
      counter_[d] = position % it.shape(d);
      position /= it.shape(d);
    }
    for (int k = 0; k < it.nops(); ++k) {
      char* p = it.data(k);
      for (int d = first; d < it.ndim(); ++d) p += counter_[d] * it.stride(d, k);
      ptrs_[k] = p;
    }
  }
  char** ptrs() { return ptrs_; }
  // Positions left along dim `first` before the next carry (1 when the walk has no dims).
  int64_t left_in_first() const { return first_ < it_.ndim() ? it_.shape(first_) - counter_[first_] : 1; }
  // Steps n <= left_in_first() along dim `first`, carrying into the dims above.
  void advance(int64_t n) {
    const int nops = it_.nops(), ndim = it_.ndim();
    if (first_ >= ndim) return;
    counter_[first_] += n;
    for (int k = 0; k < nops; ++k) ptrs_[k] += n * it_.stride(first_, k);
    for (int d = first_; d < ndim - 1 && counter_[d] >= it_.shape(d); ++d) {
      counter_[d] = 0;
      ++counter_[d + 1];
      for (int k = 0; k < nops; ++k) ptrs_[k] += it_.stride(d + 1, k) - it_.shape(d) * it_.stride(d, k);
    }
  }

 private:
  const TensorIter& it_;
  const int first_;
  int64_t counter_[kMaxDims] = {};
  char* ptrs_[TensorIter::kMaxOperands] = {};
};

// Rows [begin, end) of the row space (every dim but 0, dim 1 fastest), in blocks along dim 1.
void serial_for_each_block(const TensorIter& it, BlockLoop loop, int64_t begin, int64_t end) {
  int64_t inner[TensorIter::kMaxOperands], outer[TensorIter::kMaxOperands];
  for (int k = 0; k < it.nops(); ++k) {
    inner[k] = it.stride(0, k);
    outer[k] = it.ndim() > 1 ? it.stride(1, k) : 0;
  }
  DimWalker walk(it, 1, begin);
  for (int64_t row = begin; row < end;) {
    const int64_t n1 = std::min(walk.left_in_first(), end - row);
    loop(walk.ptrs(), inner, outer, it.shape(0), n1);
    walk.advance(n1);
    row += n1;
  }
}

}  // namespace

void serial_for_each(const TensorIter& it, InnerLoop loop, int64_t begin, int64_t end) {
  int64_t inner[TensorIter::kMaxOperands];
  for (int k = 0; k < it.nops(); ++k) inner[k] = it.stride(0, k);
  DimWalker walk(it, 0, begin);
  for (int64_t pos = begin; pos < end;) {
    const int64_t n = std::min(walk.left_in_first(), end - pos);
    loop(walk.ptrs(), inner, n);
    walk.advance(n);
    pos += n;
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

void for_each_block(const TensorIter& it, BlockLoop loop, int64_t grain) {
  if (it.numel() == 0) return;
  const int64_t n0 = it.shape(0), rows = it.numel() / n0;
  if (it.numel() < grain) {
    serial_for_each_block(it, loop, 0, rows);
    return;
  }
  parallel_for(0, rows, std::max<int64_t>(1, grain / n0),
               [&](int64_t b, int64_t e) { serial_for_each_block(it, loop, b, e); });
}

}  // namespace cpu
}  // namespace pynn
