"""Every CPU capability the machine supports gives torch's results.

The kernels in csrc/cpu/{elementwise,reduce,activation,softmax,loss,optim}.cpp are compiled once per
capability (baseline x86-64, AVX2+FMA, AVX-512) and one is picked at import; PYNN_CPU_CAPABILITY chooses
another. Each capability runs a representative subset (unary math with special values, activations forward
and backward, softmax / log_softmax / cross_entropy, reductions contiguous and strided, optimizer steps) in a
subprocess of its own, against torch.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

CAPABILITIES = ["default", "avx2", "avx512"]
HERE = os.path.dirname(os.path.abspath(__file__))
SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 1e-8, -1e-8, 88.7, -88.7, 100.0, -100.0, 1.0,
            -1.0, 0.5, 20.0, -20.0, 1e30, -1e30]


def _run_worker(cap: str) -> dict:
    env = dict(os.environ, PYNN_CPU_CAPABILITY=cap, PYNN_NUM_THREADS="2")
    import pynn

    # The worker imports the pynn this process tested (the installed wheel in CI, the source tree in development).
    where = os.path.dirname(os.path.dirname(os.path.abspath(pynn.__file__)))
    env["PYTHONPATH"] = where + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker"], env=env, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"worker at {cap} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cap", CAPABILITIES)
def test_capability_matches_torch(cap):
    import pynn

    if not hasattr(pynn._C, "_cpu_capability"):
        pytest.skip("pynn._C._cpu_capability not built")
    report = _run_worker(cap)
    if report["capability"] != cap:
        pytest.skip(f"this CPU does not support {cap} (ran at {report['capability']})")
    assert report["failures"] == [], "\n".join(report["failures"])
    assert report["checked"] > 50


# ---------------------------------------------------------------------------------------------------------
# The worker (runs in the subprocess).


def _worker() -> None:
    import pynn

    F = pynn.nn.functional
    TF = torch.nn.functional
    failures = []
    checked = 0
    rng = np.random.default_rng(0)

    def compare(name, got, want, rtol, atol):
        nonlocal checked
        checked += 1
        g = np.asarray(got.detach().numpy() if hasattr(got, "detach") else got, dtype=np.float64)
        w = np.asarray(want.detach().numpy(), dtype=np.float64)
        if g.shape != w.shape:
            failures.append(f"{name}: shape {g.shape} vs {w.shape}")
            return
        if not np.array_equal(np.isnan(g), np.isnan(w)):
            failures.append(f"{name}: nan positions differ")
            return
        ok = ~np.isnan(w)
        same_inf = np.all((g[ok] == w[ok]) | (np.isfinite(g[ok]) & np.isfinite(w[ok])))
        with np.errstate(invalid="ignore"):  # inf - inf where both are the same inf
            err = np.nan_to_num(np.abs(g[ok] - w[ok]) - (atol + rtol * np.abs(w[ok])), nan=0.0)
        bad = err > 0
        if not same_inf or bad.any():
            i = int(np.flatnonzero(bad)[0]) if bad.any() else 0
            failures.append(f"{name}: max excess {err.max():.3g} (got {g[ok][i]!r}, want {w[ok][i]!r})")

    def tol(dt):
        return (2e-6, 1e-6) if dt == "float32" else (1e-12, 1e-14)

    for dt in ("float32", "float64"):
        # 4099 elements: the vector body and a scalar tail, plus the special values.
        base = np.concatenate([rng.standard_normal(4099) * 4, np.array(SPECIALS)]).astype(dt)
        positive = np.concatenate([np.abs(rng.standard_normal(4099)) * 10, [0.0, -0.0, -1.0, np.inf, np.nan, 1e-40,
                                                                            1e-30, 1e30]]).astype(dt)
        rtol, atol = tol(dt)
        for name, x in (("exp", base), ("expm1", base), ("tanh", base), ("sigmoid", base), ("erf", base),
                        ("log", positive), ("log1p", np.concatenate([positive - 1, positive]).astype(dt)),
                        ("sqrt", positive), ("rsqrt", positive)):
            compare(f"{name}[{dt}]", getattr(pynn, name)(pynn.tensor(x)), getattr(torch, name)(torch.tensor(x)),
                    rtol, atol)
        # sigmoid / silu's left tail down to the subnormals, against float64 (torch flushes it to 0 below
        # -88.7; pynn keeps it, to 2 ulp): exp_nonpositive's scaling by 2^-64 and the one-rounding quotient.
        if dt == "float32":
            tail = -np.concatenate([np.linspace(80, 104, 4001), [87.33655, 88.72284, 103.97, 104.0, 104.5, 200.0]])
            tail = tail.astype(dt)
            exact = 1.0 / (1.0 + np.exp(-tail.astype(np.float64)))
            got = pynn.sigmoid(pynn.tensor(tail)).numpy().astype(np.float64)
            ulp = np.maximum(np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64), 2.0 ** -149)
            checked += 1
            if np.max(np.abs(got - exact) / ulp) > 2.0:
                failures.append(f"sigmoid tail: {np.max(np.abs(got - exact) / ulp):.2f} ulp")
            silu = F.silu(pynn.tensor(tail)).numpy().astype(np.float64)
            checked += 1
            # x times a sigmoid 2 ulp off (a subnormal sigmoid's ulp is large relative to it), then rounded
            bound = np.abs(tail) * 2 * ulp + np.abs(tail * exact) * 2.0 ** -23 + 2.0 ** -149
            if not np.all(np.abs(silu - tail * exact) <= bound):
                failures.append("silu tail off x * sigmoid(x)")
        # strided input (a transposed view) takes the non-contiguous loop
        m = rng.standard_normal((67, 61)).astype(dt)
        compare(f"exp_strided[{dt}]", pynn.exp(pynn.tensor(m).t()), torch.exp(torch.tensor(m).t()), rtol, atol)
        # transposed copies: the 8x8 register-transpose blocks (AVX2 builds, 4-byte words) and their ragged edges
        layout_rng = np.random.default_rng(1)  # its own stream: the draws below keep their samples
        for shape, perm in (((67, 61), (1, 0)), ((3, 40, 37), (0, 2, 1)), ((2, 9, 5, 16), (0, 3, 1, 2))):
            a = layout_rng.standard_normal(shape).astype(dt)
            compare(f"transpose_copy{shape}{perm}[{dt}]", pynn.tensor(a).permute(*perm).contiguous(),
                    torch.tensor(a).permute(*perm).contiguous(), 0.0, 0.0)
        ai = layout_rng.integers(-9, 9, (50, 70)).astype("int32")
        compare(f"transpose_copy_int32[{dt}]", pynn.tensor(ai).t().contiguous(), torch.tensor(ai).t().contiguous(),
                0.0, 0.0)

        # Activations, forward and backward.
        x = (rng.standard_normal(5003) * 4).astype(dt)
        g = rng.standard_normal(5003).astype(dt)
        acts = {
            "gelu": (lambda L, t: L.nn.functional.gelu(t)),
            "gelu_tanh": (lambda L, t: L.nn.functional.gelu(t, approximate="tanh")),
            "silu": (lambda L, t: L.nn.functional.silu(t)),
            "mish": (lambda L, t: L.nn.functional.mish(t)),
            "softplus": (lambda L, t: L.nn.functional.softplus(t, beta=2.0, threshold=10.0)),
            "elu": (lambda L, t: L.nn.functional.elu(t, alpha=0.7)),
            "selu": (lambda L, t: L.nn.functional.selu(t)),
        }
        for name, fn in acts.items():
            px = pynn.tensor(x, requires_grad=True)
            tx = torch.tensor(x, requires_grad=True)
            py, ty = fn(pynn, px), fn(torch, tx)
            # gelu: torch's own float32 gelu is 1.1e-6 off the exact value near x = 3.5
            compare(f"{name}[{dt}]", py, ty, 4 * rtol, 3 * atol if name == "gelu" else atol)
            py.backward(pynn.tensor(g))
            ty.backward(torch.tensor(g))
            compare(f"{name}_grad[{dt}]", px.grad, tx.grad, 4 * rtol, 4 * atol)

        # softmax / log_softmax over the last and a middle dim, forward and backward; cross_entropy.
        z = (rng.standard_normal((9, 37, 13)) * 5).astype(dt)
        gz = rng.standard_normal((9, 37, 13)).astype(dt)
        for fname in ("softmax", "log_softmax"):
            for dim in (2, 1):
                pz = pynn.tensor(z, requires_grad=True)
                tz = torch.tensor(z, requires_grad=True)
                py, ty = getattr(F, fname)(pz, dim=dim), getattr(TF, fname)(tz, dim=dim)
                compare(f"{fname}(dim={dim})[{dt}]", py, ty, 4 * rtol, atol)
                py.backward(pynn.tensor(gz))
                ty.backward(torch.tensor(gz))
                compare(f"{fname}_grad(dim={dim})[{dt}]", pz.grad, tz.grad, 4 * rtol, 4 * atol)
        # Wide rows (the benchmark's 1000 classes) with a spread that sends exp(x - max) into the subnormals,
        # -inf entries and a row that is -inf but for one entry.
        w = (rng.standard_normal((16, 1000)) * 30).astype(dt)
        w[3, ::7] = -np.inf
        w[5, :] = -np.inf
        w[5, 17] = 2.0
        gw = rng.standard_normal((16, 1000)).astype(dt)
        for fname in ("softmax", "log_softmax"):
            pw = pynn.tensor(w, requires_grad=True)
            tw = torch.tensor(w, requires_grad=True)
            py, ty = getattr(F, fname)(pw, dim=1), getattr(TF, fname)(tw, dim=1)
            # log_softmax: x - logsumexp cancels to a few ulp of |x| ~ 100 (torch rounds it another way)
            compare(f"{fname}(wide)[{dt}]", py, ty, 4 * rtol, atol if fname == "softmax" else 2e3 * atol)
            py.backward(pynn.tensor(gw))
            ty.backward(torch.tensor(gw))
            compare(f"{fname}_grad(wide)[{dt}]", pw.grad, tw.grad, 4 * rtol, 4 * atol)
        logits = (rng.standard_normal((64, 1000)) * 3).astype(dt)
        target = rng.integers(0, 1000, 64)
        pl = pynn.tensor(logits, requires_grad=True)
        tl = torch.tensor(logits, requires_grad=True)
        pls = F.cross_entropy(pl, pynn.tensor(target), label_smoothing=0.1)
        tls = TF.cross_entropy(tl, torch.tensor(target), label_smoothing=0.1)
        compare(f"cross_entropy[{dt}]", pls, tls, 4 * rtol, atol)
        pls.backward()
        tls.backward()
        compare(f"cross_entropy_grad[{dt}]", pl.grad, tl.grad, 4 * rtol, atol)

        # Reductions, contiguous rows, inner dims and strided (transposed) inputs.
        r = rng.standard_normal((33, 257, 5)).astype(dt)
        for name in ("sum", "mean", "amax", "amin", "var", "std"):
            for dim in (0, 1, 2):
                compare(f"{name}(dim={dim})[{dt}]", getattr(pynn.tensor(r), name)(dim),
                        getattr(torch.tensor(r), name)(dim), 4 * rtol, 10 * atol)
            compare(f"{name}(strided)[{dt}]", getattr(pynn.tensor(r).transpose(0, 2), name)(1),
                    getattr(torch.tensor(r).transpose(0, 2), name)(1), 4 * rtol, 10 * atol)
        with_nan = r.copy()
        with_nan[3, 100, 2] = np.nan
        compare(f"amax(nan)[{dt}]", pynn.tensor(with_nan).amax(1), torch.tensor(with_nan).amax(1), 0, 0)

    # Optimizer steps: a few steps of each from the same start, bit for bit where the update is plain
    # arithmetic and fma (torch's CPU kernels), checked to float32 rounding otherwise.
    w0 = rng.standard_normal((301, 7)).astype(np.float32)
    grads = [rng.standard_normal((301, 7)).astype(np.float32) for _ in range(3)]
    optimizers = (("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                  ("Adam", dict(lr=1e-2, weight_decay=0.01)), ("AdamW", dict(lr=1e-2, amsgrad=True)),
                  ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True)), ("Adagrad", dict(lr=0.1)))
    for name, kw in optimizers:
        pw = pynn.nn.Parameter(pynn.tensor(w0.copy()))
        tw = torch.nn.Parameter(torch.tensor(w0.copy()))
        po = getattr(pynn.optim, name)([pw], **kw)
        to = getattr(torch.optim, name)([tw], foreach=False, **kw)
        for gr in grads:
            pw.grad = pynn.tensor(gr)
            tw.grad = torch.tensor(gr)
            po.step()
            to.step()
        compare(f"optim.{name}", pw, tw, 2e-6, 1e-7)

    print(json.dumps({"capability": pynn._C._cpu_capability(), "checked": checked, "failures": failures}))


if __name__ == "__main__" and "--worker" in sys.argv:
    _worker()
