"""Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop (fused C++ steps) and LBFGS vs torch.optim (issue #17):
parameters and state after several steps, state_dict round trips, option errors."""
import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")

CASES = [
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}), ("Adamax", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}), ("NAdam", {"weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}), ("RAdam", {"weight_decay": 0.1}), ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("ASGD", {}), ("ASGD", {"t0": 2, "lambd": 0.01, "alpha": 0.5, "weight_decay": 0.01, "maximize": True}),
    ("Rprop", {}), ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}),
]


def run(lib, name, kw, steps, dtype, start=None, resume_from=None):
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,), (3, 1, 2)]
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    # Two groups, the second with its own lr, to check per-group options.
    opt = getattr(lib.optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.003}], **kw)
    if resume_from is not None:
        opt.load_state_dict(resume_from)
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    for step in range(start or 0, steps):
        for p, g in zip(params, grads[step]):
            p.grad = lib.tensor(g)
        if step == 2:
            params[1].grad = None  # a param without a gradient this step is left alone
        opt.step()
    return params, opt


def state_arrays(opt):
    sd = opt.state_dict()
    return {(i, k): np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=np.float64)
            for i, st in sd["state"].items() for k, v in st.items()}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kw", CASES)
def test_matches_torch_over_steps(name, kw, dtype):
    p, po = run(pynn, name, kw, 8, dtype)
    t, to = run(torch, name, kw, 8, dtype)
    for a, b in zip(p, t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
    sp, st = state_arrays(po), state_arrays(to)
    assert sorted(sp) == sorted(st)
    for k in st:
        np.testing.assert_allclose(sp[k], st[k], rtol=1e-5, atol=1e-12, err_msg=str(k))
    # The pynn state_dict has torch's structure, so torch can load it and vice versa.
    assert po.state_dict()["param_groups"][0].keys() == to.state_dict()["param_groups"][0].keys()


@pytest.mark.parametrize("name,kw", CASES[::2])
def test_state_dict_resume(name, kw):
    # 3 steps, state_dict into a fresh optimizer over a copy, 3 more steps; torch does the same. (Loading casts
    # float state to the param's dtype, NAdam's mu_product and ASGD's eta/mu included, in both libraries.)
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(6)]

    def resumed(lib):
        def steps(opt, p, gs):
            for g in gs:
                p.grad = lib.tensor(g)
                opt.step()

        b = lib.tensor(x0, requires_grad=True)
        ob = getattr(lib.optim, name)([b], **kw)
        steps(ob, b, grads[:3])
        c = b.detach().clone().requires_grad_()
        oc = getattr(lib.optim, name)([c], **kw)
        oc.load_state_dict(ob.state_dict())
        steps(oc, c, grads[3:])
        return c.detach().numpy()

    np.testing.assert_allclose(resumed(pynn), resumed(torch), rtol=1e-12, atol=1e-14)


def test_option_errors_match_torch():
    bad = [("Adadelta", {"rho": 1.5}), ("Adadelta", {"lr": -1}), ("Adamax", {"betas": (1.0, 0.9)}),
           ("NAdam", {"momentum_decay": -1}), ("RAdam", {"eps": -1}), ("ASGD", {"weight_decay": -1}),
           ("Rprop", {"etas": (1.2, 0.5)}), ("LBFGS", {"lr": -1})]
    for name, kw in bad:
        with pytest.raises(ValueError) as ref:
            getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kw)
        with pytest.raises(ValueError) as got:
            getattr(pynn.optim, name)([pynn.zeros(1, requires_grad=True)], **kw)
        assert str(got.value) == str(ref.value)


def lbfgs_run(lib, line_search, history, max_iter):
    rng = np.random.default_rng(0)
    A = lib.tensor(rng.standard_normal((20, 5)))
    y = lib.tensor(rng.standard_normal(20))
    w = lib.tensor(np.zeros(5), requires_grad=True)
    opt = lib.optim.LBFGS([w], lr=1, max_iter=max_iter, history_size=history, line_search_fn=line_search)

    def closure():
        opt.zero_grad()
        loss = ((A @ w - y) ** 2).mean() + (w ** 4).sum() * 0.1
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(3)]
    st = opt.state[w]
    return w.detach().numpy(), losses, st["func_evals"], st["n_iter"]


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
@pytest.mark.parametrize("history,max_iter", [(100, 20), (3, 7)])
def test_lbfgs_matches_torch_float64(line_search, history, max_iter):
    a = lbfgs_run(pynn, line_search, history, max_iter)
    b = lbfgs_run(torch, line_search, history, max_iter)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-9)
    assert a[2:] == b[2:]


def test_lbfgs_errors():
    w = pynn.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        pynn.optim.LBFGS([{"params": [w]}, {"params": [pynn.zeros(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        pynn.optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(TypeError):
        pynn.optim.LBFGS([w]).step()  # the closure is required, as in torch
