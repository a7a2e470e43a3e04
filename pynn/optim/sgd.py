"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

from .. import _C
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("momentum value", momentum)
        _check_non_negative("weight_decay value", weight_decay)
        _check_unsupported(differentiable)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            momentum = group["momentum"]
            params, grads, state = self._grouped(group, ["momentum_buffer"] if momentum != 0 else [])
            if not params:
                continue
            bufs = _C._sgd_step(params, grads, state.get("momentum_buffer", []), float(group["lr"]), momentum,
                                group["dampening"], group["weight_decay"], group["nesterov"], group["maximize"])
            for p, buf in zip(params, bufs):
                self.state[p]["momentum_buffer"] = buf
