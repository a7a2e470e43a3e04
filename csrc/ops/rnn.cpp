// The recurrent ops (see ops/rnn.h): checks, the time loop over gemm_kernel and the step kernels of
// kernels/rnn.h, and the backward through time. Buffers are addressed as row slices (RowsRef) so that a step
// works on its rows of the sequence-wide buffers in place: the loop allocates nothing per step.
#include "ops/rnn.h"

#include <array>
#include <string>

#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "kernels/linalg.h"
#include "ops/common.h"
#include "ops/indexing.h"
#include "ops/linalg.h"
#include "ops/nn.h"
#include "ops/nn_common.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(rnn_cell_kernel, "rnn_cell");
PYNN_DEFINE_KERNEL(rnn_cell_backward_kernel, "rnn_cell_backward");
PYNN_DEFINE_KERNEL(rnn_rows_kernel, "rnn");

namespace {

const char* mode_name(RnnMode m) {
  switch (m) {
    case RnnMode::Tanh: return "rnn_tanh";
    case RnnMode::Relu: return "rnn_relu";
    case RnnMode::LSTM: return "lstm";
    case RnnMode::GRU: return "gru";
  }
  return "rnn";
}

// Where a loop's buffers live and how big an element is.
struct Ctx {
  Device dev;
  ScalarType dt;
  int64_t isz;
  explicit Ctx(const Tensor& like) : dev(like->device()), dt(like->dtype()), isz(like->itemsize()) {}

  RowsRef at(const Tensor& t, int64_t elem, int64_t ld) const {
    if (!t) return {};
    return {static_cast<char*>(t->data()) + elem * isz, ld};
  }
  RowsRef shift(RowsRef r, int64_t rows) const {
    if (!r.data) return r;
    return {static_cast<char*>(r.data) + rows * r.ld * isz, r.ld};
  }
  void rows(int64_t n, int64_t cols, RowsRef dst, RowsRef a, RowsRef b = {}) const {
    if (n > 0 && cols > 0) rnn_rows_kernel(dev, dt, n, cols, dst, a, b);
  }
  // C (m x n, row-major with ldc) = A @ B (+ C when accumulate).
  void gemm(int64_t m, int64_t n, int64_t k, MatRef a, MatRef b, bool accumulate, RowsRef c) const {
    if (m == 0 || n == 0) return;
    gemm_kernel(dev, dt, 1, m, n, k, Scalar(1.0), a, b, Scalar(accumulate ? 1.0 : 0.0), MatRef{c.data, 0, c.ld, 1});
  }
};

// A row-major (rows x ld) operand, as is or transposed.
MatRef plain(RowsRef r) { return MatRef{r.data, 0, r.ld, 1}; }
MatRef plain(const Tensor& t) { return MatRef{t->data(), 0, t->size(-1), 1}; }
MatRef transposed(const Tensor& t) { return MatRef{t->data(), 0, 1, t->size(-1)}; }

int64_t steps(const RnnSpec& s) { return static_cast<int64_t>(s.batch_sizes.size()); }

// The weight of a per-step product out (m x n) (+)= a (m x k) @ b: packed once for the whole sequence when the
// device's kernel has a packed path (and there is more than one step to share it), else passed to gemm_kernel.
struct StepWeight {
  Tensor packed;
  MatRef b;
  int64_t k = 0, n = 0;
  StepWeight(const Ctx& c, int64_t k_, int64_t n_, MatRef b_, bool pack) : b(b_), k(k_), n(n_) {
    if (pack && !pack_b_kernel(c.dev, c.dt, k, n, b.data, b.si, b.sj, &packed)) packed = nullptr;
  }
  void run(const Ctx& c, int64_t m, RowsRef a, bool accumulate, RowsRef out) const {
    if (m == 0 || n == 0) return;
    if (packed) packed_gemm_kernel(c.dev, c.dt, m, n, k, a, packed, accumulate, out);
    else c.gemm(m, n, k, plain(a), b, accumulate, out);
  }
};

// A weight gradient out (n_rows x n) = grads^T @ x over the sequence's rows: grads (rows x n_rows), x (rows x n).
// gemm_kernel would take grads^T as a transposed operand, which its packed path does not (cpu/packed_gemm.h
// measures why); where the packed kernel exists and the product is big enough, grads^T is materialised once
// (grads_t, shared by the products that need it) and x packed here.
void weight_grad(const Ctx& c, const Tensor& grads, Tensor& grads_t, const Tensor& x, const Tensor& out) {
  const int64_t rows = grads->size(0), m = grads->size(1), n = x->size(1);
  const bool big = m >= kPackedGemmMinRows && static_cast<double>(m) * n * rows >= kPackedGemmMinMacs;
  const StepWeight w(c, rows, n, plain(x), big);
  if (!w.packed) {
    c.gemm(m, n, rows, transposed(grads), plain(x), false, c.at(out, 0, n));
    return;
  }
  if (!grads_t) grads_t = contiguous_untracked(transpose(grads, 0, 1));
  w.run(c, m, c.at(grads_t, 0, rows), false, c.at(out, 0, n));
}

// One direction's forward over the sequence. h / c: the running states (B rows), holding h0 / c0 on entry and
// h_n / c_n on return; out: the output's rows (null for a cell); sv: buffers to fill for the backward, or null.
void direction_forward(const Ctx& c, const RnnSpec& s, bool reverse, const Tensor& x, const RnnWeights& w,
                       RowsRef out, RowsRef h, RowsRef cst, RnnSaved* sv) {
  const int64_t H = s.hidden, Hout = s.hout(), GH = rnn_gates(s.mode) * H, SW = rnn_saved_width(s.mode) * H;
  const bool gru = s.mode == RnnMode::GRU, bias = w.b_ih != nullptr;
  const Dims gdims{s.total, GH};
  Tensor gi_all = empty(gdims, c.dt, c.dev);
  const RowsRef gi = c.at(gi_all, 0, GH);
  // The input projection of every step at once; RNN and LSTM fold both biases in here.
  if (bias) c.rows(s.total, GH, gi, c.at(w.b_ih, 0, 0), gru ? RowsRef{} : c.at(w.b_hh, 0, 0));
  c.gemm(s.total, GH, s.input_size, plain(x), transposed(w.w_ih), bias, gi);
  Tensor gh_buf = gru ? empty(Dims{s.batch, GH}, c.dt, c.dev) : nullptr;
  Tensor r_buf = s.proj > 0 && !sv ? empty(Dims{s.batch, H}, c.dt, c.dev) : nullptr;
  const rnn_cell_fn kernel = rnn_cell_kernel.at(c.dev, mode_name(s.mode));
  const int64_t T = steps(s);
  const StepWeight whh(c, Hout, GH, transposed(w.w_hh), T > 1);
  const StepWeight whr = s.proj > 0 ? StepWeight(c, H, Hout, transposed(w.w_hr), T > 1) : StepWeight(c, 0, 0, {}, false);
  for (int64_t st = 0; st < T; ++st) {
    const int64_t t = reverse ? T - 1 - st : st;
    const int64_t bs = s.batch_sizes[t], off = s.offsets[t];
    RnnCellArgs a;
    a.mode = s.mode;
    a.dtype = c.dt;
    a.rows = bs;
    a.hidden = H;
    a.gi = c.shift(gi, off);
    if (gru) {
      a.gh = c.at(gh_buf, 0, GH);
      if (bias) c.rows(bs, GH, a.gh, c.at(w.b_hh, 0, 0));
      whh.run(c, bs, h, bias, a.gh);
    } else {
      whh.run(c, bs, h, true, a.gi);
    }
    a.h_prev = h;
    a.h_prev_cols = Hout;
    a.c = cst;
    if (s.proj > 0) {
      a.h = sv ? c.at(sv->r, off * H, H) : c.at(r_buf, 0, H);
    } else {
      a.h = h;
      a.h2 = c.shift(out, off);
    }
    if (sv) {
      a.saved = c.at(sv->gates, off * SW, SW);
      a.h_prev_save = c.at(sv->hprev, off * Hout, Hout);
      if (s.mode == RnnMode::LSTM) a.c_prev_save = c.at(sv->cprev, off * H, H);
    }
    kernel(a);
    if (s.proj > 0) {
      whr.run(c, bs, a.h, false, h);
      if (out.data) c.rows(bs, Hout, c.shift(out, off), h);
    }
  }
}

// One direction's backward through time. dh / dc: the state gradients (B rows), dL/dh_n / dL/dc_n on entry and
// dL/dh0 / dL/dc0 on return; dy: the output gradient's rows or null. Fills dgi (and dgh, GRU; dhs, projection)
// with every step's pre-activation (projected-state) gradients for the weight gradients.
void direction_backward(const Ctx& c, const RnnSpec& s, bool reverse, const RnnWeights& w, const RnnSaved& sv,
                        RowsRef dy, RowsRef dh, RowsRef dc, const Tensor& dgi_all, const Tensor& dgh_all,
                        const Tensor& dhs_all) {
  const int64_t H = s.hidden, Hout = s.hout(), GH = rnn_gates(s.mode) * H, SW = rnn_saved_width(s.mode) * H;
  const bool gru = s.mode == RnnMode::GRU;
  Tensor dr_buf = s.proj > 0 ? empty(Dims{s.batch, H}, c.dt, c.dev) : nullptr;
  const rnn_cell_backward_fn kernel = rnn_cell_backward_kernel.at(c.dev, mode_name(s.mode));
  const int64_t T = steps(s);
  const StepWeight whh(c, GH, Hout, plain(w.w_hh), T > 1);
  const StepWeight whr = s.proj > 0 ? StepWeight(c, Hout, H, plain(w.w_hr), T > 1) : StepWeight(c, 0, 0, {}, false);
  for (int64_t st = T - 1; st >= 0; --st) {
    const int64_t t = reverse ? T - 1 - st : st;
    const int64_t bs = s.batch_sizes[t], off = s.offsets[t];
    RnnCellBackwardArgs a;
    a.mode = s.mode;
    a.dtype = c.dt;
    a.rows = bs;
    a.hidden = H;
    if (s.proj > 0) {
      const RowsRef dhs = c.at(dhs_all, off * Hout, Hout);
      c.rows(bs, Hout, dhs, dh, c.shift(dy, off));
      a.dh = c.at(dr_buf, 0, H);
      whr.run(c, bs, dhs, false, a.dh);
    } else {
      a.dh = dh;
      a.dy = c.shift(dy, off);
    }
    a.dc = dc;
    a.saved = c.at(sv.gates, off * SW, SW);
    a.h_prev = c.at(sv.hprev, off * Hout, Hout);
    a.c_prev = c.at(sv.cprev, off * H, H);
    a.dgi = c.at(dgi_all, off * GH, GH);
    a.dgh = gru ? c.at(dgh_all, off * GH, GH) : a.dgi;
    kernel(a);
    // GRU's kernel left dh * z in dh; the others start dh_prev from nothing.
    whh.run(c, bs, a.dgh, gru, dh);
  }
}

// The states of direction d: rows of a (dirs, B, cols) tensor, or null.
RowsRef state_rows(const Ctx& c, const Tensor& t, int64_t d, int64_t B, int64_t cols) {
  return c.at(t, d * B * cols, cols);
}

}  // namespace

RnnGrads rnn_layer_backward(const RnnSpec& s, const Tensor& grad_in, const Tensor& input,
                            const std::vector<RnnWeights>& w, const std::vector<RnnSaved>& saved,
                            const RnnGradMask& mask) {
  const Ctx c(input);
  const Tensor grad = contiguous_untracked(grad_in, c.dt);
  const int64_t H = s.hidden, Hout = s.hout(), GH = rnn_gates(s.mode) * H, B = s.batch, I = s.input_size;
  const bool gru = s.mode == RnnMode::GRU, lstm = s.mode == RnnMode::LSTM;
  RnnGrads g;
  g.weights.resize(s.dirs);
  // The state gradients run in these buffers, initialised with the final states' gradients.
  Tensor dh0 = empty(Dims{s.dirs, B, Hout}, c.dt, c.dev);
  Tensor dc0 = lstm ? empty(Dims{s.dirs, B, H}, c.dt, c.dev) : nullptr;
  c.rows(s.dirs * B, Hout, c.at(dh0, 0, Hout), c.at(grad, s.out_elems(), Hout));
  if (lstm) c.rows(s.dirs * B, H, c.at(dc0, 0, H), c.at(grad, s.out_elems() + s.hn_elems(), H));
  if (mask.input) g.input = empty(Dims{s.total, I}, c.dt, c.dev);
  for (int64_t d = 0; d < s.dirs; ++d) {
    const RnnWeights& wd = w[d];
    const RnnSaved& sv = saved[d];
    Tensor dgi = empty(Dims{s.total, GH}, c.dt, c.dev);
    Tensor dgh = gru ? empty(Dims{s.total, GH}, c.dt, c.dev) : dgi;
    Tensor dhs = s.proj > 0 ? empty(Dims{s.total, Hout}, c.dt, c.dev) : nullptr;
    const RowsRef dy = s.cell ? RowsRef{} : c.at(grad, d * Hout, s.dirs * Hout);
    direction_backward(c, s, d == 1, wd, sv, dy, state_rows(c, dh0, d, B, Hout), state_rows(c, dc0, d, B, H), dgi,
                       dgh, dhs);
    if (mask.input) c.gemm(s.total, I, GH, plain(dgi), plain(wd.w_ih), d > 0, c.at(g.input, 0, I));
    const auto& m = mask.weights[d];
    RnnWeights& gw = g.weights[d];
    Tensor dgi_t, dgh_t;
    if (m[0]) {
      gw.w_ih = empty(Dims{GH, I}, c.dt, c.dev);
      weight_grad(c, dgi, dgi_t, input, gw.w_ih);
    }
    if (m[1]) {
      gw.w_hh = empty(Dims{GH, Hout}, c.dt, c.dev);
      if (!gru) dgh_t = dgi_t;
      weight_grad(c, dgh, dgh_t, sv.hprev, gw.w_hh);
    }
    if (m[2]) gw.b_ih = sum(dgi, {0});
    // RNN / LSTM: both biases see the same pre-activation gradient; one column sum (13 MB read at
    // LSTM(256, 512)) serves both, and the copy keeps the two .grad tensors distinct.
    if (m[3]) gw.b_hh = m[2] && !gru ? clone(gw.b_ih) : sum(dgh, {0});
    if (m[4]) {
      gw.w_hr = empty(Dims{Hout, H}, c.dt, c.dev);
      c.gemm(Hout, H, s.total, transposed(dhs), plain(sv.r), false, c.at(gw.w_hr, 0, H));
    }
  }
  if (mask.h0) g.h0 = dh0;
  if (mask.c0) g.c0 = dc0;
  return g;
}

RnnGrads rnn_cell_backward_ops(RnnMode mode, const Tensor& grad_h, const Tensor& grad_c, const Tensor& input,
                               const Tensor& hx, const Tensor& cx, const RnnWeights& w, const RnnGradMask& mask) {
  using namespace autograd::fn;
  const auto sig = [](const Tensor& v) { return unary(UnaryOp::Sigmoid, v); };
  const auto tanh_ = [](const Tensor& v) { return unary(UnaryOp::Tanh, v); };
  const auto one_minus = [](const Tensor& v) { return sub(num(1.0), v); };
  Tensor gi = mm(input, t(w.w_ih));
  if (w.b_ih) gi = add(gi, w.b_ih);
  Tensor gh = mm(hx, t(w.w_hh));
  if (w.b_hh) gh = add(gh, w.b_hh);
  Tensor dgi, dgh, dhx, dcx;
  switch (mode) {
    case RnnMode::Tanh:
    case RnnMode::Relu: {
      Tensor pre = add(gi, gh);
      if (mode == RnnMode::Tanh) {
        Tensor h = tanh_(pre);
        dgi = mul(grad_h, one_minus(mul(h, h)));
      } else {
        dgi = mul(grad_h, mask_as(binary(BinaryOp::Gt, pre, num(0.0)), grad_h));
      }
      dgh = dgi;
      break;
    }
    case RnnMode::LSTM: {
      std::vector<Tensor> q = chunk(add(gi, gh), 4, 1);
      Tensor i = sig(q[0]), f = sig(q[1]), g = tanh_(q[2]), o = sig(q[3]);
      Tensor cn = add(mul(f, cx), mul(i, g));
      Tensor tc = tanh_(cn);
      Tensor dct = mul(grad_h, mul(o, one_minus(mul(tc, tc))));
      if (grad_c) dct = add(dct, grad_c);
      dgi = cat({mul(mul(dct, g), mul(i, one_minus(i))), mul(mul(dct, cx), mul(f, one_minus(f))),
                 mul(mul(dct, i), one_minus(mul(g, g))), mul(mul(grad_h, tc), mul(o, one_minus(o)))},
                1);
      dgh = dgi;
      dcx = mul(dct, f);
      break;
    }
    case RnnMode::GRU: {
      std::vector<Tensor> a = chunk(gi, 3, 1), b = chunk(gh, 3, 1);
      Tensor r = sig(add(a[0], b[0])), z = sig(add(a[1], b[1]));
      Tensor n = tanh_(add(a[2], mul(r, b[2])));
      Tensor dn = mul(mul(grad_h, one_minus(z)), one_minus(mul(n, n)));
      Tensor dz = mul(mul(grad_h, sub(hx, n)), mul(z, one_minus(z)));
      Tensor dr = mul(mul(dn, b[2]), mul(r, one_minus(r)));
      dgi = cat({dr, dz, dn}, 1);
      dgh = cat({dr, dz, mul(dn, r)}, 1);
      dhx = mul(grad_h, z);
      break;
    }
  }
  RnnGrads g;
  if (mask.input) g.input = mm(dgi, w.w_ih);
  if (mask.h0) {
    Tensor via_w = mm(dgh, w.w_hh);
    g.h0 = dhx ? add(via_w, dhx) : via_w;
  }
  if (mask.c0) g.c0 = dcx;
  g.weights.resize(1);
  const auto& m = mask.weights[0];
  if (m[0]) g.weights[0].w_ih = mm(t(dgi), input);
  if (m[1]) g.weights[0].w_hh = mm(t(dgh), hx);
  if (m[2]) g.weights[0].b_ih = sum(dgi, {0});
  if (m[3]) g.weights[0].b_hh = sum(dgh, {0});
  return g;
}

namespace {

// Runs one layer (both directions) into a fresh buffer [out | h_n | c_n] and records its node. x: (total, I);
// h0 / c0: (dirs, B, *) or null; w: kernel-ready weights; inputs: what the node's edges point at.
Tensor run_layer(const RnnSpec& s, const Tensor& x, const Tensor& h0, const Tensor& c0,
                 const std::vector<RnnWeights>& w, const std::vector<Tensor>& inputs) {
  const Ctx c(x);
  bool need = false;
  if (autograd::grad_enabled())
    for (const Tensor& t : inputs) need = need || autograd::requires_grad(t);
  const int64_t H = s.hidden, Hout = s.hout(), B = s.batch;
  Tensor flat = empty(Dims{s.out_elems() + s.hn_elems() + s.cn_elems()}, c.dt, c.dev);
  const Tensor h0c = contiguous_untracked(h0, c.dt), c0c = contiguous_untracked(c0, c.dt);
  std::vector<RnnSaved> saved(need ? s.dirs : 0);
  for (int64_t d = 0; d < s.dirs; ++d) {
    const RowsRef h = c.at(flat, s.out_elems() + d * B * Hout, Hout);
    const RowsRef cs = s.mode == RnnMode::LSTM ? c.at(flat, s.out_elems() + s.hn_elems() + d * B * H, H) : RowsRef{};
    c.rows(B, Hout, h, state_rows(c, h0c, d, B, Hout));
    if (cs.data) c.rows(B, H, cs, state_rows(c, c0c, d, B, H));
    RnnSaved* sv = nullptr;
    if (need) {
      sv = &saved[d];
      sv->gates = empty(Dims{s.total, rnn_saved_width(s.mode) * H}, c.dt, c.dev);
      sv->hprev = empty(Dims{s.total, Hout}, c.dt, c.dev);
      if (s.mode == RnnMode::LSTM) sv->cprev = empty(Dims{s.total, H}, c.dt, c.dev);
      if (s.proj > 0) sv->r = empty(Dims{s.total, H}, c.dt, c.dev);
    }
    const RowsRef out = s.cell ? RowsRef{} : c.at(flat, d * Hout, s.dirs * Hout);
    direction_forward(c, s, d == 1, x, w[d], out, h, cs, sv);
  }
  if (need) {
    if (s.cell) autograd::record_rnn_cell(s, inputs, std::move(saved[0]), flat);
    else autograd::record_rnn_layer(s, inputs, std::move(saved), flat);
  }
  return flat;
}

// A view of `numel` elements of flat from `offset`, shaped `shape`.
Tensor piece(const Tensor& flat, int64_t offset, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t v : shape) n *= v;
  return view(narrow(flat, 0, offset, n), shape);
}

std::string dims_tuple(const std::vector<int64_t>& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}

void check_state(const char* op, const Tensor& t, const std::vector<int64_t>& expected, const char* what) {
  if (!t) return;
  PYNN_CHECK(t->sizes().vec() == expected, op, "Expected ", what, " size ", dims_tuple(expected), ", got ",
             t->sizes().str());
}

void check_param(const char* op, const Tensor& p, const std::vector<int64_t>& shape, const char* name,
                 ScalarType dt) {
  PYNN_CHECK(p, op, name, " is missing");
  PYNN_CHECK(p->sizes().vec() == shape, op, name, " must have shape ", dims_tuple(shape), ", got ", p->sizes().str());
  PYNN_CHECK(p->dtype() == dt, op, "expected ", name, " to have dtype ", dtype_name(dt), ", got ",
             dtype_name(p->dtype()));
}

}  // namespace

RnnOutput rnn(const Tensor& input, const std::vector<int64_t>& batch_sizes, const Tensor& hx, const Tensor& cx,
              const std::vector<Tensor>& params, const RnnOptions& o) {
  const char* op = mode_name(o.mode);
  require_defined(op, input);
  require_float(op, input);
  const bool packed = !batch_sizes.empty();
  const int64_t dirs = o.bidirectional ? 2 : 1, L = o.num_layers;
  PYNN_CHECK(L >= 1, op, "num_layers must be greater than zero");
  const int64_t per = 2 + (o.bias ? 2 : 0) + (o.proj_size > 0 ? 1 : 0);
  PYNN_CHECK(static_cast<int64_t>(params.size()) == L * dirs * per, op, "expected ", L * dirs * per,
             " parameter tensors, got ", params.size());
  PYNN_CHECK(o.proj_size == 0 || o.mode == RnnMode::LSTM, op, "proj_size is only supported for LSTM");
  const int expected_dim = packed ? 2 : 3;
  PYNN_CHECK(input->dim() == expected_dim, op, "input must have ", expected_dim, " dimensions, got ", input->dim());
  const ScalarType dt = input->dtype();
  const int64_t G = rnn_gates(o.mode);
  PYNN_CHECK(params[0] && params[0]->dim() == 2 && params[0]->size(0) % G == 0, op, "weight_ih_l0 must be 2-D");
  const int64_t I = params[0]->size(1), H = params[0]->size(0) / G, P = o.proj_size;
  const int64_t Hout = P > 0 ? P : H;
  PYNN_CHECK(input->size(-1) == I, op, "input.size(-1) must be equal to input_size. Expected ", I, ", got ",
             input->size(-1));

  RnnSpec s;
  s.mode = o.mode;
  s.hidden = H;
  s.proj = P;
  s.dirs = dirs;
  Tensor x;
  if (packed) {
    int64_t total = 0;
    for (size_t t = 0; t < batch_sizes.size(); ++t) {
      const int64_t b = batch_sizes[t];
      PYNN_CHECK(b > 0 && (t == 0 || b <= batch_sizes[t - 1]), op,
                 "batch_sizes must be positive and non-increasing, got ", b, " at step ", t);
      total += b;
    }
    PYNN_CHECK(total == input->size(0), op, "packed input has ", input->size(0), " rows but batch_sizes sum to ",
               total);
    s.batch_sizes = batch_sizes;
    x = contiguous(input);
  } else {
    Tensor tm = o.batch_first ? transpose(input, 0, 1) : input;
    const int64_t T = tm->size(0), B = tm->size(1);
    PYNN_CHECK(T > 0 && B > 0, op, "expected a non-empty input, got size ", input->sizes().str());
    s.batch_sizes.assign(T, B);
    x = reshape(contiguous(tm), {T * B, I});
  }
  s.batch = s.batch_sizes[0];
  s.offsets.resize(s.batch_sizes.size());
  s.total = 0;
  for (size_t t = 0; t < s.batch_sizes.size(); ++t) {
    s.offsets[t] = s.total;
    s.total += s.batch_sizes[t];
  }
  const int64_t B = s.batch;
  check_state(op, hx, {L * dirs, B, Hout}, o.mode == RnnMode::LSTM ? "hidden[0]" : "hidden");
  if (o.mode == RnnMode::LSTM) check_state(op, cx, {L * dirs, B, H}, "hidden[1]");
  const Device dev = same_device(op, input, hx, cx);
  for (const Tensor& p : params) same_device(op, input, p);
  rnn_cell_kernel.at(dev, op);  // a device without the step kernels fails here, before any work
  PYNN_CHECK(!hx || hx->dtype() == dt, op, "expected hx to have dtype ", dtype_name(dt), ", got ",
             dtype_name(hx->dtype()));
  PYNN_CHECK(!cx || cx->dtype() == dt, op, "expected cx to have dtype ", dtype_name(dt), ", got ",
             dtype_name(cx->dtype()));

  std::vector<Tensor> hns, cns;
  Tensor layer_out;
  for (int64_t l = 0; l < L; ++l) {
    s.input_size = l == 0 ? I : dirs * Hout;
    std::vector<RnnWeights> w(dirs);
    std::vector<Tensor> inputs{x, hx ? narrow(hx, 0, l * dirs, dirs) : nullptr,
                               cx ? narrow(cx, 0, l * dirs, dirs) : nullptr};
    for (int64_t d = 0; d < dirs; ++d) {
      const Tensor* p = &params[(l * dirs + d) * per];
      const std::string sfx = std::to_string(l) + (d ? "_reverse" : "");
      check_param(op, p[0], {G * H, s.input_size}, ("weight_ih_l" + sfx).c_str(), dt);
      check_param(op, p[1], {G * H, Hout}, ("weight_hh_l" + sfx).c_str(), dt);
      Tensor b_ih = o.bias ? p[2] : nullptr, b_hh = o.bias ? p[3] : nullptr, w_hr = P > 0 ? p[per - 1] : nullptr;
      if (o.bias) {
        check_param(op, b_ih, {G * H}, ("bias_ih_l" + sfx).c_str(), dt);
        check_param(op, b_hh, {G * H}, ("bias_hh_l" + sfx).c_str(), dt);
      }
      if (P > 0) check_param(op, w_hr, {P, H}, ("weight_hr_l" + sfx).c_str(), dt);
      w[d] = RnnWeights{contiguous_untracked(p[0]), contiguous_untracked(p[1]), contiguous_untracked(b_ih),
                        contiguous_untracked(b_hh), contiguous_untracked(w_hr)};
      for (const Tensor& t : {p[0], p[1], b_ih, b_hh, w_hr}) inputs.push_back(t);
    }
    Tensor flat = run_layer(s, x, inputs[1], inputs[2], w, inputs);
    layer_out = piece(flat, 0, {s.total, dirs * Hout});
    hns.push_back(piece(flat, s.out_elems(), {dirs, B, Hout}));
    if (o.mode == RnnMode::LSTM) cns.push_back(piece(flat, s.out_elems() + s.hn_elems(), {dirs, B, H}));
    x = layer_out;
    if (l + 1 < L && o.dropout > 0 && o.training) x = dropout(x, o.dropout, true);
  }
  RnnOutput r;
  if (packed) {
    r.output = layer_out;
  } else {
    const int64_t T = static_cast<int64_t>(s.batch_sizes.size());
    r.output = view(layer_out, {T, B, dirs * Hout});
    if (o.batch_first) r.output = transpose(r.output, 0, 1);
  }
  r.h_n = L == 1 ? hns[0] : cat(hns, 0);
  if (o.mode == RnnMode::LSTM) r.c_n = L == 1 ? cns[0] : cat(cns, 0);
  return r;
}

std::vector<Tensor> rnn_cell(RnnMode mode, const Tensor& input, const Tensor& hx, const Tensor& cx,
                             const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  const std::string name = std::string(mode_name(mode)) + "_cell";
  const char* op = name.c_str();
  require_defined(op, input);
  require_defined(op, w_ih, "weight_ih");
  require_defined(op, w_hh, "weight_hh");
  require_float(op, input);
  rnn_cell_kernel.at(same_device(op, input, hx, cx, w_ih, w_hh, b_ih, b_hh), op);
  const int64_t G = rnn_gates(mode);
  PYNN_CHECK(w_ih->dim() == 2 && w_hh->dim() == 2 && w_ih->size(0) % G == 0, op,
             "weight_ih and weight_hh must be 2-D with a multiple of ", G, " rows");
  const int64_t H = w_hh->size(1), I = w_ih->size(1);
  PYNN_CHECK(input->dim() == 2, op, "Expected input to be 2D, got ", input->dim(), "D instead");
  PYNN_CHECK(input->size(1) == I, op, "input has inconsistent input_size: got ", input->size(1), " expected ", I);
  const int64_t B = input->size(0);
  const ScalarType dt = input->dtype();
  check_param(op, w_ih, {G * H, I}, "weight_ih", dt);
  check_param(op, w_hh, {G * H, H}, "weight_hh", dt);
  if (b_ih) check_param(op, b_ih, {G * H}, "bias_ih", dt);
  if (b_hh) check_param(op, b_hh, {G * H}, "bias_hh", dt);
  PYNN_CHECK(!b_ih == !b_hh, op, "bias_ih and bias_hh must both be given or both be None");
  int k = 0;
  for (const Tensor& st : {hx, cx}) {
    if (mode != RnnMode::LSTM && k == 1) break;
    if (st) {
      PYNN_CHECK(st->dim() == 2 && st->size(0) == B, op, "Input batch size ", B, " doesn't match hidden", k,
                 " batch size ", st->dim() >= 1 ? st->size(0) : 0);
      PYNN_CHECK(st->size(1) == H, op, "hidden", k, " has inconsistent hidden_size: got ", st->size(1),
                 ", expected ", H);
      PYNN_CHECK(st->dtype() == dt, op, "expected hidden", k, " to have dtype ", dtype_name(dt), ", got ",
                 dtype_name(st->dtype()));
    }
    ++k;
  }
  RnnSpec s;
  s.mode = mode;
  s.input_size = I;
  s.hidden = H;
  s.batch = s.total = B;
  s.batch_sizes = {B};
  s.offsets = {0};
  s.cell = true;
  const Tensor c_in = mode == RnnMode::LSTM ? cx : nullptr;
  std::vector<Tensor> inputs{input, hx, c_in, w_ih, w_hh, b_ih, b_hh, nullptr};  // the layer's edge layout
  std::vector<RnnWeights> w{RnnWeights{contiguous_untracked(w_ih), contiguous_untracked(w_hh),
                                       contiguous_untracked(b_ih), contiguous_untracked(b_hh), nullptr}};
  const Tensor x = contiguous_untracked(input);
  if (B == 0) {
    // Nothing to run; the outputs are empty and carry no history.
    std::vector<Tensor> r{empty(Dims{0, H}, dt, input->device())};
    if (mode == RnnMode::LSTM) r.push_back(empty(Dims{0, H}, dt, input->device()));
    return r;
  }
  Tensor flat = run_layer(s, x, hx, c_in, w, inputs);
  if (mode != RnnMode::LSTM) return {view(flat, {B, H})};
  return {piece(flat, 0, {B, H}), piece(flat, B * H, {B, H})};
}

}  // namespace pynn
