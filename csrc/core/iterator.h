// The elementwise iterator: operands (outputs first) broadcast to one shape, dims coalesced,
// then a 1-D inner loop is called over rows, in parallel above a grain size.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "tensor.h"

namespace pynn {

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

class TensorIter {
 public:
  static constexpr int kMaxOperands = 4;

  // operands[0] is the output and defines the shape; the others broadcast to it.
  explicit TensorIter(std::initializer_list<const TensorImpl*> operands);
  TensorIter(std::initializer_list<Tensor> operands);

  int64_t numel() const { return numel_; }
  int ndim() const { return ndim_; }
  // Runs `loop` over every element, splitting rows across the pool when numel >= grain.
  void for_each(InnerLoop loop, int64_t grain = kDefaultGrain) const;
  void serial_for_each(InnerLoop loop, int64_t begin, int64_t end) const;
  bool is_contiguous() const { return ndim_ <= 1; }

  static constexpr int64_t kDefaultGrain = 32768;

 private:
  void build(const TensorImpl* const* ops, int nops);
  int nops_ = 0;
  int ndim_ = 0;
  int64_t numel_ = 1;
  int64_t shape_[kMaxDims];                  // innermost first
  int64_t strides_[kMaxDims][kMaxOperands];  // bytes, innermost first
  char* base_[kMaxOperands];
};

}  // namespace pynn
