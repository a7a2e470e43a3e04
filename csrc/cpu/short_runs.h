// Copies and fills of short runs (a few to a few dozen elements) in line: the im2col walk and the padding
// kernel's rows are made of them, and as memcpy / memset calls they cost more than the data they move
// (measured: 300 k memset calls in one im2col of a 32 x 32 x 16 x 16 batch). Runs above kShortRun go to the
// library calls; below, 16-byte pieces and elements, with an empty asm in the loops so that GCC does not turn
// them back into those calls. Internal linkage: each ISA build of a kernel file gets its own copy.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace pynn {
namespace cpu {
namespace {

constexpr int64_t kShortRun = 64;

// d[k] = s[k * step] for k < count.
template <typename T>
inline void copy_run(T* d, const T* s, int64_t count, int64_t step = 1) {
  constexpr int64_t kPiece = sizeof(T) <= 16 ? 16 / sizeof(T) : 1;
  if (step != 1) {
    for (int64_t k = 0; k < count; ++k) d[k] = s[k * step];
  } else if (count > kShortRun) {
    std::memcpy(d, s, static_cast<size_t>(count) * sizeof(T));
  } else {
    int64_t k = 0;
    for (; k + kPiece <= count; k += kPiece) {
      std::memcpy(d + k, s + k, kPiece * sizeof(T));
      asm volatile("" ::: "memory");
    }
    for (; k < count; ++k) {
      d[k] = s[k];
      asm volatile("" ::: "memory");
    }
  }
}

template <typename T>
inline void fill_run(T* d, int64_t count, T value) {
  if (count > kShortRun) {
    std::fill(d, d + count, value);
    return;
  }
  for (int64_t k = 0; k < count; ++k) {
    d[k] = value;
    asm volatile("" ::: "memory");
  }
}

}  // namespace
}  // namespace cpu
}  // namespace pynn
