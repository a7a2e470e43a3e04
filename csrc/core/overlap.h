// Memory-overlap checks for ops that write into an existing tensor (in-place and out= ops), with torch's
// semantics (aten/src/ATen/MemoryOverlap.h): a written tensor whose elements alias each other, or an input that
// shares some but not all of the written memory, would make the result depend on the order the kernel visits
// elements (and on the thread count), so those calls raise instead of computing garbage.
#pragma once
#include "tensor.h"

namespace pynn {

enum class MemOverlap { No, Yes, TooHard };
enum class MemOverlapStatus { Full, Partial, TooHard, No };

// Every element has its own memory location and together they fill one block with no holes (any dim order).
bool is_non_overlapping_and_dense(const TensorImpl& t);
// Yes when some dim of size > 1 has stride 0 (an expanded view); TooHard when the layout is not dense.
MemOverlap has_internal_overlap(const TensorImpl& t);
// How the memory of a and b relates; TooHard when either is not dense (checking would cost a walk).
MemOverlapStatus get_overlap_status(const TensorImpl& a, const TensorImpl& b);

// The checks raise RuntimeError with torch's text, prefixed "[op] " when op is given.
void assert_no_internal_overlap(const TensorImpl& written, const char* op = nullptr);
// Elementwise ops may read exactly what they write (x.add_(x)), but not a shifted or transposed copy of it.
void assert_no_partial_overlap(const TensorImpl& written, const TensorImpl& input, const char* op = nullptr);
// Scatter-like ops (index_put_, scatter_, index_copy_) may not read any memory they write.
void assert_no_overlap(const TensorImpl& written, const TensorImpl& input, const char* op = nullptr);

}  // namespace pynn
