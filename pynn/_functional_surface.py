"""torch.nn.functional's margin, embedding, triplet, Gaussian/Poisson NLL and CTC losses and the shrink / rrelu /
channel_shuffle activations and affine_grid, composed of pynn's C++ ops (the CTC recursion is one C++ op, pynn._C._ctc_loss_nll).
Re-exported by pynn.functional."""
from __future__ import annotations

import math
from typing import Callable, Optional

from . import _C
from ._C import Tensor

__all__ = [
    "margin_ranking_loss", "multi_margin_loss", "multilabel_margin_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "gaussian_nll_loss", "poisson_nll_loss", "ctc_loss", "softshrink", "hardshrink", "rrelu", "rrelu_",
    "channel_shuffle", "affine_grid", "grid_sample",
]


def _F():
    from . import functional
    return functional


def _full_like(t: Tensor, v) -> Tensor:
    from ._factories import full_like
    return full_like(t, v)


def _reduced(loss: Tensor, reduction: str, size_average=None, reduce=None) -> Tensor:
    F = _F()
    return F._reduce(loss, F._legacy_reduction(size_average, reduce, reduction))


# ---------------------------------------------------------------------------------------------- margin losses
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduced((-target * (input1 - input2) + margin).clamp_min(0), reduction, size_average, reduce)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    # log(1 + exp(-y x)) = softplus(-y x), stable for large |x|
    return _reduced(_F().softplus(-target * input), reduction, size_average, reduce)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    F = _F()
    loss = -(target * F.logsigmoid(input) + (1 - target) * F.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1] if input.dim() else loss
    return _reduced(loss, reduction, size_average, reduce)


def _class_rows(input: Tensor, target: Tensor, name: str):
    x = input if input.dim() >= 2 else input.reshape(1, -1) if input.dim() == 1 else input.reshape(1, 1)
    if x.dim() != 2 or (input.dim() <= 1 and target.dim() > 1):
        raise RuntimeError(f"{name}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    return x


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Optional[Tensor] = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = _class_rows(input, target, "multi_margin_loss")
    n, c = x.shape
    t = target.reshape(-1)
    if t.numel() != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if n and (t.min().item() < 0 or t.max().item() >= c):
        raise IndexError("target out of range")
    if weight is not None and (weight.dim() != 1 or weight.numel() != c):
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    idx = t.to(_C.int64).reshape(n, 1)
    xy = _C.gather(x, 1, idx)
    z = (x - xy + margin).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * _C.gather(weight.reshape(1, c).expand(n, c), 1, idx)
    own = _C.scatter(_full_like(z, 1.0).to(_C.bool), 1, idx, False)  # the target class does not count
    loss = (z * own.to(z.dtype)).sum(1) / c
    if input.dim() <= 1:
        loss = loss.reshape(())
    return _reduced(loss, reduction, size_average, reduce)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    x = _class_rows(input, target, "multilabel_margin_loss")
    n, c = x.shape
    t = target.reshape(n, c) if target.numel() == n * c else None
    if t is None or target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    if n and (t.min().item() < -1 or t.max().item() >= c):
        raise IndexError("target out of range")
    t = t.to(_C.int64)
    # the labels of a row are the entries before its first -1
    valid = _C.cumprod((t >= 0).to(_C.int64), 1).to(_C.bool)
    safe = _C.where(valid, t, _full_like(t, 0))
    is_target = _C.scatter_add(_full_like(x, 0.0), 1, safe, valid.to(x.dtype)) > 0   # (n, c): class j is a label
    xt = _C.gather(x, 1, safe)                                                       # (n, c): x at each label slot
    # hinge over (label slot k, non-label class j): max(0, 1 - (x[label_k] - x[j]))
    h = (1 - (xt.unsqueeze(2) - x.unsqueeze(1))).clamp_min(0)
    mask = valid.unsqueeze(2).to(x.dtype) * (~is_target).unsqueeze(1).to(x.dtype)
    loss = (h * mask).sum((1, 2)) / c
    if input.dim() <= 1:
        loss = loss.reshape(())
    return _reduced(loss, reduction, size_average, reduce)


# ---------------------------------------------------------------------------------------------- embedding losses
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    if input1.dim() != input2.dim():
        raise RuntimeError(f"cosine_embedding_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    if target.dim() != input1.dim() - 1:
        raise RuntimeError(f"{input1.dim() - 1}D target tensor expects {input1.dim()}D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12  # torch's EPSILON
    d = input1.dim() - 1
    prod = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)
    cos = prod / _C.sqrt(mag)
    zeros = _full_like(cos, 0.0)
    pos = _C.where(target == 1, 1 - cos, zeros)
    neg = _C.where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduced(pos + neg, reduction, size_average, reduce)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Optional[Callable] = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead")
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")
    dist = distance_function if distance_function is not None else _F().pairwise_distance
    dp, dn = dist(anchor, positive), dist(anchor, negative)
    if swap:
        dn = _C.minimum(dn, dist(positive, negative))
    return _F()._reduce((dp - dn + margin).clamp_min(0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    a, pd, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {n}D inputs")
    F = _F()
    dist = lambda x, y: F.pairwise_distance(x, y, p, eps)  # noqa: E731
    dp, dn = dist(anchor, positive), dist(anchor, negative)
    if swap:
        dn = _C.minimum(dn, dist(positive, negative))
    return _reduced((dp - dn + margin).clamp_min(0), reduction, size_average, reduce)


# ---------------------------------------------------------------------------------------------- likelihood losses
def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    if not isinstance(var, Tensor):
        var = _full_like(input, float(var))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:  # homoscedastic: one variance per sample
            var = var.unsqueeze(-1)
        elif input.shape[:-1] == var.shape[:-1] and var.shape[-1] == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if (var < 0).any().item():
        raise ValueError("var has negative entry/entries")
    # torch clamps a copy of var without recording the clamp: the gradient passes as if unclamped
    var = var.clone()
    from .autograd import no_grad
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (_C.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _F()._reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    F = _F()
    reduction = F._legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    loss = _C.exp(input) - target * input if log_input else input - target * _C.log(input + eps)
    if full:
        stirling = target * _C.log(target) - target + 0.5 * _C.log(2 * math.pi * target)
        loss = loss + _C.where(target > 1, stirling, _full_like(stirling, 0.0))
    return F._reduce(loss, reduction)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    F = _F()
    F._reduction_enum(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if unbatched and targets.dim() == 1:
        targets = targets.unsqueeze(0)

    def lengths(x, name):
        if isinstance(x, Tensor):
            if x.is_floating_point():
                raise RuntimeError(f"ctc_loss: expected {name} to be an integer tensor, got {x.dtype}")
            return [int(v) for v in x.reshape(-1).tolist()]
        return [int(v) for v in (x if isinstance(x, (list, tuple)) else [x])]

    il, tl = lengths(input_lengths, "input_lengths"), lengths(target_lengths, "target_lengths")
    nll = _C._ctc_loss_nll(lp, targets, il, tl, blank, zero_infinity)
    if reduction == "mean":
        from ._factories import tensor
        t = tensor(tl, dtype=nll.dtype).clamp_min(1)
        out = (nll / t).mean()
    elif reduction == "sum":
        out = nll.sum()
    else:
        out = nll.reshape(()) if unbatched else nll
    return out


# ---------------------------------------------------------------------------------------------- activations
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    zero = _full_like(input, 0.0)
    return _C.where(input > lambd, input - lambd, _C.where(input < -lambd, input + lambd, _C.where(_C.isnan(input), input, zero)))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    keep = _C.logical_or(_C.logical_or(input > lambd, input < -lambd), _C.isnan(input))
    return _C.where(keep, input, _full_like(input, 0.0))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    if training:
        from ._factories import rand
        slope = rand(*input.shape, dtype=input.dtype) * (upper - lower) + lower
        out = _C.where(input >= 0, input, input * slope)
    else:
        out = _F().leaky_relu(input, (lower + upper) / 2)
    return input.copy_(out) if inplace else out


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, True)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes "
                           f"{list(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = list(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


def _default_align_corners(align_corners) -> bool:
    """torch's align_corners=None for affine_grid and grid_sample: False, with its warning."""
    if align_corners is None:
        import warnings
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", stacklevel=3)
        return False
    return bool(align_corners)


def _grid_axis(steps: int, align_corners: bool, like: Tensor) -> Tensor:
    """Normalized pixel-centre coordinates along one axis: -1 .. 1 over the corner pixels' centres when
    align_corners, over their outer edges otherwise; a single step is 0 (torch's linspace_from_neg_one)."""
    from ._factories import linspace, zeros
    if steps <= 1:
        return zeros(steps, dtype=like.dtype)
    axis = linspace(-1.0, 1.0, steps, dtype=like.dtype)
    return axis if align_corners else axis * ((steps - 1) / steps)


def affine_grid(theta: Tensor, size, align_corners=None) -> Tensor:
    """The sampling grid of a batch of affine maps for grid_sample: (N, H, W, 2) from theta (N, 2, 3) for a 4-D size,
    (N, D, H, W, 3) from theta (N, 3, 4) for a 5-D one; each output point is theta @ (x, y[, z], 1) over the
    normalized coordinates of the output pixels. Differentiable in theta (one batched matmul)."""
    import warnings
    align_corners = _default_align_corners(align_corners)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(v) for v in size]
    shape = tuple(theta.shape)
    if len(size) == 4:
        if theta.dim() != 3 or shape[-2] != 2 or shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or shape[-2] != 3 or shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-3:]
    else:
        # torch's own refusal: there is no 1-D or 4-D affine_grid
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    # base[..., :] = (x, y[, z], 1) with x along the last spatial dim, as torch orders the grid's channels
    axes = [_grid_axis(n, align_corners, theta) for n in reversed(spatial)]  # x, y[, z]
    k = len(spatial)
    coords = []
    for i, a in enumerate(axes):
        view = [1] * k
        view[k - 1 - i] = spatial[k - 1 - i]
        coords.append(a.reshape(view).expand(*spatial))
    coords.append(_full_like(coords[0], 1.0))
    base = _C.stack(coords, -1).reshape(1, -1, k + 1)
    grid = _C.matmul(base, theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, k)


_GRID_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_GRID_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners=None) -> Tensor:
    """input (N, C, H, W) [or (N, C, D, H, W)] read at grid (N, OH, OW, 2) [(N, OD, OH, OW, 3)] points given in
    [-1, 1] (x first): bilinear (trilinear for 5-D), nearest or bicubic (4-D), with zeros, border or reflection
    padding. One C++ kernel and its backward (gradients for input and grid)."""
    if mode not in _GRID_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _GRID_PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _default_align_corners(align_corners)
    return _C._grid_sample(input, grid, _GRID_MODES[mode], _GRID_PADDINGS[padding_mode], bool(align_corners))
