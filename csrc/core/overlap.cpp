#include "overlap.h"

#include <algorithm>

#include "error.h"

namespace pynn {
namespace {

[[noreturn]] void raise(const char* op, const char* what) {
  std::string msg = op ? str("[", op, "] ") : std::string();
  throw std::runtime_error(msg + "unsupported operation: " + what +
                           " Please clone() the tensor before performing the operation.");
}

constexpr const char* kInternal = "more than one element of the written-to tensor refers to a single memory location.";
constexpr const char* kPartial =
    "some elements of the input tensor and the written-to tensor refer to a single memory location.";

}  // namespace

bool is_non_overlapping_and_dense(const TensorImpl& t) {
  const int n = t.dim();
  if (n == 1) return t.sizes()[0] < 2 || t.strides()[0] == 1;
  if (t.is_contiguous()) return true;
  // Dims by increasing stride, size-1 dims last (their stride is irrelevant); then the strides must be the
  // running products of the sizes.
  int perm[kMaxDims];
  for (int i = 0; i < n; ++i) perm[i] = i;
  std::stable_sort(perm, perm + n, [&](int a, int b) {
    const bool a_one = t.sizes()[a] < 2, b_one = t.sizes()[b] < 2;
    if (a_one != b_one) return b_one;
    return !a_one && t.strides()[a] < t.strides()[b];
  });
  int64_t required = 1;
  for (int i = 0; i < n; ++i) {
    const int64_t size = t.sizes()[perm[i]];
    if (size < 2) return true;
    if (t.strides()[perm[i]] != required) return false;
    required *= size;
  }
  return true;
}

MemOverlap has_internal_overlap(const TensorImpl& t) {
  if (is_non_overlapping_and_dense(t)) return MemOverlap::No;
  for (int i = 0; i < t.dim(); ++i)
    if (t.strides()[i] == 0 && t.sizes()[i] > 1) return MemOverlap::Yes;
  return MemOverlap::TooHard;
}

MemOverlapStatus get_overlap_status(const TensorImpl& a, const TensorImpl& b) {
  if (&a == &b) return MemOverlapStatus::Full;
  if (a.numel() == 0 || b.numel() == 0) return MemOverlapStatus::No;
  if (a.storage() != b.storage()) return MemOverlapStatus::No;
  if (!is_non_overlapping_and_dense(a) || !is_non_overlapping_and_dense(b)) return MemOverlapStatus::TooHard;
  const char* a_begin = static_cast<const char*>(a.data());
  const char* b_begin = static_cast<const char*>(b.data());
  const char* a_end = a_begin + a.numel() * static_cast<int64_t>(a.itemsize());
  const char* b_end = b_begin + b.numel() * static_cast<int64_t>(b.itemsize());
  if (a_begin == b_begin && a_end == b_end)
    return a.strides() == b.strides() ? MemOverlapStatus::Full : MemOverlapStatus::Partial;
  if (a_begin < b_end && b_begin < a_end) return MemOverlapStatus::Partial;
  return MemOverlapStatus::No;
}

void assert_no_internal_overlap(const TensorImpl& written, const char* op) {
  if (written.numel() > 0 && has_internal_overlap(written) == MemOverlap::Yes) raise(op, kInternal);
}

void assert_no_partial_overlap(const TensorImpl& written, const TensorImpl& input, const char* op) {
  if (get_overlap_status(written, input) == MemOverlapStatus::Partial) raise(op, kPartial);
}

void assert_no_overlap(const TensorImpl& written, const TensorImpl& input, const char* op) {
  const MemOverlapStatus s = get_overlap_status(written, input);
  if (s == MemOverlapStatus::Partial || s == MemOverlapStatus::Full) raise(op, kPartial);
}

}  // namespace pynn
