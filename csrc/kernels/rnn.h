// Kernel interface of the recurrent layers, shared by csrc/cpu and csrc/cuda: the pointwise part of one time step
// (forward and backward) for rows [0, rows) of the batch. The matrix products around it go to gemm_kernel and
// the packed-panel kernels (kernels/linalg.h); the time loop itself lives in csrc/ops/rnn.cpp. Operands are
// row-major slices of bigger buffers: row r of an operand starts at ptr + r * ld (ld in elements, columns
// contiguous), so the loop hands the kernel a step's rows without copying. All operands share one floating dtype.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/dtype.h"
#include "core/tensor.h"
#include "kernels/linalg.h"

namespace pynn {

// Gate order as torch: LSTM i, f, g, o; GRU r, z, n.
enum class RnnMode : int { Tanh = 0, Relu = 1, LSTM = 2, GRU = 3 };

inline int64_t rnn_gates(RnnMode m) { return m == RnnMode::LSTM ? 4 : m == RnnMode::GRU ? 3 : 1; }
// Width (in units of H) of the per-step values the forward saves for the backward:
// RNN: h'; LSTM: i, f, g, o (activated) and tanh(c'); GRU: r, z, n and the hidden side of n's pre-activation.
inline int64_t rnn_saved_width(RnnMode m) { return m == RnnMode::LSTM ? 5 : m == RnnMode::GRU ? 4 : 1; }

struct RnnCellArgs {
  RnnMode mode = RnnMode::Tanh;
  ScalarType dtype = ScalarType::Float32;
  int64_t rows = 0, hidden = 0;  // H
  // Pre-activations, biases included. RNN / LSTM: gi holds both sides' sum (G*H columns); GRU: gi the input side,
  // gh the hidden side (3H each).
  RowsRef gi, gh;
  RowsRef h_prev;  // GRU reads it (z * h); every mode copies it to h_prev_save when that is given
  RowsRef c;       // LSTM: c_prev on entry, c' on return (elementwise in place)
  RowsRef h, h2;   // h' (LSTM: o * tanh(c'), before any projection); h2 an optional second copy. h may be h_prev.
  RowsRef saved;   // rnn_saved_width * H columns, or null (inference)
  RowsRef h_prev_save, c_prev_save;  // optional: the step's incoming states, kept for the backward
  int64_t h_prev_cols = 0;           // h_prev's width (the projection size when there is one)
};

struct RnnCellBackwardArgs {
  RnnMode mode = RnnMode::Tanh;
  ScalarType dtype = ScalarType::Float32;
  int64_t rows = 0, hidden = 0;
  RowsRef dh;      // dL/dh' (LSTM: of o * tanh(c')); on return dL/dh_prev's part that bypasses W_hh (GRU: dh * z,
                   // else 0)
  RowsRef dy;      // optional, added to dh first (the step's output gradient)
  RowsRef dc;      // LSTM: dL/dc' on entry, dL/dc_prev on return
  RowsRef saved;   // the forward's
  RowsRef h_prev;  // GRU
  RowsRef c_prev;  // LSTM
  RowsRef dgi;     // written: dL/d(input-side pre-activations), G*H columns
  RowsRef dgh;     // GRU: written, dL/d(hidden-side pre-activations); RNN / LSTM: the same as dgi (not written)
};

using rnn_cell_fn = void (*)(const RnnCellArgs& a);
using rnn_cell_backward_fn = void (*)(const RnnCellBackwardArgs& a);
// dst = a + b over rows x cols, a or b null meaning 0 (both null: a zero fill). ld 0 repeats one row (biases).
using rnn_rows_fn = void (*)(ScalarType dtype, int64_t rows, int64_t cols, RowsRef dst, RowsRef a, RowsRef b);

PYNN_DECLARE_KERNEL(rnn_cell_kernel, rnn_cell_fn);
PYNN_DECLARE_KERNEL(rnn_cell_backward_kernel, rnn_cell_backward_fn);
PYNN_DECLARE_KERNEL(rnn_rows_kernel, rnn_rows_fn);

}  // namespace pynn
