#include "ops/factory.h"

#include <algorithm>
#include <cmath>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/cuda_hooks.h"
#include "core/random.h"
#include "ops/elementwise.h"

namespace pynn {
namespace {
constexpr Device kCpu{};
}  // namespace

Tensor empty_factory(const Dims& sizes, ScalarType dtype, Device device) {
  int64_t stride = 1;
  bool overflow = false;
  for (int i = static_cast<int>(sizes.size()) - 1; i > 0; --i)  // negative sizes are empty()'s error
    overflow = overflow || (sizes[i] > 1 && __builtin_mul_overflow(stride, sizes[i], &stride));
  PYNN_CHECK(!overflow || std::any_of(sizes.begin(), sizes.end(), [](int64_t s) { return s < 0; }), "empty",
             "Stride calculation overflowed");
  return empty(sizes, dtype, device);
}

Tensor full(const Dims& sizes, const Scalar& value, ScalarType dtype, Device device) {
  Tensor t = empty_factory(sizes, dtype, device);
  fill_(t, value);
  return t;
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype,
              Device device) {
  PYNN_CHECK(step.d != 0, "arange", "step must be nonzero");
  bool any_float = start.is_float() || end.is_float() || step.is_float();
  ScalarType dt = dtype.value_or(any_float ? default_float() : ScalarType::Int64);
  PYNN_CHECK(std::isfinite(start.d) && std::isfinite(end.d), "arange", "unsupported range: ", start.d, " -> ", end.d);
  PYNN_CHECK((step.d > 0 && end.d >= start.d) || (step.d < 0 && end.d <= start.d), "arange",
             "upper bound and larger bound inconsistent with step sign");
  // As torch: an integral dtype takes start, end and step truncated to int64 (arange(2.5, dtype=int64) is [0, 1],
  // arange(0, 3, 0.5, dtype=int64) has step 0); int64's size is exact integer arithmetic, the others' a double ceil.
  // The 16-bit floats take their values from float32 (torch's arange computes them in float too).
  if (is_reduced_float(dt)) return to_device(to_dtype(arange(start, end, step, ScalarType::Float32, kCpu), dt), device);
  const bool integral = !is_floating(dt);
  int64_t xs = 0, xstep = 0, n = 0;
  if (integral) {
    xs = start.to<int64_t>();
    xstep = step.to<int64_t>();
    const int64_t xe = end.to<int64_t>();
    PYNN_CHECK_VALUE(xstep != 0, "arange", "step must be nonzero");  // a step truncated to 0: torch's ValueError
    int64_t span = 0;
    PYNN_CHECK(!__builtin_sub_overflow(xe, xs, &span) && !__builtin_add_overflow(span, xstep - (xstep > 0 ? 1 : -1), &span),
               "arange", "unsupported range: ", xs, " -> ", xe);
    n = dt == ScalarType::Int64 ? span / xstep : static_cast<int64_t>(std::ceil((end.d - start.d) / step.d));
  } else {
    const double size = std::ceil((end.d - start.d) / step.d);
    // A size past int64 would wrap (and an empty result would be silently wrong): torch's own check.
    PYNN_CHECK(size < 9.2e18, "arange", "invalid size, possible overflow?");
    n = static_cast<int64_t>(size);
  }
  Tensor t = empty(Dims{n < 0 ? 0 : n}, dt, kCpu);
  PYNN_DISPATCH_NUMERIC(dt, "arange", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    if (!integral) for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(start.d + static_cast<double>(i) * step.d);
    else for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(xs + i * xstep);
  });
  return to_device(t, device);
}

Tensor linspace(double start, double end, int64_t steps, ScalarType dtype, Device device) {
  PYNN_CHECK(steps >= 0, "linspace", "number of steps must be non-negative");
  if (is_reduced_float(dtype))
    return to_device(to_dtype(linspace(start, end, steps, ScalarType::Float32, kCpu), dtype), device);
  Tensor t = empty(Dims{steps}, dtype, kCpu);
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  int64_t half = steps == 1 ? 1 : steps / 2;
  PYNN_DISPATCH_NUMERIC(dtype, "linspace", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    // Like torch: the first half counts up from start, the second half down from end (symmetric rounding).
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<scalar_t>(i < half ? start + step * static_cast<double>(i)
                                            : end - step * static_cast<double>(steps - i - 1));
  });
  return to_device(t, device);
}

Tensor eye(int64_t n, int64_t m, ScalarType dtype, Device device) {
  PYNN_CHECK(n >= 0 && m >= 0, "eye", "n and m must be non-negative, got ", n, " and ", m);
  Tensor t = full(Dims{n, m}, Scalar(int64_t(0)), dtype, kCpu);
  PYNN_DISPATCH_ALL_AND_REDUCED(dtype, "eye", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = scalar_t(1);
  });
  return to_device(t, device);
}

Tensor rand(const Dims& sizes, ScalarType dtype, Device device) {
  PYNN_CHECK_TYPE(is_floating(dtype), "rand", "\"check_uniform_bounds\" not implemented for '", dtype_name(dtype), "'");
  Tensor t = empty_factory(sizes, dtype, device);
  uniform_(t, 0.0, 1.0);
  return t;
}

Tensor randn(const Dims& sizes, ScalarType dtype, Device device) {
  PYNN_CHECK_TYPE(is_floating(dtype), "randn", "\"normal_kernel_cpu\" not implemented for '", dtype_name(dtype), "'");
  Tensor t = empty_factory(sizes, dtype, device);
  normal_(t, 0.0, 1.0);
  return t;
}

Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype, Device device) {
  PYNN_CHECK(low < high, "randint", "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  Tensor t = empty_factory(sizes, dtype, kCpu);
  const RandomKey key = default_generator().reserve(static_cast<uint64_t>(t->numel()));
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  PYNN_DISPATCH_NUMERIC(dtype, "randint", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    for (int64_t i = 0; i < t->numel(); ++i)
      p[i] = static_cast<scalar_t>(low + static_cast<int64_t>(random_bits(key.seed, key.offset + i) % range));
  });
  return to_device(t, device);
}

Tensor randperm(int64_t n, ScalarType dtype, Device device) {
  PYNN_CHECK(n >= 0, "randperm", "n must be non-negative, got", n);
  Tensor t = arange(Scalar(int64_t(0)), Scalar(n), Scalar(int64_t(1)), ScalarType::Int64, kCpu);
  const RandomKey key = default_generator().reserve(static_cast<uint64_t>(n));
  int64_t* p = t->data_ptr<int64_t>();
  // Fisher-Yates, one counter per swap.
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[static_cast<int64_t>(random_bits(key.seed, key.offset + i) % static_cast<uint64_t>(i + 1))]);
  return to_device(to_dtype(t, dtype), device);
}

Tensor to_device(const Tensor& x, Device device) {
  device = resolve_device(device);
  if (x->device() == device) return x;
  Tensor out = empty(x->sizes(), x->dtype(), device);
  autograd::untracked([&] { copy_(out, x); });  // one ToCopyBackward0 node below, not copy_'s in-place record
  // Its backward sends the gradient to x's device (autograd's InputInfo remembers it).
  if (is_floating(x->dtype()) && autograd::needs_grad(x)) autograd::record_cast(x, out, "ToCopyBackward0");
  return out;
}

}  // namespace pynn
