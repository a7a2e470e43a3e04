"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992); the average is state['ax']."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _scalar_dtype, _step_counter
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


class ASGD(Optimizer):
    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("weight_decay value", weight_decay)
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            lr = float(group["lr"])
            self._init_state(group, {"step": lambda p: _step_counter(),
                                     "eta": lambda p: _C._full([], lr, _scalar_dtype()),
                                     "mu": lambda p: _C._full([], 1.0, _scalar_dtype()), "ax": _factories.zeros_like})
            params, grads, s = self._grouped(group, ["ax", "mu", "eta", "step"])
            if params:
                _C._asgd_step(params, grads, s["ax"], s["mu"], s["eta"], s["step"], group["lambd"], lr, group["t0"],
                              group["alpha"], group["weight_decay"], group["maximize"])
