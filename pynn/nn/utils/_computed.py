"""Lets layers that read their weight straight from `self._parameters` (Linear, the conv layers: a fast path
that skips Module.__getattr__) see a weight that weight_norm or a parametrization computes."""
from __future__ import annotations


class ComputedParameters(dict):
    """A module's _parameters dict that answers a missing key with the module's attribute of that name when
    `computed(name)` says the attribute is computed. Iteration, `in` and state_dict see only the real
    parameters."""

    def __init__(self, params: dict, module, computed) -> None:
        super().__init__(params)
        self.module = module
        self.computed = computed

    def __missing__(self, key):
        if self.computed(self.module, key):
            return getattr(self.module, key)
        raise KeyError(key)


def install(module, computed) -> None:
    """Swaps module._parameters for a ComputedParameters (once; the predicates are combined)."""
    params = module.__dict__["_parameters"]
    if isinstance(params, ComputedParameters):
        previous = params.computed
        params.computed = lambda m, k: previous(m, k) or computed(m, k)
        return
    module.__dict__["_parameters"] = ComputedParameters(params, module, computed)
