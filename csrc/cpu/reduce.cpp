// Reduction and scan kernels over a contiguous [lead, outer, size, inner] input (lead is usually 1).
//
// One generic driver runs every accumulate-style reduction: an Op supplies init/step/merge and a store
// callback writes the result. inner == 1 reduces contiguous rows with Op::kLanes independent accumulators
// (vectorised by the compiler without -ffast-math); inner > 1 accumulates whole rows into a block of
// accumulators (the inner loop is a plain stride-1 loop). Work is split over (outer x inner-blocks); when
// there are fewer of those than threads the reduced range itself is split and the partials merged in order.
// Float sums accumulate in double. max/min with indices on contiguous rows take two passes (extreme value,
// then its first position); var/std are two-pass per chunk with Chan's merge; logsumexp subtracts the max.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "kernels/reduce.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

constexpr int64_t kGrain = 32768;  // elements per task below which work stays on one thread
constexpr int64_t kBlock = 256;    // inner columns handled by one task (accumulators stay in L1)

// Plain comparisons suffice for the branch-free selects below: the kernel files build with -fno-trapping-math
// (see cpu/vec/vec.h), under which GCC if-converts and vectorizes them.
template <typename T>
inline bool is_nan(T x) {
  if constexpr (std::is_floating_point<T>::value) return x != x;
  else return false;
}

template <typename T>
constexpr bool is_fp() { return std::is_floating_point<T>::value; }

// Accumulator type of sums, products and scans: double for floats, wrapping uint64 for integers and bool.
template <typename T>
using acc_type = std::conditional_t<std::is_floating_point<T>::value, double, uint64_t>;
template <typename T>
using sum_out_type = std::conditional_t<std::is_floating_point<T>::value, T, int64_t>;

template <typename A, typename T>
inline A to_acc(T x) {
  if constexpr (std::is_floating_point<A>::value) return static_cast<A>(x);
  else return static_cast<A>(static_cast<int64_t>(x));
}

// ---------------------------------------------------------------------------------------------------------
// Ops: acc_t, init(), step(acc&, x, r) (r: index along the reduced axis), merge(acc&, const acc&) (symmetric),
// kLanes: independent accumulators per contiguous row. 8 suits plain arithmetic (GCC keeps them in registers
// and vectorises across them); ops built on selects need 32, which GCC vectorises as a loop instead.

template <typename T>
struct SumOp {
  // 16: two independent vector chains of double adds at AVX-512 (one chain's add latency capped a float row
  // sum at about 2.7 elements per cycle, below the memory's rate on (4096, 4096)).
  static constexpr int kLanes = 16;
  using acc_t = acc_type<T>;
  acc_t init() const { return acc_t(0); }
  void step(acc_t& a, T x, int64_t) const { a += to_acc<acc_t>(x); }
  void merge(acc_t& a, const acc_t& b) const { a += b; }
};

template <typename T>
struct ProdOp {
  static constexpr int kLanes = 8;
  using acc_t = acc_type<T>;
  acc_t init() const { return acc_t(1); }
  void step(acc_t& a, T x, int64_t) const { a *= to_acc<acc_t>(x); }
  void merge(acc_t& a, const acc_t& b) const { a *= b; }
};

template <typename T, bool IsMax>
struct MaxMinOp {
  static constexpr int kLanes = 32;
  using acc_t = T;
  acc_t init() const {
    if constexpr (std::numeric_limits<T>::has_infinity)
      return IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    else
      return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  void step(acc_t& a, T x, int64_t) const {
    const bool take = (IsMax ? x > a : x < a) | is_nan(x);  // no short circuit: the loop stays vectorisable
    a = take ? x : a;
  }
  void merge(acc_t& a, const acc_t& b) const { step(a, b, 0); }
};

template <typename T, bool IsAll>
struct AllAnyOp {
  static constexpr int kLanes = 32;
  using acc_t = bool;
  acc_t init() const { return IsAll; }
  void step(acc_t& a, T x, int64_t) const {
    if (IsAll) a = a && (x != T(0));
    else a = a || (x != T(0));
  }
  void merge(acc_t& a, const acc_t& b) const { a = IsAll ? (a && b) : (a || b); }
};

enum class NormKind { L0, L1, L2, Inf, NegInf, P };

template <typename T, NormKind K>
struct NormOp {
  static constexpr int kLanes = 8;
  using acc_t = double;
  double p = 2;
  acc_t init() const { return K == NormKind::NegInf ? std::numeric_limits<double>::infinity() : 0.0; }
  void step(acc_t& a, T x, int64_t) const {
    double v = std::abs(static_cast<double>(x));
    switch (K) {
      case NormKind::L0: a += (x != T(0)) ? 1.0 : 0.0; break;
      case NormKind::L1: a += v; break;
      case NormKind::L2: a += v * v; break;
      case NormKind::Inf: a = ((v > a) | is_nan(v)) ? v : a; break;
      case NormKind::NegInf: a = ((v < a) | is_nan(v)) ? v : a; break;
      case NormKind::P: a += std::pow(v, p); break;
    }
  }
  void merge(acc_t& a, const acc_t& b) const {
    if (K == NormKind::Inf || K == NormKind::NegInf) {
      a = ((K == NormKind::Inf ? b > a : b < a) | is_nan(b)) ? b : a;
    } else {
      a += b;
    }
  }
  double finish(double a) const {
    if (K == NormKind::L2) return std::sqrt(a);
    if (K == NormKind::P) return std::pow(a, 1.0 / p);
    return a;
  }
};

template <typename T>
struct ArgAcc {
  T v{};
  int64_t i = -1;  // -1: nothing seen yet
};

template <typename T, bool IsMax>
struct ArgOp {
  static constexpr int kLanes = 32;
  using acc_t = ArgAcc<T>;
  static bool better(T x, T y) {  // x strictly beats y; a NaN beats any number
    if constexpr (std::is_floating_point<T>::value) {
      if (x != x) return y == y;
      if (y != y) return false;
    }
    return IsMax ? x > y : x < y;
  }
  acc_t init() const { return acc_t{}; }
  void step(acc_t& a, T x, int64_t r) const {
    if (a.i < 0 || better(x, a.v)) {
      a.v = x;
      a.i = r;
    }
  }
  void merge(acc_t& a, const acc_t& b) const {
    if (b.i < 0) return;
    if (a.i < 0 || better(b.v, a.v) || (!better(a.v, b.v) && b.i < a.i)) a = b;
  }
};

// ---------------------------------------------------------------------------------------------------------
// The driver.

template <typename T, typename Op>
typename Op::acc_t reduce_row(const Op& op, const T* x, int64_t r0, int64_t r1) {
  using A = typename Op::acc_t;
  constexpr int K = Op::kLanes;
  A acc[K];
  for (int k = 0; k < K; ++k) acc[k] = op.init();
  int64_t r = r0;
  for (; r + K <= r1; r += K) {
    const T* p = x + r;
    for (int k = 0; k < K; ++k) op.step(acc[k], p[k], r + k);
  }
  for (; r < r1; ++r) op.step(acc[r % K], x[r], r);
  for (int w = K / 2; w >= 1; w /= 2)  // pairwise merge
    for (int k = 0; k < w; ++k) op.merge(acc[k], acc[k + w]);
  return acc[0];
}

// Folds rows [r0, r1) of slab o, columns [j0, j0 + len), into acc[0 .. len).
template <typename T, typename Op>
void accumulate(const Op& op, const T* in, const ReduceGeom& g, int64_t o, int64_t r0, int64_t r1, int64_t j0,
                int64_t len, typename Op::acc_t* acc) {
  if (g.inner == 1) {
    op.merge(acc[0], reduce_row(op, in + o * g.size, r0, r1));
    return;
  }
  const T* base = in + o * g.size * g.inner + j0;
  for (int64_t r = r0; r < r1; ++r) {
    const T* x = base + r * g.inner;
    for (int64_t j = 0; j < len; ++j) op.step(acc[j], x[j], r);
  }
}

// Folds positions [q0, q1) of the whole reduced range (lead slabs x size rows) into acc, as accumulate.
template <typename T, typename Op>
void accumulate_range(const Op& op, const T* in, const ReduceGeom& g, int64_t o, int64_t q0, int64_t q1, int64_t j0,
                      int64_t len, typename Op::acc_t* acc) {
  if (g.size == 0) return;
  const int64_t slab = g.outer * g.size * g.inner;
  while (q0 < q1) {
    const int64_t s = q0 / g.size, r0 = q0 % g.size, r1 = std::min(g.size, r0 + (q1 - q0));
    accumulate(op, in + s * slab, g, o, r0, r1, j0, len, acc);
    q0 += r1 - r0;
  }
}

// store(out_index, acc) receives each finished accumulator; out_index = o * inner + j.
template <typename T, typename Op, typename Store>
void run_reduce(const Op& op, const T* in, const ReduceGeom& g, const Store& store) {
  using A = typename Op::acc_t;
  const int64_t nout = g.outer * g.inner;
  if (nout == 0) return;
  const int64_t block = std::min(g.inner, kBlock);
  const int64_t nblk = (g.inner + block - 1) / block;
  const int64_t tasks = g.outer * nblk;
  const int64_t red = g.lead * g.size;  // reduced elements per output
  const int64_t total = nout * red;
  const int nthreads = get_num_threads();

  if (tasks < nthreads && nthreads > 1 && total >= 2 * kGrain && !in_parallel_region()) {
    // Few long reductions: split the reduced range, then merge the partials in order.
    const int64_t nchunks = std::min<int64_t>({static_cast<int64_t>(nthreads), red, total / kGrain});
    const int64_t rc = (red + nchunks - 1) / nchunks;
    std::unique_ptr<A[]> partial(new A[static_cast<size_t>(nchunks * nout)]);
    parallel_for(0, nchunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        A* acc = partial.get() + c * nout;
        for (int64_t i = 0; i < nout; ++i) acc[i] = op.init();
        const int64_t q0 = c * rc, q1 = std::min(red, q0 + rc);
        if (q0 >= q1) continue;
        for (int64_t o = 0; o < g.outer; ++o)
          for (int64_t jb = 0; jb < g.inner; jb += block)
            accumulate_range(op, in, g, o, q0, q1, jb, std::min(block, g.inner - jb), acc + o * g.inner + jb);
      }
    });
    for (int64_t i = 0; i < nout; ++i) {
      A a = partial[static_cast<size_t>(i)];
      for (int64_t c = 1; c < nchunks; ++c) op.merge(a, partial[static_cast<size_t>(c * nout + i)]);
      store(i, a);
    }
    return;
  }

  const int64_t per_task = std::max<int64_t>(1, red * block);
  parallel_for(0, tasks, std::max<int64_t>(1, kGrain / per_task), [&](int64_t t0, int64_t t1) {
    A acc[kBlock];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / nblk, jb = (t % nblk) * block;
      const int64_t len = std::min(block, g.inner - jb);
      for (int64_t j = 0; j < len; ++j) acc[j] = op.init();
      accumulate_range(op, in, g, o, 0, red, jb, len, acc);
      for (int64_t j = 0; j < len; ++j) store(o * g.inner + jb + j, acc[j]);
    }
  });
}

template <typename T, typename Op, typename Out>
void run_simple(const Op& op, const Tensor& in, const Tensor& out, const ReduceGeom& g) {
  Out* o = out->data_ptr<Out>();
  run_reduce(op, in->data_ptr<T>(), g, [&](int64_t i, const typename Op::acc_t& a) { o[i] = static_cast<Out>(a); });
}

template <typename T, NormKind K>
void run_norm(const Tensor& in, const Tensor& out, const ReduceGeom& g, double p) {
  NormOp<T, K> op;
  op.p = p;
  T* o = out->data_ptr<T>();
  run_reduce(op, in->data_ptr<T>(), g, [&](int64_t i, double a) { o[i] = static_cast<T>(op.finish(a)); });
}

// Tasks over (outer x inner-blocks) for the two-pass kernels; f(o, j0, len).
template <typename F>
void for_each_block(const ReduceGeom& g, int64_t passes, const F& f) {
  const int64_t block = std::min(g.inner, kBlock);
  const int64_t nblk = (g.inner + block - 1) / block;
  const int64_t tasks = g.outer * nblk;
  const int64_t per_task = std::max<int64_t>(1, g.lead * g.size * block * passes);
  parallel_for(0, tasks, std::max<int64_t>(1, kGrain / per_task), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / nblk, jb = (t % nblk) * block;
      f(o, jb, std::min(block, g.inner - jb));
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// var / std

// Two-pass moments of a contiguous run: count, mean and sum of squared deviations.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
};

template <typename T>
Moments row_moments(const T* x, int64_t len) {
  double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
  int64_t r = 0;
  for (; r + 4 <= len; r += 4)
    for (int k = 0; k < 4; ++k) s[k] += static_cast<double>(x[r + k]);
  for (; r < len; ++r) s[0] += static_cast<double>(x[r]);
  Moments m;
  m.n = static_cast<double>(len);
  m.mean = ((s[0] + s[1]) + (s[2] + s[3])) / m.n;
  for (r = 0; r + 4 <= len; r += 4)
    for (int k = 0; k < 4; ++k) {
      const double d = static_cast<double>(x[r + k]) - m.mean;
      q[k] += d * d;
    }
  for (; r < len; ++r) {
    const double d = static_cast<double>(x[r]) - m.mean;
    q[0] += d * d;
  }
  m.m2 = (q[0] + q[1]) + (q[2] + q[3]);
  return m;
}

// Chan et al.'s pairwise combination of two sets of moments.
inline void merge_moments(Moments& a, const Moments& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  const double n = a.n + b.n, delta = b.mean - a.mean;
  a.mean += delta * (b.n / n);
  a.m2 += b.m2 + delta * delta * (a.n * b.n / n);
  a.n = n;
}

template <typename T>
void var_impl(const Tensor& in_t, const Tensor& out_t, const ReduceGeom& g, double correction, bool take_sqrt) {
  const T* in = in_t->data_ptr<T>();
  T* out = out_t->data_ptr<T>();
  const double n = static_cast<double>(g.lead * g.size);
  const double denom = std::max(0.0, n - correction);
  const int64_t slab = g.outer * g.size * g.inner;
  auto finish = [&](double m2) {
    double v = m2 / denom;
    return static_cast<T>(take_sqrt ? std::sqrt(v) : v);
  };
  const int nthreads = get_num_threads();
  if (g.inner == 1 && g.lead == 1 && g.outer < nthreads && nthreads > 1 && g.outer * g.size >= 2 * kGrain &&
      !in_parallel_region()) {
    // Few long rows: moments of row chunks in parallel, combined in order.
    const int64_t per_row = std::max<int64_t>(1, std::min<int64_t>(nthreads, g.size / kGrain));
    const int64_t rc = (g.size + per_row - 1) / per_row;
    std::vector<Moments> parts(static_cast<size_t>(g.outer * per_row));
    parallel_for(0, g.outer * per_row, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t o = t / per_row, r0 = (t % per_row) * rc, r1 = std::min(g.size, r0 + rc);
        if (r0 < r1) parts[static_cast<size_t>(t)] = row_moments(in + o * g.size + r0, r1 - r0);
      }
    });
    for (int64_t o = 0; o < g.outer; ++o) {
      Moments m;
      for (int64_t c = 0; c < per_row; ++c) merge_moments(m, parts[static_cast<size_t>(o * per_row + c)]);
      out[o] = finish(m.m2);
    }
    return;
  }
  for_each_block(g, 2, [&](int64_t o, int64_t j0, int64_t len) {
    if (g.inner == 1) {
      Moments m;
      for (int64_t s = 0; s < g.lead; ++s)
        if (g.size > 0) merge_moments(m, row_moments(in + s * slab + o * g.size, g.size));
      out[o] = finish(m.m2);
      return;
    }
    double mean[kBlock], m2[kBlock];
    for (int64_t j = 0; j < len; ++j) mean[j] = m2[j] = 0;
    for (int64_t s = 0; s < g.lead; ++s) {
      const T* base = in + s * slab + o * g.size * g.inner + j0;
      for (int64_t r = 0; r < g.size; ++r) {
        const T* x = base + r * g.inner;
        for (int64_t j = 0; j < len; ++j) mean[j] += static_cast<double>(x[j]);
      }
    }
    for (int64_t j = 0; j < len; ++j) mean[j] /= n;
    for (int64_t s = 0; s < g.lead; ++s) {
      const T* base = in + s * slab + o * g.size * g.inner + j0;
      for (int64_t r = 0; r < g.size; ++r) {
        const T* x = base + r * g.inner;
        for (int64_t j = 0; j < len; ++j) {
          const double d = static_cast<double>(x[j]) - mean[j];
          m2[j] += d * d;
        }
      }
    }
    for (int64_t j = 0; j < len; ++j) out[o * g.inner + j0 + j] = finish(m2[j]);
  });
}

// ---------------------------------------------------------------------------------------------------------
// logsumexp


template <typename T>
inline T shift_of(T m) {  // torch: an infinite max is replaced by 0 so that inf - inf never appears
  return std::isinf(m) ? T(0) : m;
}

template <typename T>
void logsumexp_impl(const Tensor& in_t, const Tensor& out_t, const ReduceGeom& g) {
  const T* in = in_t->data_ptr<T>();
  T* out = out_t->data_ptr<T>();
  MaxMinOp<T, true> maxop;
  for_each_block(g, 2, [&](int64_t o, int64_t j0, int64_t len) {
    const T* base = in + o * g.size * g.inner + j0;
    if (g.inner == 1) {
      const T m = shift_of(reduce_row(maxop, base, 0, g.size));
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t r = 0;
      for (; r + 8 <= g.size; r += 8)
        for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(std::exp(base[r + k] - m));
      for (; r < g.size; ++r) acc[0] += static_cast<double>(std::exp(base[r] - m));
      const double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      out[o] = static_cast<T>(std::log(s) + static_cast<double>(m));
      return;
    }
    T mx[kBlock];
    double s[kBlock];
    for (int64_t j = 0; j < len; ++j) {
      mx[j] = maxop.init();
      s[j] = 0;
    }
    for (int64_t r = 0; r < g.size; ++r) {
      const T* x = base + r * g.inner;
      for (int64_t j = 0; j < len; ++j) maxop.step(mx[j], x[j], r);
    }
    for (int64_t j = 0; j < len; ++j) mx[j] = shift_of(mx[j]);
    for (int64_t r = 0; r < g.size; ++r) {
      const T* x = base + r * g.inner;
      for (int64_t j = 0; j < len; ++j) s[j] += static_cast<double>(std::exp(x[j] - mx[j]));
    }
    for (int64_t j = 0; j < len; ++j)
      out[o * g.inner + j0 + j] = static_cast<T>(std::log(s[j]) + static_cast<double>(mx[j]));
  });
}

// ---------------------------------------------------------------------------------------------------------
// cumsum / cumprod

template <typename T, bool IsProd>
void cumulative_impl(const Tensor& in_t, const Tensor& out_t, const ReduceGeom& g) {
  using A = acc_type<T>;
  using O = sum_out_type<T>;
  const T* in = in_t->data_ptr<T>();
  O* out = out_t->data_ptr<O>();
  for_each_block(g, 1, [&](int64_t o, int64_t j0, int64_t len) {
    const int64_t off = o * g.size * g.inner + j0;
    if (g.inner == 1) {
      A acc = A(IsProd ? 1 : 0);
      for (int64_t r = 0; r < g.size; ++r) {
        if (IsProd) acc *= to_acc<A>(in[off + r]);
        else acc += to_acc<A>(in[off + r]);
        out[off + r] = static_cast<O>(acc);
      }
      return;
    }
    A acc[kBlock];
    for (int64_t j = 0; j < len; ++j) acc[j] = A(IsProd ? 1 : 0);
    for (int64_t r = 0; r < g.size; ++r) {
      const T* x = in + off + r * g.inner;
      O* y = out + off + r * g.inner;
      for (int64_t j = 0; j < len; ++j) {
        if (IsProd) acc[j] *= to_acc<A>(x[j]);
        else acc[j] += to_acc<A>(x[j]);
        y[j] = static_cast<O>(acc[j]);
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// max/min with indices

// Index of the first x in row[r0, r1) with hit(x), or r1. Probes blocks of 64 without branches.
template <typename T, typename Hit>
int64_t find_first(const T* row, int64_t r0, int64_t r1, const Hit& hit) {
  constexpr int64_t kStep = 64;
  int64_t k = r0;
  for (; k + kStep <= r1; k += kStep) {
    int any = 0;
    for (int64_t j = 0; j < kStep; ++j) any |= static_cast<int>(hit(row[k + j]));
    if (any) break;
  }
  while (k < r1 && !hit(row[k])) ++k;
  return k;
}

template <typename T, bool IsMax>
void arg_impl(const Tensor& in_t, const Tensor& values, const Tensor& indices, const ReduceGeom& g) {
  const T* in = in_t->data_ptr<T>();
  T* v = values ? values->data_ptr<T>() : nullptr;
  int64_t* ix = indices->data_ptr<int64_t>();
  if (g.inner == 1 && g.size > 0) {
    // Contiguous rows: the extreme value by the vectorised max/min reduction, then the first element equal
    // to it (the first NaN when it is NaN). Both passes are much faster than one pass tracking indices.
    std::unique_ptr<T[]> ext(new T[static_cast<size_t>(g.outer)]);
    run_reduce(MaxMinOp<T, IsMax>{}, in, g, [&](int64_t i, T a) { ext[i] = a; });
    // First hit in row o within [r0, r1), or r1.
    auto first_hit = [&](int64_t o, int64_t r0, int64_t r1) {
      const T* row = in + o * g.size;
      const T m = ext[o];
      return is_nan(m) ? find_first(row, r0, r1, [](T x) { return is_nan(x); })
                       : find_first(row, r0, r1, [m](T x) { return x == m; });
    };
    auto store = [&](int64_t o, int64_t k) {
      k = std::min(k, g.size - 1);  // unreachable: ext[o] comes from the row
      ix[o] = k;
      if (v) v[o] = in[o * g.size + k];
    };
    const int nthreads = get_num_threads();
    if (g.outer < nthreads && nthreads > 1 && g.outer * g.size >= 2 * kGrain && !in_parallel_region()) {
      const int64_t per_row = std::max<int64_t>(1, std::min<int64_t>(nthreads, g.size / kGrain));
      const int64_t rc = (g.size + per_row - 1) / per_row;
      std::vector<int64_t> found(static_cast<size_t>(g.outer * per_row));
      parallel_for(0, g.outer * per_row, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t o = t / per_row, r0 = (t % per_row) * rc, r1 = std::min(g.size, r0 + rc);
          found[static_cast<size_t>(t)] = r0 < r1 ? first_hit(o, r0, r1) : g.size;
          if (found[static_cast<size_t>(t)] == r1) found[static_cast<size_t>(t)] = g.size;
        }
      });
      for (int64_t o = 0; o < g.outer; ++o) {
        int64_t k = g.size;
        for (int64_t c = 0; c < per_row; ++c) k = std::min(k, found[static_cast<size_t>(o * per_row + c)]);
        store(o, k);
      }
      return;
    }
    parallel_for(0, g.outer, std::max<int64_t>(1, kGrain / g.size), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) store(o, first_hit(o, 0, g.size));
    });
    return;
  }
  run_reduce(ArgOp<T, IsMax>{}, in, g, [&](int64_t i, const ArgAcc<T>& a) {
    if (v) v[i] = a.v;
    ix[i] = a.i < 0 ? 0 : a.i;
  });
}


void reduce_kernel_cpu(ReduceOp op, const Tensor& in, const Tensor& out, const ReduceGeom& g, double arg) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Prod:
      PYNN_DISPATCH_ALL(in->dtype(), op == ReduceOp::Sum ? "sum" : "prod", [&] {
        using O = sum_out_type<scalar_t>;
        O* o = out->data_ptr<O>();
        const scalar_t* x = in->data_ptr<scalar_t>();
        if (op == ReduceOp::Sum) {
          const double div = arg;
          run_reduce(SumOp<scalar_t>{}, x, g, [&](int64_t i, acc_type<scalar_t> a) {
            if constexpr (is_fp<scalar_t>()) o[i] = static_cast<O>(div == 1.0 ? a : a / div);
            else o[i] = static_cast<O>(a);
          });
        } else {
          run_reduce(ProdOp<scalar_t>{}, x, g, [&](int64_t i, acc_type<scalar_t> a) { o[i] = static_cast<O>(a); });
        }
      });
      return;
    case ReduceOp::Max:
      PYNN_DISPATCH_ALL(in->dtype(), "amax", [&] { run_simple<scalar_t, MaxMinOp<scalar_t, true>, scalar_t>({}, in, out, g); });
      return;
    case ReduceOp::Min:
      PYNN_DISPATCH_ALL(in->dtype(), "amin", [&] { run_simple<scalar_t, MaxMinOp<scalar_t, false>, scalar_t>({}, in, out, g); });
      return;
    case ReduceOp::All:
      PYNN_DISPATCH_ALL(in->dtype(), "all", [&] { run_simple<scalar_t, AllAnyOp<scalar_t, true>, bool>({}, in, out, g); });
      return;
    case ReduceOp::Any:
      PYNN_DISPATCH_ALL(in->dtype(), "any", [&] { run_simple<scalar_t, AllAnyOp<scalar_t, false>, bool>({}, in, out, g); });
      return;
    default:
      break;
  }
  PYNN_DISPATCH_FLOAT(in->dtype(), "norm", [&] {
    switch (op) {
      case ReduceOp::NormL0: return run_norm<scalar_t, NormKind::L0>(in, out, g, arg);
      case ReduceOp::NormL1: return run_norm<scalar_t, NormKind::L1>(in, out, g, arg);
      case ReduceOp::NormL2: return run_norm<scalar_t, NormKind::L2>(in, out, g, arg);
      case ReduceOp::NormInf: return run_norm<scalar_t, NormKind::Inf>(in, out, g, arg);
      case ReduceOp::NormNegInf: return run_norm<scalar_t, NormKind::NegInf>(in, out, g, arg);
      default: return run_norm<scalar_t, NormKind::P>(in, out, g, arg);
    }
  });
}

void arg_reduce_kernel_cpu(bool is_max, const Tensor& in, const Tensor& values, const Tensor& indices, const ReduceGeom& g) {
  PYNN_CHECK(g.lead == 1, "argmax", "internal error: lead > 1");
  PYNN_DISPATCH_ALL(in->dtype(), is_max ? "argmax" : "argmin", [&] {
    if (is_max) arg_impl<scalar_t, true>(in, values, indices, g);
    else arg_impl<scalar_t, false>(in, values, indices, g);
  });
}

void var_kernel_cpu(const Tensor& in, const Tensor& out, const ReduceGeom& g, double correction, bool take_sqrt) {
  PYNN_DISPATCH_FLOAT(in->dtype(), take_sqrt ? "std" : "var",
                      [&] { var_impl<scalar_t>(in, out, g, correction, take_sqrt); });
}

void logsumexp_kernel_cpu(const Tensor& in, const Tensor& out, const ReduceGeom& g) {
  PYNN_CHECK(g.lead == 1, "logsumexp", "internal error: lead > 1");
  PYNN_DISPATCH_FLOAT(in->dtype(), "logsumexp", [&] { logsumexp_impl<scalar_t>(in, out, g); });
}

void cumulative_kernel_cpu(bool is_prod, const Tensor& in, const Tensor& out, const ReduceGeom& g) {
  PYNN_CHECK(g.lead == 1, "cumsum", "internal error: lead > 1");
  PYNN_DISPATCH_ALL(in->dtype(), is_prod ? "cumprod" : "cumsum", [&] {
    if (is_prod) cumulative_impl<scalar_t, true>(in, out, g);
    else cumulative_impl<scalar_t, false>(in, out, g);
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(reduce_kernel, reduce_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(arg_reduce_kernel, arg_reduce_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(var_kernel, var_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(logsumexp_kernel, logsumexp_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(cumulative_kernel, cumulative_kernel_cpu);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
