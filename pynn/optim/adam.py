"""Adam and AdamW (decoupled weight decay), with the AMSGrad variant."""
from __future__ import annotations

from .. import _C
from .. import _factories
from .optimizer import Optimizer, _check_non_negative, _check_unsupported, _step_no_grad


def _scalar_dtype():
    """torch's optimizer scalars (step counts, ASGD's eta/mu, NAdam's mu_product): float32, or float64 under a
    float64 default dtype (torch.optim.optimizer._get_scalar_dtype)."""
    return _C.float64 if _C._get_default_dtype() == _C.float64 else _C.float32


def _step_counter():
    # torch keeps the step count as a scalar tensor; state_dicts carry it in that form.
    return _C._full([], 0.0, _scalar_dtype())


class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False) -> None:
        _check_non_negative("learning rate", lr)
        _check_non_negative("epsilon value", eps)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check_non_negative("weight_decay value", weight_decay)
        _check_unsupported(differentiable, capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    @_step_no_grad
    def step(self) -> None:
        for group in self.param_groups:
            amsgrad = group["amsgrad"]
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["exp_avg"] = _factories.zeros_like(p)
                    state["exp_avg_sq"] = _factories.zeros_like(p)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = _factories.zeros_like(p)
            if not params:
                continue
            keys = ["step", "exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if amsgrad else [])
            params, grads, s = self._grouped(group, keys)
            beta1, beta2 = group["betas"]
            _C._adam_step(params, grads, s["exp_avg"], s["exp_avg_sq"], s.get("max_exp_avg_sq", []), s["step"],
                          float(group["lr"]), beta1, beta2, group["weight_decay"], group["eps"], group["maximize"],
                          group["decoupled_weight_decay"])


class AdamW(Adam):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
