"""Adadelta (Zeiler, 2012)."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _step_counter
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


class Adadelta(Optimizer):
    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_non_negative("epsilon value", eps)
        _check_non_negative("weight_decay value", weight_decay)
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            self._init_state(group, {"step": lambda p: _step_counter(), "square_avg": _factories.zeros_like,
                                     "acc_delta": _factories.zeros_like})
            params, grads, s = self._grouped(group, ["square_avg", "acc_delta", "step"])
            if params:
                _C._adadelta_step(params, grads, s["square_avg"], s["acc_delta"], s["step"], float(group["lr"]),
                                  group["rho"], group["eps"], group["weight_decay"], group["maximize"])
