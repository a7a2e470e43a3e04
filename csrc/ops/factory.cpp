#include "ops/factory.h"

#include <cmath>

#include "core/random.h"
#include "ops/elementwise.h"

namespace pynn {

Tensor full(const Dims& sizes, const Scalar& value, ScalarType dtype) {
  Tensor t = empty(sizes, dtype);
  fill_(t, value);
  return t;
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype) {
  PYNN_CHECK(step.d != 0, "arange", "step must be nonzero");
  bool any_float = start.is_float() || end.is_float() || step.is_float();
  ScalarType dt = dtype.value_or(any_float ? default_float() : ScalarType::Int64);
  PYNN_CHECK(std::isfinite(start.d) && std::isfinite(end.d), "arange", "unsupported range: ", start.d, " -> ", end.d);
  PYNN_CHECK((step.d > 0 && end.d >= start.d) || (step.d < 0 && end.d <= start.d), "arange",
             "upper bound and larger bound inconsistent with step sign");
  int64_t n;
  if (any_float || is_floating(dt)) n = static_cast<int64_t>(std::ceil((end.d - start.d) / step.d));
  else n = (end.i - start.i + step.i - (step.i > 0 ? 1 : -1)) / step.i;
  Tensor t = empty(Dims{n < 0 ? 0 : n}, dt);
  PYNN_DISPATCH_NUMERIC(dt, "arange", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    if (any_float) for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(start.d + static_cast<double>(i) * step.d);
    else for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(start.i + i * step.i);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, ScalarType dtype) {
  PYNN_CHECK(steps >= 0, "linspace", "number of steps must be non-negative");
  Tensor t = empty(Dims{steps}, dtype);
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  int64_t half = steps == 1 ? 1 : steps / 2;
  PYNN_DISPATCH_NUMERIC(dtype, "linspace", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    // Like torch: the first half counts up from start, the second half down from end (symmetric rounding).
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<scalar_t>(i < half ? start + step * static_cast<double>(i)
                                            : end - step * static_cast<double>(steps - i - 1));
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, ScalarType dtype) {
  PYNN_CHECK(n >= 0 && m >= 0, "eye", "n and m must be non-negative, got ", n, " and ", m);
  Tensor t = full(Dims{n, m}, Scalar(int64_t(0)), dtype);
  PYNN_DISPATCH_ALL(dtype, "eye", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = scalar_t(1);
  });
  return t;
}

Tensor rand(const Dims& sizes, ScalarType dtype) {
  PYNN_CHECK_TYPE(is_floating(dtype), "rand", "\"check_uniform_bounds\" not implemented for '", dtype_name(dtype), "'");
  Tensor t = empty(sizes, dtype);
  uniform_(t, 0.0, 1.0);
  return t;
}

Tensor randn(const Dims& sizes, ScalarType dtype) {
  PYNN_CHECK_TYPE(is_floating(dtype), "randn", "\"normal_kernel_cpu\" not implemented for '", dtype_name(dtype), "'");
  Tensor t = empty(sizes, dtype);
  normal_(t, 0.0, 1.0);
  return t;
}

Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype) {
  PYNN_CHECK(low < high, "randint", "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  Tensor t = empty(sizes, dtype);
  Generator& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  uint64_t range = static_cast<uint64_t>(high - low);
  PYNN_DISPATCH_NUMERIC(dtype, "randint", [&] {
    scalar_t* p = t->data_ptr<scalar_t>();
    for (int64_t i = 0; i < t->numel(); ++i) p[i] = static_cast<scalar_t>(low + static_cast<int64_t>(g.engine()() % range));
  });
  return t;
}

Tensor randperm(int64_t n, ScalarType dtype) {
  PYNN_CHECK(n >= 0, "randperm", "n must be non-negative, got", n);
  Tensor t = arange(Scalar(int64_t(0)), Scalar(n), Scalar(int64_t(1)), ScalarType::Int64);
  {
    Generator& g = default_generator();
    std::lock_guard<std::mutex> lock(g.mutex());
    int64_t* p = t->data_ptr<int64_t>();
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[static_cast<int64_t>(g.engine()() % static_cast<uint64_t>(i + 1))]);
  }
  return to_dtype(t, dtype);
}

}  // namespace pynn
