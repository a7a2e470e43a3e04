"""Rprop: resilient backpropagation (sign-based steps with per-element step sizes)."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _step_counter
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


class Rprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            lr = float(group["lr"])
            self._init_state(group, {"step": lambda p: _step_counter(), "prev": _factories.zeros_like,
                                     "step_size": lambda p: _factories.full_like(p.grad, lr)})
            params, grads, s = self._grouped(group, ["prev", "step_size", "step"])
            if params:
                etaminus, etaplus = group["etas"]
                step_size_min, step_size_max = group["step_sizes"]
                _C._rprop_step(params, grads, s["prev"], s["step_size"], s["step"], etaminus, etaplus,
                               step_size_min, step_size_max, group["maximize"])
