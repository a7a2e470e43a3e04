// Reductions on CUDA over kernels/reduce.h's [lead, outer, size, inner] view. Each output element is owned by
// one block when inner == 1 (the reduced elements are contiguous: the block's threads stride over them and
// merge in shared memory) and by one thread otherwise (neighbouring threads read neighbouring inner elements,
// so the loads coalesce). Accumulators follow csrc/cpu/reduce.cpp: double for floating sums and norms, 64-bit
// integers for integral sums, NaN propagating through max/min, first-occurrence indices for argmax/argmin.
#include <cuda_runtime.h>

#include <cfloat>
#include <cmath>
#include <type_traits>

#include "cuda/cuda_utils.cuh"
#include "kernels/reduce.h"

namespace pynn {
namespace cuda {
namespace {

template <typename T>
using acc_type = std::conditional_t<std::is_floating_point<T>::value, double, int64_t>;
template <typename T>
using sum_out_type = std::conditional_t<std::is_floating_point<T>::value, T, int64_t>;

template <typename T>
__device__ __forceinline__ bool is_nan(T x) {
  if constexpr (std::is_floating_point<T>::value) return x != x;
  else return false;
}

template <typename T>
__device__ __forceinline__ T lowest() {
  if constexpr (std::is_same<T, float>::value) return -INFINITY;
  else if constexpr (std::is_same<T, double>::value) return -HUGE_VAL;
  else if constexpr (std::is_same<T, bool>::value) return false;
  else if constexpr (std::is_same<T, int32_t>::value) return INT32_MIN;
  else return INT64_MIN;
}
template <typename T>
__device__ __forceinline__ T highest() {
  if constexpr (std::is_same<T, float>::value) return INFINITY;
  else if constexpr (std::is_same<T, double>::value) return HUGE_VAL;
  else if constexpr (std::is_same<T, bool>::value) return true;
  else if constexpr (std::is_same<T, int32_t>::value) return INT32_MAX;
  else return INT64_MAX;
}

// Each op: acc_t, init(), step(acc, x, r) for element r of the reduced range, merge(acc, other) and
// store(output index, acc).
template <typename T>
struct SumOp {
  using acc_t = acc_type<T>;
  sum_out_type<T>* out;
  double div;
  bool prod;
  __device__ acc_t init() const { return acc_t(prod ? 1 : 0); }
  __device__ void step(acc_t& a, T x, int64_t) const {
    if (prod) a *= static_cast<acc_t>(x);
    else a += static_cast<acc_t>(x);
  }
  __device__ void merge(acc_t& a, acc_t b) const {
    if (prod) a *= b;
    else a += b;
  }
  __device__ void store(int64_t i, acc_t a) const {
    if constexpr (std::is_floating_point<T>::value) out[i] = static_cast<T>(div == 1.0 ? a : a / div);
    else out[i] = static_cast<int64_t>(a);
  }
};

template <typename T>
struct MaxMinOp {
  using acc_t = T;
  T* out;
  bool is_max;
  __device__ acc_t init() const { return is_max ? lowest<T>() : highest<T>(); }
  __device__ void step(acc_t& a, T x, int64_t) const {
    if ((is_max ? x > a : x < a) || is_nan(x)) a = x;
  }
  __device__ void merge(acc_t& a, acc_t b) const { step(a, b, 0); }
  __device__ void store(int64_t i, acc_t a) const { out[i] = a; }
};

template <typename T>
struct AllAnyOp {
  using acc_t = bool;
  bool* out;
  bool is_all;
  __device__ acc_t init() const { return is_all; }
  __device__ void step(acc_t& a, T x, int64_t) const { a = is_all ? (a && x != T(0)) : (a || x != T(0)); }
  __device__ void merge(acc_t& a, acc_t b) const { a = is_all ? (a && b) : (a || b); }
  __device__ void store(int64_t i, acc_t a) const { out[i] = a; }
};

template <typename T>
struct NormOp {
  using acc_t = double;
  T* out;
  ReduceOp kind;
  double p;
  __device__ bool is_extreme() const { return kind == ReduceOp::NormInf || kind == ReduceOp::NormNegInf; }
  __device__ acc_t init() const { return kind == ReduceOp::NormNegInf ? HUGE_VAL : 0.0; }
  __device__ void step(acc_t& a, T x, int64_t) const {
    const double v = ::fabs(static_cast<double>(x));
    switch (kind) {
      case ReduceOp::NormL0: a += (x != T(0)) ? 1.0 : 0.0; break;
      case ReduceOp::NormL1: a += v; break;
      case ReduceOp::NormL2: a += v * v; break;
      case ReduceOp::NormInf: a = (v > a || v != v) ? v : a; break;
      case ReduceOp::NormNegInf: a = (v < a || v != v) ? v : a; break;
      default: a += ::pow(v, p); break;
    }
  }
  __device__ void merge(acc_t& a, acc_t b) const {
    if (kind == ReduceOp::NormInf) a = (b > a || b != b) ? b : a;
    else if (kind == ReduceOp::NormNegInf) a = (b < a || b != b) ? b : a;
    else a += b;
  }
  __device__ void store(int64_t i, acc_t a) const {
    if (kind == ReduceOp::NormL2) a = ::sqrt(a);
    else if (kind == ReduceOp::NormP) a = ::pow(a, 1.0 / p);
    out[i] = static_cast<T>(a);
  }
};

template <typename T>
struct ArgAcc {
  T v;
  int64_t i;  // -1: nothing seen yet
};
template <typename T>
struct ArgOp {
  using acc_t = ArgAcc<T>;
  T* values;  // may be null
  int64_t* indices;
  bool is_max;
  __device__ bool better(T x, T y) const {  // x strictly beats y; a NaN beats any number
    if constexpr (std::is_floating_point<T>::value) {
      if (x != x) return y == y;
      if (y != y) return false;
    }
    return is_max ? x > y : x < y;
  }
  __device__ acc_t init() const { return acc_t{T(0), -1}; }
  __device__ void step(acc_t& a, T x, int64_t r) const {
    if (a.i < 0 || better(x, a.v)) a = acc_t{x, r};
  }
  __device__ void merge(acc_t& a, acc_t b) const {
    if (b.i < 0) return;
    if (a.i < 0 || better(b.v, a.v) || (!better(a.v, b.v) && b.i < a.i)) a = b;
  }
  __device__ void store(int64_t i, acc_t a) const {
    if (values) values[i] = a.v;
    indices[i] = a.i < 0 ? 0 : a.i;
  }
};

constexpr int kReduceBlock = 256;

// Merges every thread's accumulator into thread 0's; the result is returned to all threads.
template <typename Op>
__device__ typename Op::acc_t block_merge(const Op& op, typename Op::acc_t a) {
  using acc_t = typename Op::acc_t;
  __shared__ alignas(alignof(acc_t) > 8 ? alignof(acc_t) : 8) unsigned char raw[kReduceBlock * sizeof(acc_t)];
  acc_t* sh = reinterpret_cast<acc_t*>(raw);
  sh[threadIdx.x] = a;
  __syncthreads();
  for (int s = kReduceBlock / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      acc_t x = sh[threadIdx.x];
      op.merge(x, sh[threadIdx.x + s]);
      sh[threadIdx.x] = x;
    }
    __syncthreads();
  }
  acc_t r = sh[0];
  __syncthreads();
  return r;
}

// inner == 1: block b reduces output b; reduced element r (of lead * size) of output o sits at
// ((l * outer + o) * size + s) with r = l * size + s.
template <typename T, typename Op>
__global__ void reduce_contiguous(Op op, const T* in, ReduceGeom g) {
  for (int64_t o = blockIdx.x; o < g.outer; o += gridDim.x) {
    typename Op::acc_t a = op.init();
    for (int64_t r = threadIdx.x; r < g.lead * g.size; r += blockDim.x) {
      const int64_t l = r / g.size, s = r % g.size;
      op.step(a, in[(l * g.outer + o) * g.size + s], r);
    }
    a = block_merge(op, a);
    if (threadIdx.x == 0) op.store(o, a);
  }
}

// inner > 1: thread (o, j) walks its reduced elements serially.
template <typename T, typename Op>
__global__ void reduce_strided(Op op, const T* in, ReduceGeom g) {
  const int64_t n = g.outer * g.inner;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < n;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = t / g.inner, j = t % g.inner;
    typename Op::acc_t a = op.init();
    for (int64_t l = 0; l < g.lead; ++l)
      for (int64_t s = 0; s < g.size; ++s) op.step(a, in[((l * g.outer + o) * g.size + s) * g.inner + j], l * g.size + s);
    op.store(t, a);
  }
}

template <typename T, typename Op>
void run_reduce(const Op& op, const Tensor& in, const ReduceGeom& g, const char* name) {
  if (g.outer * g.inner == 0) return;
  const T* x = in->data_ptr<T>();
  if (g.inner == 1) reduce_contiguous<T, Op><<<grid_for(g.outer, 1), kReduceBlock>>>(op, x, g);
  else reduce_strided<T, Op><<<grid_for(g.outer * g.inner), kBlock>>>(op, x, g);
  check_launch(name);
}

void reduce_impl(ReduceOp op, const Tensor& in, const Tensor& out, const ReduceGeom& g, double arg) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Prod: {
      const char* name = op == ReduceOp::Sum ? "sum" : "prod";
      PYNN_DISPATCH_ALL(in->dtype(), name, [&] {
        run_reduce<scalar_t>(SumOp<scalar_t>{out->data_ptr<sum_out_type<scalar_t>>(), arg, op == ReduceOp::Prod},
                             in, g, name);
      });
      return;
    }
    case ReduceOp::Max:
    case ReduceOp::Min: {
      const char* name = op == ReduceOp::Max ? "amax" : "amin";
      PYNN_DISPATCH_ALL(in->dtype(), name, [&] {
        run_reduce<scalar_t>(MaxMinOp<scalar_t>{out->data_ptr<scalar_t>(), op == ReduceOp::Max}, in, g, name);
      });
      return;
    }
    case ReduceOp::All:
    case ReduceOp::Any: {
      const char* name = op == ReduceOp::All ? "all" : "any";
      PYNN_DISPATCH_ALL(in->dtype(), name, [&] {
        run_reduce<scalar_t>(AllAnyOp<scalar_t>{out->data_ptr<bool>(), op == ReduceOp::All}, in, g, name);
      });
      return;
    }
    default:
      PYNN_DISPATCH_FLOAT(in->dtype(), "norm", [&] {
        run_reduce<scalar_t>(NormOp<scalar_t>{out->data_ptr<scalar_t>(), op, arg}, in, g, "norm");
      });
  }
}

void arg_reduce_impl(bool is_max, const Tensor& in, const Tensor& values, const Tensor& indices, const ReduceGeom& g) {
  PYNN_CHECK(g.lead == 1, "argmax", "internal error: lead > 1");
  const char* name = is_max ? "argmax" : "argmin";
  PYNN_DISPATCH_ALL(in->dtype(), name, [&] {
    ArgOp<scalar_t> op{values ? values->data_ptr<scalar_t>() : nullptr, indices->data_ptr<int64_t>(), is_max};
    run_reduce<scalar_t>(op, in, g, name);
  });
}

// Two passes over each output's elements, like the CPU kernels: a centre (the mean for var, the max for
// logsumexp), then the accumulated deviations from it. One block per output when inner == 1, else one thread.
template <typename T>
struct TwoPass {
  T* out;
  ReduceGeom g;
  bool is_var;  // else logsumexp
  double correction;
  bool take_sqrt;

  __device__ double first(double a, T x) const { return is_var ? a + static_cast<double>(x) : (x > a || x != x ? x : a); }
  __device__ double first_merge(double a, double b) const { return is_var ? a + b : (b > a || b != b ? b : a); }
  __device__ double centre(double a) const {
    if (is_var) return a / static_cast<double>(g.lead * g.size);
    return ::isinf(a) ? 0.0 : a;  // an infinite max: exp(x - 0) keeps inf/NaN semantics
  }
  __device__ double second(double a, T x, double c) const {
    const double d = static_cast<double>(x) - c;
    return is_var ? a + d * d : a + ::exp(d);
  }
  __device__ T finish(double first_acc, double s, double c) const {
    if (!is_var) {
      if (first_acc != first_acc) return static_cast<T>(first_acc);  // a NaN in the row
      return static_cast<T>(::log(s) + c);
    }
    const double dof = static_cast<double>(g.lead * g.size) - correction;
    const double v = s / (dof > 0 ? dof : 0.0);
    return static_cast<T>(take_sqrt ? ::sqrt(v) : v);
  }
  __device__ double init() const { return is_var ? 0.0 : -HUGE_VAL; }
};

struct DoubleMerge {
  using acc_t = double;
  bool is_max;
  __device__ void merge(double& a, double b) const {
    if (is_max) a = (b > a || b != b) ? b : a;
    else a += b;
  }
};

template <typename T>
__global__ void two_pass_contiguous(TwoPass<T> tp, const T* in) {
  const ReduceGeom g = tp.g;
  const int64_t len = g.lead * g.size;
  for (int64_t o = blockIdx.x; o < g.outer; o += gridDim.x) {
    auto at = [&](int64_t r) { return in[((r / g.size) * g.outer + o) * g.size + r % g.size]; };
    double a = tp.init();
    for (int64_t r = threadIdx.x; r < len; r += blockDim.x) a = tp.first(a, at(r));
    a = block_merge(DoubleMerge{!tp.is_var}, a);
    const double c = tp.centre(a);
    double s = 0.0;
    for (int64_t r = threadIdx.x; r < len; r += blockDim.x) s = tp.second(s, at(r), c);
    s = block_merge(DoubleMerge{false}, s);
    if (threadIdx.x == 0) tp.out[o] = tp.finish(a, s, c);
  }
}

template <typename T>
__global__ void two_pass_strided(TwoPass<T> tp, const T* in) {
  const ReduceGeom g = tp.g;
  const int64_t n = g.outer * g.inner;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < n;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = t / g.inner, j = t % g.inner;
    auto at = [&](int64_t l, int64_t s) { return in[((l * g.outer + o) * g.size + s) * g.inner + j]; };
    double a = tp.init();
    for (int64_t l = 0; l < g.lead; ++l)
      for (int64_t s = 0; s < g.size; ++s) a = tp.first(a, at(l, s));
    const double c = tp.centre(a);
    double acc = 0.0;
    for (int64_t l = 0; l < g.lead; ++l)
      for (int64_t s = 0; s < g.size; ++s) acc = tp.second(acc, at(l, s), c);
    tp.out[t] = tp.finish(a, acc, c);
  }
}

template <typename T>
void run_two_pass(const TwoPass<T>& tp, const Tensor& in, const char* name) {
  const ReduceGeom& g = tp.g;
  if (g.outer * g.inner == 0) return;
  if (g.inner == 1) two_pass_contiguous<T><<<grid_for(g.outer, 1), kReduceBlock>>>(tp, in->data_ptr<T>());
  else two_pass_strided<T><<<grid_for(g.outer * g.inner), kBlock>>>(tp, in->data_ptr<T>());
  check_launch(name);
}

void var_impl(const Tensor& in, const Tensor& out, const ReduceGeom& g, double correction, bool take_sqrt) {
  const char* name = take_sqrt ? "std" : "var";
  PYNN_DISPATCH_FLOAT(in->dtype(), name, [&] {
    run_two_pass(TwoPass<scalar_t>{out->data_ptr<scalar_t>(), g, true, correction, take_sqrt}, in, name);
  });
}

void logsumexp_impl(const Tensor& in, const Tensor& out, const ReduceGeom& g) {
  PYNN_CHECK(g.lead == 1, "logsumexp", "internal error: lead > 1");
  PYNN_DISPATCH_FLOAT(in->dtype(), "logsumexp", [&] {
    run_two_pass(TwoPass<scalar_t>{out->data_ptr<scalar_t>(), g, false, 0.0, false}, in, "logsumexp");
  });
}

// Inclusive scans, one thread per (outer, inner) line: serial along `size`, as the CPU's accumulator order.
template <typename T>
__global__ void scan_kernel(const T* in, sum_out_type<T>* out, ReduceGeom g, bool is_prod) {
  using A = acc_type<T>;
  const int64_t n = g.outer * g.inner;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < n;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = t / g.inner, j = t % g.inner;
    A acc = A(is_prod ? 1 : 0);
    for (int64_t s = 0; s < g.size; ++s) {
      const int64_t k = (o * g.size + s) * g.inner + j;
      if (is_prod) acc *= static_cast<A>(in[k]);
      else acc += static_cast<A>(in[k]);
      out[k] = static_cast<sum_out_type<T>>(acc);
    }
  }
}

void cumulative_impl(bool is_prod, const Tensor& in, const Tensor& out, const ReduceGeom& g) {
  PYNN_CHECK(g.lead == 1, "cumsum", "internal error: lead > 1");
  const char* name = is_prod ? "cumprod" : "cumsum";
  PYNN_DISPATCH_ALL(in->dtype(), name, [&] {
    if (g.outer * g.inner == 0) return;
    scan_kernel<scalar_t><<<grid_for(g.outer * g.inner), kBlock>>>(in->data_ptr<scalar_t>(),
                                                                     out->data_ptr<sum_out_type<scalar_t>>(), g, is_prod);
    check_launch(name);
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(reduce_kernel, KernelSlot::CUDA, reduce_impl);
PYNN_REGISTER_KERNEL(arg_reduce_kernel, KernelSlot::CUDA, arg_reduce_impl);
PYNN_REGISTER_KERNEL(var_kernel, KernelSlot::CUDA, var_impl);
PYNN_REGISTER_KERNEL(logsumexp_kernel, KernelSlot::CUDA, logsumexp_impl);
PYNN_REGISTER_KERNEL(cumulative_kernel, KernelSlot::CUDA, cumulative_impl);

}  // namespace cuda
}  // namespace pynn
