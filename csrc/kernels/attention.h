// Kernel interface of scaled dot-product attention, shared by csrc/cpu and csrc/cuda. Checks, promotion and
// layout happened in csrc/ops/attention.cpp: q (N, L, E), k (Nkv, S, E), v (Nkv, S, Ev), out (N, L, Ev) are
// contiguous and of one floating dtype, N = batch * heads; query head n reads key/value head kv_of(n) (grouped
// query attention shares one key/value head between `group` consecutive query heads).
// The forward is flash-attention style: blocked over keys with an online softmax, so no (L, S) matrix is ever
// held, and it writes only the per-row log-sum-exp that the backward uses to recompute the probabilities.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "core/random.h"
#include "core/tensor.h"

namespace pynn {

struct SdpaGeom {
  int64_t N = 1, L = 1, S = 1, E = 1, Ev = 1;
  int64_t heads = 1;  // query heads per batch element (N = batch * heads)
  int64_t group = 1;  // query heads per key/value head
  int64_t kv_heads() const { return heads / group; }
  int64_t kv_of(int64_t n) const { return (n / heads) * kv_heads() + (n % heads) / group; }
  int64_t Nkv() const { return N / group; }
};

// An additive mask (query's dtype) read through strides: element (n, i, j) at data + offset[n] + i * si + j * sj
// (broadcast dims have stride 0, so an (L, S) mask is never expanded). Null data: no mask.
struct SdpaMask {
  Tensor data;
  std::vector<int64_t> offset;  // per query head n
  int64_t si = 0, sj = 0;
};

// Dropout of the probabilities: element (n, i, j) of the (N, L, S) attention matrix draws counter
// key.offset + (n * L + i) * S + j and is kept when its top 53 bits fall below the threshold, so the forward,
// the backward and the math path (which materialises the mask) regenerate the same mask from the key.
struct SdpaDropout {
  double p = 0;  // 0: none
  RandomKey key;
  uint64_t threshold() const { return static_cast<uint64_t>(std::ceil((1.0 - p) * 9007199254740992.0)); }
  double scale() const { return p < 1 ? 1.0 / (1.0 - p) : 0.0; }
  static bool keep(uint64_t bits, uint64_t threshold) { return (bits >> 11) < threshold; }
  uint64_t draws(const SdpaGeom& g) const { return static_cast<uint64_t>(g.N * g.L * g.S); }
};

struct SdpaParams {
  SdpaGeom g;
  SdpaMask mask;
  SdpaDropout dropout;
  bool causal = false;  // key j is visible to query i only when j <= i (top-left aligned, as torch)
  double scale = 1.0;
};

struct SdpaArgs : SdpaParams {
  Tensor out, lse;  // out (N, L, Ev); lse (N, L): log-sum-exp of each score row, +inf for a fully masked row
  Tensor q, k, v;
};

struct SdpaBackwardArgs : SdpaParams {
  Tensor dq, dk, dv;  // written (each of its operand's shape)
  Tensor grad, q, k, v, out, lse;
};

using sdpa_fn = void (*)(const SdpaArgs& a);
using sdpa_backward_fn = void (*)(const SdpaBackwardArgs& a);
// Writes the dropout multipliers (0 or 1 / (1 - p)) of the (N, L, S) attention matrix into `out` (contiguous).
using sdpa_dropout_mask_fn = void (*)(const Tensor& out, const SdpaGeom& g, const SdpaDropout& d);

PYNN_DECLARE_KERNEL(sdpa_kernel, sdpa_fn);
PYNN_DECLARE_KERNEL(sdpa_backward_kernel, sdpa_backward_fn);
PYNN_DECLARE_KERNEL(sdpa_dropout_mask_kernel, sdpa_dropout_mask_fn);

}  // namespace pynn
