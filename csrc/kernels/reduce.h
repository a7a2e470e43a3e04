// Kernel interface of the reduction family, shared by csrc/cpu and csrc/cuda. Every kernel receives a contiguous
// input viewed as [outer, size, inner] (the reduced or scanned elements are the `size` axis; see ReduceGeom::lead
// for a second, leading reduced axis) and a contiguous output of [outer, inner]; all checking, dtype promotion and
// layout work happened in csrc/ops/reduce.cpp.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

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
using reduce_fn = void (*)(ReduceOp op, const Tensor& in, const Tensor& out, const ReduceGeom& g, double arg);
// Max/min over `size` with first-occurrence indices (a NaN counts as the extreme). values may be null.
// size must be > 0.
using arg_reduce_fn = void (*)(bool is_max, const Tensor& in, const Tensor& values, const Tensor& indices,
                               const ReduceGeom& g);
// Two-pass variance (float in/out): sum((x - mean)^2) / max(0, size - correction); sqrt when take_sqrt.
using var_fn = void (*)(const Tensor& in, const Tensor& out, const ReduceGeom& g, double correction, bool take_sqrt);
// log(sum(exp(x - m))) + m with m the max (0 when infinite); float in/out.
using logsumexp_fn = void (*)(const Tensor& in, const Tensor& out, const ReduceGeom& g);
// Inclusive scan along `size`; out has in's numel. float in -> same float out (double accumulator),
// int/bool in -> int64 out.
using cumulative_fn = void (*)(bool is_prod, const Tensor& in, const Tensor& out, const ReduceGeom& g);

PYNN_DECLARE_KERNEL(reduce_kernel, reduce_fn);
PYNN_DECLARE_KERNEL(arg_reduce_kernel, arg_reduce_fn);
PYNN_DECLARE_KERNEL(var_kernel, var_fn);
PYNN_DECLARE_KERNEL(logsumexp_kernel, logsumexp_fn);
PYNN_DECLARE_KERNEL(cumulative_kernel, cumulative_fn);

}  // namespace pynn
