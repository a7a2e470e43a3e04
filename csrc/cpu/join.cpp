// CPU kernel of tril / triu (the rest of the join family is copies and advanced-indexing takes).
#include <algorithm>
#include <cstring>

#include "cpu/indexing_utils.h"
#include "kernels/join.h"

namespace pynn {
namespace cpu {
namespace {

void triangle_mask_impl(const Tensor& x, int64_t diagonal, bool lower) {
  const Dims& sizes = x->sizes();
  const int nd = sizes.size();
  const int64_t R = sizes[nd - 2], C = sizes[nd - 1];
  if (x->numel() == 0) return;
  const int64_t batch = x->numel() / (R * C);
  const size_t isz = x->itemsize();
  char* base = static_cast<char*>(x->data());
  parallel_for(0, batch * R, row_grain(C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i = r % R;
      char* row = base + static_cast<size_t>(r * C) * isz;
      int64_t lo, hi;  // zero the columns [lo, hi)
      if (lower) {
        lo = std::max<int64_t>(0, std::min<int64_t>(C, i + diagonal + 1));
        hi = C;
      } else {
        lo = 0;
        hi = std::max<int64_t>(0, std::min<int64_t>(C, i + diagonal));
      }
      if (hi > lo) std::memset(row + lo * isz, 0, static_cast<size_t>(hi - lo) * isz);
    }
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(triangle_mask_kernel, triangle_mask_impl);

}  // namespace cpu
}  // namespace pynn
