// Kernel interface of the normalization layers (batch, layer, RMS and group norm), shared by csrc/cpu and
// csrc/cuda. Checks, promotion and layout happened in csrc/ops/norm.cpp: every tensor handed to a kernel is
// contiguous and of one floating dtype (the input's), absent optional operands are null. Statistics are
// accumulated over a fixed blocking (the CPU: lanes in the dtype over short chunks, chunks merged in double), so
// results do not depend on the thread count.
// Each forward writes the per-group mean and inverse standard deviation its backward reads back, so backward
// kernels make one pass over the data per reduction and one to write the input's gradient.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// batch_norm's view of its input: [outer = N, channels = C, inner = the spatial elements], normalised per
// channel over outer * inner values.
struct ChannelGeom {
  int64_t outer = 1, channels = 1, inner = 1;
  int64_t per_channel() const { return outer * inner; }
};

struct BatchNormArgs {
  Tensor out, input;                 // input's shape
  Tensor weight, bias;               // (C) or null (1 and 0)
  Tensor running_mean, running_var;  // (C) or null; training updates them in place when given
  Tensor save_mean, save_invstd;     // (C), written: the batch's statistics (training) or the running ones (eval)
  ChannelGeom g;
  bool training = true;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch (unbiased variance)
  double eps = 1e-5;
};

// The gradients a backward kernel writes: each null when not wanted.
struct NormGradOutputs {
  Tensor input, weight, bias;
};

// What every norm backward kernel reads and writes.
struct NormBackwardOperands {
  NormGradOutputs out;
  Tensor grad, input;  // input's shape
  Tensor weight;       // the affine weight or null
  Tensor mean, rstd;   // the forward's statistics (batch norm: save_mean / save_invstd); mean null for rms
};

struct BatchNormBackwardArgs : NormBackwardOperands {
  ChannelGeom g;
  bool training = true;  // eval: mean and rstd are constants, the input gradient is grad * weight * rstd
};

// layer_norm and rms_norm: the input as `rows` contiguous rows of `size` elements, normalised per row; the
// affine parameters have `size` elements. rms: no centring (mean is null), the row scale is
// 1 / sqrt(mean(x^2) + eps).
struct RowNormArgs {
  Tensor out, input;
  Tensor weight, bias;  // (size) or null
  Tensor mean, rstd;    // (rows), written; mean null for rms
  int64_t rows = 0, size = 1;
  double eps = 1e-5;
  bool rms = false;
};

struct RowNormBackwardArgs : NormBackwardOperands {
  int64_t rows = 0, size = 1;
  bool rms = false;
};

// group_norm: input [N, C, inner], C = groups * (C / groups); a group's (C / groups) * inner elements are
// contiguous. mean and rstd have N * groups elements; weight and bias are per channel.
struct GroupNormArgs {
  Tensor out, input, weight, bias;
  Tensor mean, rstd;
  ChannelGeom g;
  int64_t groups = 1;
  double eps = 1e-5;
};

struct GroupNormBackwardArgs : NormBackwardOperands {
  ChannelGeom g;
  int64_t groups = 1;
};

using batch_norm_fn = void (*)(const BatchNormArgs& a);
using batch_norm_backward_fn = void (*)(const BatchNormBackwardArgs& a);
using row_norm_fn = void (*)(const RowNormArgs& a);
using row_norm_backward_fn = void (*)(const RowNormBackwardArgs& a);
using group_norm_fn = void (*)(const GroupNormArgs& a);
using group_norm_backward_fn = void (*)(const GroupNormBackwardArgs& a);

PYNN_DECLARE_KERNEL(batch_norm_kernel, batch_norm_fn);
PYNN_DECLARE_KERNEL(batch_norm_backward_kernel, batch_norm_backward_fn);
PYNN_DECLARE_KERNEL(row_norm_kernel, row_norm_fn);  // layer_norm and rms_norm
PYNN_DECLARE_KERNEL(row_norm_backward_kernel, row_norm_backward_fn);
PYNN_DECLARE_KERNEL(group_norm_kernel, group_norm_fn);
PYNN_DECLARE_KERNEL(group_norm_backward_kernel, group_norm_backward_fn);

}  // namespace pynn
