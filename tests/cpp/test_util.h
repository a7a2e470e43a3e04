// Helpers shared by the C++ tests.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ops/factory.h"

namespace pynn_test {

// A contiguous tensor of `sizes` holding v (row-major).
template <typename T>
pynn::Tensor from_vec(const std::vector<T>& v, const pynn::Dims& sizes, pynn::ScalarType dt) {
  pynn::Tensor t = pynn::empty(sizes, dt, pynn::Device{});
  T* p = t->data_ptr<T>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = v[i];
  return t;
}

// The text of the Exc that f() throws, or "(no exception)".
template <typename Exc, typename F>
std::string message_of(F f) {
  try {
    f();
  } catch (const Exc& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace pynn_test
