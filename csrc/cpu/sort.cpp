// CPU kernel of sort / topk: a stable (partial) sort of each contiguous row.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "cpu/indexing_utils.h"
#include "kernels/sort.h"

namespace pynn {
namespace cpu {
namespace {

void sort_rows_impl(const Tensor& values, const Tensor& indices, const Tensor& src, const SortRows& g) {
  const int64_t rows = g.rows, n = g.n, k = g.k;
  const bool descending = g.descending;
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

}  // namespace

PYNN_REGISTER_CPU_KERNEL(sort_rows_kernel, sort_rows_impl);

}  // namespace cpu
}  // namespace pynn
