"""nn.Module and nn.Parameter: registration, traversal, modes, conversion, state_dict, hooks, repr."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close
from nn_testing import copy_state, to_pynn, torch_repr_as_pynn

torch = pytest.importorskip("torch")


def make_pair(builder):
    """Build the same architecture with pynn and torch (builder(lib) -> module)."""
    tm = builder(torch)
    pm = builder(pynn)
    copy_state(pm, tm)
    return pm, tm


class Nested:
    """A nested model written once against either library's nn."""

    @staticmethod
    def build(lib):
        lib_nn = lib.nn

        class Block(lib_nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = lib_nn.Linear(4, 4)
                self.act = lib_nn.ReLU()
                self.register_buffer("running", lib.zeros(4))
                self.register_buffer("scratch", lib.zeros(1), persistent=False)

            def forward(self, x):
                return self.act(self.fc(x))

        class Net(lib_nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block()
                self.shared = lib_nn.Linear(4, 4)
                self.seq = lib_nn.Sequential(self.shared, lib_nn.Tanh(), self.shared)  # shared weights
                self.head = lib_nn.Linear(4, 2, bias=False)
                self.scale = lib_nn.Parameter(lib.ones(3))

            def forward(self, x):
                return self.head(self.seq(self.block(x))) * self.scale[:2]

        return Net()


# ----------------------------------------------------------------------------------------- Parameter
def test_parameter_is_tensor_subclass_and_leaf():
    p = nn.Parameter(pynn.randn(2, 3))
    assert isinstance(p, pynn.Tensor) and isinstance(p, nn.Parameter)
    assert type(p) is nn.Parameter
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    q = nn.Parameter(pynn.randn(2), requires_grad=False)
    assert not q.requires_grad
    empty = nn.Parameter()
    assert tuple(empty.shape) == (0,) and empty.dtype == pynn.float32


def test_parameter_shares_storage_and_survives_inplace_ops():
    data = pynn.zeros(3)
    p = nn.Parameter(data)
    with pynn.no_grad():
        r = p.add_(1.0)
    assert r is p and type(r) is nn.Parameter
    np.testing.assert_array_equal(data.numpy(), [1, 1, 1])  # same storage, like torch
    assert type(p + 1) is pynn.Tensor and type(p.detach()) is pynn.Tensor


def test_parameter_repr_matches_torch():
    arr = np.array([[0.5, -1.25], [2.0, 3.5]], dtype=np.float32)
    assert repr(nn.Parameter(pynn.tensor(arr))) == torch_repr_as_pynn(repr(torch.nn.Parameter(torch.tensor(arr))))
    assert repr(nn.Parameter(pynn.tensor(arr))).startswith("Parameter containing:\ntensor(")
    assert str(nn.Parameter(pynn.tensor(arr))) == str(torch.nn.Parameter(torch.tensor(arr)))


def test_parameter_grad_flows():
    p = nn.Parameter(pynn.tensor([1.0, 2.0, 3.0]))
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [2, 4, 6])


def test_parameter_reduce_and_deepcopy():
    p = nn.Parameter(pynn.tensor([1.0, 2.0]), requires_grad=False)
    fn, args = p.__reduce_ex__(2)
    q = fn(*args)
    assert type(q) is nn.Parameter and not q.requires_grad
    np.testing.assert_array_equal(q.numpy(), [1, 2])
    d = copy.deepcopy(p)
    assert type(d) is nn.Parameter and d is not p and not d.requires_grad
    with pynn.no_grad():
        d.fill_(7.0)
    np.testing.assert_array_equal(p.numpy(), [1, 2])


def test_parameter_of_int_dtype_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(pynn.tensor([1, 2]))
    assert not nn.Parameter(pynn.tensor([1, 2]), requires_grad=False).requires_grad


def _tensor_pickles():
    try:
        pickle.dumps(pynn.zeros(1))
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _tensor_pickles(), reason="Tensor pickling (pynn.save/load support) not available")
def test_module_and_parameter_pickle_roundtrip():
    m = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    m2 = pickle.loads(pickle.dumps(m))
    assert type(m2[0].weight) is nn.Parameter and m2[0].weight.requires_grad
    assert_close(m2[0].weight, torch.tensor(m[0].weight.detach().numpy()))
    x = pynn.randn(4, 3)
    assert_close(m2(x), torch.tensor(m(x).detach().numpy()))


def test_module_without_tensors_pickles_and_deepcopies():
    m = nn.Sequential(nn.ReLU(), nn.Flatten(0), nn.Dropout(0.3))
    m.eval()
    m2 = pickle.loads(pickle.dumps(m))
    assert repr(m2) == repr(m) and not m2.training
    m3 = copy.deepcopy(m)
    assert repr(m3) == repr(m) and m3[2] is not m[2]


def test_deepcopy_module_with_parameters():
    m = nn.Linear(3, 2)
    m2 = copy.deepcopy(m)
    assert type(m2.weight) is nn.Parameter and m2.weight is not m.weight
    np.testing.assert_array_equal(m2.weight.detach().numpy(), m.weight.detach().numpy())
    with pynn.no_grad():
        m2.weight.fill_(0.0)
    assert m.weight.detach().abs().sum().item() > 0


# ----------------------------------------------------------------------------------------- registration
def test_attribute_registration():
    m = nn.Module()
    m.w = nn.Parameter(pynn.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("buf", pynn.zeros(2))
    m.plain = pynn.ones(1)  # a plain tensor attribute is neither a parameter nor a buffer
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["buf"]
    assert m.w is m._parameters["w"] and m.sub is m._modules["sub"] and m.buf is m._buffers["buf"]
    assert "plain" in m.__dict__
    # reassigning a buffer keeps it a buffer; reassigning to a module moves it
    m.buf = pynn.ones(3)
    assert tuple(m._buffers["buf"].shape) == (3,)
    m.w = None
    assert m._parameters["w"] is None and m.w is None
    assert "w" in dir(m) and "sub" in dir(m)
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'sub'"):
        m.sub


def test_assigning_a_plain_tensor_to_a_parameter_raises_torch_wording():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError) as info:
        m.weight = pynn.ones(2, 2)
    tm = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError) as tinfo:
        tm.weight = torch.ones(2, 2)
    assert str(info.value) == torch_repr_as_pynn(str(tinfo.value))
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'sub'"):
        seq = nn.Sequential(nn.ReLU())
        seq.sub = nn.ReLU()
        seq.sub = 3
    with pytest.raises(TypeError, match=r"cannot assign 'str' as buffer 'b' \(pynn.Tensor or None expected\)"):
        mod = nn.Module()
        mod.register_buffer("b", pynn.ones(1))
        mod.b = "x"


def test_register_errors():
    m = nn.Module()
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", pynn.ones(1))
    with pytest.raises(KeyError, match='contain "."'):
        m.register_parameter("a.b", nn.Parameter(pynn.ones(1)))
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", pynn.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'pynn.FloatTensor' object to parameter 'p'"):
        m.register_parameter("p", pynn.ones(1))
    with pytest.raises(TypeError, match="buffer name should be a string"):
        m.register_buffer(3, pynn.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("q", pynn.ones(1))
    with pytest.raises(KeyError, match='module name can.*contain'):
        m.add_module("a.b", nn.ReLU())
    leaf = pynn.ones(2, requires_grad=True)
    nonleaf = nn.Parameter(pynn.ones(2)) * 2
    nonleaf.__class__ = nn.Parameter
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'z'"):
        m.register_parameter("z", nonleaf)
    assert leaf.requires_grad


def test_assign_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(pynn.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Bad()

    class Bad2(nn.Module):
        def __init__(self):
            self.l = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call"):
        Bad2()


def test_add_module_register_parameter_and_getters():
    m = nn.Module()
    m.add_module("a", nn.Linear(2, 3))
    m.register_module("b", nn.Sequential(nn.Linear(3, 3)))
    m.register_parameter("p", nn.Parameter(pynn.ones(1)))
    assert m.get_submodule("b.0") is m.b[0]
    assert m.get_parameter("b.0.bias") is m.b[0].bias
    with pytest.raises(AttributeError, match="has no attribute `zz`"):
        m.get_submodule("b.zz")
    m.b[0].register_buffer("stat", pynn.zeros(1))
    assert m.get_buffer("b.0.stat") is m.b[0].stat


# ----------------------------------------------------------------------------------------- traversal
def test_named_members_match_torch():
    pm, tm = make_pair(Nested.build)
    assert [n for n, _ in pm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in pm.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in pm.named_children()] == [n for n, _ in tm.named_children()]
    assert [n for n, _ in pm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert len(list(pm.parameters())) == len(list(tm.parameters()))
    assert len(list(pm.modules())) == len(list(tm.modules()))
    assert len(list(pm.children())) == len(list(tm.children()))
    assert [n for n, _ in pm.named_parameters(prefix="model", recurse=False)] == \
        [n for n, _ in tm.named_parameters(prefix="model", recurse=False)]
    assert [n for n, _ in pm.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in pm.named_modules(remove_duplicate=False)] == \
        [n for n, _ in tm.named_modules(remove_duplicate=False)]
    assert list(pm.state_dict().keys()) == list(tm.state_dict().keys())


def test_buffers_persistent_and_state_dict():
    m = nn.Module()
    m.register_buffer("a", pynn.ones(2))
    m.register_buffer("b", pynn.zeros(2), persistent=False)
    m.register_buffer("c", None)
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    assert list(m.state_dict()) == ["a"]
    sd = m.state_dict()
    assert sd["a"].requires_grad is False and hasattr(sd, "_metadata")


def test_state_dict_detached_unless_keep_vars():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert type(sd["weight"]) is pynn.Tensor and not sd["weight"].requires_grad
    assert sd["weight"].data_ptr() == m.weight.data_ptr()  # a view, not a copy
    kv = m.state_dict(keep_vars=True)
    assert kv["weight"] is m.weight


# ----------------------------------------------------------------------------------------- modes
def test_train_eval_propagates():
    pm, _ = make_pair(Nested.build)
    assert all(m.training for m in pm.modules())
    assert pm.eval() is pm
    assert not any(m.training for m in pm.modules())
    pm.train()
    assert all(m.training for m in pm.modules())
    pm.block.train(False)
    assert not pm.block.fc.training and pm.head.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        pm.train("yes")


def test_requires_grad_and_zero_grad():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    m(pynn.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


def test_apply_visits_children_first():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    tseen = []
    torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1))).apply(
        lambda mod: tseen.append(type(mod).__name__))
    assert seen == tseen


# ----------------------------------------------------------------------------------------- conversion
def test_double_float_to_keep_parameter_identity():
    m = nn.Linear(3, 2)
    m.register_buffer("count", pynn.tensor([3]))
    w = m.weight
    m(pynn.randn(1, 3)).sum().backward()
    assert m.double() is m
    assert m.weight is w and m.weight.dtype == pynn.float64 and type(m.weight) is nn.Parameter
    assert m.weight.grad.dtype == pynn.float64
    assert m.count.dtype == pynn.int64  # integer buffers are left alone
    assert m(pynn.randn(2, 3, dtype=pynn.float64)).dtype == pynn.float64
    m.float()
    assert m.weight.dtype == pynn.float32 and m.weight.requires_grad
    m.to(pynn.float64)
    assert m.bias.dtype == pynn.float64
    m.to("cpu")
    m.to(device="cpu", dtype=pynn.float32)
    assert m.weight.dtype == pynn.float32
    assert m.cpu() is m
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        m.to(pynn.int64)


def test_cuda_without_cuda_raises_clear_error():
    if pynn.cuda.is_available():
        pytest.skip("CUDA present")
    m = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="CUDA"):
        m.cuda()
    with pytest.raises(RuntimeError, match="CUDA"):
        m.to("cuda")


# ----------------------------------------------------------------------------------------- state_dict
def test_load_state_dict_roundtrip_from_torch():
    pm, tm = make_pair(Nested.build)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    assert_close(pm(pynn.tensor(x)), tm(torch.tensor(x)), rtol=1e-5, atol=1e-6)
    res = pm.load_state_dict(pm.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"


def _load_error(pm, tm, psd, tsd):
    with pytest.raises(RuntimeError) as pinfo:
        pm.load_state_dict(psd)
    with pytest.raises(RuntimeError) as tinfo:
        tm.load_state_dict(tsd)
    assert str(pinfo.value) == torch_repr_as_pynn(str(tinfo.value))


def test_load_state_dict_missing_unexpected_and_size_mismatch_match_torch():
    pm, tm = make_pair(Nested.build)
    tsd = tm.state_dict()
    psd = OrderedDict((k, to_pynn(v)) for k, v in tsd.items())
    for sd in (psd, tsd):
        del sd["head.weight"]
        sd["extra.weight"] = sd["block.fc.bias"].clone()
    _load_error(pm, tm, psd, tsd)
    tsd2 = tm.state_dict()
    tsd2["block.fc.weight"] = torch.zeros(3, 4)
    psd2 = OrderedDict((k, to_pynn(v)) for k, v in tsd2.items())
    _load_error(pm, tm, psd2, tsd2)
    # strict=False reports instead of raising; shape mismatches still raise
    res = pm.load_state_dict(psd, strict=False)
    assert res.missing_keys == [] or "head.weight" in res.missing_keys
    assert res.unexpected_keys == [] or "extra.weight" in res.unexpected_keys
    tres = tm.load_state_dict(tsd, strict=False)
    assert res.missing_keys == tres.missing_keys and res.unexpected_keys == tres.unexpected_keys


def test_load_state_dict_copies_in_place_and_checks_types():
    m = nn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": pynn.ones(2, 2), "bias": pynn.zeros(2)})
    assert m.weight is w and m.weight.detach().sum().item() == 4 and m.weight.requires_grad
    with pytest.raises(RuntimeError, match="expected pynn.Tensor or Tensor-like object from checkpoint"):
        m.load_state_dict({"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": pynn.zeros(2)})
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([("weight", pynn.ones(2, 2))])
    m.load_state_dict({"weight": nn.Parameter(pynn.zeros(2, 2)), "bias": pynn.ones(2)}, assign=True)
    assert m.weight is not w and type(m.weight) is nn.Parameter and m.weight.requires_grad


def test_unexpected_key_that_names_a_submodule():
    m = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "0"'):
        m.load_state_dict({"0.weight": pynn.ones(1, 1), "0.bias": pynn.ones(1), "0": pynn.ones(1)})


# ----------------------------------------------------------------------------------------- hooks
def test_forward_pre_and_forward_hooks_modify_and_remove():
    m = nn.Linear(3, 2)
    calls = []

    def pre(mod, args):
        calls.append(("pre", tuple(args[0].shape)))
        return (args[0] * 0,)

    def post(mod, args, out):
        calls.append(("post", tuple(out.shape)))
        return out + 1

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_hook(post)
    y = m(pynn.randn(4, 3))
    # input zeroed -> output is the bias, plus 1
    np.testing.assert_allclose(y.detach().numpy(), np.broadcast_to(m.bias.detach().numpy() + 1, (4, 2)), rtol=1e-6)
    assert calls == [("pre", (4, 3)), ("post", (4, 2))]
    h1.remove()
    h2.remove()
    h2.remove()  # idempotent
    calls.clear()
    m(pynn.randn(1, 3))
    assert calls == []


def test_hook_kwargs_prepend_and_always_call():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda mod, a, o: order.append("second"))
    m.register_forward_hook(lambda mod, a, o: order.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda mod, a, kw: (a, kw), with_kwargs=True)
    m(pynn.ones(1))
    assert order == ["first", "second"]

    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    b = Boom()
    seen = []
    b.register_forward_hook(lambda mod, a, o: seen.append(o), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        b(pynn.ones(1))
    assert seen == [None]


def test_full_backward_hook_matches_torch_grads():
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((5, 4)).astype(np.float32)
    records = {}

    def run(lib, lib_nn):
        net = lib_nn.Sequential(lib_nn.Linear(4, 3), lib_nn.Tanh(), lib_nn.Linear(3, 2))
        got = []
        net[1].register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
        return net, got

    tnet, tgot = run(torch, torch.nn)
    pnet, pgot = run(pynn, nn)
    copy_state(pnet, tnet)
    tx = torch.tensor(x_np, requires_grad=True)
    px = pynn.tensor(x_np, requires_grad=True)
    tnet(tx).sum().backward()
    pnet(px).sum().backward()
    assert len(pgot) == len(tgot) == 1
    (pgi, pgo), (tgi, tgo) = pgot[0], tgot[0]
    assert len(pgi) == len(tgi) == 1 and len(pgo) == len(tgo) == 1
    assert_close(pgi[0], tgi[0], rtol=1e-5, atol=1e-6)
    assert_close(pgo[0], tgo[0], rtol=1e-5, atol=1e-6)
    assert_close(px.grad, tx.grad, rtol=1e-5, atol=1e-6)
    records["ok"] = True


def test_full_backward_hook_can_replace_grad_input_and_first_layer_gets_none():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    got = []
    m[0].register_full_backward_hook(lambda mod, gi, go: got.append(gi))
    x = pynn.randn(3, 2)  # no grad: the first layer's grad_input is (None,), as in torch
    m(x).sum().backward()
    assert len(got) == 1 and got[0] == (None,)

    scaler = nn.Identity()
    scaler.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 3,))
    x = pynn.ones(2, requires_grad=True)
    (scaler(x) * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6, 6])


def test_backward_pre_hook_replaces_grad_output():
    m = nn.Linear(2, 1)
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
    x = pynn.ones(1, 2, requires_grad=True)
    m(x).sum().backward()
    assert x.grad.abs().sum().item() == 0 and m.weight.grad.abs().sum().item() == 0


def test_legacy_backward_hook_and_mixing_error():
    m = nn.Linear(3, 2)
    got = []
    h = m.register_backward_hook(lambda mod, gi, go: got.append(tuple(go[0].shape)))
    m(pynn.randn(4, 3, requires_grad=True)).sum().backward()
    assert got == [(4, 2)]
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        m.register_full_backward_hook(lambda *a: None)
    h.remove()
    got.clear()
    m(pynn.randn(4, 3, requires_grad=True)).sum().backward()
    assert got == []


def test_hooks_not_run_under_no_grad_backward_wrapping():
    m = nn.Linear(2, 2)
    m.register_full_backward_hook(lambda *a: None)
    with pynn.no_grad():
        y = m(pynn.randn(1, 2))
    assert y.grad_fn is None


def test_handle_context_manager():
    m = nn.Identity()
    seen = []
    with m.register_forward_hook(lambda mod, a, o: seen.append(1)):
        m(pynn.ones(1))
    m(pynn.ones(1))
    assert seen == [1]


# ----------------------------------------------------------------------------------------- repr / forward
def test_repr_matches_torch():
    pm, tm = make_pair(Nested.build)
    assert repr(pm) == repr(tm)
    seq_builder = lambda lib_nn: lib_nn.Sequential(OrderedDict(  # noqa: E731
        fc=lib_nn.Linear(2, 3, bias=False), drop=lib_nn.Dropout(0.1), act=lib_nn.LeakyReLU(0.2, inplace=True),
        blocks=lib_nn.ModuleList([lib_nn.Linear(3, 3) for _ in range(3)] + [lib_nn.GELU("tanh")]),
        d=lib_nn.ModuleDict({"a": lib_nn.Softmax(dim=1), "b": lib_nn.Hardtanh(-2.0, 2.0)}),
        flat=lib_nn.Flatten(), unflat=lib_nn.Unflatten(1, (2, 2))))
    assert repr(seq_builder(nn)) == repr(seq_builder(torch.nn))


def test_missing_forward_raises():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward" function'):
        nn.Module()(pynn.ones(1))


def test_forward_kwargs_and_functional_identity():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    y = Scale()(pynn.ones(2), factor=3.0)
    np.testing.assert_allclose(y.numpy(), [3, 3])
    assert F is pynn.functional and nn.functional is pynn.functional
