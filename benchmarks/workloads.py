"""The workloads `python -m benchmarks` times. Each `make(lib)` builds its state from seeded NumPy data and returns
the step to time; pynn's API is torch's, so one definition serves both libraries and both do the same work.

The per-issue scripts (bench_simd, bench_norm, ...) keep their detailed figures (GB/s, GFLOP/s sweeps); their
`workloads(lib)` tables are folded in here, so each workload is defined once.
"""
from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np

from timing import Workload


def seeded_state(lib, module, seed: int = 0) -> None:
    """Loads the same values into `module` in either library: parameters and buffers filled from a NumPy stream
    keyed by their state_dict names (so both libraries get identical weights without either one's init)."""
    state = {}
    for i, (name, value) in enumerate(sorted(module.state_dict().items())):
        shape = tuple(value.shape)
        if name.endswith("num_batches_tracked"):
            continue
        rng = np.random.default_rng([seed, i])
        if name.endswith("running_var"):
            arr = np.ones(shape, np.float32)
        elif name.endswith("running_mean"):
            arr = np.zeros(shape, np.float32)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else max(shape[0] if shape else 1, 1)
            bound = 1.0 / np.sqrt(fan_in)
            arr = rng.uniform(-bound, bound, shape).astype(np.float32)
            if len(shape) == 1 and ("norm" in name or name.startswith("ln")):
                arr = 1.0 + arr  # norm scales near one
        state[name] = lib.tensor(arr)
    module.load_state_dict(state, strict=False)


def _array(shape, seed: int, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def train_step(lib, model, inputs: List[object], target, loss: str = "cross_entropy", optimizer: str = "Adam",
               lr: float = 1e-3) -> Callable[[], None]:
    """zero_grad, forward, loss, backward, optimizer step: the step a training loop repeats."""
    opt = getattr(lib.optim, optimizer)(model.parameters(), lr=lr)
    crit = getattr(lib.nn.functional, loss)

    def step():
        opt.zero_grad()
        crit(model(*inputs), target).backward()
        opt.step()

    return step


def fwd_bwd(lib, module, x_np, *extra) -> Callable[[], None]:
    """Forward and backward of one layer against a fixed random output gradient."""
    x = lib.tensor(x_np).requires_grad_(True)
    with lib.no_grad():
        out = module(x, *extra)
    out = out[0] if isinstance(out, tuple) else out
    g = lib.tensor(_array(tuple(out.shape), 7))

    def step():
        x.grad = None
        for p in module.parameters():
            p.grad = None
        y = module(x, *extra)
        (y[0] if isinstance(y, tuple) else y).backward(g)

    return step


# ---- per-op overhead --------------------------------------------------------------------------------------------

def _add_1(lib):
    a, b = lib.ones(1), lib.ones(1)
    return lambda: a + b


def _linear_no_grad(lib):
    m = lib.nn.Linear(10, 5)
    x = lib.tensor(_array((1, 10), 1))

    def step():
        with lib.no_grad():
            m(x)

    return step


def _linear_grad(lib):
    m = lib.nn.Linear(10, 5)
    x = lib.tensor(_array((1, 10), 1))

    def step():
        m.zero_grad()
        m(x).sum().backward()

    return step


# ---- GEMM, MLP, CNN ---------------------------------------------------------------------------------------------

def _sgemm(n: int):
    def make(lib):
        a, b = lib.tensor(_array((n, n), 1)), lib.tensor(_array((n, n), 2))
        return lambda: a @ b

    return make


def _mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def _mlp_step(optimizer: str, batch: int):
    def make(lib):
        model = _mlp(lib)
        seeded_state(lib, model)
        x = lib.tensor(_array((batch, 784), 1))
        y = lib.tensor(np.random.default_rng(2).integers(0, 10, batch))
        return train_step(lib, model, [x], y, optimizer=optimizer, lr=0.01 if optimizer == "SGD" else 1e-3)

    return make


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2048, 512), nn.ReLU(), nn.Linear(512, 10))


def _cnn_step(batch: int):
    def make(lib):
        model = cnn(lib)
        seeded_state(lib, model)
        x = lib.tensor(_array((batch, 3, 32, 32), 1))
        y = lib.tensor(np.random.default_rng(2).integers(0, 10, batch))
        return train_step(lib, model, [x], y)

    return make


def _conv2d(lib):
    x, w = lib.tensor(_array((64, 64, 32, 32), 1)), lib.tensor(_array((64, 64, 3, 3), 2))
    conv = lib.nn.functional.conv2d

    def step():
        with lib.no_grad():
            conv(x, w, None, 1, 1)

    return step


def _depthwise(lib):
    x, w = lib.tensor(_array((32, 128, 56, 56), 1)), lib.tensor(_array((128, 1, 3, 3), 2))
    conv = lib.nn.functional.conv2d

    def step():
        with lib.no_grad():
            conv(x, w, None, 1, 1, 1, 128)

    return step


def _max_pool(lib):
    x = lib.tensor(_array((32, 64, 56, 56), 1))
    pool = lib.nn.functional.max_pool2d

    def step():
        with lib.no_grad():
            pool(x, 2, 2)

    return step


# ---- recurrent --------------------------------------------------------------------------------------------------

def _rnn(kind: str, input_size: int, hidden: int, layers: int, seq: int, batch: int):
    def make(lib):
        m = getattr(lib.nn, kind)(input_size, hidden, layers)
        seeded_state(lib, m)
        return fwd_bwd(lib, m, _array((seq, batch, input_size), 1))

    return make


def _rnn_gflop(input_size: int, hidden: int, layers: int, seq: int, batch: int, gates: int) -> float:
    """Forward+backward GEMM work (backward about twice forward) of a stacked recurrent layer."""
    fwd = 0.0
    for layer in range(layers):
        fin = input_size if layer == 0 else hidden
        fwd += 2.0 * seq * batch * gates * hidden * (fin + hidden)
    return 3 * fwd / 1e9


# ---- attention and the GPT step ---------------------------------------------------------------------------------

def _sdpa(causal: bool):
    def make(lib):
        F = lib.nn.functional
        q, k, v = (lib.tensor(_array((8, 8, 256, 64), s)).requires_grad_(True) for s in (1, 2, 3))
        g = lib.tensor(_array((8, 8, 256, 64), 4))

        def step():
            q.grad = k.grad = v.grad = None
            F.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(g)

        return step

    return make


def gpt(lib, vocab: int = 65, width: int = 256, layers: int = 4, heads: int = 4, context: int = 128):
    """A GPT of pre-norm blocks: causal self-attention through F.scaled_dot_product_attention and a GELU MLP."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
            q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, width), nn.Embedding(context, width)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln_f, self.head = nn.LayerNorm(width), nn.Linear(width, vocab)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(lib.arange(t))
            return self.head(self.ln_f(self.blocks(x))).view(-1, vocab)

    return GPT()


def _gpt_step(lib):
    model = gpt(lib)
    seeded_state(lib, model)
    rng = np.random.default_rng(3)
    idx = lib.tensor(rng.integers(0, 65, (16, 128)))
    target = lib.tensor(rng.integers(0, 65, 16 * 128))
    return train_step(lib, model, [idx], target)


def _gpt_gflop(batch=16, t=128, width=256, layers=4, vocab=65) -> float:
    tokens = batch * t
    per_layer = 2 * tokens * width * (3 * width + width + 8 * width) + 2 * 2 * batch * t * t * width
    return 3 * (layers * per_layer + 2 * tokens * width * vocab) / 1e9


# ---- norms, embedding, softmax/loss, transcendental ops: the per-issue scripts' tables ----------------------------

def _from_table(module_name: str, key: str):
    def make(lib):
        mod = __import__(module_name)
        return mod.workloads(lib)[key]

    return make


def all_workloads() -> List[Workload]:
    w: List[Workload] = [
        Workload("add_1elem", _add_1, "overhead", target=0.5, note="a + b on 1-element tensors"),
        Workload("linear_10x5_no_grad", _linear_no_grad, "overhead", note="Linear(10, 5), one sample, no_grad"),
        Workload("linear_10x5_fwd_bwd", _linear_grad, "overhead", note="Linear(10, 5), one sample, forward+backward"),
    ]
    for n in (64, 256, 1024, 2048):
        w.append(Workload(f"sgemm_{n}", _sgemm(n), "gemm", gflop=2 * n ** 3 / 1e9, tags=["slow"] if n == 2048 else []))
    for opt in ("SGD", "Adam"):
        for b in (64, 512):
            w.append(Workload(f"mlp_{opt.lower()}_step_b{b}", _mlp_step(opt, b), "mlp", target=1.0,
                              note="784-256-256-10 ReLU, cross_entropy"))
    w += [
        Workload("cnn_adam_step_b32", _cnn_step(32), "cnn", target=0.9, note="3 conv+pool blocks on 32x32x3"),
        Workload("conv2d_64x64x32x32_3x3", _conv2d, "cnn", gflop=2 * 64 * 64 * 64 * 9 * 32 * 32 / 1e9),
        Workload("depthwise_conv_32x128x56x56_3x3", _depthwise, "cnn", gflop=2 * 32 * 128 * 9 * 56 * 56 / 1e9),
        Workload("max_pool2d_32x64x56x56_2x2", _max_pool, "cnn"),
        Workload("lstm_10_20_2_seq5_b32_fwd_bwd", _rnn("LSTM", 10, 20, 2, 5, 32), "rnn", target=0.4),
        Workload("lstm_256_512_2_seq50_b32_fwd_bwd", _rnn("LSTM", 256, 512, 2, 50, 32), "rnn", target=0.9,
                 gflop=_rnn_gflop(256, 512, 2, 50, 32, 4), tags=["slow"]),
        Workload("gru_256_512_1_seq50_b32_fwd_bwd", _rnn("GRU", 256, 512, 1, 50, 32), "rnn", target=0.9,
                 gflop=_rnn_gflop(256, 512, 1, 50, 32, 3), tags=["slow"]),
    ]
    for key, target in (("batchnorm2d_train_fwd_bwd", 0.4), ("layernorm_fwd_bwd", 0.9),
                        ("groupnorm_fwd_bwd", 0.5), ("embedding_lookup_bwd", 0.2)):
        w.append(Workload(key, _from_table("bench_norm", key), "norm", target=target))
    w.append(Workload("copy_head_split_32x128x8x64", _from_table("bench_copy", "head_split"), "elementwise",
                      note="dst.copy_(x.permute(0, 2, 1, 3)) into a preallocated contiguous dst"))
    w.append(Workload("copy_nchw_to_nhwc_32x64x28x28", _from_table("bench_copy", "nchw_to_nhwc"), "elementwise",
                      note="dst.copy_(x.permute(0, 2, 3, 1))"))
    w.append(Workload("softmax_cross_entropy_4096x1000_fwd_bwd", _from_table("bench_simd", "cross_entropy_4096x1000_fwd_bwd"),
                      "softmax", target=0.5))
    for op, target in (("exp", None), ("tanh", None), ("sigmoid", 0.8), ("gelu", 0.8), ("silu", 0.8)):
        w.append(Workload(f"{op}_4M", _from_table("bench_simd", f"{op}_4M"), "elementwise", target=target))
    w += [
        Workload("sdpa_8x8x256x64_fwd_bwd", _sdpa(False), "attention", target=0.8),
        Workload("sdpa_causal_8x8x256x64_fwd_bwd", _sdpa(True), "attention", target=0.8),
        Workload("gpt_4x256_adam_step_16x128", _gpt_step, "attention", target=0.9, gflop=_gpt_gflop(), tags=["slow"]),
    ]
    return w


def by_name() -> Dict[str, Workload]:
    return {wl.name: wl for wl in all_workloads()}
