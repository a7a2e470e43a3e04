"""Helpers shared by the pynn.nn tests: copy torch module state into pynn modules and compare
forward values, input gradients and parameter gradients."""
import numpy as np

import pynn
from conftest import assert_close

try:
    import torch
except ImportError:  # pragma: no cover - the nn tests importorskip torch
    torch = None


def to_pynn(t):
    """pynn tensor with the same values and dtype as a torch tensor."""
    return pynn.tensor(t.detach().cpu().numpy())


def copy_state(pm, tm):
    """Load tm's state_dict (torch) into pm (pynn), strictly: key names and shapes must agree."""
    result = pm.load_state_dict({k: to_pynn(v) for k, v in tm.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    return pm


def leaf_pair(arr, requires_grad=True):
    """The same numpy array as a pynn leaf and a torch leaf."""
    p = pynn.tensor(arr)
    t = torch.tensor(arr)
    if requires_grad and arr.dtype.kind == "f":
        p.requires_grad_(True)
        t.requires_grad_(True)
    return p, t


def compare_forward_backward(pm, tm, *arrays, rtol=1e-5, atol=1e-6, seed=0, extra_args=()):
    """Run pm and tm on the same inputs; compare outputs, the grads of a random projection of the output
    w.r.t. the float inputs, and the parameter grads (by name)."""
    pairs = [leaf_pair(a) for a in arrays]
    p_out = pm(*[p for p, _ in pairs], *extra_args)
    t_out = tm(*[t for _, t in pairs], *extra_args)
    assert_close(p_out, t_out, rtol=rtol, atol=atol)
    if not t_out.requires_grad:
        return p_out, t_out
    proj = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(
        t_out.detach().numpy().dtype)
    (p_out * pynn.tensor(proj)).sum().backward()
    (t_out * torch.tensor(proj)).sum().backward()
    for (p, t) in pairs:
        if t.grad is not None:
            assert p.grad is not None, "pynn produced no input gradient"
            assert_close(p.grad, t.grad, rtol=rtol, atol=atol)
    t_params = dict(tm.named_parameters())
    for name, p in pm.named_parameters():
        tg = t_params[name].grad
        if tg is None:
            assert p.grad is None, f"unexpected grad for {name}"
        else:
            assert p.grad is not None, f"missing grad for {name}"
            assert_close(p.grad, tg, rtol=rtol, atol=atol)
    return p_out, t_out


def torch_repr_as_pynn(s):
    """torch's repr text with torch's module prefix replaced by pynn's (dtype names, Size)."""
    return s.replace("torch.", "pynn.")
