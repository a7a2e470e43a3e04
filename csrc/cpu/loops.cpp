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
  // Row pointers advance incrementally (a carry subtracts the wrapped dim's extent), not recomputed per row: with
  // short rows (a permuted copy of 64-element rows) the recomputation cost as much as the row.
  const int nops = it.nops(), ndim = it.ndim();
  int64_t counter[kMaxDims];
  int64_t rem = begin;
  for (int d = 0; d < ndim; ++d) {
    counter[d] = rem % it.shape(d);
    rem /= it.shape(d);
  }
  for (int k = 0; k < nops; ++k) {
    char* p = it.data(k);
    for (int d = 0; d < ndim; ++d) p += counter[d] * it.stride(d, k);
    ptrs[k] = p;
  }
  const int64_t size0 = it.shape(0);
  int64_t pos = begin;
  while (pos < end) {
    const int64_t n = std::min(size0 - counter[0], end - pos);
    loop(ptrs, inner_strides, n);
    pos += n;
    counter[0] += n;
    for (int k = 0; k < nops; ++k) ptrs[k] += n * inner_strides[k];
    for (int d = 0; d < ndim - 1 && counter[d] >= it.shape(d); ++d) {
      counter[d] = 0;
      ++counter[d + 1];
      for (int k = 0; k < nops; ++k) ptrs[k] += it.stride(d + 1, k) - it.shape(d) * it.stride(d, k);
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

namespace {
// Rows [begin, end) of the row space (every dim but 0, dim 1 fastest), in blocks along dim 1.
void serial_for_each_block(const TensorIter& it, BlockLoop loop, int64_t begin, int64_t end) {
  const int nops = it.nops(), ndim = it.ndim();
  int64_t inner[TensorIter::kMaxOperands], outer[TensorIter::kMaxOperands];
  for (int k = 0; k < nops; ++k) {
    inner[k] = it.stride(0, k);
    outer[k] = ndim > 1 ? it.stride(1, k) : 0;
  }
  int64_t counter[kMaxDims] = {};
  int64_t rem = begin;
  for (int d = 1; d < ndim; ++d) {
    counter[d] = rem % it.shape(d);
    rem /= it.shape(d);
  }
  char* ptrs[TensorIter::kMaxOperands];
  for (int k = 0; k < nops; ++k) {
    char* p = it.data(k);
    for (int d = 1; d < ndim; ++d) p += counter[d] * it.stride(d, k);
    ptrs[k] = p;
  }
  const int64_t n0 = it.shape(0), size1 = ndim > 1 ? it.shape(1) : 1;
  int64_t row = begin;
  while (row < end) {
    const int64_t n1 = std::min(size1 - counter[1], end - row);
    loop(ptrs, inner, outer, n0, n1);
    row += n1;
    counter[1] += n1;
    for (int k = 0; k < nops; ++k) ptrs[k] += n1 * outer[k];
    for (int d = 1; d < ndim - 1 && counter[d] >= it.shape(d); ++d) {
      counter[d] = 0;
      ++counter[d + 1];
      for (int k = 0; k < nops; ++k) ptrs[k] += it.stride(d + 1, k) - it.shape(d) * it.stride(d, k);
    }
  }
}
}  // namespace

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
