// CPU kernels of advanced indexing: the take (x[idx], index_select, flip) and the put (x[idx] = v).
#include <cstring>

#include "core/dtype.h"
#include "cpu/indexing_utils.h"
#include "kernels/indexing.h"

namespace pynn {
namespace cpu {
namespace {

// The offset of every index position b (the sum over the indexed dims), each index value checked, and wrapped
// when negatives count from the end, as it is read. Runs before any element moves, so a bad index writes
// nothing.
std::vector<int64_t> index_offsets(const AdvancedIndexGeom& g) {
  std::vector<int64_t> offsets(static_cast<size_t>(g.index_numel), 0);
  for (const IndexedDim& k : g.indexed) {
    const int64_t* p = k.index->data_ptr<int64_t>();
    for (int64_t j = 0; j < g.index_numel; ++j) {
      int64_t v = p[j];
      if (v < 0 && g.wrap_negative) v += k.size;
      if (v < 0 || v >= k.size) throw_index_out_of_range(g.op, p[j], k.dim, k.size, true);
      offsets[static_cast<size_t>(j)] += v * k.stride;
    }
  }
  return offsets;
}

void index_take_impl(const Tensor& out, const Tensor& src, const AdvancedIndexGeom& g) {
  const std::vector<int64_t> mid = index_offsets(g);
  const std::vector<int64_t>& pre = g.outer_offsets;
  const std::vector<int64_t>& post = g.inner_offsets;
  const int64_t nb = static_cast<int64_t>(mid.size()), npost = static_cast<int64_t>(post.size());
  const int64_t rows = static_cast<int64_t>(pre.size()) * nb;
  if (rows == 0 || npost == 0) return;
  const bool post_contig = is_iota(post);
  by_itemsize(src->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out->data());
    const T* s = static_cast<const T*>(src->data());
    parallel_for(0, rows, row_grain(npost), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* base = s + pre[r / nb] + mid[r % nb];
        T* dst = o + r * npost;
        if (post_contig) {
          std::memcpy(dst, base, static_cast<size_t>(npost) * sizeof(T));
        } else {
          for (int64_t c = 0; c < npost; ++c) dst[c] = base[post[c]];
        }
      }
    });
  });
}

// Serial, so that repeated positions resolve in order.
void index_put_impl(const Tensor& dst, const Tensor& values, const AdvancedIndexGeom& g, bool accumulate) {
  const std::vector<int64_t> mid = index_offsets(g);
  const std::vector<int64_t>& pre = g.outer_offsets;
  const std::vector<int64_t>& post = g.inner_offsets;
  const int64_t nb = static_cast<int64_t>(mid.size()), npost = static_cast<int64_t>(post.size());
  const int64_t rows = static_cast<int64_t>(pre.size()) * nb;
  if (rows == 0 || npost == 0) return;
  if (accumulate) {
    PYNN_DISPATCH_ALL_AND_REDUCED(dst->dtype(), "index_put_", [&] {
      scalar_t* d = static_cast<scalar_t*>(dst->data());
      const scalar_t* v = static_cast<const scalar_t*>(values->data());
      for (int64_t r = 0; r < rows; ++r) {
        scalar_t* base = d + pre[r / nb] + mid[r % nb];
        const scalar_t* src = v + r * npost;
        for (int64_t c = 0; c < npost; ++c) base[post[c]] = static_cast<scalar_t>(base[post[c]] + src[c]);
      }
    });
    return;
  }
  const bool post_contig = is_iota(post);
  by_itemsize(dst->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(dst->data());
    const T* v = static_cast<const T*>(values->data());
    for (int64_t r = 0; r < rows; ++r) {
      T* base = d + pre[r / nb] + mid[r % nb];
      const T* src = v + r * npost;
      if (post_contig) {
        std::memmove(base, src, static_cast<size_t>(npost) * sizeof(T));
      } else {
        for (int64_t c = 0; c < npost; ++c) base[post[c]] = src[c];
      }
    }
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(index_take_kernel, index_take_impl);
PYNN_REGISTER_CPU_KERNEL(index_put_kernel, index_put_impl);

}  // namespace cpu
}  // namespace pynn
