// Recurrent step CPU kernels (kernels/rnn.h): the gates' activations, the state update and, backward, the
// gates' pre-activation gradients, for a step's rows. Compiled once per CPU capability (CMake's
// PYNN_CPU_ISA_SOURCES): the column loops are plain loops over vec::sigmoid / vec::tanh that GCC vectorizes.
// Rows are split over the pool; each element's arithmetic is the same whatever the split.
#include <algorithm>

#include "core/parallel.h"
#include "cpu/vec/math.h"
#include "kernels/rnn.h"


namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

template <typename T>
T* row(const RowsRef& r, int64_t i) {
  return r.data ? static_cast<T*>(r.data) + i * r.ld : nullptr;
}

// Rows per chunk so that a chunk holds a few thousand elements.
int64_t row_grain(int64_t width) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, width)); }

// One row's gate arithmetic per mode, in functions of their own: restrict pointers and ivdep (every element
// reads and writes only its own columns) let GCC vectorize them. Inline in the row loop, with nine streams
// behind one RowsRef type and the saved-or-not branch inside, it vectorized none (measured: the LSTM forward's
// scalar gates were a fifth of the layer's time, as much as half of its step products).
template <typename T, bool kSave>
void lstm_forward_row(int64_t H, const T* __restrict gi, T* __restrict c, T* __restrict h, T* __restrict s) {
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    const T ig = vec::sigmoid(gi[j]);
    const T fg = vec::sigmoid(gi[H + j]);
    const T gg = vec::tanh(gi[2 * H + j]);
    const T og = vec::sigmoid(gi[3 * H + j]);
    const T cn = fg * c[j] + ig * gg;
    const T tc = vec::tanh(cn);
    c[j] = cn;
    h[j] = og * tc;
    if (kSave) {
      s[j] = ig;
      s[H + j] = fg;
      s[2 * H + j] = gg;
      s[3 * H + j] = og;
      s[4 * H + j] = tc;
    }
  }
}

// h may be h_prev: each element reads hp[j] before writing h[j], so no restrict between those two.
template <typename T, bool kSave>
void gru_forward_row(int64_t H, const T* __restrict gi, const T* __restrict gh, const T* hp, T* h, T* __restrict s) {
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    const T rg = vec::sigmoid(gi[j] + gh[j]);
    const T zg = vec::sigmoid(gi[H + j] + gh[H + j]);
    const T ng = vec::tanh(gi[2 * H + j] + rg * gh[2 * H + j]);
    h[j] = ng + zg * (hp[j] - ng);
    if (kSave) {
      s[j] = rg;
      s[H + j] = zg;
      s[2 * H + j] = ng;
      s[3 * H + j] = gh[2 * H + j];
    }
  }
}

template <typename T>
void lstm_backward_row(int64_t H, const T* __restrict s, const T* __restrict cp, T* __restrict dh, T* __restrict dc,
                       T* __restrict dgi) {
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    const T ig = s[j], fg = s[H + j], gg = s[2 * H + j], og = s[3 * H + j], tc = s[4 * H + j];
    const T d = dh[j];
    const T dct = dc[j] + d * og * (T(1) - tc * tc);
    dgi[j] = dct * gg * ig * (T(1) - ig);
    dgi[H + j] = dct * cp[j] * fg * (T(1) - fg);
    dgi[2 * H + j] = dct * ig * (T(1) - gg * gg);
    dgi[3 * H + j] = d * tc * og * (T(1) - og);
    dc[j] = dct * fg;
    dh[j] = T(0);
  }
}

template <typename T>
void gru_backward_row(int64_t H, const T* __restrict s, const T* __restrict hp, T* __restrict dh, T* __restrict dgi,
                      T* __restrict dgh) {
#pragma GCC ivdep
  for (int64_t j = 0; j < H; ++j) {
    const T rg = s[j], zg = s[H + j], ng = s[2 * H + j], ghn = s[3 * H + j];
    const T d = dh[j];
    const T dn = d * (T(1) - zg) * (T(1) - ng * ng);
    const T dz = d * (hp[j] - ng) * zg * (T(1) - zg);
    const T dr = dn * ghn * rg * (T(1) - rg);
    dgi[j] = dr;
    dgi[H + j] = dz;
    dgi[2 * H + j] = dn;
    dgh[j] = dr;
    dgh[H + j] = dz;
    dgh[2 * H + j] = dn * rg;
    dh[j] = d * zg;
  }
}

template <typename T>
void cell_forward(const RnnCellArgs& a) {
  const int64_t H = a.hidden;
  const int64_t G = rnn_gates(a.mode);
  parallel_for(0, a.rows, row_grain(G * H), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* gi = row<T>(a.gi, r);
      // The incoming states are kept before h (which may be h_prev) and c are overwritten.
      if (T* hs = row<T>(a.h_prev_save, r)) std::copy(row<T>(a.h_prev, r), row<T>(a.h_prev, r) + a.h_prev_cols, hs);
      if (T* cs = row<T>(a.c_prev_save, r)) std::copy(row<T>(a.c, r), row<T>(a.c, r) + H, cs);
      T* h = row<T>(a.h, r);
      T* h2 = row<T>(a.h2, r);
      T* s = row<T>(a.saved, r);
      switch (a.mode) {
        case RnnMode::Tanh:
          for (int64_t j = 0; j < H; ++j) h[j] = vec::tanh(gi[j]);
          break;
        case RnnMode::Relu:
          for (int64_t j = 0; j < H; ++j) h[j] = gi[j] > T(0) ? gi[j] : T(0);
          break;
        case RnnMode::LSTM:
          if (s) lstm_forward_row<T, true>(H, gi, row<T>(a.c, r), h, s);
          else lstm_forward_row<T, false>(H, gi, row<T>(a.c, r), h, s);
          break;
        case RnnMode::GRU:
          if (s) gru_forward_row<T, true>(H, gi, row<T>(a.gh, r), row<T>(a.h_prev, r), h, s);
          else gru_forward_row<T, false>(H, gi, row<T>(a.gh, r), row<T>(a.h_prev, r), h, s);
          break;
      }
      if (s && (a.mode == RnnMode::Tanh || a.mode == RnnMode::Relu)) std::copy(h, h + H, s);
      if (h2) std::copy(h, h + H, h2);
    }
  });
}

template <typename T>
void cell_backward(const RnnCellBackwardArgs& a) {
  const int64_t H = a.hidden;
  const int64_t G = rnn_gates(a.mode);
  parallel_for(0, a.rows, row_grain(G * H), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* dh = row<T>(a.dh, r);
      const T* dy = row<T>(a.dy, r);
      const T* s = row<T>(a.saved, r);
      T* dgi = row<T>(a.dgi, r);
      if (dy)
        for (int64_t j = 0; j < H; ++j) dh[j] += dy[j];
      switch (a.mode) {
        case RnnMode::Tanh:
          for (int64_t j = 0; j < H; ++j) {
            dgi[j] = dh[j] * (T(1) - s[j] * s[j]);
            dh[j] = T(0);
          }
          break;
        case RnnMode::Relu:
          for (int64_t j = 0; j < H; ++j) {
            dgi[j] = s[j] > T(0) ? dh[j] : T(0);
            dh[j] = T(0);
          }
          break;
        case RnnMode::LSTM:
          lstm_backward_row<T>(H, s, row<T>(a.c_prev, r), dh, row<T>(a.dc, r), dgi);
          break;
        case RnnMode::GRU:
          gru_backward_row<T>(H, s, row<T>(a.h_prev, r), dh, dgi, row<T>(a.dgh, r));
          break;
      }
    }
  });
}

template <typename T>
void rows_sum(int64_t rows, int64_t cols, RowsRef dst, RowsRef a, RowsRef b) {
  parallel_for(0, rows, row_grain(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* d = row<T>(dst, r);
      const T* x = row<T>(a, r);
      const T* y = row<T>(b, r);
      if (x && y) for (int64_t j = 0; j < cols; ++j) d[j] = x[j] + y[j];
      else if (x || y) std::copy(x ? x : y, (x ? x : y) + cols, d);
      else std::fill(d, d + cols, T(0));
    }
  });
}

void rnn_cell_impl(const RnnCellArgs& a) {
  PYNN_DISPATCH_FLOAT(a.dtype, "rnn_cell", [&] { cell_forward<scalar_t>(a); });
}
void rnn_cell_backward_impl(const RnnCellBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.dtype, "rnn_cell_backward", [&] { cell_backward<scalar_t>(a); });
}

void rnn_rows_impl(ScalarType dt, int64_t rows, int64_t cols, RowsRef dst, RowsRef a, RowsRef b) {
  PYNN_DISPATCH_FLOAT(dt, "rnn", [&] { rows_sum<scalar_t>(rows, cols, dst, a, b); });
}


}  // namespace

PYNN_REGISTER_CPU_KERNEL(rnn_rows_kernel, rnn_rows_impl);
PYNN_REGISTER_CPU_KERNEL(rnn_cell_kernel, rnn_cell_impl);
PYNN_REGISTER_CPU_KERNEL(rnn_cell_backward_kernel, rnn_cell_backward_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
