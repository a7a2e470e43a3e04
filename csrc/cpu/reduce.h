// CPU kernels for reductions and scans. Every kernel receives a contiguous input viewed as
// [outer, size, inner] (the reduced or scanned elements are the `size` axis; see ReduceGeom::lead for a
// second, leading reduced axis) and a contiguous output of [outer, inner];
// all checking, dtype promotion and layout work happened in csrc/ops/reduce.cpp.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace pynn {
namespace cpu {

struct ReduceGeom {
  int64_t outer = 1, size = 1, inner = 1;
  // Leading reduced slabs: the input is [lead, outer, size, inner] and both lead and size are reduced (the
  // (0, 2, 3) reduction of an NCHW tensor, with no copy). Only reduce_kernel and var_kernel accept lead > 1.
  int64_t lead = 1;
};

enum class ReduceOp {
  Sum,      // float in -> same float out (accumulated in double); int/bool in -> int64 out. arg: divisor (mean)
  Prod,     // same dtypes as Sum
  Max,      // out dtype = in dtype (NaN propagates)
  Min,
  All,      // bool out, any input dtype
  Any,
  NormL1,   // float in/out; NormP uses arg as p
  NormL2,
  NormInf,
  NormNegInf,
  NormL0,
  NormP,
};

// out has outer*inner elements (shape [outer, inner]); arg is the divisor for Sum (1 = plain sum) or p for NormP.
void reduce_kernel(ReduceOp op, const Tensor& in, const Tensor& out, const ReduceGeom& g, double arg = 1.0);
// Max/min over `size` with first-occurrence indices (a NaN counts as the extreme). values may be null.
// size must be > 0.
void arg_reduce_kernel(bool is_max, const Tensor& in, const Tensor& values, const Tensor& indices, const ReduceGeom& g);
// Two-pass variance (float in/out): sum((x - mean)^2) / max(0, size - correction); sqrt when take_sqrt.
void var_kernel(const Tensor& in, const Tensor& out, const ReduceGeom& g, double correction, bool take_sqrt);
// log(sum(exp(x - m))) + m with m the max (0 when infinite); float in/out.
void logsumexp_kernel(const Tensor& in, const Tensor& out, const ReduceGeom& g);
// Inclusive scan along `size`; out has in's numel. float in -> same float out (double accumulator),
// int/bool in -> int64 out.
void cumulative_kernel(bool is_prod, const Tensor& in, const Tensor& out, const ReduceGeom& g);

}  // namespace cpu
}  // namespace pynn
