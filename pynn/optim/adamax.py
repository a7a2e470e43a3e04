"""Adamax: Adam with the infinity norm (Kingma & Ba, 2014, section 7)."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _step_counter
from .optimizer import Optimizer, _check_betas, _check_non_negative, _check_unsupported, _step_no_grad


class Adamax(Optimizer):
    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay value", weight_decay)
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            self._init_state(group, {"step": lambda p: _step_counter(), "exp_avg": _factories.zeros_like,
                                     "exp_inf": _factories.zeros_like})
            params, grads, s = self._grouped(group, ["exp_avg", "exp_inf", "step"])
            if params:
                beta1, beta2 = group["betas"]
                _C._adamax_step(params, grads, s["exp_avg"], s["exp_inf"], s["step"], float(group["lr"]), beta1,
                                beta2, group["eps"], group["weight_decay"], group["maximize"])
