// CPU execution of the elementwise iterator: a 1-D inner loop is called over rows, in parallel above a grain.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "core/iterator.h"
#include "core/parallel.h"
#include "cpu/vec/stream.h"

namespace pynn {
namespace cpu {

// Non-owning reference to a callable; cheaper than std::function on the hot path.
template <typename Fn>
class FunctionRef;
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same<std::decay_t<F>, FunctionRef>::value>>
  FunctionRef(F&& f) : obj_(const_cast<void*>(static_cast<const void*>(&f))), call_(&invoke<std::remove_reference_t<F>>) {}
  R operator()(Args... args) const { return call_(obj_, std::forward<Args>(args)...); }

 private:
  template <typename F>
  static R invoke(void* obj, Args... args) { return (*static_cast<F*>(obj))(std::forward<Args>(args)...); }
  void* obj_;
  R (*call_)(void*, Args...);
};

// data[k] points at operand k's first element of the row, strides[k] is its step in bytes.
using InnerLoop = FunctionRef<void(char** data, const int64_t* strides, int64_t n)>;

// Runs `loop` over every element, splitting rows across the pool when numel >= grain.
void for_each(const TensorIter& it, InnerLoop loop, int64_t grain = kElementwiseGrain);
void serial_for_each(const TensorIter& it, InnerLoop loop, int64_t begin, int64_t end);

// A block of n1 rows of n0 elements: operand k's element (i, j) is at data[k] + i * inner[k] + j * outer[k].
using BlockLoop = FunctionRef<void(char** data, const int64_t* inner, const int64_t* outer, int64_t n0, int64_t n1)>;
// Runs `loop` over every element, a block of dim-1 rows per call (one call per row costs as much as a short
// row's work: a permuted copy of 32-element rows), splitting the rows across the pool when numel >= grain.
void for_each_block(const TensorIter& it, BlockLoop loop, int64_t grain = kElementwiseGrain);

// ---------------------------------------------------------------------------------------------------------
// Same-dtype maps (added by the nn family for its kernels; meant to absorb the elementwise family's unary and
// binary loops too): out[i] = f(in_1[i], ..., in_N[i]) over an iterator of N + 1 operands that all hold T.
// A contiguous path the compiler vectorizes, a broadcast-scalar second operand path for N == 2, and a strided
// fallback. Templates on the caller's lambda, so each capability build of a kernel file instantiates its own.
// The contiguous path stores with streaming stores when the N + 1 operands exceed the last-level cache
// (cpu/vec/stream.h; PYNN_CPU_NS is the including file's capability).
namespace detail {
template <typename T, typename F, size_t... K>
void map_row(char** d, const int64_t* s, int64_t n, const F& f, bool stream, std::index_sequence<K...>) {
  constexpr int64_t z = sizeof(T);
  T* o = reinterpret_cast<T*>(d[0]);
  const T* in[] = {reinterpret_cast<const T*>(d[K + 1])...};
  if (s[0] == z && ((s[K + 1] == z) && ...)) {
    PYNN_CPU_NS::vec::write_run(o, n, stream, [&](int64_t i) { return f(in[K][i]...); });
    if (stream) PYNN_CPU_NS::vec::stream_fence();
    return;
  }
  if constexpr (sizeof...(K) == 2) {
    if (s[0] == z && s[1] == z && s[2] == 0) {
      const T b = *in[1];
      for (int64_t i = 0; i < n; ++i) o[i] = f(in[0][i], b);
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i)
    *reinterpret_cast<T*>(d[0] + i * s[0]) = f(*reinterpret_cast<const T*>(d[K + 1] + i * s[K + 1])...);
}
}  // namespace detail

template <typename T, size_t N, typename F>
void map_n(const TensorIter& iter, const F& f) {
  const bool stream = PYNN_CPU_NS::vec::stream_output(iter.numel() * static_cast<int64_t>((N + 1) * sizeof(T)));
  for_each(iter, [&](char** d, const int64_t* s, int64_t n) {
    detail::map_row<T>(d, s, n, f, stream, std::make_index_sequence<N>());
  });
}
template <typename T, typename F>
void map_unary(const TensorIter& iter, const F& f) { map_n<T, 1>(iter, f); }
template <typename T, typename F>
void map_binary(const TensorIter& iter, const F& f) { map_n<T, 2>(iter, f); }
template <typename T, typename F>
void map_ternary(const TensorIter& iter, const F& f) { map_n<T, 3>(iter, f); }

}  // namespace cpu
}  // namespace pynn
