"""pynn.optim.lr_scheduler vs torch's: the same learning rates (and momenta) every epoch for 30 epochs."""
import warnings

import numpy as np

import pytest

import pynn

torch = pytest.importorskip("torch")

EPOCHS = 30


class Scale:
    """A picklable callable lr_lambda (its attributes go into the scheduler's state_dict)."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, epoch):
        return self.factor ** epoch


SCHEDULERS = {
    "StepLR": lambda lr, opt: lr.StepLR(opt, step_size=7, gamma=0.5),
    "MultiStepLR": lambda lr, opt: lr.MultiStepLR(opt, milestones=[5, 12, 12, 20], gamma=0.3),
    "ExponentialLR": lambda lr, opt: lr.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda lr, opt: lr.CosineAnnealingLR(opt, T_max=10, eta_min=0.001),
    "CosineAnnealingLR-eta0": lambda lr, opt: lr.CosineAnnealingLR(opt, T_max=7),
    "LambdaLR": lambda lr, opt: lr.LambdaLR(opt, lr_lambda=lambda e: 1.0 / (1 + e)),
    "LambdaLR-list": lambda lr, opt: lr.LambdaLR(opt, lr_lambda=[Scale(0.95), lambda e: 0.5 if e > 10 else 1.0]),
    "OneCycleLR": lambda lr, opt: lr.OneCycleLR(opt, max_lr=[0.5, 1.0], total_steps=EPOCHS + 1),
    "OneCycleLR-linear-3phase": lambda lr, opt: lr.OneCycleLR(opt, max_lr=0.3, epochs=4, steps_per_epoch=8,
                                                              anneal_strategy="linear", three_phase=True,
                                                              pct_start=0.25, div_factor=10.0),
}


def make_optimizer(lib, kind="SGD"):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def lr_trace(lib, make, kind="SGD"):
    opt = make_optimizer(lib, kind)
    sched = make(lib.optim.lr_scheduler, opt)
    trace = [(sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups])]
    for _ in range(EPOCHS):
        opt.step()
        sched.step()
        trace.append((sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return trace


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_lrs_match_torch_for_30_epochs(name, kind):
    got = lr_trace(pynn, SCHEDULERS[name], kind)
    want = lr_trace(torch, SCHEDULERS[name], kind)
    assert got == want  # the same float recurrences give the same floats


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5] + [0.5] * 18
    cases = [dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2),
             dict(threshold_mode="abs", threshold=0.05, patience=0, min_lr=[0.02, 0.01])]
    for kw in cases:
        traces = []
        for lib in (pynn, torch):
            opt = make_optimizer(lib)
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
            trace = []
            for m in metrics:
                opt.step()
                sched.step(m)
                trace.append((sched.get_last_lr(), sched.num_bad_epochs, sched.best))
            traces.append(trace)
        assert traces[0] == traces[1], kw


def test_closed_form_with_epoch_argument_matches_torch():
    traces = []
    for lib in (pynn, torch):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(10)
        traces.append(sched.get_last_lr())
    assert traces[0] == traces[1] == [0.1 * 0.5 ** 3, 0.05 * 0.5 ** 3]


def test_warns_when_stepped_before_optimizer():
    opt = make_optimizer(pynn)
    sched = pynn.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()


def test_no_warning_in_the_right_order():
    opt = make_optimizer(pynn)
    sched = pynn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()
    assert sched.get_last_lr() == [0.1 * 0.125, 0.05 * 0.125]


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "LambdaLR-list"])
def test_scheduler_state_dict_resumes(name):
    make = SCHEDULERS[name]
    full = lr_trace(pynn, make)
    opt = make_optimizer(pynn)
    sched = make(pynn.optim.lr_scheduler, opt)
    for _ in range(12):
        opt.step()
        sched.step()
    sd, osd = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in sd
    opt2 = make_optimizer(pynn)
    opt2.load_state_dict(osd)
    sched2 = make(pynn.optim.lr_scheduler, opt2)
    sched2.load_state_dict(sd)
    lrs = [sched2.get_last_lr()]
    for _ in range(EPOCHS - 12):
        opt2.step()
        sched2.step()
        lrs.append(sched2.get_last_lr())
    assert lrs == [lr for lr, _ in full[12:]]


def test_bad_arguments():
    lr = pynn.optim.lr_scheduler
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr.StepLR(object(), step_size=2)
    opt = make_optimizer(pynn)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode foo is unknown"):
        lr.ReduceLROnPlateau(opt, mode="foo")
    with pytest.raises(ValueError, match="total_steps OR"):
        lr.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr.OneCycleLR(opt, max_lr=[0.1], total_steps=5)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        lr.LambdaLR(opt, lr_lambda=[lambda e: 1.0])
    with pytest.raises(KeyError, match="initial_lr"):
        lr.StepLR(make_optimizer(pynn), step_size=2, last_epoch=3)
    sched = lr.OneCycleLR(make_optimizer(pynn), max_lr=0.1, total_steps=2)
    sched.optimizer.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()


# ---- issue #17: ConstantLR, LinearLR, PolynomialLR, SequentialLR, ChainedScheduler, CosineAnnealingWarmRestarts,
# CyclicLR ------------------------------------------------------------------------------------------------
def _run_schedule(lib, make, n=25, opt="SGD"):
    import warnings

    p, q = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
    extra = {"momentum": 0.9} if opt == "SGD" else {}
    o = getattr(lib.optim, opt)([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1, **extra)
    s = make(lib, o)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            o.step()
            s.step()
            rows.append(list(s.get_last_lr()) + [g.get("momentum", g.get("betas", [0])[0]) for g in o.param_groups])
    return np.array(rows, dtype=float), s


NEW_SCHEDULES = {
    "constant": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
    "linear": lambda L, o: L.optim.lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6),
    "poly": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=10, power=2.0),
    "warm_restarts": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "cyclic2": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                          mode="triangular2"),
    "cyclic_exp": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                             step_size_down=5, mode="exp_range", gamma=0.9),
    "sequential": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
            L.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "multiplicative": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1 - 0.01 * e]),
    "chained": lambda L, o: L.optim.lr_scheduler.ChainedScheduler(
        [L.optim.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=2), L.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)]),
}


@pytest.mark.parametrize("name", sorted(NEW_SCHEDULES))
def test_new_schedulers_match_torch(name):
    a, _ = _run_schedule(pynn, NEW_SCHEDULES[name])
    b, _ = _run_schedule(torch, NEW_SCHEDULES[name])
    np.testing.assert_array_equal(a, b)


def test_cyclic_lr_cycles_adam_beta1_like_torch():
    make = NEW_SCHEDULES["cyclic2"]
    np.testing.assert_array_equal(_run_schedule(pynn, make, opt="Adam")[0], _run_schedule(torch, make, opt="Adam")[0])


def test_warm_restarts_fractional_epochs():
    def lrs(lib):
        o = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        s = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3)
        out = []
        for e in np.arange(0, 9, 0.25):
            s.step(float(e))
            out.append(s.get_last_lr()[0])
        return out

    np.testing.assert_allclose(lrs(pynn), lrs(torch), rtol=1e-12)


@pytest.mark.parametrize("name", ["sequential", "chained", "cyclic_exp"])
def test_new_schedulers_state_dict_round_trip(name):
    _, s = _run_schedule(pynn, NEW_SCHEDULES[name], n=4)
    sd = s.state_dict()
    _, s2 = _run_schedule(pynn, NEW_SCHEDULES[name], n=0)
    s2.load_state_dict(sd)
    assert getattr(s2, "last_epoch", None) == getattr(s, "last_epoch", None) and s2.get_last_lr() == s.get_last_lr()
    _, t = _run_schedule(torch, NEW_SCHEDULES[name], n=4)
    assert sorted(sd) == sorted(t.state_dict())


def test_new_scheduler_errors_match_torch():
    def build(lib, kind):
        o = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        other = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        S = lib.optim.lr_scheduler
        return {"constant": lambda: S.ConstantLR(o, factor=2.0),
                "linear": lambda: S.LinearLR(o, start_factor=0),
                "warm": lambda: S.CosineAnnealingWarmRestarts(o, T_0=0),
                "mult": lambda: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
                "cyclic": lambda: S.CyclicLR(o, 0.1, 1.0, mode="nope"),
                "seq": lambda: S.SequentialLR(o, [S.ConstantLR(o)], milestones=[1]),
                "seq_opt": lambda: S.SequentialLR(o, [S.ConstantLR(o), S.ConstantLR(other)], milestones=[1]),
                "cycmom": lambda: S.CyclicLR(lib.optim.Adagrad([lib.zeros(1, requires_grad=True)]), 0.1, 1.0)}[kind]

    for kind in ["constant", "linear", "warm", "mult", "cyclic", "seq", "seq_opt", "cycmom"]:
        with pytest.raises(ValueError) as ref:
            build(torch, kind)()
        with pytest.raises(ValueError) as got:
            build(pynn, kind)()
        assert str(got.value).split(" has ")[0] == str(ref.value).split(" has ")[0], kind
