"""torch.set_default_dtype / get_default_dtype: what follows the default (Python floats, float factories, new
layers' parameters, integer -> float results, optimizer scalars) and what does not, compared with torch."""
import numpy as np
import pytest
import torch

import pynn


@pytest.fixture
def default(request):
    """Sets both libraries' default dtype to the parametrised one and restores float32 whatever happens."""
    name = request.param
    pynn.set_default_dtype(getattr(pynn, name))
    torch.set_default_dtype(getattr(torch, name))
    try:
        yield name
    finally:
        pynn.set_default_dtype(pynn.float32)
        torch.set_default_dtype(torch.float32)


def dtype_names(m):
    return [str(t.dtype).split(".")[-1] for t in [
        m.tensor([1.5]), m.tensor(3.0), m.tensor([[1, 2.5]]), m.zeros(2), m.ones(2, 2), m.empty(3), m.full((2,), 1.5),
        m.arange(0, 1, 0.5), m.arange(3), m.linspace(0, 1, 3), m.eye(2), m.rand(2), m.randn(2), m.tensor([1, 2]) * 2.5,
        m.tensor([1, 2]).exp(), m.tensor([1, 2]) / 2, m.tensor([1, 2]).mean(dtype=m.get_default_dtype()),
        m.ones(2, dtype=m.float32) + 1.5, m.tensor(np.ones(2, dtype=np.float32)), m.tensor([True]).float(),
        m.nn.Linear(2, 3).weight, m.nn.Conv2d(1, 2, 3).bias, m.nn.BatchNorm1d(3).running_var, m.nn.LayerNorm(3).weight,
        m.nn.Embedding(4, 2).weight, m.nn.LSTM(2, 3).weight_ih_l0, m.nn.MultiheadAttention(4, 2).in_proj_weight,
        m.nn.Parameter(), m.nn.utils.clip_grad_norm_([], 1.0), m.FloatTensor([1]), m.DoubleTensor([1])]]


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16", "float32"], indirect=True)
def test_what_follows_the_default_dtype(default):
    assert pynn.get_default_dtype() == getattr(pynn, default)
    assert dtype_names(pynn) == dtype_names(torch)


@pytest.mark.parametrize("default", ["float64"], indirect=True)
def test_a_float64_default_trains_in_float64_with_torchs_numbers(default):
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    model = pynn.nn.Sequential(pynn.nn.Linear(3, 4), pynn.nn.Tanh(), pynn.nn.Linear(4, 1))
    model.load_state_dict({k: pynn.from_numpy(v.numpy()) for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((8, 3))
    opt_t, opt_p = torch.optim.Adam(ref.parameters(), lr=0.1), pynn.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(3):
        for m, net, opt in ((torch, ref, opt_t), (pynn, model, opt_p)):
            opt.zero_grad()
            net(m.tensor(x.tolist())).pow(2).mean().backward()  # Python floats: float64 under this default
            opt.step()
    assert opt_p.state[model[0].weight]["step"].dtype == pynn.float64  # torch's _get_scalar_dtype
    assert opt_t.state[ref[0].weight]["step"].dtype == torch.float64
    for k, v in ref.state_dict().items():
        got = model.state_dict()[k]
        assert got.dtype == pynn.float64
        np.testing.assert_allclose(got.numpy(), v.numpy(), rtol=1e-12, atol=1e-12)


def test_only_floating_types_can_be_the_default():
    for m in (pynn, torch):
        with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
            m.set_default_dtype(m.int64)
        with pytest.raises(TypeError):
            m.set_default_dtype("float64")
        assert m.get_default_dtype() == m.float32


@pytest.mark.parametrize("default", ["float16", "bfloat16"], indirect=True)
def test_integer_operands_under_a_16_bit_default(default):
    """Integers meeting Python floats (or float ops) produce the 16-bit default, computed in float32 and rounded."""
    outs = []
    for m in (pynn, torch):
        i = m.tensor([1, 2, 7])
        outs.append([i * 2.5, i / 3, i.exp(), i.sqrt(), i.clamp(0.5, 6.5), 2.5 - i, i.logsumexp(0),
                     m.true_divide(i, 2), i.sigmoid(), m.arange(0.0, 2.0, 0.25)])
    for p, t in zip(*outs):
        assert str(p.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(p.float().numpy(), t.float().numpy(), rtol=1e-2, atol=1e-2)
    for m in (pynn, torch):  # no integer logcumsumexp in torch, whatever the default
        with pytest.raises(NotImplementedError, match="logcumsumexp_out_cpu"):
            m.tensor([1, 2]).logcumsumexp(0)
