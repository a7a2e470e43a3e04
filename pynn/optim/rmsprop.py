"""RMSprop, with momentum and the centered variant."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _step_counter
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        _check_non_negative("momentum value", momentum)
        _check_non_negative("weight_decay value", weight_decay)
        _check_non_negative("alpha value", alpha)
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            momentum, centered = group["momentum"], group["centered"]
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["square_avg"] = _factories.zeros_like(p)
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = _factories.zeros_like(p)
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = _factories.zeros_like(p)
            keys = ["step", "square_avg"] + (["grad_avg"] if centered else []) + (
                ["momentum_buffer"] if momentum > 0 else [])
            params, grads, s = self._grouped(group, keys)
            _C._rmsprop_step(params, grads, s["square_avg"], s.get("grad_avg", []), s.get("momentum_buffer", []),
                             s["step"], float(group["lr"]), group["alpha"], group["eps"], group["weight_decay"],
                             momentum, group["maximize"])
