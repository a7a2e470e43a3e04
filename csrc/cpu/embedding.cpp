// Embedding CPU kernels (kernels/embedding.h), compiled once: they copy and add rows, which the compiler
// vectorizes at any ISA, and their cost is memory traffic.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "kernels/embedding.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// The indices as int64 values, each checked against [0, num_weights).
class Indices {
 public:
  Indices(const Tensor& t, int64_t num_weights)
      : i64_(t->dtype() == ScalarType::Int64 ? t->data_ptr<int64_t>() : nullptr),
        i32_(t->dtype() == ScalarType::Int32 ? t->data_ptr<int32_t>() : nullptr),
        count_(t->numel()),
        num_weights_(num_weights) {
    if (!i64_ && !i32_) throw TypeError("[embedding] indices must be int64 or int32");
  }
  int64_t count() const { return count_; }
  int64_t operator[](int64_t i) const {
    const int64_t v = i64_ ? i64_[i] : static_cast<int64_t>(i32_[i]);
    if (v < 0 || v >= num_weights_) throw IndexError("[embedding] index out of range in self");
    return v;
  }

 private:
  const int64_t* i64_;
  const int32_t* i32_;
  int64_t count_, num_weights_;
};

// Rows per parallel chunk of a row copy.
int64_t row_grain(int64_t dim) { return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(dim, 1)); }

// The checked indices, sorted: occurrences by binary search, distinct rows by unique().
std::vector<int64_t> sorted_indices(const Indices& idx) {
  std::vector<int64_t> s(idx.count());
  for (int64_t i = 0; i < idx.count(); ++i) s[i] = idx[i];
  std::sort(s.begin(), s.end());
  return s;
}

int64_t occurrences(const std::vector<int64_t>& sorted, int64_t v) {
  auto r = std::equal_range(sorted.begin(), sorted.end(), v);
  return r.second - r.first;
}

// The factor of each row's gradient (kernels/embedding.h's embedding_grad_scale).
std::vector<double> grad_scales(const Indices& idx, int64_t padding_idx, bool by_freq) {
  std::vector<double> s(idx.count(), 1.0);
  std::vector<int64_t> sorted;
  if (by_freq) sorted = sorted_indices(idx);
  for (int64_t i = 0; i < idx.count(); ++i) {
    const int64_t v = idx[i];
    if (v == padding_idx) s[i] = 0.0;
    else if (by_freq) s[i] = 1.0 / static_cast<double>(occurrences(sorted, v));
  }
  return s;
}

void embedding_impl(const Tensor& out, const Tensor& weight, const Tensor& indices) {
  const int64_t V = weight->size(0), D = weight->size(1);
  const Indices idx(indices, V);
  const size_t row_bytes = static_cast<size_t>(D) * weight->itemsize();
  const char* w = static_cast<const char*>(weight->data());
  char* o = static_cast<char*>(out->data());
  parallel_for(0, idx.count(), row_grain(D), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(o + i * row_bytes, w + idx[i] * row_bytes, row_bytes);
  });
}

template <typename T>
void embedding_backward_typed(const EmbeddingBackwardArgs& a) {
  const int64_t V = a.grad_weight->size(0), D = a.grad_weight->size(1);
  const Indices idx(a.indices, V);
  const int64_t n = idx.count();
  T* gw = a.grad_weight->data_ptr<T>();
  const T* g = a.grad->data_ptr<T>();
  const bool scaled = a.scale_grad_by_freq;
  const std::vector<double> scale = scaled ? grad_scales(idx, a.padding_idx, true) : std::vector<double>();
  // Each table row's occurrences in index order: head[v] is the first, next[i] the one after i (-1 ends).
  std::vector<int64_t> head(V, -1), next(n, -1);
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t r = idx[i];
    if (r == a.padding_idx) continue;
    next[i] = head[r];
    head[r] = i;
  }
  // One write of each table row: zeros, or 0 + its gradient rows summed in index order (what a zero fill
  // followed by the additions gives, -0 included) without filling the looked-up rows first and reading them
  // back. Threads split the rows, so the sums are the same whatever the thread count.
  parallel_for(0, V, row_grain(D), [&](int64_t v0, int64_t v1) {
    for (int64_t v = v0; v < v1; ++v) {
      T* dst = gw + v * D;
      int64_t i = head[v];
      if (i < 0) {
        std::fill(dst, dst + D, T(0));
        continue;
      }
      for (bool first = true; i >= 0; i = next[i], first = false) {
        const T* src = g + i * D;
        const T s = scaled ? static_cast<T>(scale[i]) : T(1);
        if (first && scaled) {
#pragma GCC ivdep
          for (int64_t d = 0; d < D; ++d) dst[d] = T(0) + src[d] * s;
        } else if (first) {
#pragma GCC ivdep
          for (int64_t d = 0; d < D; ++d) dst[d] = T(0) + src[d];
        } else if (scaled) {
#pragma GCC ivdep
          for (int64_t d = 0; d < D; ++d) dst[d] += src[d] * s;
        } else {
#pragma GCC ivdep
          for (int64_t d = 0; d < D; ++d) dst[d] += src[d];
        }
      }
    }
  });
}

void embedding_backward_impl(const EmbeddingBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.grad_weight->dtype(), "embedding_backward", [&] { embedding_backward_typed<scalar_t>(a); });
}

void embedding_grad_scale_impl(const Tensor& scale, const Tensor& indices, int64_t padding_idx,
                               bool scale_grad_by_freq) {
  const Indices idx(indices, std::numeric_limits<int64_t>::max());
  const std::vector<double> s = grad_scales(idx, padding_idx, scale_grad_by_freq);
  PYNN_DISPATCH_FLOAT(scale->dtype(), "embedding_backward", [&] {
    scalar_t* o = scale->data_ptr<scalar_t>();
    for (int64_t i = 0; i < idx.count(); ++i) o[i] = static_cast<scalar_t>(s[i]);
  });
}

template <typename T>
double row_norm(const T* r, int64_t D, double p) {
  double acc = 0;
  if (std::isinf(p)) {  // the largest (inf) or smallest (-inf) magnitude
    double m = p > 0 ? 0.0 : std::numeric_limits<double>::infinity();
    for (int64_t d = 0; d < D; ++d) m = p > 0 ? std::max(m, std::fabs(double(r[d]))) : std::min(m, std::fabs(double(r[d])));
    return m;
  }
  if (p == 0) {
    for (int64_t d = 0; d < D; ++d) acc += r[d] != T(0);
    return acc;
  }
  if (p == 2) {
    for (int64_t d = 0; d < D; ++d) acc += double(r[d]) * double(r[d]);
    return std::sqrt(acc);
  }
  for (int64_t d = 0; d < D; ++d) acc += std::pow(std::fabs(double(r[d])), p);
  return std::pow(acc, 1.0 / p);
}

void embedding_renorm_impl(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  const int64_t V = weight->size(0), D = weight->size(1);
  std::vector<int64_t> rows = sorted_indices(Indices(indices, V));
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  PYNN_DISPATCH_FLOAT(weight->dtype(), "embedding_renorm_", [&] {
    scalar_t* w = weight->data_ptr<scalar_t>();
    // Distinct rows: no two chunks touch the same memory.
    parallel_for(0, static_cast<int64_t>(rows.size()), row_grain(D), [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        scalar_t* r = w + rows[k] * D;
        const double norm = row_norm(r, D, norm_type);
        if (norm > max_norm) {
          const scalar_t s = static_cast<scalar_t>(max_norm / (norm + 1e-7));
          for (int64_t d = 0; d < D; ++d) r[d] *= s;
        }
      }
    });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(embedding_kernel, embedding_impl);
PYNN_REGISTER_CPU_KERNEL(embedding_backward_kernel, embedding_backward_impl);
PYNN_REGISTER_CPU_KERNEL(embedding_grad_scale_kernel, embedding_grad_scale_impl);
PYNN_REGISTER_CPU_KERNEL(embedding_renorm_kernel, embedding_renorm_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
