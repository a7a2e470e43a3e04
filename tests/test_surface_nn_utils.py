"""torch.nn.utils surface (issue #17): gradient clipping, parameter/vector conversion, weight_norm (hook and
parametrization forms), parametrize, DataParallel on the CPU; compared with torch."""
import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")


def twin_params(seed=0, shapes=((3, 4), (5,), (2, 2, 2))):
    rng = np.random.default_rng(seed)
    vals = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) * 3 for s in shapes]
    p = [pynn.nn.Parameter(pynn.tensor(v)) for v in vals]
    t = [torch.nn.Parameter(torch.tensor(v)) for v in vals]
    for a, b, g in zip(p, t, grads):
        a.grad, b.grad = pynn.tensor(g), torch.tensor(g)
    return p, t


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, float("inf"), "inf", 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    p, t = twin_params()
    got = pynn.nn.utils.clip_grad_norm_(p, max_norm, norm_type=norm_type, foreach=True)
    ref = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(got.item(), ref.item(), rtol=1e-6)
    for a, b in zip(p, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    assert pynn.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    p, _ = twin_params()
    p[1].grad = None
    single = pynn.nn.utils.clip_grad_norm_(p[0], 1.0)
    assert single.item() > 1.0
    p, _ = twin_params()
    p[0].grad[0, 0] = float("nan")
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        pynn.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert np.isnan(pynn.nn.utils.clip_grad_norm_(p, 1.0).item())  # scales by the NaN norm, as torch


def test_clip_grad_value():
    p, t = twin_params()
    pynn.nn.utils.clip_grad_value_(p, 0.7)
    torch.nn.utils.clip_grad_value_(t, 0.7)
    for a, b in zip(p, t):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_parameters_vector_round_trip():
    p, t = twin_params()
    v = pynn.nn.utils.parameters_to_vector(p)
    np.testing.assert_array_equal(v.detach().numpy(), torch.nn.utils.parameters_to_vector(t).detach().numpy())
    assert v.requires_grad
    new = pynn.arange(v.numel(), dtype=pynn.float32)
    pynn.nn.utils.vector_to_parameters(new, p)
    np.testing.assert_array_equal(pynn.nn.utils.parameters_to_vector(p).detach().numpy(), new.numpy())
    assert p[0].shape == (3, 4) and isinstance(p[0], pynn.nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        pynn.nn.utils.vector_to_parameters([1.0], p)


def copy_state(src_torch, dst_pynn):
    dst_pynn.load_state_dict({k: pynn.tensor(v.detach().numpy()) for k, v in src_torch.state_dict().items()})


@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("form", ["hook", "parametrization"])
def test_weight_norm_matches_torch(form, dim):
    torch.manual_seed(0)
    make = {"hook": lambda lib, m: lib.nn.utils.weight_norm(m, dim=dim),
            "parametrization": lambda lib, m: lib.nn.utils.parametrizations.weight_norm(m, dim=dim)}[form]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t = make(torch, torch.nn.Conv2d(3, 4, 3))
    p = make(pynn, pynn.nn.Conv2d(3, 4, 3))
    assert list(p.state_dict()) == list(t.state_dict())
    assert type(p).__name__ == type(t).__name__
    copy_state(t, p)
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    yt = t(torch.tensor(x))
    yp = p(pynn.tensor(x))
    np.testing.assert_allclose(yp.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    yt.sum().backward()
    yp.sum().backward()
    gt = dict(t.named_parameters())
    for name, param in p.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), gt[name].grad.numpy(), rtol=1e-4, atol=1e-5)


def test_weight_norm_gradcheck_and_removal():
    lin = pynn.nn.Linear(3, 2).double()
    pynn.nn.utils.parametrizations.weight_norm(lin)
    g = lin.parametrizations.weight.original0
    v = lin.parametrizations.weight.original1
    x = pynn.randn(4, 3, dtype=pynn.float64)

    def f(g_, v_):  # what the parametrization computes, checked by finite differences
        return pynn.nn.utils.parametrizations._WeightNorm(0)(g_, v_) @ x.t()

    assert pynn.autograd.gradcheck(f, (g.detach().requires_grad_(), v.detach().requires_grad_()))
    before = lin.weight.detach().numpy().copy()
    pynn.nn.utils.parametrize.remove_parametrizations(lin, "weight")
    assert type(lin) is pynn.nn.Linear and sorted(lin.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(lin.weight.detach().numpy(), before)
    hooked = pynn.nn.utils.weight_norm(pynn.nn.Linear(3, 2))
    w = hooked.weight.detach().numpy().copy()
    pynn.nn.utils.remove_weight_norm(hooked)
    assert sorted(hooked.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(hooked.weight.detach().numpy(), w, rtol=1e-6)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        pynn.nn.utils.remove_weight_norm(hooked)


class Symmetric(pynn.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class TSymmetric(torch.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


def test_parametrize_basics_match_torch():
    from pynn.nn.utils import parametrize as P
    from torch.nn.utils import parametrize as TP

    torch.manual_seed(0)
    t = torch.nn.Linear(4, 4)
    p = pynn.nn.Linear(4, 4)
    p.load_state_dict({k: pynn.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    TP.register_parametrization(t, "weight", TSymmetric())
    P.register_parametrization(p, "weight", Symmetric())
    assert P.is_parametrized(p) and P.is_parametrized(p, "weight") and not P.is_parametrized(p, "bias")
    assert list(p.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(p.weight.detach().numpy(), t.weight.detach().numpy())
    w = p.weight.detach().numpy()
    assert np.array_equal(w, w.T)
    x = np.ones((2, 4), np.float32)
    np.testing.assert_allclose(p(pynn.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    with P.cached():
        assert p.weight is p.weight
    assert p.weight is not p.weight
    P.remove_parametrizations(p, "weight", leave_parametrized=True)
    TP.remove_parametrizations(t, "weight", leave_parametrized=True)
    assert type(p) is pynn.nn.Linear and list(p.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(p.weight.detach().numpy(), t.weight.detach().numpy())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(p, "weight")
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        P.register_parametrization(p, "nope", Symmetric())


def test_data_parallel_calls_the_module():
    torch.manual_seed(0)
    t = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    p = pynn.nn.DataParallel(pynn.nn.Linear(3, 2))
    assert list(p.state_dict()) == list(t.state_dict()) == ["module.weight", "module.bias"]
    copy_state(t, p)
    x = np.ones((4, 3), np.float32)
    np.testing.assert_allclose(p(pynn.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert repr(p).splitlines()[0] == "DataParallel("


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(5, 4), lambda lib: lib.nn.Conv2d(3, 4, 2),
                                  lambda lib: lib.nn.ConvTranspose2d(3, 4, 2)])
def test_spectral_norm_matches_torch_from_the_same_state(make):
    torch.manual_seed(0)
    t = torch.nn.utils.parametrizations.spectral_norm(make(torch), n_power_iterations=2)
    p = pynn.nn.utils.parametrizations.spectral_norm(make(pynn), n_power_iterations=2)
    assert list(p.state_dict()) == list(t.state_dict())
    copy_state(t, p)  # the same weight and the same power-iteration vectors
    for train in (True, True, False):
        t.train(train)
        p.train(train)
        np.testing.assert_allclose(p.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    shape = (2, 5) if isinstance(t, torch.nn.Linear) else (2, 3, 4, 4)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    yt, yp = t(torch.tensor(x)), p(pynn.tensor(x))
    yt.square().sum().backward()
    yp.square().sum().backward()
    np.testing.assert_allclose(yp.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p.parametrizations.weight.original.grad.numpy(),
                               t.parametrizations.weight.original.grad.numpy(), rtol=1e-3, atol=1e-5)


def test_spectral_norm_converges_and_checks():
    m = pynn.nn.utils.parametrizations.spectral_norm(pynn.nn.Linear(6, 3))
    for _ in range(20):
        w = m.weight
    assert abs(np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] - 1.0) < 1e-4
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        pynn.nn.utils.parametrizations.spectral_norm(pynn.nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        pynn.nn.utils.parametrizations.spectral_norm(pynn.nn.Linear(2, 2), name="nope")


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(5, 4), lambda lib: lib.nn.ConvTranspose2d(3, 4, 2)])
def test_spectral_norm_hook_form_matches_torch(make):
    torch.manual_seed(0)
    t = torch.nn.utils.spectral_norm(make(torch), n_power_iterations=2)
    p = pynn.nn.utils.spectral_norm(make(pynn), n_power_iterations=2)
    assert sorted(p.state_dict()) == sorted(t.state_dict())
    copy_state(t, p)
    shape = (2, 5) if isinstance(t, torch.nn.Linear) else (2, 3, 4, 4)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for train in (True, True, False):
        t.train(train)
        p.train(train)
        yt, yp = t(torch.tensor(x)), p(pynn.tensor(x))
        np.testing.assert_allclose(yp.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(p.weight_u.numpy(), t.weight_u.numpy(), rtol=1e-5, atol=1e-6)
    yt.sum().backward()
    yp.sum().backward()
    np.testing.assert_allclose(p.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(), rtol=1e-3, atol=1e-5)
    w = p.weight.detach().numpy().copy()
    pynn.nn.utils.remove_spectral_norm(p)
    assert sorted(p.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(p.weight.detach().numpy(), w, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        pynn.nn.utils.remove_spectral_norm(p)
