// The elementwise iterator's geometry, device-neutral: operands (outputs first) broadcast to one shape, size-1
// dims dropped and neighbours coalesced, byte strides per operand. The loops that walk it live with each backend
// (cpu/loops.h for the CPU; a CUDA kernel builds its offset calculator from the same accessors).
#pragma once
#include <cstdint>
#include <initializer_list>

#include "tensor.h"

namespace pynn {

class TensorIter {
 public:
  static constexpr int kMaxOperands = 4;

  // operands[0] is the output and defines the shape; the others broadcast to it. An output whose elements alias
  // each other, or an input that partially overlaps it, raises torch's overlap error (core/overlap.h).
  explicit TensorIter(std::initializer_list<const TensorImpl*> operands);
  TensorIter(std::initializer_list<Tensor> operands);

  int64_t numel() const { return numel_; }
  int nops() const { return nops_; }
  int ndim() const { return ndim_; }                                 // >= 1 after coalescing
  int64_t shape(int d) const { return shape_[d]; }                   // d = 0 is the innermost dim
  int64_t stride(int d, int k) const { return strides_[d][k]; }      // bytes, operand k
  char* data(int k) const { return base_[k]; }
  // Reorders dims 1.. by operand k's byte strides, smallest first (dim 0, the rows, stays), and merges what lines
  // up after it: a copy then walks its source in memory order, which the prefetchers follow (measured 3x on
  // attention's head split against walking the destination's order).
  void sort_outer_dims_by(int k);
  // Every byte offset fits in 32 bits (GPU kernels index with int32 when it does).
  bool can_use_32bit_indexing() const;

 private:
  void build(const TensorImpl* const* ops, int nops);
  void coalesce();
  int nops_ = 0;
  int ndim_ = 0;
  int64_t numel_ = 1;
  int64_t shape_[kMaxDims];                  // innermost first
  int64_t strides_[kMaxDims][kMaxOperands];  // bytes, innermost first
  char* base_[kMaxOperands];
};

}  // namespace pynn
