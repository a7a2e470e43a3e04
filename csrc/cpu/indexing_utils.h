// Helpers the CPU kernels of the indexing families share (indexing, join, scatter_gather, sort): element moves
// by size, a row walker over strided operands, and the out-of-range error the kernels raise.
#pragma once
#include <algorithm>
#include <array>
#include <string>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "core/shape.h"

namespace pynn {
namespace cpu {

// Runs f(T{}) with T an unsigned type of the element size: element moves don't need the dtype.
template <typename F>
void by_itemsize(size_t size, F&& f) {
  switch (size) {
    case 1: f(uint8_t{}); return;
    case 2: f(uint16_t{}); return;
    case 4: f(uint32_t{}); return;
    case 8: f(uint64_t{}); return;
    default: throw std::runtime_error(str("[indexing] unsupported element size ", size));
  }
}

// Rows of `sizes` (all dims but the last) in [row_begin, row_end), row-major. For each row calls
// f(offsets, n): offsets[k] is operand k's element offset at the row start, n the row length.
template <int N, typename F>
void walk_rows(const Dims& sizes, const std::array<const Dims*, N>& strides, int64_t row_begin, int64_t row_end,
               F&& f) {
  const int nd = sizes.size();
  const int64_t n = sizes[nd - 1];
  int64_t cnt[kMaxDims] = {};
  int64_t off[N] = {};
  int64_t rem = row_begin;
  for (int d = nd - 2; d >= 0; --d) {
    cnt[d] = rem % sizes[d];
    rem /= sizes[d];
    for (int k = 0; k < N; ++k) off[k] += cnt[d] * (*strides[k])[d];
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    f(static_cast<const int64_t*>(off), n);
    for (int d = nd - 2; d >= 0; --d) {
      ++cnt[d];
      for (int k = 0; k < N; ++k) off[k] += (*strides[k])[d];
      if (cnt[d] < sizes[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= cnt[d] * (*strides[k])[d];
      cnt[d] = 0;
    }
  }
}

inline int64_t row_grain(int64_t row_len) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(row_len, 1));
}

inline bool is_iota(const std::vector<int64_t>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// torch's text for an index outside [0, size) (or [-size, size) where negatives wrap): IndexError for Python
// indexing and index_select, RuntimeError for gather / scatter.
[[noreturn]] inline void throw_index_out_of_range(const char* op, int64_t value, int dim, int64_t size,
                                                  bool index_error) {
  std::string msg = str("[", op, "] index ", value, " is out of bounds for dimension ", dim, " with size ", size);
  if (index_error) throw IndexError(msg);
  throw std::runtime_error(msg);
}

// Every value of a contiguous int64 index lies in [0, size). Kernels that write in place run this before the
// first write, so a bad index leaves the destination untouched.
inline void check_index_values(const int64_t* p, int64_t n, int64_t size, int dim, const char* op) {
  for (int64_t i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] >= size) throw_index_out_of_range(op, p[i], dim, size, false);
}

}  // namespace cpu
}  // namespace pynn
