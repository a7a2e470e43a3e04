// Scaled dot-product attention CPU kernels (kernels/attention.h), flash-attention style. The forward takes a
// block of query rows at a time and walks the keys in blocks: scores by a small GEMM, an online softmax (the
// running row max rescales what was accumulated so far, so large logits never overflow), and the probabilities
// times the value block by a second GEMM into the row block's accumulator. Only the row log-sum-exp is kept;
// the backward recomputes each probability block from it. Work is split by (query head, row block) forward and
// by key/value head backward (its dK, dV and its query heads' dQ are then written by one thread), with a fixed
// blocking, so no result depends on the thread count. GEMMs go through the registry's gemm kernel, which runs
// single-threaded inside the parallel region.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "cpu/vec/math.h"
#include "kernels/attention.h"
#include "kernels/linalg.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// Query rows x keys per block, measured on the (8, 8, 256, 64) benchmark: the score blocks stay in L2 and the
// GEMMs are big enough that OpenBLAS's per-call cost is small. Causal runs take smaller blocks, so that fewer
// scores above the diagonal are computed only to be masked.
struct Blocks {
  int64_t rows, cols;
};
Blocks forward_blocks(bool causal) { return causal ? Blocks{64, 256} : Blocks{128, 256}; }
Blocks backward_blocks(bool causal) { return causal ? Blocks{64, 128} : Blocks{128, 256}; }

// C (m x n, row stride ldc) = A @ B + beta * C, A and B given by pointer and (row, column) strides.
template <typename T>
struct Gemm {
  gemm_fn fn;
  ScalarType dt;
  void operator()(int64_t m, int64_t n, int64_t k, const T* a, int64_t asi, int64_t asj, const T* b, int64_t bsi,
                  int64_t bsj, T* c, int64_t ldc, double beta) const {
    fn(dt, 1, m, n, k, Scalar(1.0), MatRef{const_cast<T*>(a), 0, asi, asj}, MatRef{const_cast<T*>(b), 0, bsi, bsj},
       Scalar(beta), MatRef{c, 0, ldc, 1});
  }
};

// Turns a (rows x cols) block of raw q.k products (query rows i0.., keys j0..) into scores: scale, plus the
// additive mask, -inf where causality hides the key.
template <typename T>
void to_scores(const SdpaParams& p, const T* mask_n, int64_t i0, int64_t rows, int64_t j0, int64_t cols, T* s) {
  const T scale = static_cast<T>(p.scale);
  for (int64_t r = 0; r < rows; ++r) {
    T* sr = s + r * cols;
    const int64_t i = i0 + r;
    if (mask_n) {
      const T* mr = mask_n + i * p.mask.si + j0 * p.mask.sj;
      const int64_t sj = p.mask.sj;
      if (sj == 1) {
        for (int64_t c = 0; c < cols; ++c) sr[c] = sr[c] * scale + mr[c];
      } else {
        for (int64_t c = 0; c < cols; ++c) sr[c] = sr[c] * scale + mr[c * sj];
      }
    } else {
      for (int64_t c = 0; c < cols; ++c) sr[c] *= scale;
    }
    if (p.causal)
      for (int64_t c = std::max<int64_t>(0, i + 1 - j0); c < cols; ++c) sr[c] = -std::numeric_limits<T>::infinity();
  }
}

// The dropout multipliers of row (n, i), keys j0 .. j0 + cols - 1 (see SdpaDropout).
template <typename T>
void dropout_row(const SdpaParams& p, int64_t n, int64_t i, int64_t j0, int64_t cols, T* z) {
  const SdpaGeom& g = p.g;
  const uint64_t thr = p.dropout.threshold();
  const T keep = static_cast<T>(p.dropout.scale());
  const uint64_t base = p.dropout.key.offset + static_cast<uint64_t>((n * g.L + i) * g.S + j0);
  for (int64_t c = 0; c < cols; ++c)
    z[c] = SdpaDropout::keep(random_bits(p.dropout.key.seed, base + static_cast<uint64_t>(c)), thr) ? keep : T(0);
}

template <typename T>
void sdpa_forward(const SdpaArgs& a) {
  const SdpaGeom& g = a.g;
  const T* Q = a.q->data_ptr<T>();
  const T* K = a.k->data_ptr<T>();
  const T* V = a.v->data_ptr<T>();
  const T* M = a.mask.data ? a.mask.data->data_ptr<T>() : nullptr;
  T* O = a.out->data_ptr<T>();
  T* LSE = a.lse->data_ptr<T>();
  const Gemm<T> gemm{gemm_kernel.at(a.q->device(), "scaled_dot_product_attention"), a.q->dtype()};
  const int64_t L = g.L, S = g.S, E = g.E, Ev = g.Ev;
  const Blocks blk = forward_blocks(a.causal);
  const int64_t bq = blk.rows, bk = blk.cols;
  const int64_t blocks = (L + bq - 1) / bq;
  const bool drop = a.dropout.p > 0;
  constexpr T kInf = std::numeric_limits<T>::infinity();
  parallel_for(0, g.N * blocks, 1, [&](int64_t tb, int64_t te) {
    std::vector<T> s(bq * bk), z(drop ? bk : 0), acc(bq * Ev), m(bq), l(bq);
    for (int64_t t = tb; t < te; ++t) {
      const int64_t n = t / blocks, i0 = (t % blocks) * bq, rows = std::min(bq, L - i0);
      const int64_t kv = g.kv_of(n);
      const T* q = Q + (n * L + i0) * E;
      const T* k = K + kv * S * E;
      const T* v = V + kv * S * Ev;
      const T* mask_n = M ? M + a.mask.offset[n] : nullptr;
      std::fill(m.begin(), m.end(), -kInf);
      std::fill(l.begin(), l.end(), T(0));
      std::fill(acc.begin(), acc.begin() + rows * Ev, T(0));
      const int64_t end = a.causal ? std::min(S, i0 + rows) : S;  // keys past the block's last row are hidden
      for (int64_t j0 = 0; j0 < end; j0 += bk) {
        const int64_t cols = std::min(bk, end - j0);
        gemm(rows, cols, E, q, E, 1, k + j0 * E, 1, E, s.data(), cols, 0.0);
        to_scores(a, mask_n, i0, rows, j0, cols, s.data());
        for (int64_t r = 0; r < rows; ++r) {
          T* sr = s.data() + r * cols;
          const T mx = std::max(m[r], vec::max_of<T>(cols, [&](int64_t c) { return sr[c]; }));
          if (mx == -kInf) {  // nothing visible to this row yet: the block adds nothing
            std::fill(sr, sr + cols, T(0));
            continue;
          }
          const T alpha = vec::exp_nonpositive(m[r] - mx);  // 0 on the row's first visible block
          vec::map(sr, sr, cols, [mx](T x) { return vec::exp_nonpositive(x - mx); });
          l[r] = l[r] * alpha + vec::sum_of<T>(cols, [&](int64_t c) { return sr[c]; });
          m[r] = mx;
          if (alpha != T(1)) {
            T* ar = acc.data() + r * Ev;
            for (int64_t e = 0; e < Ev; ++e) ar[e] *= alpha;
          }
          if (drop) {  // the normaliser counts every probability; only the kept ones reach the values
            dropout_row(a, n, i0 + r, j0, cols, z.data());
            for (int64_t c = 0; c < cols; ++c) sr[c] *= z[c];
          }
        }
        gemm(rows, Ev, cols, s.data(), cols, 1, v + j0 * Ev, Ev, 1, acc.data(), Ev, 1.0);
      }
      for (int64_t r = 0; r < rows; ++r) {
        // A fully masked row attends to nothing: output 0 (torch's CPU kernel), lse +inf so that the backward
        // recomputes probabilities of 0.
        const bool empty = !(l[r] > T(0));
        const T inv = empty ? T(0) : T(1) / l[r];
        const T* ar = acc.data() + r * Ev;
        T* o = O + (n * L + i0 + r) * Ev;
        for (int64_t e = 0; e < Ev; ++e) o[e] = ar[e] * inv;
        LSE[n * L + i0 + r] = empty ? kInf : m[r] + std::log(l[r]);
      }
    }
  });
}

// With P = exp(score - lse), Z the dropout multipliers and D_i = dO_i . O_i (= sum_j P_ij Z_ij dP'_ij):
// dV = (P Z)^T dO, dP' = dO V^T, dS = P (dP' Z - D) * scale, dQ = dS K, dK = dS^T Q.
template <typename T>
void sdpa_backward(const SdpaBackwardArgs& a) {
  const SdpaGeom& g = a.g;
  const T* Q = a.q->data_ptr<T>();
  const T* K = a.k->data_ptr<T>();
  const T* V = a.v->data_ptr<T>();
  const T* dO = a.grad->data_ptr<T>();
  const T* O = a.out->data_ptr<T>();
  const T* LSE = a.lse->data_ptr<T>();
  const T* M = a.mask.data ? a.mask.data->data_ptr<T>() : nullptr;
  T* dQ = a.dq->data_ptr<T>();
  T* dK = a.dk->data_ptr<T>();
  T* dV = a.dv->data_ptr<T>();
  const Gemm<T> gemm{gemm_kernel.at(a.q->device(), "scaled_dot_product_attention_backward"), a.q->dtype()};
  const int64_t L = g.L, S = g.S, E = g.E, Ev = g.Ev;
  const bool drop = a.dropout.p > 0;
  const T scale = static_cast<T>(a.scale);
  const Blocks blk = backward_blocks(a.causal);
  const int64_t bq = blk.rows, bk = blk.cols;
  parallel_for(0, g.Nkv(), 1, [&](int64_t tb, int64_t te) {
    std::vector<T> p(bq * bk), dp(bq * bk), z(drop ? bk : 0), D(L);
    for (int64_t kv = tb; kv < te; ++kv) {
      const T* k = K + kv * S * E;
      const T* v = V + kv * S * Ev;
      T* dk = dK + kv * S * E;
      T* dv = dV + kv * S * Ev;
      std::fill(dk, dk + S * E, T(0));
      std::fill(dv, dv + S * Ev, T(0));
      const int64_t b = kv / g.kv_heads(), first = b * g.heads + (kv % g.kv_heads()) * g.group;
      for (int64_t n = first; n < first + g.group; ++n) {
        const T* q = Q + n * L * E;
        const T* go = dO + n * L * Ev;
        const T* o = O + n * L * Ev;
        const T* lse = LSE + n * L;
        const T* mask_n = M ? M + a.mask.offset[n] : nullptr;
        T* dq = dQ + n * L * E;
        std::fill(dq, dq + L * E, T(0));
        for (int64_t i = 0; i < L; ++i)
          D[i] = vec::sum_of<T>(Ev, [&](int64_t e) { return go[i * Ev + e] * o[i * Ev + e]; });
        for (int64_t j0 = 0; j0 < S; j0 += bk) {
          const int64_t cols = std::min(bk, S - j0);
          // Causal: rows above the block's first key see none of it.
          for (int64_t i0 = a.causal ? (j0 / bq) * bq : 0; i0 < L; i0 += bq) {
            const int64_t rows = std::min(bq, L - i0);
            gemm(rows, cols, E, q + i0 * E, E, 1, k + j0 * E, 1, E, p.data(), cols, 0.0);
            to_scores(a, mask_n, i0, rows, j0, cols, p.data());
            gemm(rows, cols, Ev, go + i0 * Ev, Ev, 1, v + j0 * Ev, 1, Ev, dp.data(), cols, 0.0);
            for (int64_t r = 0; r < rows; ++r) {
              T* pr = p.data() + r * cols;
              T* dpr = dp.data() + r * cols;
              const T lr = lse[i0 + r], Dr = D[i0 + r];
              vec::map(pr, pr, cols, [lr](T x) { return vec::exp_nonpositive(x - lr); });
              if (drop) {
                dropout_row(a, n, i0 + r, j0, cols, z.data());
                for (int64_t c = 0; c < cols; ++c) {
                  dpr[c] = pr[c] * (dpr[c] * z[c] - Dr) * scale;
                  pr[c] *= z[c];
                }
              } else {
                vec::map(dpr, pr, dpr, cols, [Dr, scale](T pv, T dv_) { return pv * (dv_ - Dr) * scale; });
              }
            }
            gemm(cols, Ev, rows, p.data(), 1, cols, go + i0 * Ev, Ev, 1, dv + j0 * Ev, Ev, 1.0);
            gemm(rows, E, cols, dp.data(), cols, 1, k + j0 * E, E, 1, dq + i0 * E, E, 1.0);
            gemm(cols, E, rows, dp.data(), 1, cols, q + i0 * E, E, 1, dk + j0 * E, E, 1.0);
          }
        }
      }
    }
  });
}

void sdpa_impl(const SdpaArgs& a) {
  PYNN_DISPATCH_FLOAT(a.q->dtype(), "scaled_dot_product_attention", [&] { sdpa_forward<scalar_t>(a); });
}

void sdpa_backward_impl(const SdpaBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.q->dtype(), "scaled_dot_product_attention_backward", [&] { sdpa_backward<scalar_t>(a); });
}

void sdpa_dropout_mask_impl(const Tensor& out, const SdpaGeom& g, const SdpaDropout& d) {
  SdpaParams p;
  p.g = g;
  p.dropout = d;
  PYNN_DISPATCH_FLOAT(out->dtype(), "scaled_dot_product_attention", [&] {
    scalar_t* z = out->data_ptr<scalar_t>();
    parallel_for(0, g.N * g.L, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, g.S)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t row = b; row < e; ++row) dropout_row(p, row / g.L, row % g.L, 0, g.S, z + row * g.S);
                 });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(sdpa_kernel, sdpa_impl);
PYNN_REGISTER_CPU_KERNEL(sdpa_backward_kernel, sdpa_backward_impl);
PYNN_REGISTER_CPU_KERNEL(sdpa_dropout_mask_kernel, sdpa_dropout_mask_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
