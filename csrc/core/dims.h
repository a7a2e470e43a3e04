// Fixed-capacity dimension vector: tensor geometry never touches the heap.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "error.h"

namespace pynn {

constexpr int kMaxDims = 16;

class Dims {
 public:
  Dims() = default;
  explicit Dims(int n, int64_t fill = 0) { resize(n, fill); }
  Dims(std::initializer_list<int64_t> l) {
    for (int64_t x : l) push_back(x);
  }
  template <typename It>
  Dims(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }
  explicit Dims(const std::vector<int64_t>& v) : Dims(v.begin(), v.end()) {}

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](int i) { return v_[i]; }
  int64_t operator[](int i) const { return v_[i]; }
  int64_t* begin() { return v_; }
  int64_t* end() { return v_ + n_; }
  const int64_t* begin() const { return v_; }
  const int64_t* end() const { return v_ + n_; }
  const int64_t* data() const { return v_; }
  int64_t back() const { return v_[n_ - 1]; }
  void push_back(int64_t x) {
    if (n_ >= kMaxDims) throw std::runtime_error(pynn::str("tensors with more than ", kMaxDims, " dimensions are not supported"));
    v_[n_++] = x;
  }
  void pop_back() { --n_; }
  void resize(int n, int64_t fill = 0) {
    if (n > kMaxDims || n < 0) throw std::runtime_error(pynn::str("tensors with more than ", kMaxDims, " dimensions are not supported"));
    for (int i = n_; i < n; ++i) v_[i] = fill;
    n_ = n;
  }
  void insert(int pos, int64_t x) {
    push_back(0);
    for (int i = n_ - 1; i > pos; --i) v_[i] = v_[i - 1];
    v_[pos] = x;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) v_[i] = v_[i + 1];
    --n_;
  }
  int64_t prod() const {
    int64_t p = 1;
    for (int i = 0; i < n_; ++i) p *= v_[i];
    return p;
  }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(v_, v_ + n_); }
  bool operator==(const Dims& o) const {
    if (n_ != o.n_) return false;
    for (int i = 0; i < n_; ++i)
      if (v_[i] != o.v_[i]) return false;
    return true;
  }
  bool operator!=(const Dims& o) const { return !(*this == o); }
  std::string str() const {  // "[2, 3]"
    std::string s = "[";
    for (int i = 0; i < n_; ++i) s += (i ? ", " : "") + std::to_string(v_[i]);
    return s + "]";
  }

 private:
  int64_t v_[kMaxDims] = {};
  int n_ = 0;
};

}  // namespace pynn
