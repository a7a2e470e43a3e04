"""NAdam: Adam with Nesterov momentum (Dozat, 2016), with torch's momentum_decay schedule."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _scalar_dtype, _step_counter
from .optimizer import Optimizer, _check_betas, _check_non_negative, _check_unsupported, _step_no_grad


class NAdam(Optimizer):
    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_betas(betas)
        _check_non_negative("weight_decay value", weight_decay)
        _check_non_negative("momentum_decay value", momentum_decay)
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            self._init_state(group, {"step": lambda p: _step_counter(),
                                     "mu_product": lambda p: _C._full([], 1.0, _scalar_dtype()),
                                     "exp_avg": _factories.zeros_like, "exp_avg_sq": _factories.zeros_like})
            params, grads, s = self._grouped(group, ["exp_avg", "exp_avg_sq", "mu_product", "step"])
            if params:
                beta1, beta2 = group["betas"]
                _C._nadam_radam_step(params, grads, s["exp_avg"], s["exp_avg_sq"], s["mu_product"], s["step"],
                                     float(group["lr"]), beta1, beta2, group["weight_decay"], group["eps"],
                                     group["maximize"], group["decoupled_weight_decay"], group["momentum_decay"])
