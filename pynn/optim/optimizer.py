"""Optimizer: param groups, per-parameter state, zero_grad, state_dict / load_state_dict (torch's formats).

Subclasses gather, for each param group, the parameters that have a gradient together with their state
tensors and hand the whole group to one fused C++ step (pynn._C._sgd_step, ...).
"""
from __future__ import annotations

import copy
import functools
from collections import defaultdict
from itertools import chain
from typing import Any, Callable, Dict, Iterable, List

from .._C import Tensor
from ..autograd import enable_grad, no_grad


class _RequiredParameter:
    """Marks a default that every param group must set itself."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return "pynn.Tensor"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_non_negative(name: str, value) -> None:
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")


def _check_betas(betas) -> None:
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _check_unsupported(differentiable: bool = False, capturable: bool = False) -> None:
    # Both exist for autograd through the step and CUDA graphs, neither of which pynn records.
    if differentiable:
        raise ValueError("pynn optimizers do not support differentiable=True")
    if capturable:
        raise ValueError("pynn optimizers do not support capturable=True")


def _step_no_grad(step: Callable) -> Callable:
    """Runs an optimizer step without recording autograd history (the closure, if any, with it)."""

    @functools.wraps(step)
    def wrapper(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            step(self)
        return loss

    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer)."""

    def __init__(self, params, defaults: Dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        try:
            param_groups = list(params)
        except TypeError:
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params)) from None
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: List[Dict[str, Any]] = []
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> Dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        # Groups saved by an older version may lack newer options: fill them from the defaults.
        for group in self.param_groups:
            for name, default in self.defaults.items():
                if default is not required:
                    group.setdefault(name, default)

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Adds a group of parameters with its own options (e.g. to unfreeze layers while training)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            try:
                params = list(params)
            except TypeError:
                raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                                "but got " + _typename(params)) from None
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        param_group["params"] = params

        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if "lr" in param_group and not isinstance(param_group["lr"], Tensor) and param_group["lr"] < 0:
            raise ValueError(f"Invalid learning rate: {param_group['lr']}")

        if len({id(p) for p in params}) != len(params):
            import warnings

            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Resets the gradients of all optimized tensors (to None by default, as torch does)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def _grouped(self, group: Dict[str, Any], state_keys: Iterable[str]):
        """The params of `group` that have a gradient, their grads and, per key, the list of their state tensors."""
        params, grads = [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            params.append(p)
            grads.append(p.grad)
        states = {k: [self.state[p].get(k) for p in params] for k in state_keys}
        return params, grads, states

    def _init_state(self, group: Dict[str, Any], factories: Dict[str, Callable]) -> None:
        """Creates the state of each param of `group` that has a gradient and no state yet (torch creates it
        lazily, at the first step that sees a gradient): factories map a state key to f(param) -> Tensor."""
        for p in group["params"]:
            if p.grad is not None and not self.state[p]:
                self.state[p].update({k: f(p) for k, f in factories.items()})

    # ---- state_dict ----------------------------------------------------------------------------------
    def state_dict(self) -> Dict[str, Any]:
        """{'state': {index: {name: value}}, 'param_groups': [{option: value, 'params': [index, ...]}]}.

        Parameters are replaced by their position across all groups, so the dict can be loaded into an
        optimizer built over another copy of the model. State tensors are returned by reference, as in torch.
        """
        mapping: Dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Loads a dict made by state_dict() (pynn's or torch's format), matching parameters by position."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and 'param_groups' entries")
        groups = self.param_groups
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                # The state is copied (torch would alias the loaded tensors): stepping this optimizer must not
                # change the dict it was loaded from, nor another optimizer loaded from the same dict.
                if key != "step" and param.is_floating_point() and value.is_floating_point():
                    return value.to(param.dtype).detach().clone()
                return value.detach().clone()
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__({"state": state, "param_groups": [update_group(g, s) for g, s in zip(groups, saved_groups)]})
