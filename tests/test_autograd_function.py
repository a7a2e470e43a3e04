"""autograd.Function, backward(inputs=), gradcheck/gradgradcheck: each against torch 2.13."""
import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")


def make_functions(lib):
    """The same custom functions written against either library (the code is identical torch code)."""

    class MyExp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class ScaleShift(lib.autograd.Function):
        """Two outputs, a non-tensor argument, needs_input_grad."""

        @staticmethod
        def forward(ctx, x, w, scale):
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return x * w * scale, x + w

        @staticmethod
        def backward(ctx, ga, gb):
            x, w = ctx.saved_tensors
            gx = ga * w * ctx.scale + gb if ctx.needs_input_grad[0] else None
            gw = ga * x * ctx.scale + gb if ctx.needs_input_grad[1] else None
            return gx, gw, None

    class Cube(lib.autograd.Function):
        """backward made of differentiable ops: double backward goes through it."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    class NewStyleSquare(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class SortWithIndices(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, gv, gi):
            (idx,) = ctx.saved_tensors
            out = lib.zeros_like(gv)
            out.scatter_(0, idx, gv)
            return out

    return dict(MyExp=MyExp, ScaleShift=ScaleShift, Cube=Cube, NewStyleSquare=NewStyleSquare,
                SortWithIndices=SortWithIndices)


P = make_functions(pynn)
T = make_functions(torch)
X = np.random.default_rng(0).standard_normal((3, 4))
W = np.random.default_rng(1).standard_normal((3, 4))


def pair(a, dtype="float64"):
    return (pynn.tensor(a, dtype=getattr(pynn, dtype), requires_grad=True),
            torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True))


def close(p, t, tol=1e-10):
    np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["MyExp", "Cube", "NewStyleSquare"])
def test_single_output_function_matches_torch(name):
    px, tx = pair(X)
    py, ty = P[name].apply(px), T[name].apply(tx)
    close(py, ty)
    assert py.grad_fn.name() == ty.grad_fn.name() == name + "Backward"
    (py * py).sum().backward()
    (ty * ty).sum().backward()
    close(px.grad, tx.grad)
    assert pynn.autograd.gradcheck(P[name].apply, (px,))


def test_two_outputs_and_needs_input_grad():
    px, tx = pair(X)
    pw = pynn.tensor(W)  # no grad: needs_input_grad[1] is False
    tw = torch.tensor(W)
    pa, pb = P["ScaleShift"].apply(px, pw, 0.5)
    ta, tb = T["ScaleShift"].apply(tx, tw, 0.5)
    close(pa, ta)
    close(pb, tb)
    (pa.sum() * 2 + (pb * pb).sum()).backward()
    (ta.sum() * 2 + (tb * tb).sum()).backward()
    close(px.grad, tx.grad)
    px2, _ = pair(X)
    pw2, _ = pair(W)
    assert pynn.autograd.gradcheck(lambda x, w: P["ScaleShift"].apply(x, w, 1.5), (px2, pw2))


def test_only_one_output_used():
    px, tx = pair(X)
    P["ScaleShift"].apply(px, pynn.tensor(W), 2.0)[1].sum().backward()
    T["ScaleShift"].apply(tx, torch.tensor(W), 2.0)[1].sum().backward()
    close(px.grad, tx.grad)


def test_double_backward_through_function():
    px, tx = pair(X)
    (gp,) = pynn.autograd.grad(P["Cube"].apply(px).sum(), (px,), create_graph=True)
    (gt,) = torch.autograd.grad(T["Cube"].apply(tx).sum(), (tx,), create_graph=True)
    close(gp, gt)
    (gp * gp).sum().backward()
    (gt * gt).sum().backward()
    close(px.grad, tx.grad)
    px2, _ = pair(X)
    assert pynn.autograd.gradgradcheck(P["Cube"].apply, (px2,))


def test_non_differentiable_output():
    px, tx = pair(X[0])
    pv, pi = P["SortWithIndices"].apply(px)
    tv, ti = T["SortWithIndices"].apply(tx)
    assert not pi.requires_grad and not ti.requires_grad
    np.testing.assert_array_equal(pi.numpy(), ti.numpy())
    (pv * pynn.arange(4.0, dtype=pynn.float64)).sum().backward()
    (tv * torch.arange(4.0, dtype=torch.float64)).sum().backward()
    close(px.grad, tx.grad)


def test_no_grad_inputs_give_plain_output():
    y = P["MyExp"].apply(pynn.tensor(X))
    assert y.grad_fn is None and not y.requires_grad
    with pynn.no_grad():
        px, _ = pair(X)
        assert P["MyExp"].apply(px).grad_fn is None


def test_materialize_grads_off_passes_none():
    seen = {}

    class Two(pynn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen["gb"] = gb
            return ga * 2

    x = pynn.ones(3, dtype=pynn.float64, requires_grad=True)
    Two.apply(x)[0].sum().backward()
    assert seen["gb"] is None
    np.testing.assert_allclose(x.grad.numpy(), [2, 2, 2])


def test_input_returned_as_is_gets_history():
    class Ident(pynn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = pynn.ones(2, dtype=pynn.float64, requires_grad=True)
    y = Ident.apply(x)
    assert y is not x and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5, 5])


def _bad(lib, result_fn):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            return x * w

        @staticmethod
        def backward(ctx, g):
            return result_fn(lib, g)

    return Bad


@pytest.mark.parametrize("result_fn, match", [
    (lambda lib, g: g, "incorrect number of gradients"),
    (lambda lib, g: (g, g, g), "incorrect number of gradients"),
    (lambda lib, g: (g.sum(), None), "invalid gradient"),
])
def test_bad_backward_results_raise_like_torch(result_fn, match):
    for lib in (pynn, torch):
        x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        y = _bad(lib, result_fn).apply(x, lib.ones(2, 3, dtype=lib.float64))
        with pytest.raises(RuntimeError, match=match):
            y.sum().backward()


def test_saved_tensor_modified_in_place_raises():
    for lib, fns in ((pynn, P), (torch, T)):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        y = fns["MyExp"].apply(x)
        with lib.no_grad():
            y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_second_backward_without_retain_raises():
    for lib, fns in ((pynn, P), (torch, T)):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        y = fns["MyExp"].apply(x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="second time"):
            y.backward()
    x = pynn.ones(3, dtype=pynn.float64, requires_grad=True)
    y = P["MyExp"].apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.e * np.ones(3))


def test_once_differentiable_blocks_double_backward():
    class CubeOnce(pynn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @pynn.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    x = pynn.tensor(X, requires_grad=True)
    assert pynn.autograd.gradcheck(CubeOnce.apply, (x,))
    # its first derivative carries no graph, so the second derivative is missing: gradgradcheck catches it
    assert not pynn.autograd.gradgradcheck(CubeOnce.apply, (x,), raise_exception=False)


def test_gradcheck_catches_a_wrong_backward():
    class WrongExp(pynn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be g * exp(x)

    x = pynn.tensor(X, requires_grad=True)
    assert not pynn.autograd.gradcheck(WrongExp.apply, (x,), raise_exception=False)
    with pytest.raises(AssertionError, match="Jacobian mismatch"):
        pynn.autograd.gradcheck(WrongExp.apply, (x,))


def test_gradcheck_multiple_outputs_and_tensor_input():
    x = pynn.tensor(X, requires_grad=True)
    assert pynn.autograd.gradcheck(lambda t: (t.sin(), t * t), x)
    assert pynn.autograd.gradgradcheck(lambda t: (t.sin(), t * t), (x,))


@pytest.mark.parametrize("which", ["leaf", "nonleaf", "both"])
def test_backward_inputs_accumulates_only_there(which):
    results = []
    for lib in (pynn, torch):
        a = lib.tensor(X, requires_grad=True)
        b = lib.tensor(W, requires_grad=True)
        h = a * b
        h.retain_grad()
        out = (h * h).sum()
        inputs = {"leaf": [a], "nonleaf": [h], "both": [a, h]}[which]
        out.backward(inputs=inputs)
        results.append([None if t.grad is None else t.grad.detach().numpy().copy() for t in (a, b, h)])
        a.grad = None
        lib.autograd.backward([(a * b).sum()], inputs=[b])
        results[-1].append(b.grad.detach().numpy().copy())
    for p, t in zip(*results):
        assert (p is None) == (t is None)
        if p is not None:
            np.testing.assert_allclose(p, t, rtol=1e-12)


def test_backward_inputs_runs_leaf_hooks_and_accumulates():
    a = pynn.ones(2, dtype=pynn.float64, requires_grad=True)
    a.register_hook(lambda g: g * 10)
    (a * 3).sum().backward(inputs=[a])
    (a * 3).sum().backward(inputs=[a])
    np.testing.assert_allclose(a.grad.numpy(), [60, 60])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (a * 3).sum().backward(inputs=[])


def test_autograd_grad_leaves_other_leaves_grad_untouched():
    for lib in (pynn, torch):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, requires_grad=True)
        (ga,) = lib.autograd.grad(((a * b) ** 2).sum(), [a])
        np.testing.assert_allclose(ga.numpy(), [2, 2])
        assert b.grad is None and a.grad is None


def test_grad_runs_hooks_before_capture_like_torch():
    for lib in (pynn, torch):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, requires_grad=True)
        a.register_hook(lambda g: g * 10)
        (ga,) = lib.autograd.grad((a * b).sum(), [a])
        np.testing.assert_allclose(ga.numpy(), [10, 10])
        h = a * b
        h.register_hook(lambda g: g * 3)
        (gh,) = lib.autograd.grad((h * 2).sum(), [h])
        np.testing.assert_allclose(gh.numpy(), [6, 6])
        assert a.grad is None


def test_gradient_reaches_a_leaf_past_a_path_without_gradient():
    # b's only consumer returns no gradient for it, and a is fed both through b and directly
    class NoGradForSecond(pynn.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    a = pynn.ones(2, dtype=pynn.float64, requires_grad=True)
    b = a * 3
    out = NoGradForSecond.apply(a, b).sum()
    out.backward()
    np.testing.assert_allclose(a.grad.numpy(), [2, 2])
