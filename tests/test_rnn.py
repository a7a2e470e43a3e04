"""Recurrent layers (nn.RNN / LSTM / GRU, the three cells) and nn.utils.rnn against torch: outputs, final states and
every gradient over a sampled grid of constructor arguments, packed sequences of mixed lengths (sorted and not),
unbatched inputs, float64 gradcheck of the cells (and gradgradcheck) and of 2-step sequences, dropout between
layers, torch's errors, reprs and state_dict keys, a plain numpy reference of the time loop, and a smoke run of
examples/train_lstm.py."""
import itertools
import os
import random
import subprocess
import sys

import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

from conftest import assert_close
from nn_testing import copy_state, to_pynn
from test_nn_kernels import gradgradcheck

torch = pytest.importorskip("torch")
prnn = pynn.nn.utils.rnn
trnn = torch.nn.utils.rnn

TOL = dict(rtol=2e-4, atol=2e-5)
MODES = ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arr(*shape, seed=0, dtype="float32", scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def make_layers(mode, *args, **kw):
    """The same layer in torch and pynn, pynn loaded with torch's (random) parameters."""
    if mode.startswith("RNN"):
        kw["nonlinearity"] = "tanh" if mode == "RNN_TANH" else "relu"
        name = "RNN"
    else:
        name = mode
    torch.manual_seed(hash((mode, args, tuple(sorted(kw.items())))) % 1000)
    tm = getattr(torch.nn, name)(*args, **kw)
    pm = getattr(pynn.nn, name)(*args, **kw)
    copy_state(pm, tm)
    return pm, tm


def leaf(a):
    return pynn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def flat_outputs(out, state):
    """output tensor (or packed data) and the final states as a list."""
    data = out.data if isinstance(out, (prnn.PackedSequence, trnn.PackedSequence)) else out
    states = list(state) if isinstance(state, tuple) else [state]
    return [data] + states


def compare(pm, tm, p_in, t_in, p_state=None, t_state=None, leaves=(), seed=1):
    """Runs both modules, compares every output, then the grads of a random projection of all of them w.r.t.
    the leaves (pairs) and every parameter."""
    p_res = pm(p_in) if p_state is None else pm(p_in, p_state)
    t_res = tm(t_in) if t_state is None else tm(t_in, t_state)
    p_outs, t_outs = flat_outputs(*p_res), flat_outputs(*t_res)
    assert len(p_outs) == len(t_outs)
    p_loss, t_loss = 0, 0
    for k, (po, to) in enumerate(zip(p_outs, t_outs)):
        assert tuple(po.shape) == tuple(to.shape)
        assert_close(po, to, **TOL)
        proj = arr(*to.shape, seed=seed + k)
        p_loss = p_loss + (po * pynn.tensor(proj)).sum()
        t_loss = t_loss + (to * torch.tensor(proj)).sum()
    p_loss.backward()
    t_loss.backward()
    for p, t in leaves:
        assert_close(p.grad, t.grad, **TOL)
    tp = dict(tm.named_parameters())
    for name, p in pm.named_parameters():
        assert p.grad is not None, name
        assert_close(p.grad, tp[name].grad, **TOL)
    return p_res, t_res


# ---------------------------------------------------------------------------------------------------------
# layers over the grid (sampled)

GRID = list(itertools.product(MODES, [1, 2, 3], [False, True], [False, True], [True, False], [0, 3], [False, True]))
GRID = [g for g in GRID if g[5] == 0 or g[0] == "LSTM"]
SAMPLE = random.Random(12).sample(GRID, 28)


@pytest.mark.parametrize("mode,layers,bidir,batch_first,bias,proj,with_state", SAMPLE)
def test_layer_grid_matches_torch(mode, layers, bidir, batch_first, bias, proj, with_state):
    T, B, I, H = 4, 3, 5, 6
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias)
    if proj:
        kw["proj_size"] = proj
    pm, tm = make_layers(mode, I, H, **kw)
    x = arr(*((B, T, I) if batch_first else (T, B, I)))
    px, tx = leaf(x)
    leaves = [(px, tx)]
    p_state = t_state = None
    if with_state:
        D = 2 if bidir else 1
        h = leaf(arr(layers * D, B, proj or H, seed=3))
        leaves.append(h)
        if mode == "LSTM":
            c = leaf(arr(layers * D, B, H, seed=4))
            leaves.append(c)
            p_state, t_state = (h[0], c[0]), (h[1], c[1])
        else:
            p_state, t_state = h
    compare(pm, tm, px, tx, p_state, t_state, leaves)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(mode, enforce_sorted):
    lengths = [5, 4, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4, 4]
    T, B, I, H = 5, len(lengths), 4, 5
    kw = dict(num_layers=2, bidirectional=True)
    if mode == "LSTM":
        kw["proj_size"] = 3
    pm, tm = make_layers(mode, I, H, **kw)
    x = arr(T, B, I, seed=5)
    px, tx = leaf(x)
    p_packed = prnn.pack_padded_sequence(px, lengths, enforce_sorted=enforce_sorted)
    t_packed = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    assert_close(p_packed.data, t_packed.data)
    assert p_packed.batch_sizes.tolist() == t_packed.batch_sizes.tolist()
    h = leaf(arr(4, B, 3 if mode == "LSTM" else H, seed=6))
    leaves = [(px, tx), h]
    if mode == "LSTM":
        c = leaf(arr(4, B, H, seed=7))
        leaves.append(c)
        p_state, t_state = (h[0], c[0]), (h[1], c[1])
    else:
        p_state, t_state = h
    p_res, t_res = compare(pm, tm, p_packed, t_packed, p_state, t_state, leaves)
    p_pad, p_len = prnn.pad_packed_sequence(p_res[0])
    t_pad, t_len = trnn.pad_packed_sequence(t_res[0])
    assert_close(p_pad, t_pad, **TOL)
    assert p_len.tolist() == t_len.tolist()


@pytest.mark.parametrize("mode", MODES)
def test_unbatched_input_and_default_state(mode):
    pm, tm = make_layers(mode, 3, 4, num_layers=2, batch_first=True)
    px, tx = leaf(arr(6, 3))
    compare(pm, tm, px, tx, leaves=[(px, tx)])
    h = leaf(arr(2, 4, seed=2))
    if mode == "LSTM":
        c = leaf(arr(2, 4, seed=3))
        px, tx = leaf(arr(6, 3))
        compare(pm, tm, px, tx, (h[0], c[0]), (h[1], c[1]), leaves=[(px, tx), h, c])
    else:
        px, tx = leaf(arr(6, 3))
        compare(pm, tm, px, tx, h[0], h[1], leaves=[(px, tx), h])


def test_float64_layers_match_torch():
    pm, tm = make_layers("LSTM", 3, 4, num_layers=2, bidirectional=True, proj_size=2)
    pm.double()
    tm.double()
    x = arr(5, 2, 3, dtype="float64")
    po, (ph, pc) = pm(pynn.tensor(x))
    to, (th, tc) = tm(torch.tensor(x))
    for p, t in ((po, to), (ph, th), (pc, tc)):
        assert p.dtype == pynn.float64
        assert_close(p, t, rtol=1e-10, atol=1e-12)


# Sizes at which float32 takes the packed AVX-512 kernel for the sequence-wide products too (input projection,
# input gradient, weight gradients: 4M multiply-adds and more), with every packing case: transposed weights whose
# k (99, 70) leaves 16 x 16 register-transposed tiles and a scalar remainder, panels whose last one is partial
# (396 = 8 * 48 + 12 columns for 32-wide panels: 12 * 32 + 12), and plain sources (W_hh, W_ih, the inputs).
# The reference is torch in float64 (its own kernels), so the packed path is checked against independent sums.
@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_sequence_wide_packed_products_match_float64(mode):
    T, B, I, H = 12, 40, 70, 99
    pm, tm = make_layers(mode, I, H, num_layers=2)
    tm.double()
    x = arr(T, B, I, seed=21)
    px = pynn.tensor(x, requires_grad=True)
    tx = torch.tensor(x.astype(np.float64), requires_grad=True)
    p_out, _ = pm(px)
    t_out, _ = tm(tx)
    g = arr(T, B, H, seed=22)
    p_out.backward(pynn.tensor(g))
    t_out.backward(torch.tensor(g.astype(np.float64)))
    tol = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p_out.detach().numpy(), t_out.detach().numpy(), **tol)
    np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), **tol)
    tp = dict(tm.named_parameters())
    # Parameter gradients sum T * B = 480 float32 terms of magnitude ~1: up to ~480 * 6e-8 = 3e-5 of rounding
    # where they cancel (a bias_ih_l1 entry of 0.013 was once 1.25e-5 off), so the absolute tolerance is 5e-5.
    for name, p in pm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, rtol=1e-4, atol=5e-5)


# ---------------------------------------------------------------------------------------------------------
# a plain numpy reference of the time loop (what the fused C++ loop must reproduce)

def _sig(v):
    return 1 / (1 + np.exp(-v))


def reference_layer(mode, x, batch_sizes, params, H, proj, h0, c0, reverse):
    """One direction of one layer over packed rows, step by step, in float64 numpy."""
    w_ih, w_hh, b_ih, b_hh, w_hr = params
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    h, c = h0.copy(), c0.copy()
    out = np.zeros((x.shape[0], h0.shape[1]))
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    for t in order:
        n, o = batch_sizes[t], offsets[t]
        gi = x[o:o + n] @ w_ih.T + b_ih
        gh = h[:n] @ w_hh.T + b_hh
        if mode == "LSTM":
            i, f, g, og = np.split(gi + gh, 4, axis=1)
            c[:n] = _sig(f) * c[:n] + _sig(i) * np.tanh(g)
            hn = _sig(og) * np.tanh(c[:n])
            h[:n] = hn @ w_hr.T if proj else hn
        elif mode == "GRU":
            ir, iz, inn = np.split(gi, 3, axis=1)
            hr, hz, hn_ = np.split(gh, 3, axis=1)
            r, z = _sig(ir + hr), _sig(iz + hz)
            nn_ = np.tanh(inn + r * hn_)
            h[:n] = (1 - z) * nn_ + z * h[:n]
        else:
            pre = gi + gh
            h[:n] = np.tanh(pre) if mode == "RNN_TANH" else np.maximum(pre, 0)
        out[o:o + n] = h[:n]
    return out, h, c


# float64 runs the step products through gemm_kernel; float32 through the packed step kernel where the CPU has
# one (AVX-512), here with row blocks and column panels that do not divide the sizes (11 rows, 40 / 30 columns).
REF_CASES = [("float64", 6, 5, [6, 5, 3, 3, 1]), ("float32", 10, 11, [7, 7, 6, 4, 4, 3, 3, 2, 2, 1, 1])]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype,H,B,lengths", REF_CASES)
def test_fused_loop_matches_numpy_reference(mode, dtype, H, B, lengths):
    I = 4
    proj = 3 if mode == "LSTM" else 0
    kw = dict(bidirectional=True)
    if proj:
        kw["proj_size"] = proj
    pm, _ = make_layers(mode, I, H, **kw)
    x = arr(lengths[0], B, I, seed=9, dtype=dtype)
    if dtype == "float64":
        pm.double()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    packed = prnn.pack_padded_sequence(pynn.tensor(x), lengths)
    bs = np.array(packed.batch_sizes.tolist())
    Hout = proj or H
    h0 = arr(2, B, Hout, seed=10, dtype=dtype)
    c0 = arr(2, B, H, seed=11, dtype=dtype)
    state = (pynn.tensor(h0), pynn.tensor(c0)) if mode == "LSTM" else pynn.tensor(h0)
    out, hn = pm(packed, state)
    data = packed.data.detach().numpy().astype(np.float64)
    for d, sfx in enumerate(["", "_reverse"]):
        names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
        params = [getattr(pm, n + sfx).detach().numpy().astype(np.float64) if hasattr(pm, n + sfx) else None
                  for n in names]
        ro, rh, rc = reference_layer(mode, data, bs, params, H, proj, h0[d].astype(np.float64),
                                     c0[d].astype(np.float64), reverse=d == 1)
        np.testing.assert_allclose(out.data.detach().numpy()[:, d * Hout:(d + 1) * Hout], ro, **tol)
        h_n = hn[0] if mode == "LSTM" else hn
        np.testing.assert_allclose(h_n.detach().numpy()[d], rh, **tol)
        if mode == "LSTM":
            np.testing.assert_allclose(hn[1].detach().numpy()[d], rc, **tol)


# ---------------------------------------------------------------------------------------------------------
# cells

CELLS = [("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"})]


def make_cells(name, *args, **kw):
    torch.manual_seed(3)
    tm = getattr(torch.nn, name)(*args, **kw)
    pm = getattr(pynn.nn, name)(*args, **kw)
    copy_state(pm, tm)
    return pm, tm


@pytest.mark.parametrize("name,kw", CELLS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(name, kw, bias, batched):
    pm, tm = make_cells(name, 4, 5, bias=bias, **kw)
    shape = (3, 4) if batched else (4,)
    sshape = (3, 5) if batched else (5,)
    px, tx = leaf(arr(*shape))
    h = leaf(arr(*sshape, seed=1))
    leaves = [(px, tx), h]
    if name == "LSTMCell":
        c = leaf(arr(*sshape, seed=2))
        leaves.append(c)
        p_out, t_out = pm(px, (h[0], c[0])), tm(tx, (h[1], c[1]))
    else:
        p_out, t_out = [pm(px, h[0])], [tm(tx, h[1])]
    p_loss, t_loss = 0, 0
    for k, (po, to) in enumerate(zip(p_out, t_out)):
        assert_close(po, to, **TOL)
        proj = arr(*to.shape, seed=5 + k)
        p_loss = p_loss + (po * pynn.tensor(proj)).sum()
        t_loss = t_loss + (to * torch.tensor(proj)).sum()
    p_loss.backward()
    t_loss.backward()
    for p, t in leaves:
        assert_close(p.grad, t.grad, **TOL)
    tp = dict(tm.named_parameters())
    for n, p in pm.named_parameters():
        assert_close(p.grad, tp[n].grad, **TOL)


@pytest.mark.parametrize("name,kw", CELLS)
def test_cell_without_state_and_unrolled_loop(name, kw):
    pm, tm = make_cells(name, 3, 4, **kw)
    xs = arr(4, 2, 3)
    ph, th = None, None
    for t in range(4):
        ph = pm(pynn.tensor(xs[t]), ph)
        th = tm(torch.tensor(xs[t]), th)
    for p, t in zip(ph if isinstance(ph, tuple) else [ph], th if isinstance(th, tuple) else [th]):
        assert_close(p, t, **TOL)


CELL_MODES = [("LSTM", 4), ("GRU", 3), ("RNN_TANH", 1), ("RNN_RELU", 1)]


def _cell_inputs(mode, gates, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    B, I, H = 2, 3, 3

    def t(*s):
        return pynn.tensor(rng.standard_normal(s) * 0.7, dtype=pynn.float64, requires_grad=True)

    ins = [t(B, I), t(B, H), t(B, H) if mode == "LSTM" else None, t(gates * H, I), t(gates * H, H)]
    ins += [t(gates * H), t(gates * H)] if bias else [None, None]
    return ins


def _joined(outs):
    """Several outputs as one tensor (gradcheck takes one)."""
    return pynn.cat([o.reshape(-1) for o in outs if o is not None])


def _cell_fn(mode):
    def f(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
        return _joined(pynn._C._rnn_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh))
    return f


@pytest.mark.parametrize("mode,gates", CELL_MODES)
@pytest.mark.parametrize("bias", [True, False])
def test_cell_gradcheck_and_gradgradcheck(mode, gates, bias):
    ins = _cell_inputs(mode, gates, bias)
    f = _cell_fn(mode)
    used = [i for i in range(7) if ins[i] is not None]

    def g(*args):
        full = [None] * 7
        for i, a in zip(used, args):
            full[i] = a
        return f(*full)

    args = [ins[i] for i in used]
    if mode == "RNN_RELU":  # keep pre-activations away from relu's kink
        args[0] = pynn.tensor(np.abs(args[0].detach().numpy()) + 0.5, requires_grad=True)
    assert gradcheck(g, args)
    assert gradgradcheck(g, args)


LAYER_CHECKS = [("LSTM", dict(bidirectional=True, proj_size=2)), ("LSTM", dict(num_layers=2)),
                ("GRU", dict(bidirectional=True)), ("GRU", dict(num_layers=2, bias=False)),
                ("RNN_TANH", dict(bidirectional=True, num_layers=2)), ("RNN_RELU", dict())]


@pytest.mark.parametrize("mode,kw", LAYER_CHECKS)
@pytest.mark.parametrize("packed", [False, True])
def test_two_step_sequence_gradcheck(mode, kw, packed):
    name = "RNN" if mode.startswith("RNN") else mode
    extra = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
    pynn.manual_seed(0)
    m = getattr(pynn.nn, name)(3, 3, **kw, **extra).double()
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    Hout = kw.get("proj_size", 0) or 3
    x = pynn.tensor(arr(2, 2, 3, seed=1, dtype="float64"), requires_grad=True)
    h0 = pynn.tensor(arr(L * D, 2, Hout, seed=2, dtype="float64") * 0.5, requires_grad=True)
    c0 = pynn.tensor(arr(L * D, 2, 3, seed=3, dtype="float64") * 0.5, requires_grad=True)
    params = list(m.parameters())
    names = [n for n, _ in m.named_parameters()]

    def f(x, h0, c0, *ps):
        weights = dict(zip(names, ps))
        out, h_n, c_n = pynn._C._rnn(m.mode, x if not packed else x.reshape([4, 3])[:3], [2, 1] if packed else [],
                                     h0, c0 if mode == "LSTM" else None, [weights[n] for n in m._flat_weights_names],
                                     m.num_layers, m.bias, m.bidirectional, False, 0.0, False, m.proj_size)
        return _joined([out, h_n, c_n])

    if mode == "RNN_RELU":
        x = pynn.tensor(np.abs(x.detach().numpy()) + 0.3, requires_grad=True)
    assert gradcheck(f, [x, h0, c0] + params)


def test_layer_double_backward_is_a_clear_error():
    m = pynn.nn.LSTM(2, 3).double()
    x = pynn.tensor(arr(2, 1, 2, dtype="float64"), requires_grad=True)
    out, _ = m(x)
    (g,) = pynn.autograd.grad(out.sum(), [x], create_graph=False)
    assert g.shape == x.shape
    # create_graph=True still gives the first-order gradient; differentiating it again raises.
    out, _ = m(x)
    (g2,) = pynn.autograd.grad((out * out).sum(), [x], create_graph=True)
    out, _ = m(x)
    (g1,) = pynn.autograd.grad((out * out).sum(), [x])
    assert_close(g2, g1)
    assert g2.requires_grad
    with pytest.raises(RuntimeError, match="double backward through a whole RNN / LSTM / GRU layer is not"):
        g2.sum().backward()


# ---------------------------------------------------------------------------------------------------------
# dropout between layers, training

@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_dropout_is_deterministic_under_manual_seed_and_off_in_eval(mode):
    m = getattr(pynn.nn, mode)(4, 8, num_layers=3, dropout=0.5)
    x = pynn.tensor(arr(5, 3, 4))
    runs = []
    for _ in range(2):
        pynn.manual_seed(7)
        runs.append(m(x)[0].detach().numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    pynn.manual_seed(8)
    assert not np.array_equal(runs[0], m(x)[0].detach().numpy())
    m.eval()
    tm = getattr(torch.nn, mode)(4, 8, num_layers=3, dropout=0.5).eval()
    copy_state(m, tm)
    assert_close(m(x)[0], tm(torch.tensor(x.numpy()))[0], **TOL)


def test_lstm_with_dropout_trains():
    pynn.manual_seed(0)
    m = pynn.nn.LSTM(3, 16, num_layers=2, dropout=0.2, batch_first=True)
    head = pynn.nn.Linear(16, 1)
    opt = pynn.optim.Adam(list(m.parameters()) + list(head.parameters()), lr=0.02)
    x = pynn.tensor(arr(16, 6, 3, seed=4))
    y = x.sum(dim=1)[:, :1]  # regress the sum of the first feature... of all features over time
    losses = []
    for _ in range(60):
        opt.zero_grad()
        out, _ = m(x)
        loss = ((head(out[:, -1]) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_optimizer_steps_match_torch():
    pm, tm = make_layers("GRU", 3, 4, num_layers=2, bidirectional=True)
    popt = pynn.optim.SGD(pm.parameters(), lr=0.1)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    x = arr(4, 2, 3)
    for step in range(3):
        for opt, mod, lib in ((popt, pm, pynn), (topt, tm, torch)):
            opt.zero_grad()
            out, h = mod(lib.tensor(x))
            ((out ** 2).sum() + h.sum()).backward()
            opt.step()
    tp = dict(tm.named_parameters())
    for n, p in pm.named_parameters():
        assert_close(p, tp[n], **TOL)


# ---------------------------------------------------------------------------------------------------------
# construction, reprs, state_dict, tutorials

def test_tutorial_shapes():
    rnn = pynn.nn.LSTM(10, 20, 2)
    x = pynn.randn(5, 3, 10)
    h0, c0 = pynn.randn(2, 3, 20), pynn.randn(2, 3, 20)
    out, (hn, cn) = rnn(x, (h0, c0))
    assert tuple(out.shape) == (5, 3, 20) and tuple(hn.shape) == (2, 3, 20) and tuple(cn.shape) == (2, 3, 20)
    out, _ = pynn.nn.LSTM(10, 20, 2)(pynn.randn(5, 32, 10))
    assert tuple(out.shape) == (5, 32, 20)
    out, hn = pynn.nn.GRU(10, 20, 2)(pynn.randn(5, 3, 10), pynn.randn(2, 3, 20))
    assert tuple(out.shape) == (5, 3, 20) and tuple(hn.shape) == (2, 3, 20)
    out, hn = pynn.nn.RNN(10, 20, 2)(pynn.randn(5, 3, 10), pynn.randn(2, 3, 20))
    assert tuple(out.shape) == (5, 3, 20)
    m = pynn.nn.LSTM(input_size=100, hidden_size=256, num_layers=2)
    out, (hn, cn) = m(pynn.randn(7, 2, 100))
    assert tuple(out.shape) == (7, 2, 256) and tuple(cn.shape) == (2, 2, 256)
    m.flatten_parameters()
    out, _ = pynn.nn.LSTM(10, 20, bidirectional=True, batch_first=True)(pynn.randn(3, 5, 10))
    assert tuple(out.shape) == (3, 5, 40)


REPRS = [("LSTM", (10, 20, 2), {}), ("GRU", (3, 4), dict(bidirectional=True, batch_first=True, bias=False)),
         ("RNN", (3, 4), dict(nonlinearity="relu", num_layers=3)), ("LSTM", (3, 4), dict(proj_size=2, dropout=0.3,
                                                                                      num_layers=2)),
         ("RNNCell", (3, 4), dict(nonlinearity="relu")), ("LSTMCell", (3, 4), dict(bias=False)),
         ("GRUCell", (3, 4), {})]


@pytest.mark.parametrize("name,args,kw", REPRS)
def test_repr_state_dict_and_init(name, args, kw):
    tm = getattr(torch.nn, name)(*args, **kw)
    pm = getattr(pynn.nn, name)(*args, **kw)
    assert repr(pm) == repr(tm)
    ts, ps = tm.state_dict(), pm.state_dict()
    assert list(ps) == list(ts)
    for k in ts:
        assert tuple(ps[k].shape) == tuple(ts[k].shape)
        bound = 1 / np.sqrt(pm.hidden_size)
        v = ps[k].numpy()
        assert np.all(np.abs(v) <= bound) and v.std() > 0.2 * bound
    copy_state(pm, tm)
    if hasattr(tm, "all_weights"):
        assert [[tuple(w.shape) for w in ws] for ws in pm.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in tm.all_weights]


CTOR_ERRORS = [
    ("LSTM", (3, 4), dict(dropout=1.5), ValueError, "dropout should be a number in range"),
    ("LSTM", (3, 0), {}, ValueError, "hidden_size must be greater than zero"),
    ("LSTM", (0, 4), {}, ValueError, "input_size must be greater than zero"),
    ("GRU", (3, 4), dict(num_layers=0), ValueError, "num_layers must be greater than zero"),
    ("LSTM", (3, 4), dict(proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
    ("LSTM", (3, 4), dict(proj_size=-1), ValueError, "proj_size should be a positive integer"),
    ("GRU", (3, 4), dict(proj_size=2), ValueError, "proj_size argument is only supported for LSTM"),
    ("RNN", (3, 4), dict(nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
    ("LSTM", (3, 4), dict(bias=1), TypeError, "bias should be of type bool"),
    ("LSTM", (3.0, 4), {}, TypeError, "input_size should be of type int"),
]


@pytest.mark.parametrize("name,args,kw,exc,msg", CTOR_ERRORS)
def test_constructor_errors(name, args, kw, exc, msg):
    with pytest.raises(exc, match=msg):
        getattr(torch.nn, name)(*args, **kw)
    with pytest.raises(exc, match=msg):
        getattr(pynn.nn, name)(*args, **kw)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        pynn.nn.GRU(3, 4, dropout=0.5)


def _both_raise(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn(torch)
    with pytest.raises(exc, match=msg):
        fn(pynn)


FORWARD_ERRORS = [
    (lambda lib: lib.nn.LSTM(4, 5)(lib.zeros(2, 3, 4, 1)), ValueError, "LSTM: Expected input to be 2D or 3D, got 4D"),
    (lambda lib: lib.nn.RNN(4, 5)(lib.zeros(2)), ValueError, "RNN: Expected input to be 2D or 3D, got 1D tensor"),
    (lambda lib: lib.nn.LSTM(4, 5)(lib.zeros(2, 3, 3)), RuntimeError,
     r"input.size\(-1\) must be equal to input_size. Expected 4, got 3"),
    (lambda lib: lib.nn.GRU(4, 5, 2)(lib.zeros(2, 3, 4), lib.zeros(2, 3, 6)), RuntimeError,
     r"Expected hidden size \(2, 3, 5\), got \[2, 3, 6\]"),
    (lambda lib: lib.nn.GRU(4, 5)(lib.zeros(2, 3, 4), lib.zeros(1, 2, 5)), RuntimeError,
     r"Expected hidden size \(1, 3, 5\), got \[1, 2, 5\]"),
    (lambda lib: lib.nn.LSTM(4, 5)(lib.zeros(2, 3, 4), (lib.zeros(1, 3, 5), lib.zeros(1, 2, 5))), RuntimeError,
     r"Expected hidden\[1\] size \(1, 3, 5\), got \[1, 2, 5\]"),
    (lambda lib: lib.nn.LSTM(4, 5, proj_size=2)(lib.zeros(2, 3, 4), (lib.zeros(1, 3, 5), lib.zeros(1, 3, 5))),
     RuntimeError, r"Expected hidden\[0\] size \(1, 3, 2\), got \[1, 3, 5\]"),
    (lambda lib: lib.nn.GRU(4, 5)(lib.zeros(2, 3, 4), lib.zeros(3, 5)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    (lambda lib: lib.nn.LSTM(4, 5)(lib.zeros(2, 4), (lib.zeros(1, 1, 5), lib.zeros(1, 1, 5))), RuntimeError,
     r"For unbatched 2-D input, hx and cx should also be 2-D but got \(3-D, 3-D\) tensors"),
    (lambda lib: lib.nn.LSTM(4, 5)(lib.zeros(2, 3, 4, dtype=lib.float64)), ValueError,
     r"RNN input dtype \(.*float64\) does not match weight dtype \(.*float32\)"),
    (lambda lib: lib.nn.LSTMCell(4, 5)(lib.zeros(3, 3)), RuntimeError,
     "input has inconsistent input_size: got 3 expected 4"),
    (lambda lib: lib.nn.LSTMCell(4, 5)(lib.zeros(3, 4), (lib.zeros(2, 5), lib.zeros(3, 5))), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 2"),
    (lambda lib: lib.nn.GRUCell(4, 5)(lib.zeros(3, 4), lib.zeros(3, 6)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 6, expected 5"),
    (lambda lib: lib.nn.LSTMCell(4, 5)(lib.zeros(3, 4), (lib.zeros(3, 5), lib.zeros(3, 6))), RuntimeError,
     "hidden1 has inconsistent hidden_size: got 6, expected 5"),
    (lambda lib: lib.nn.GRUCell(4, 5)(lib.zeros(2, 3, 4)), ValueError, "GRUCell: Expected input to be 1D or 2D, got 3D"),
    (lambda lib: lib.nn.RNNCell(4, 5)(lib.zeros(3, 4), lib.zeros(1, 3, 5)), ValueError,
     "RNNCell: Expected hidden to be 1D or 2D, got 3D"),
    (lambda lib: lib.nn.LSTMCell(4, 5)(lib.zeros(3, 4), (lib.zeros(1, 3, 5), lib.zeros(3, 5))), ValueError,
     r"LSTMCell: Expected hx\[0\] to be 1D or 2D, got 3D"),
]


@pytest.mark.parametrize("k", range(len(FORWARD_ERRORS)))
def test_forward_errors_with_torch_wording(k):
    fn, exc, msg = FORWARD_ERRORS[k]
    _both_raise(fn, exc, msg)


def test_packed_input_errors():
    x = np.zeros((5, 3, 2), dtype=np.float32)
    for lib, mod in ((torch, trnn), (pynn, prnn)):
        with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
            mod.pack_padded_sequence(lib.tensor(x), [3, 4, 2])
        with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
            mod.pack_padded_sequence(lib.tensor(x), [5, 3, 0])
        with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 2"):
            mod.pack_padded_sequence(lib.tensor(x), [5, 3])
        with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest"):
            mod.pad_packed_sequence(mod.pack_padded_sequence(lib.tensor(x), [5, 3, 2]), total_length=4)
        with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right"):
            mod.pad_sequence([lib.zeros(2, 3)], padding_side="up")
    # torch reads past the padded batch here; pynn refuses.
    with pytest.raises(RuntimeError, match="at most the padded sequence length 5, but found a length of 6"):
        prnn.pack_padded_sequence(pynn.tensor(x), [6, 3, 2])
    # a packed input must be 2-D (rows x features)
    with pytest.raises(RuntimeError, match="input must have 2 dimensions, got 3"):
        p = prnn.pack_padded_sequence(pynn.tensor(x), [5, 3, 2])
        pynn.nn.GRU(2, 3)(prnn.PackedSequence(p.data.unsqueeze(0), p.batch_sizes))


# ---------------------------------------------------------------------------------------------------------
# nn.utils.rnn

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    seqs = [arr(n, 2, 3, seed=n) for n in (3, 5, 1)]
    p = prnn.pad_sequence([pynn.tensor(s) for s in seqs], batch_first=batch_first, padding_value=-1.5,
                          padding_side=padding_side)
    t = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=batch_first, padding_value=-1.5,
                          padding_side=padding_side)
    assert_close(p, t)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_pad_round_trip_and_gradients(batch_first, enforce_sorted):
    lengths = [4, 3, 3, 1] if enforce_sorted else [3, 1, 4, 3]
    x = arr(*((4, 4, 2) if batch_first else (4, 4, 2)), seed=3)
    px, tx = leaf(x)
    pp = prnn.pack_padded_sequence(px, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = trnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    assert_close(pp.data, tp.data)
    for a, b in ((pp.sorted_indices, tp.sorted_indices), (pp.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()
    p_pad, p_len = prnn.pad_packed_sequence(pp, batch_first=batch_first, padding_value=0.5, total_length=6)
    t_pad, t_len = trnn.pad_packed_sequence(tp, batch_first=batch_first, padding_value=0.5, total_length=6)
    assert_close(p_pad, t_pad)
    assert p_len.tolist() == t_len.tolist() and p_len.dtype == pynn.int64
    proj = arr(*t_pad.shape, seed=9)
    (p_pad * pynn.tensor(proj)).sum().backward()
    (t_pad * torch.tensor(proj)).sum().backward()
    assert_close(px.grad, tx.grad)


def test_pack_sequence_and_unpack_match_torch():
    seqs = [arr(n, 3, seed=n) for n in (2, 4, 3)]
    for enforce_sorted in (False,):
        pp = prnn.pack_sequence([pynn.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
        tp = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
        assert_close(pp.data, tp.data)
        assert pp.batch_sizes.tolist() == tp.batch_sizes.tolist()
        for p, t in zip(prnn.unpack_sequence(pp), trnn.unpack_sequence(tp)):
            assert_close(p, t)
    sorted_seqs = sorted(seqs, key=len, reverse=True)
    pp = prnn.pack_sequence([pynn.tensor(s) for s in sorted_seqs])
    assert pp.sorted_indices is None and pp.batch_sizes.tolist() == [3, 3, 2, 1]
    assert isinstance(pp, tuple) and pp._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")


# ---------------------------------------------------------------------------------------------------------
# each CPU capability's build of the step kernels; the example

_CAP_SCRIPT = r"""
import sys, numpy as np, pynn
sys.path.insert(0, {tests!r})
for mode in ("LSTM", "GRU", "RNN"):
    pynn.manual_seed(0)
    m = getattr(pynn.nn, mode)(5, 7, num_layers=2, bidirectional=True)
    x = pynn.tensor(np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32), requires_grad=True)
    out, _ = m(x)
    (out * out).sum().backward()
    np.save({out!r} + mode + "_out.npy", out.detach().numpy())
    np.save({out!r} + mode + "_grad.npy", x.grad.numpy())
"""


def test_every_cpu_capability_agrees(tmp_path):
    caps = ["default", "avx2", "avx512"]
    supported = pynn._C._cpu_capability()
    caps = caps[:caps.index(supported) + 1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(pynn.__file__))] +
                                                      os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    results = {}
    for cap in caps:
        out = str(tmp_path / cap)
        code = _CAP_SCRIPT.format(tests=os.path.dirname(__file__), out=out)
        subprocess.run([sys.executable, "-c", code], check=True, env=dict(env, PYNN_CPU_CAPABILITY=cap))
        results[cap] = {k: np.load(out + k + ".npy") for k in
                        [m + s for m in ("LSTM", "GRU", "RNN") for s in ("_out", "_grad")]}
    for cap in caps[1:]:
        for k, v in results[cap].items():
            np.testing.assert_allclose(v, results["default"][k], rtol=1e-5, atol=1e-6)


def test_train_lstm_example_smoke():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import train_lstm
    finally:
        sys.path.pop(0)
    first, last = train_lstm.main(epochs=2, quiet=True, n_train=512)
    assert last < first
