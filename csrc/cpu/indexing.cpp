#include "cpu/indexing.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "core/iterator.h"
#include "core/parallel.h"

namespace pynn {
namespace cpu {
namespace {

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

int64_t row_grain(int64_t row_len) { return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(row_len, 1)); }

bool is_iota(const std::vector<int64_t>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] != static_cast<int64_t>(i)) return false;
  return true;
}

template <typename T>
bool nonzero_value(T v) {
  return v != T(0);
}

}  // namespace

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

void index_take(void* out, const void* src, size_t itemsize, const std::vector<int64_t>& pre,
                const std::vector<int64_t>& mid, const std::vector<int64_t>& post) {
  const int64_t nb = static_cast<int64_t>(mid.size()), npost = static_cast<int64_t>(post.size());
  const int64_t rows = static_cast<int64_t>(pre.size()) * nb;
  if (rows == 0 || npost == 0) return;
  const bool post_contig = is_iota(post);
  by_itemsize(itemsize, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    const T* s = static_cast<const T*>(src);
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

void index_put(void* dst, const void* values, ScalarType dtype, const std::vector<int64_t>& pre,
               const std::vector<int64_t>& mid, const std::vector<int64_t>& post, bool accumulate) {
  const int64_t nb = static_cast<int64_t>(mid.size()), npost = static_cast<int64_t>(post.size());
  const int64_t rows = static_cast<int64_t>(pre.size()) * nb;
  if (rows == 0 || npost == 0) return;
  if (accumulate) {
    PYNN_DISPATCH_ALL(dtype, "index_put_", [&] {
      scalar_t* d = static_cast<scalar_t*>(dst);
      const scalar_t* v = static_cast<const scalar_t*>(values);
      for (int64_t r = 0; r < rows; ++r) {
        scalar_t* base = d + pre[r / nb] + mid[r % nb];
        const scalar_t* src = v + r * npost;
        for (int64_t c = 0; c < npost; ++c) base[post[c]] = static_cast<scalar_t>(base[post[c]] + src[c]);
      }
    });
    return;
  }
  const bool post_contig = is_iota(post);
  by_itemsize(itemsize(dtype), [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(dst);
    const T* v = static_cast<const T*>(values);
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

void gather(const Tensor& out, const Tensor& x, int dim, const Tensor& index) {
  const Dims& shape = index->sizes();
  if (index->numel() == 0) return;
  Dims xs = x->strides();
  const int64_t xsd = xs[dim];
  xs[dim] = 0;
  const int last = shape.size() - 1;
  const int64_t rows = index->numel() / shape[last];
  by_itemsize(x->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out->data());
    const T* xp = static_cast<const T*>(x->data());
    const int64_t* ip = index->data_ptr<int64_t>();
    const int64_t os = out->strides()[last], xl = xs[last], il = index->strides()[last];
    parallel_for(0, rows, row_grain(shape[last]), [&](int64_t r0, int64_t r1) {
      walk_rows<3>(shape, {&out->strides(), &xs, &index->strides()}, r0, r1, [&](const int64_t* off, int64_t n) {
        for (int64_t j = 0; j < n; ++j) o[off[0] + j * os] = xp[off[1] + j * xl + ip[off[2] + j * il] * xsd];
      });
    });
  });
}

void scatter(const Tensor& self, int dim, const Tensor& index, const Tensor& src, bool add) {
  const Dims& shape = index->sizes();
  if (index->numel() == 0) return;
  Dims ss = self->strides();
  const int64_t ssd = ss[dim];
  ss[dim] = 0;
  const int last = shape.size() - 1;
  const int64_t rows = index->numel() / shape[last];
  const int64_t sl = ss[last], vl = src->strides()[last], il = index->strides()[last];
  const int64_t* ip = index->data_ptr<int64_t>();
  auto run = [&](auto tag, auto op) {
    using T = decltype(tag);
    T* sp = static_cast<T*>(self->data());
    const T* vp = static_cast<const T*>(src->data());
    walk_rows<3>(shape, {&ss, &src->strides(), &index->strides()}, 0, rows, [&](const int64_t* off, int64_t n) {
      for (int64_t j = 0; j < n; ++j) op(sp[off[0] + j * sl + ip[off[2] + j * il] * ssd], vp[off[1] + j * vl]);
    });
  };
  if (add) {
    PYNN_DISPATCH_ALL(self->dtype(), "scatter_add", [&] {
      run(scalar_t{}, [](scalar_t& d, scalar_t v) { d = static_cast<scalar_t>(d + v); });
    });
  } else {
    by_itemsize(self->itemsize(), [&](auto tag) {
      using T = decltype(tag);
      run(tag, [](T& d, T v) { d = v; });
    });
  }
}

void scatter_fill(const Tensor& self, int dim, const Tensor& index, const Tensor& value) {
  const Dims& shape = index->sizes();
  if (index->numel() == 0) return;
  Dims ss = self->strides();
  const int64_t ssd = ss[dim];
  ss[dim] = 0;
  const int last = shape.size() - 1;
  const int64_t rows = index->numel() / shape[last];
  const int64_t sl = ss[last], il = index->strides()[last];
  const int64_t* ip = index->data_ptr<int64_t>();
  by_itemsize(self->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, value->data(), sizeof(T));
    T* sp = static_cast<T*>(self->data());
    walk_rows<2>(shape, {&ss, &index->strides()}, 0, rows, [&](const int64_t* off, int64_t n) {
      for (int64_t j = 0; j < n; ++j) sp[off[0] + j * sl + ip[off[1] + j * il] * ssd] = v;
    });
  });
}

void masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  TensorIter iter({x, mask});
  by_itemsize(x->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, value->data(), sizeof(T));
    iter.for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t j = 0; j < n; ++j)
        if (*reinterpret_cast<const bool*>(data[1] + j * strides[1])) *reinterpret_cast<T*>(data[0] + j * strides[0]) = v;
    });
  });
}

int64_t count_nonzero(const Tensor& x) {
  int64_t count = 0;
  const int64_t n = x->numel();
  PYNN_DISPATCH_ALL(x->dtype(), "nonzero", [&] {
    const scalar_t* p = x->data_ptr<scalar_t>();
    for (int64_t i = 0; i < n; ++i) count += nonzero_value(p[i]) ? 1 : 0;
  });
  return count;
}

void nonzero(const Tensor& out, const Tensor& x) {
  const int nd = x->dim();
  const int64_t count = out->sizes()[0];
  if (count == 0) return;
  int64_t* o = out->data_ptr<int64_t>();
  // Flat positions go to the last `count` slots of out (branch-free), then expand in place to
  // coordinates front to back: element j's row never reaches a flat position still to be read.
  int64_t* flat = o + static_cast<int64_t>(nd - 1) * count;
  PYNN_DISPATCH_ALL(x->dtype(), "nonzero", [&] {
    const scalar_t* p = x->data_ptr<scalar_t>();
    int64_t last = x->numel() - 1;
    while (last >= 0 && !nonzero_value(p[last])) --last;
    int64_t w = 0;
    for (int64_t i = 0; i <= last; ++i) {
      flat[w] = i;
      w += nonzero_value(p[i]) ? 1 : 0;
    }
  });
  if (nd == 1) return;
  const Dims& sizes = x->sizes();
  for (int64_t j = 0; j < count; ++j) {
    int64_t f = flat[j];
    for (int d = nd - 1; d >= 0; --d) {
      o[j * nd + d] = f % sizes[d];
      f /= sizes[d];
    }
  }
}

void masked_select(const Tensor& out, const Tensor& x, const Tensor& mask) {
  const int64_t count = out->numel();
  if (count == 0) return;
  const bool* m = mask->data_ptr<bool>();
  int64_t last = x->numel() - 1;
  while (last >= 0 && !m[last]) --last;
  by_itemsize(x->itemsize(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = static_cast<const T*>(x->data());
    T* o = static_cast<T*>(out->data());
    int64_t w = 0;
    for (int64_t i = 0; i <= last; ++i) {  // branch-free: w < count holds up to the last selected element
      o[w] = xp[i];
      w += m[i] ? 1 : 0;
    }
  });
}

void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& src, int64_t rows, int64_t n, int64_t k,
               bool descending) {
  if (rows == 0 || k == 0) return;
  PYNN_DISPATCH_ALL(src->dtype(), "sort", [&] {
    const scalar_t* s = src->data_ptr<scalar_t>();
    scalar_t* vo = values->data_ptr<scalar_t>();
    int64_t* io = indices->data_ptr<int64_t>();
    // Strict "a before b" on values: NaN is the largest value and equal to itself.
    auto less = [](scalar_t a, scalar_t b) {
      if constexpr (std::is_floating_point<scalar_t>::value) {
        if (std::isnan(a)) return false;
        if (std::isnan(b)) return true;
      }
      return a < b;
    };
    using Item = std::pair<scalar_t, int64_t>;
    // Ties are broken by position, which makes the order total (stable and deterministic).
    auto before = [&](const Item& a, const Item& b) {
      bool lt = descending ? less(b.first, a.first) : less(a.first, b.first);
      if (lt) return true;
      bool gt = descending ? less(a.first, b.first) : less(b.first, a.first);
      return !gt && a.second < b.second;
    };
    parallel_for(0, rows, row_grain(n * 8), [&](int64_t r0, int64_t r1) {
      std::vector<Item> items(static_cast<size_t>(n));
      for (int64_t r = r0; r < r1; ++r) {
        const scalar_t* row = s + r * n;
        for (int64_t j = 0; j < n; ++j) items[static_cast<size_t>(j)] = Item(row[j], j);
        if (k == n) std::sort(items.begin(), items.end(), before);
        else std::partial_sort(items.begin(), items.begin() + k, items.end(), before);
        for (int64_t j = 0; j < k; ++j) {
          vo[r * k + j] = items[static_cast<size_t>(j)].first;
          io[r * k + j] = items[static_cast<size_t>(j)].second;
        }
      }
    });
  });
}

void triangle_mask(const Tensor& x, int64_t diagonal, bool lower) {
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

void one_hot(const Tensor& out, const Tensor& index, int64_t classes) {
  int64_t* o = out->data_ptr<int64_t>();
  const int64_t* ip = index->data_ptr<int64_t>();
  const int64_t n = index->numel();
  std::memset(o, 0, static_cast<size_t>(out->numel()) * sizeof(int64_t));
  for (int64_t i = 0; i < n; ++i) o[i * classes + ip[i]] = 1;
}

}  // namespace cpu
}  // namespace pynn
