"""nn.MultiheadAttention, F.multi_head_attention_forward and the Transformer layers against torch, with the
state_dict copied from torch: outputs, attention weights, input and parameter gradients, masks of every kind
MultiheadAttention accepts, train (dropout 0) and eval mode, a few optimizer steps, state_dict keys and reprs,
torch's errors; and a smoke run of examples/train_gpt.py."""
import importlib.util
import os

import numpy as np
import pytest

import pynn

from conftest import assert_close
from nn_testing import copy_state

torch = pytest.importorskip("torch")

TOL = dict(rtol=2e-4, atol=2e-5)


def arr(*shape, seed=0, dtype="float32"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def pair(x, requires_grad=True):
    rg = requires_grad and x.dtype != bool
    return pynn.tensor(x, requires_grad=rg), torch.tensor(x, requires_grad=rg)


def randomize(tm, seed=1):
    """Non-zero biases (MultiheadAttention starts them at 0) so that their gradients are exercised."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.1)


def compare(pm, tm, inputs, kwargs=None, first_only=True, tol=TOL):
    """Forward with the same inputs / keyword tensors on both, backward of a random projection, compare all."""
    kwargs = kwargs or {}
    pins, tins = zip(*[pair(x) for x in inputs])
    pkw, tkw = {}, {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            pkw[k], tkw[k] = pair(v, requires_grad=False)
        else:
            pkw[k] = tkw[k] = v
    po, to = pm(*pins, **pkw), tm(*tins, **tkw)
    if isinstance(to, tuple):
        assert (po[1] is None) == (to[1] is None)
        if to[1] is not None:
            assert_close(po[1], to[1].detach(), **tol)
        po, to = po[0], to[0]
    assert_close(po, to.detach(), **tol)
    proj = arr(*tuple(to.shape), seed=11)
    (po * pynn.tensor(proj)).sum().backward()
    (to * torch.tensor(proj)).sum().backward()
    for a, b in zip(pins, tins):
        if b.grad is not None:
            assert_close(a.grad, b.grad, **tol)
    tp = dict(tm.named_parameters())
    for name, p in pm.named_parameters():
        assert (p.grad is None) == (tp[name].grad is None), name
        if p.grad is not None:
            assert_close(p.grad, tp[name].grad, **tol)


def mha_pair(*args, **kw):
    tm = torch.nn.MultiheadAttention(*args, **kw)
    randomize(tm)
    pm = pynn.nn.MultiheadAttention(*args, **kw)
    copy_state(pm, tm)
    return pm, tm


# ---------------------------------------------------------------------------------------- MultiheadAttention
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(batch_first, need_weights, average):
    pm, tm = mha_pair(16, 4, batch_first=batch_first)
    x = arr(3, 5, 16) if batch_first else arr(5, 3, 16)
    # the same tensor as query, key and value (the packed projection path)
    px, tx = pair(x)
    po, tw = pm(px, px, px, need_weights=need_weights, average_attn_weights=average)
    to, tww = tm(tx, tx, tx, need_weights=need_weights, average_attn_weights=average)
    assert_close(po, to.detach(), **TOL)
    if need_weights:
        assert_close(tw, tww.detach(), **TOL)
    else:
        assert tw is None and tww is None
    (po * po).sum().backward()
    (to * to).sum().backward()
    assert_close(px.grad, tx.grad, **TOL)
    tp = dict(tm.named_parameters())
    for name, p in pm.named_parameters():
        assert_close(p.grad, tp[name].grad, **TOL)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_kind", ["none", "bool2d", "float2d", "float3d", "kpm_bool", "kpm_float", "both"])
def test_mha_masks(need_weights, mask_kind):
    L, S, N, E, H = 5, 7, 3, 16, 4
    pm, tm = mha_pair(E, H)
    rng = np.random.default_rng(2)
    kw = {"need_weights": need_weights}
    if mask_kind in ("bool2d", "both"):
        m = rng.random((L, S)) > 0.7
        m[:, 0] = False  # every row keeps a key (torch's weights path gives nan otherwise)
        kw["attn_mask"] = m
    if mask_kind == "float2d":
        kw["attn_mask"] = arr(L, S, seed=3)
    if mask_kind == "float3d":
        kw["attn_mask"] = arr(N * H, L, S, seed=3)
    if mask_kind in ("kpm_bool", "both"):
        kpm = np.zeros((N, S), dtype=bool)
        kpm[:, -2:] = True
        kw["key_padding_mask"] = kpm
    if mask_kind == "kpm_float":
        kw["key_padding_mask"] = arr(N, S, seed=4)
    compare(pm, tm, [arr(L, N, E), arr(S, N, E, seed=1), arr(S, N, E, seed=2)], kw)


@pytest.mark.parametrize("kw", [
    dict(kdim=8, vdim=6),
    dict(add_bias_kv=True),
    dict(add_zero_attn=True),
    dict(add_bias_kv=True, add_zero_attn=True, kdim=8, vdim=6),
    dict(bias=False),
])
def test_mha_options(kw):
    pm, tm = mha_pair(16, 2, **kw)
    kdim, vdim = kw.get("kdim", 16), kw.get("vdim", 16)
    mask = np.zeros((4, 6), dtype=bool)
    mask[0, 1] = True
    for need_weights in (True, False):
        compare(pm, tm, [arr(4, 2, 16), arr(6, 2, kdim, seed=1), arr(6, 2, vdim, seed=2)],
                {"need_weights": need_weights, "attn_mask": mask})
        pm.zero_grad()
        tm.zero_grad()


def test_mha_unbatched_and_causal_hint():
    pm, tm = mha_pair(8, 2)
    mask = np.triu(np.full((5, 5), -np.inf, dtype=np.float32), 1)
    compare(pm, tm, [arr(5, 8), arr(5, 8, seed=1), arr(5, 8, seed=2)], {"attn_mask": mask})
    compare(pm, tm, [arr(5, 2, 8), arr(5, 2, 8, seed=1), arr(5, 2, 8, seed=2)],
            {"attn_mask": mask, "is_causal": True, "need_weights": False})


def test_mha_eval_matches_torch():
    pm, tm = mha_pair(16, 4, dropout=0.5, batch_first=True)
    pm.eval()
    tm.eval()
    compare(pm, tm, [arr(2, 6, 16), arr(2, 7, 16, seed=1), arr(2, 7, 16, seed=2)], {"need_weights": False})


def test_mha_dropout_train_mode():
    pm = pynn.nn.MultiheadAttention(16, 4, dropout=0.5)
    x = pynn.tensor(arr(6, 2, 16), requires_grad=True)
    a, _ = pm(x, x, x, need_weights=False)
    b, _ = pm(x, x, x, need_weights=False)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    a.sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and np.abs(x.grad.numpy()).sum() > 0


def test_mha_state_dict_and_repr():
    for kw in (dict(), dict(kdim=8, vdim=4, add_bias_kv=True), dict(bias=False)):
        tm, pm = torch.nn.MultiheadAttention(16, 4, **kw), pynn.nn.MultiheadAttention(16, 4, **kw)
        assert list(pm.state_dict()) == list(tm.state_dict())
        assert [tuple(v.shape) for v in pm.state_dict().values()] == [tuple(v.shape) for v in tm.state_dict().values()]
        assert repr(pm) == repr(tm)
    pm = pynn.nn.MultiheadAttention(16, 4)
    assert np.all(pm.in_proj_bias.detach().numpy() == 0)
    w = pm.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (16 + 48))  # xavier_uniform_ over the packed (48, 16) weight
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_functional_multi_head_attention_forward():
    tm = torch.nn.MultiheadAttention(8, 2)
    randomize(tm)
    q, k = arr(4, 3, 8), arr(6, 3, 8, seed=1)
    args = lambda lib, m: (m.embed_dim, m.num_heads, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0,
                           m.out_proj.weight, m.out_proj.bias)
    pm = copy_state(pynn.nn.MultiheadAttention(8, 2), tm)
    po, pw = pynn.nn.functional.multi_head_attention_forward(pynn.tensor(q), pynn.tensor(k), pynn.tensor(k),
                                                             *args(pynn, pm))
    to, tw = torch.nn.functional.multi_head_attention_forward(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                                                              *args(torch, tm))
    assert_close(po, to.detach(), **TOL)
    assert_close(pw, tw.detach(), **TOL)


def test_mha_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        pynn.nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        pynn.nn.MultiheadAttention(0, 2)
    m = pynn.nn.MultiheadAttention(8, 2)
    x = pynn.tensor(arr(5, 2, 8))
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 6"):
        y = pynn.tensor(arr(5, 2, 6))
        m(y, y, y)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .*, but should be \(5, 5\)"):
        m(x, x, x, attn_mask=pynn.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"The shape of the 3D attn_mask is"):
        m(x, x, x, attn_mask=pynn.zeros(3, 5, 5))
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask are supported"):
        m(x, x, x, key_padding_mask=pynn.zeros(2, 5, dtype=pynn.int64))
    with pytest.raises(AssertionError, match="expecting key_padding_mask shape of"):
        m(x, x, x, key_padding_mask=pynn.zeros(2, 4, dtype=pynn.bool))
    with pytest.raises(AssertionError, match="For batched \\(3-D\\) `query`, expected `key` and `value` to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="key shape .* does not match value shape"):
        m(x, x, x[:4])
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)


# -------------------------------------------------------------------------------------- Transformer layers
def layer_pair(cls_name, *args, **kw):
    tm = getattr(torch.nn, cls_name)(*args, **kw)
    randomize(tm)
    pkw = dict(kw)
    if "activation" in kw and not isinstance(kw["activation"], str):
        pkw["activation"] = {torch.nn.functional.gelu: pynn.nn.functional.gelu}.get(kw["activation"], None) \
            or pynn.nn.GELU()
    pm = getattr(pynn.nn, cls_name)(*args, **pkw)
    copy_state(pm, tm)
    return pm, tm


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable", "module"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(norm_first, activation, batch_first):
    act = {"relu": "relu", "gelu": "gelu", "callable": torch.nn.functional.gelu, "module": torch.nn.GELU()}[activation]
    pm, tm = layer_pair("TransformerEncoderLayer", 16, 4, 32, dropout=0.0, activation=act, batch_first=batch_first,
                        norm_first=norm_first)
    x = arr(2, 6, 16) if batch_first else arr(6, 2, 16)
    mask = np.zeros((2, 6), dtype=bool)
    mask[1, -2:] = True
    compare(pm, tm, [x], {"src_key_padding_mask": mask})


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    pm, tm = layer_pair("TransformerDecoderLayer", 16, 2, 24, dropout=0.0, norm_first=norm_first)
    causal = np.triu(np.full((5, 5), -np.inf, dtype=np.float32), 1)
    kpm = np.zeros((3, 7), dtype=bool)
    kpm[0, -1] = True
    compare(pm, tm, [arr(5, 3, 16), arr(7, 3, 16, seed=1)],
            {"tgt_mask": causal, "memory_key_padding_mask": kpm, "tgt_is_causal": True})


def test_encoder_stack_causal_detection_and_eval():
    tl = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True)
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(16), enable_nested_tensor=False)
    randomize(tm)
    pl = pynn.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True)
    pm = pynn.nn.TransformerEncoder(pl, 2, norm=pynn.nn.LayerNorm(16), enable_nested_tensor=False)
    copy_state(pm, tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    pm.eval()
    tm.eval()
    mask = torch.nn.Transformer.generate_square_subsequent_mask(7).numpy()
    compare(pm, tm, [arr(2, 7, 16)], {"mask": mask})
    compare(pm, tm, [arr(2, 7, 16)], {"mask": mask, "is_causal": True})


def test_transformer_full_model_train_and_steps():
    kw = dict(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=32, dropout=0.0)
    tm = torch.nn.Transformer(**kw)
    pm = pynn.nn.Transformer(**kw)
    copy_state(pm, tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    src, tgt = arr(6, 2, 16), arr(5, 2, 16, seed=1)
    tgt_mask = pynn.nn.Transformer.generate_square_subsequent_mask(5).numpy()
    assert np.array_equal(tgt_mask, torch.nn.Transformer.generate_square_subsequent_mask(5).numpy())
    compare(pm, tm, [src, tgt], {"tgt_mask": tgt_mask})
    # three SGD steps stay together
    po, to = pynn.optim.SGD(pm.parameters(), lr=0.05), torch.optim.SGD(tm.parameters(), lr=0.05)
    for _ in range(3):
        po.zero_grad()
        to.zero_grad()
        lp = (pm(pynn.tensor(src), pynn.tensor(tgt), tgt_mask=pynn.tensor(tgt_mask)) ** 2).mean()
        lt = (tm(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(tgt_mask)) ** 2).mean()
        assert abs(lp.item() - lt.item()) < 1e-4 * abs(lt.item()) + 1e-6
        lp.backward()
        lt.backward()
        po.step()
        to.step()


def test_transformer_repr_and_errors():
    kw = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    pm, tm = pynn.nn.Transformer(**kw), torch.nn.Transformer(**kw)
    assert repr(pm) == repr(tm)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        pm(pynn.tensor(arr(4, 2, 8)), pynn.tensor(arr(4, 3, 8)))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        pm(pynn.tensor(arr(4, 2, 6)), pynn.tensor(arr(4, 2, 6)))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        pynn.nn.TransformerEncoderLayer(8, 2, activation="tanh")


# ---------------------------------------------------------------------------------------------- the example
def test_train_gpt_example_smoke():
    pytest.importorskip("tqdm")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "train_gpt.py")
    spec = importlib.util.spec_from_file_location("example_train_gpt", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first, last, sample = module.main(["--steps", "30", "--layers", "1", "--width", "32", "--context", "32",
                                       "--batch", "8", "--sample-chars", "40", "--no-progress"])
    assert last < first and isinstance(sample, str) and len(sample) >= 40
