"""pynn.optim.lr_scheduler vs torch's: the same learning rates (and momenta) every epoch for 30 epochs."""
import warnings

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
