"""pynn.nn.init vs torch.nn.init: gains, fans, distributions (statistically), in-place under no_grad."""
import math

import numpy as np
import pytest

import pynn
import pynn.nn as nn
from pynn.nn import init

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("selu",), ("conv_transpose3d",)])
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 2), (6, 2, 5)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(pynn.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(pynn.empty(3))


def _param(*shape):
    return nn.Parameter(pynn.empty(*shape))


def test_inits_work_in_place_on_parameters_without_recording_history():
    p = _param(400, 300)
    for fn in (lambda t: init.uniform_(t, -0.5, 0.5), lambda t: init.normal_(t, 1.0, 0.1),
               lambda t: init.constant_(t, 0.3), init.zeros_, init.ones_, init.xavier_uniform_,
               init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_,
               lambda t: init.trunc_normal_(t, std=0.02), init.eye_):
        out = fn(p)
        assert out is p and p.requires_grad and p.grad_fn is None and p.is_leaf


def test_uniform_normal_constant_values():
    pynn.manual_seed(0)
    t = init.uniform_(pynn.empty(100000), -2.0, 3.0).numpy()
    assert t.min() >= -2.0 and t.max() <= 3.0 and abs(t.mean() - 0.5) < 0.03
    t = init.normal_(pynn.empty(100000), 1.5, 0.5).numpy()
    assert abs(t.mean() - 1.5) < 0.01 and abs(t.std() - 0.5) < 0.01
    np.testing.assert_array_equal(init.constant_(pynn.empty(2, 3), 0.7).numpy(), np.full((2, 3), 0.7, np.float32))
    np.testing.assert_array_equal(init.zeros_(pynn.empty(3)).numpy(), np.zeros(3))
    np.testing.assert_array_equal(init.ones_(pynn.empty(3)).numpy(), np.ones(3))
    np.testing.assert_array_equal(init.eye_(pynn.empty(2, 3)).numpy(), np.eye(2, 3))


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier_bounds_and_std(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(pynn.empty(*shape))
    gain = 2.0
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    u = init.xavier_uniform_(pynn.empty(*shape), gain=gain).numpy()
    assert np.abs(u).max() <= math.sqrt(3) * std + 1e-6 and abs(u.std() - std) < 0.05 * std
    n = init.xavier_normal_(pynn.empty(*shape), gain=gain).numpy()
    assert abs(n.std() - std) < 0.05 * std and abs(n.mean()) < 0.05 * std


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", 0.1), ("leaky_relu", math.sqrt(5)),
                                            ("tanh", 0)])
def test_kaiming_bounds_and_std(mode, nonlinearity, a):
    shape = (256, 128, 3)
    t = pynn.empty(*shape)
    fan = init._calculate_correct_fan(t, mode)
    assert fan == torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    u = init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity).numpy()
    assert np.abs(u).max() <= math.sqrt(3) * std + 1e-6 and abs(u.std() - std) < 0.05 * std
    n = init.kaiming_normal_(pynn.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity).numpy()
    assert abs(n.std() - std) < 0.05 * std


def test_kaiming_mode_error():
    with pytest.raises(ValueError, match="Mode fan_avg not supported, please use one of fan_in, fan_out"):
        init.kaiming_uniform_(pynn.empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(pynn.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = t.shape
    g = t @ t.T if rows <= cols else t.T @ t
    np.testing.assert_allclose(g, 4.0 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(pynn.empty(3))


def test_orthogonal_and_normal_follow_manual_seed():
    pynn.manual_seed(123)
    a = init.orthogonal_(pynn.empty(4, 4)).numpy().copy()
    b1 = init.normal_(pynn.empty(5)).numpy().copy()
    pynn.manual_seed(123)
    np.testing.assert_array_equal(init.orthogonal_(pynn.empty(4, 4)).numpy(), a)
    np.testing.assert_array_equal(init.normal_(pynn.empty(5)).numpy(), b1)


def test_trunc_normal_within_bounds():
    t = init.trunc_normal_(pynn.empty(50000), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    assert t.min() >= -1.0 and t.max() <= 1.5
    ref = torch.nn.init.trunc_normal_(torch.empty(200000), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    assert abs(t.mean() - ref.mean()) < 0.02 and abs(t.std() - ref.std()) < 0.02


def test_dirac_matches_torch():
    p = init.dirac_(pynn.empty(4, 2, 3, 3), groups=2).numpy()
    t = torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups=2).numpy()
    np.testing.assert_array_equal(p, t)


def test_sparse_zero_fraction():
    t = init.sparse_(pynn.empty(10, 6), sparsity=0.3).numpy()
    assert all((t[:, c] == 0).sum() >= 3 for c in range(6))


def test_model_apply_init_weights():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
    model.apply(init_weights)
    for layer in (model[0], model[2]):
        assert float(layer.bias.detach().abs().sum()) == 0.0
        bound = math.sqrt(6.0 / sum(layer.weight.shape))
        assert float(layer.weight.detach().abs().max()) <= bound


# ---------------------------------------------------------------------------------- generator= is honoured
GENERATOR_INITS = [
    ("uniform_", (), {"a": -1.0, "b": 2.0}), ("normal_", (), {"std": 0.5}), ("trunc_normal_", (), {}),
    ("xavier_uniform_", (), {}), ("xavier_normal_", (), {}), ("kaiming_uniform_", (), {}),
    ("kaiming_normal_", (), {}), ("orthogonal_", (), {}), ("sparse_", (0.5,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", GENERATOR_INITS)
def test_init_draws_from_the_given_generator(name, args, kwargs):
    init = getattr(pynn.nn.init, name)

    def draw(seed, global_seed):
        pynn.manual_seed(global_seed)
        return init(pynn.empty(6, 4), *args, generator=pynn.Generator().manual_seed(seed), **kwargs)

    same = draw(5, 0)
    assert pynn.equal(same, draw(5, 123))  # the global stream plays no part
    assert not pynn.equal(same, draw(6, 0))
    pynn.manual_seed(0)
    assert not pynn.equal(same, init(pynn.empty(6, 4), *args, **kwargs))


def test_init_rejects_a_non_generator():
    with pytest.raises(TypeError, match="Generator"):
        pynn.nn.init.trunc_normal_(pynn.empty(3), generator=42)


@pytest.mark.parametrize("method,args", [("uniform_", (2.0, 3.0)), ("normal_", (1.0, 0.5)), ("bernoulli_", (0.3,))])
def test_tensor_samplers_draw_from_the_given_generator(method, args):
    def draw(seed):
        return getattr(pynn.empty(200), method)(*args, generator=pynn.Generator().manual_seed(seed))

    a, b, c = draw(1), draw(1), draw(2)
    assert pynn.equal(a, b) and not pynn.equal(a, c)
    if method == "uniform_":
        assert float(a.min()) >= 2.0 and float(a.max()) < 3.0
    if method == "bernoulli_":
        assert set(a.tolist()) <= {0.0, 1.0}


def test_tensor_sampler_errors_with_a_generator_match_torch():
    for lib in (pynn, torch):
        g = lib.Generator()
        with pytest.raises(RuntimeError, match="from=3"):
            lib.empty(3).uniform_(3, 2, generator=g)
        with pytest.raises(RuntimeError, match="std >= 0.0"):
            lib.empty(3).normal_(0, -1, generator=g)
        with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
            lib.empty(3).bernoulli_(1.5, generator=g)


def test_bernoulli_inplace_with_a_probability_tensor():
    got = pynn.empty(4).bernoulli_(pynn.tensor([0.0, 1.0, 0.0, 1.0]))
    assert got.tolist() == [0.0, 1.0, 0.0, 1.0]
