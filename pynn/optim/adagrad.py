"""Adagrad, with learning-rate decay and an initial accumulator value."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .adam import _step_counter
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


class Adagrad(Optimizer):
    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("lr_decay value", lr_decay)
        _check_non_negative("weight_decay value", weight_decay)
        _check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        _check_non_negative("epsilon value", eps)
        _check_unsupported(differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def add_param_group(self, param_group) -> None:
        super().add_param_group(param_group)
        # Adagrad's accumulators exist from the start (torch creates them eagerly too).
        group = self.param_groups[-1]
        for p in group["params"]:
            state = self.state[p]
            state["step"] = _step_counter()
            state["sum"] = _factories.full_like(p, group["initial_accumulator_value"])

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            params, grads, s = self._grouped(group, ["step", "sum"])
            if not params:
                continue
            _C._adagrad_step(params, grads, s["sum"], s["step"], float(group["lr"]), group["lr_decay"],
                             group["weight_decay"], group["eps"], group["maximize"])
