"""torch.nn.functional for pynn (pynn.nn.functional is this same module).

Activations, softmax, dropout and the classification losses call one C++ op each (pynn._C); the
simple regression losses, linear, bilinear, pad and a few small activations compose existing ops.
"""
from __future__ import annotations

import math
import warnings
from typing import Optional, Sequence

import numpy as np

from . import _C
from ._C import Tensor

__all__ = [
    "linear", "bilinear", "identity",
    "dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout", "alpha_dropout",
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_", "elu", "elu_", "selu", "celu",
    "gelu", "silu", "mish", "softplus", "prelu", "sigmoid", "tanh", "logsigmoid", "softsign", "tanhshrink",
    "threshold", "threshold_", "hardsigmoid", "hardswish", "glu",
    "softmax", "log_softmax", "softmin",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "hinge_embedding_loss",
    "nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "one_hot", "pad", "normalize", "cosine_similarity",
]

_REDUCTION_ENUM = {"none": 0, "mean": 1, "sum": 2}


# ---------------------------------------------------------------------------------------------- helpers
def _reduction_enum(reduction: str) -> int:
    try:
        return _REDUCTION_ENUM[reduction]
    except (KeyError, TypeError):
        raise ValueError(f"{reduction} is not a valid value for reduction") from None


def _legacy_reduction(size_average: Optional[bool], reduce: Optional[bool], reduction: str) -> str:
    """torch's deprecated size_average/reduce pair, translated to a reduction string."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
                  stacklevel=3)
    return result


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    enum = _reduction_enum(reduction)
    if enum == 1:
        return loss.mean()
    if enum == 2:
        return loss.sum()
    return loss


def _broadcast_target(input: Tensor, target: Tensor):
    """torch's regression losses warn on a size mismatch, then broadcast both first: the result's dtype is then
    the promotion of two dimensioned tensors (l1_loss(0-d float64, float32 vector) is float64)."""
    if target.shape == input.shape:
        return input, target
    warnings.warn(
        f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
        "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
        stacklevel=3)
    a, b = tuple(input.shape), tuple(target.shape)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {i}")
    shape = [y if x == 1 else x for x, y in zip(a, b)]
    return input.expand(shape), target.expand(shape)


def _weighted_reduce(loss: Tensor, weight: Optional[Tensor], input: Tensor, reduction: str,
                     mean_by_weight: bool) -> Tensor:
    """Reduction for the losses that take an elementwise weight (mse, l1, huber)."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if reduction not in _REDUCTION_ENUM:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _input_saved_for_backward(input: Tensor) -> bool:
    """True when autograd will save the input an in-place activation reads (so it must read a copy)."""
    return input.requires_grad and _C.is_grad_enabled()


def _inplace(input: Tensor, fn) -> Tensor:
    # The kernels are out-of-place: compute, then write back. Under autograd the op reads a clone,
    # so the tensor saved for backward is not the one being overwritten.
    return input.copy_(fn(input.clone() if _input_saved_for_backward(input) else input))


def _activation(fn, input: Tensor, inplace: bool) -> Tensor:
    return _inplace(input, fn) if inplace else fn(input)


# ---------------------------------------------------------------------------------------------- linear
def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """y = input @ weight.T + bias."""
    if input.dim() == 2:
        if bias is not None:
            return _C.addmm(bias, input, weight.t())
        return _C.mm(input, weight.t())
    if input.dim() == 1:
        try:
            out = _C.mv(weight, input)
        except RuntimeError:
            out = None  # report the shape error in torch's words (below)
        if out is not None:
            return out if bias is None else _C.add(out, bias)
    if bias is not None and input.dim() > 2 and weight.dim() == 2 and bias.dim() <= 1:
        # Batch dims folded into rows and the bias added inside the product (addmm), as torch does: one pass
        # over the output instead of a matmul and a separate broadcast add (a GPT block's projections).
        rows = _C.reshape(input, [-1, input.shape[-1]])
        return _C.reshape(_C.addmm(bias, rows, weight.t()), list(input.shape[:-1]) + [weight.shape[0]])
    out = _C.matmul(input, weight.t())
    return out if bias is None else _C.add(out, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]."""
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.dim()} dims")
    out_f, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} and "
                           f"{tuple(input2.shape[:-1])}")
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {in2}")
    # (..., in1) @ (in1, out*in2) -> (..., out, in2), then contract in2 with input2.
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    tmp = _C.matmul(input1, w).reshape(*input1.shape[:-1], out_f, in2)
    out = (tmp * input2.unsqueeze(-2)).sum(-1)
    return out if bias is None else out + bias


def identity(input: Tensor) -> Tensor:
    return input


# ---------------------------------------------------------------------------------------------- dropout
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    if not training:
        return input
    if inplace:
        return _inplace(input, lambda x: _C._dropout(x, p, True))
    return _C._dropout(input, p, True)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, feature_dims: int, name: str) -> Tensor:
    """Zeroes whole channels: one Bernoulli draw per (N, C) entry, broadcast over the feature_dims trailing dims."""
    _check_p(p)
    batched_dim = feature_dims + 2
    if input.dim() not in (batched_dim - 1, batched_dim):
        raise RuntimeError(f"{name}: Expected {batched_dim - 1}D or {batched_dim}D input, but received a "
                           f"{input.dim()}D input.")
    if not training or p == 0.0:
        return input
    mask_shape = list(input.shape[: input.dim() - feature_dims]) + [1] * feature_dims
    if p == 1.0:
        mask = _C._full(mask_shape, 0.0, input.dtype)
    else:
        mask = _C._empty(mask_shape, input.dtype).bernoulli_(1.0 - p).div_(1.0 - p)
    if inplace:
        return _inplace(input, lambda x: x * mask)
    return input * mask


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalizing mean and variance (dropped units go to -alpha*scale)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _activation(lambda x: x * 0.0, input, inplace)
    return _alpha_dropout_masked(input, p, list(input.shape), inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _activation(lambda x: x * 0.0, input, inplace)
    return _alpha_dropout_masked(input, p, list(input.shape[:2]) + [1] * (input.dim() - 2), inplace)


def _alpha_dropout_masked(input: Tensor, p: float, mask_shape: list, inplace: bool) -> Tensor:
    # torch's formula: kept units are scaled by a, dropped ones sit at the SELU saturation value, and an
    # affine correction b restores zero mean / unit variance.
    alpha = _SELU_ALPHA * _SELU_SCALE
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    keep = _C._empty(mask_shape, input.dtype).bernoulli_(1.0 - p)
    b = (keep - 1.0) * (alpha * a) + alpha * a * p
    scale = keep * a
    return _activation(lambda x: x * scale + b, input, inplace)


# ---------------------------------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else _C.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _activation(lambda x: _C._hardtanh(x, min_val, max_val), input, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _activation(lambda x: _C._leaky_relu(x, negative_slope), input, inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _activation(lambda x: _C._elu(x, alpha, 1.0, 1.0), input, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _activation(lambda x: _C._elu(x, _SELU_ALPHA, _SELU_SCALE, 1.0), input, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _activation(lambda x: _C._elu(x, alpha, 1.0, 1.0 / alpha), input, inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _C._gelu(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _activation(_C._silu, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _activation(_C._mish, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _C._softplus(input, beta, threshold)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    return _C._prelu(input, weight)


def sigmoid(input: Tensor) -> Tensor:
    return _C.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _C.tanh(input)


def logsigmoid(input: Tensor) -> Tensor:
    # log(sigmoid(x)) = -softplus(-x), stable for large |x|
    return _C.neg(_C._softplus(_C.neg(input), 1.0, 20.0))


def softsign(input: Tensor) -> Tensor:
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    return input - _C.tanh(input)


def _threshold(input: Tensor, thresh: float, value: float, inplace: bool) -> Tensor:
    # x <= threshold, not !(x > threshold): NaN stays NaN, as in torch
    return _activation(lambda x: _C.where(x <= thresh, value, x), input, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    # torch's gradient is 0 at NaN (hardtanh's passes it): the NaN entries come from a detached copy
    # torch's rounding too: min(max(x + 3, 0), 6) / 6
    return _activation(lambda x: _C.where(_C.isnan(x), x.detach(), _C._hardtanh(x + 3.0, 0.0, 6.0) / 6.0), input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _activation(lambda x: x * _C._hardtanh(x / 6.0 + 0.5, 0.0, 1.0), input, inplace)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {size}")
    a, b = input.chunk(2, dim)
    return a * _C.sigmoid(b)


# ---------------------------------------------------------------------------------------------- softmax
def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return _C._softmax(input, dim)


def log_softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return _C._log_softmax(input, dim)


def softmin(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return _C._softmax(_C.neg(input), dim)


# ---------------------------------------------------------------------------------------------- regression losses
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Optional[Tensor] = None) -> Tensor:
    a, b = _broadcast_target(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    diff = a - b
    return _weighted_reduce(diff * diff, weight, input, reduction, mean_by_weight=True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Optional[Tensor] = None) -> Tensor:
    a, b = _broadcast_target(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _weighted_reduce((a - b).abs(), weight, input, reduction, mean_by_weight=True)


def _huber_pointwise(diff: Tensor, delta: float, quad_scale: float, lin_scale: float) -> Tensor:
    # quadratic inside |diff| < delta, linear outside; written on diff (not |diff|) so the quadratic
    # branch has a smooth gradient through 0
    absd = diff.abs()
    return _C.where(absd < delta, diff * diff * quad_scale, (absd - 0.5 * delta) * lin_scale)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    a, b = _broadcast_target(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _reduce((a - b).abs(), reduction)
    return _reduce(_huber_pointwise(a - b, beta, 0.5 / beta, 1.0), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Optional[Tensor] = None) -> Tensor:
    a, b = _broadcast_target(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    loss = _huber_pointwise(a - b, delta, 0.5, delta)
    if a.is_floating_point() and loss.dtype != a.dtype:
        loss = loss.to(a.dtype)  # torch's huber kernel writes into a loss of input's dtype (smooth_l1's promotes)
    return _weighted_reduce(loss, weight, input, reduction, mean_by_weight=False)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = _C.exp(target) * (target - input)
    else:
        # xlogy(t, t) - t * input, two terms as torch (t = inf gives inf - inf = nan); log(1) = 0 makes the
        # t == 0 terms exactly 0 (and keeps their gradient finite)
        safe = _C.where(target == 0, 1.0, target)
        loss = target * _C.log(safe) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _reduction_enum(reduction)
    zeros = _C._full([], 0.0, input.dtype)
    margin_term = _C.where(target != 1, (margin - input).clamp_min(0), zeros)
    self_term = _C.where(target != -1, input, zeros)
    return _reduce(margin_term + self_term, reduction)


# ---------------------------------------------------------------------------------------------- classification losses
def nll_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _C._nll_loss(input, target, weight, _reduction_enum(reduction), ignore_index)


def cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    return _C._cross_entropy(input, target, weight, _reduction_enum(reduction), ignore_index, label_smoothing)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    enum = _reduction_enum(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(*np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    return _C._binary_cross_entropy(input, target, weight, enum)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Optional[Tensor] = None) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    enum = _reduction_enum(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return _C._binary_cross_entropy_with_logits(input, target, weight, pos_weight, enum)


# ---------------------------------------------------------------------------------------------- misc
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    return _C.one_hot(tensor, num_classes)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: Optional[float] = None) -> Tensor:
    """Pads the last len(pad) // 2 dims; pad = (last_before, last_after, prev_before, prev_after, ...). Negative
    pads crop. Modes constant (any dims), reflect / replicate / circular (last 1-3 dims of a (batched) input)."""
    if mode not in ("constant", "reflect", "replicate", "circular"):  # torch's type (the C++ core says RuntimeError)
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    return _C._pad(input, [int(p) for p in pad], mode, None if value is None else float(value))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    from ._out import write_out

    denom = input.norm(p, dim, True).clamp_min(eps).expand_as(input)
    return write_out(input / denom, out, "normalize")


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    # torch: sum(x1*x2) / sqrt(clamp_min(|x1|^2 * |x2|^2, eps^2))
    w12 = (x1 * x2).sum(dim)
    w1 = (x1 * x1).sum(dim)
    w2 = (x2 * x2).sum(dim)
    return w12 / _C.sqrt((w1 * w2).clamp_min(eps * eps))


# ---------------------------------------------------------------------------------------------- normalization
__all__ += ["batch_norm", "layer_norm", "rms_norm", "group_norm", "embedding"]


def _verify_batch_size(size) -> None:
    size_prods = size[0]
    for i in range(len(size) - 2):
        size_prods *= size[i + 2]
    if size_prods == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _shape_list(normalized_shape) -> list:
    if isinstance(normalized_shape, int):
        return [normalized_shape]
    return [int(s) for s in normalized_shape]


def batch_norm(input: Tensor, running_mean: Optional[Tensor], running_var: Optional[Tensor],
               weight: Optional[Tensor] = None, bias: Optional[Tensor] = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    if training:
        _verify_batch_size(input.size())
    return _C._batch_norm(input, running_mean, running_var, weight, bias, bool(training),
                          0.0 if momentum is None else float(momentum), float(eps))


def layer_norm(input: Tensor, normalized_shape, weight: Optional[Tensor] = None, bias: Optional[Tensor] = None,
               eps: float = 1e-5) -> Tensor:
    return _C._layer_norm(input, _shape_list(normalized_shape), weight, bias, float(eps))


def rms_norm(input: Tensor, normalized_shape, weight: Optional[Tensor] = None, eps: Optional[float] = None) -> Tensor:
    return _C._rms_norm(input, _shape_list(normalized_shape), weight, None if eps is None else float(eps))


def group_norm(input: Tensor, num_groups: int, weight: Optional[Tensor] = None, bias: Optional[Tensor] = None,
               eps: float = 1e-5) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    if num_groups > 0 and input.size(1) % num_groups == 0:
        _verify_batch_size([input.size(0) * input.size(1) // num_groups, num_groups] + list(input.size()[2:]))
    return _C._group_norm(input, int(num_groups), weight, bias, float(eps))


# ---------------------------------------------------------------------------------------------- embedding
def embedding(input: Tensor, weight: Tensor, padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    if sparse:
        raise NotImplementedError("pynn: sparse embedding gradients are not supported (use sparse=False)")
    if padding_idx is not None:
        if not -weight.size(0) <= padding_idx < weight.size(0):
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        # Renormalises the looked-up rows of weight in place, unrecorded, as torch does.
        input = input.contiguous()
        _C._embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    return _C._embedding(weight, input, padding_idx, bool(scale_grad_by_freq))


# ---------------------------------------------------------------------------------------------- conv, pooling
__all__ += [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
]


def _int_list(value) -> list:
    """An int or a sequence of ints as a list (torch accepts either for every size argument)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)) or hasattr(value, "__len__"):
        return [int(v) for v in value]
    return [int(value)]


def conv1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    return _C._conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    return _C._conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    return _C._conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    return _C._conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    return _C._max_pool(1, input, _int_list(kernel_size), _int_list(stride), _int_list(padding), _int_list(dilation),
                        bool(ceil_mode))


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    return _C._max_pool(2, input, _int_list(kernel_size), _int_list(stride), _int_list(padding), _int_list(dilation),
                        bool(ceil_mode))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    out, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    out, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    return _C._avg_pool(1, input, _int_list(kernel_size), _int_list(stride), _int_list(padding), bool(ceil_mode),
                        bool(count_include_pad), None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None) -> Tensor:
    return _C._avg_pool(2, input, _int_list(kernel_size), _int_list(stride), _int_list(padding), bool(ceil_mode),
                        bool(count_include_pad), divisor_override)


def _adaptive_size(input: Tensor, output_size, spatial: int) -> list:
    """output_size with None entries taken from the input's own size (torch's convention)."""
    sizes = list(output_size) if isinstance(output_size, (list, tuple)) else [output_size] * spatial
    if len(sizes) == 1:
        sizes = sizes * spatial
    return [input.shape[input.dim() - spatial + i] if s is None else int(s) for i, s in enumerate(sizes)]


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    return _C._adaptive_avg_pool(1, input, _adaptive_size(input, output_size, 1))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    return _C._adaptive_avg_pool(2, input, _adaptive_size(input, output_size, 2))


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return _C._adaptive_max_pool(1, input, _adaptive_size(input, output_size, 1))


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return _C._adaptive_max_pool(2, input, _adaptive_size(input, output_size, 2))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    out, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    out, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


__all__ += ["unfold", "fold"]


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks as columns: (N, C, H, W) -> (N, C * kh * kw, L), the im2col of the conv kernels."""
    return _C._unfold(input, kernel_size, dilation, padding, stride)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """unfold's adjoint: columns summed back into (N, C, *output_size)."""
    return _C._fold(input, output_size, kernel_size, dilation, padding, stride)


# ---------------------------------------------------------------------------------------------- 3-d conv / pooling, unpooling
__all__ += [
    "conv3d", "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d",
    "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
]


def conv3d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    return _C._conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    return _C._conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = True):
    return _C._max_pool(3, input, _int_list(kernel_size), _int_list(stride), _int_list(padding), _int_list(dilation),
                        bool(ceil_mode))


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    out, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Optional[int] = None) -> Tensor:
    return _C._avg_pool(3, input, _int_list(kernel_size), _int_list(stride), _int_list(padding), bool(ceil_mode),
                        bool(count_include_pad), divisor_override)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    return _C._adaptive_avg_pool(3, input, _adaptive_size(input, output_size, 3))


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return _C._adaptive_max_pool(3, input, _adaptive_size(input, output_size, 3))


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def _unpool_output_size(input: Tensor, kernel_size: list, stride: list, padding: list, output_size) -> list:
    """torch's rule: the size max pooling came from, or output_size ((N, C,) *spatial) when within one stride."""
    n = len(kernel_size)
    default = [(input.shape[input.dim() - n + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        return default
    output_size = [int(s) for s in output_size]
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length "
                         f"of '{len(output_size)}'")
    for d in range(n):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
    return output_size


def _max_unpool(spatial: int, input: Tensor, indices: Tensor, kernel_size, stride, padding, output_size) -> Tensor:
    kernel = _int_list(kernel_size)
    kernel = kernel * spatial if len(kernel) == 1 else kernel
    stride = kernel if stride is None else _int_list(stride)
    stride = stride * spatial if len(stride) == 1 else stride
    padding = _int_list(padding)
    padding = padding * spatial if len(padding) == 1 else padding
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _C._max_unpool(spatial, input, indices, size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(spatial: int, input: Tensor, norm_type: float, kernel_size, stride, ceil_mode: bool) -> Tensor:
    """torch's definition: (sum over the window of x^p)^(1/p) through average pooling (p = +-inf: max pooling)."""
    max_pool = (max_pool1d, max_pool2d, max_pool3d)[spatial - 1]
    avg_pool = (avg_pool1d, avg_pool2d, avg_pool3d)[spatial - 1]
    if isinstance(norm_type, (int, float)) and math.isinf(norm_type):
        if norm_type > 0:
            return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    kernel = _int_list(kernel_size)
    window = math.prod(kernel * spatial if len(kernel) == 1 else kernel)
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---------------------------------------------------------------------------------------------- attention
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Optional[Tensor] = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: Optional[float] = None,
                                 enable_gqa: bool = False) -> Tensor:
    """torch's SDPA on one fused kernel each way (csrc/ops/attention.cpp). Inputs (*, L, E), (*, S, E),
    (*, S, Ev) are brought to the kernel's (B, H, L, E) layout: batch dims broadcast, a missing head dim is 1."""
    from .nn.modules.attention import _to_heads_layout as to_heads_layout
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    q, k, v, mask, out_shape = to_heads_layout(query, key, value, attn_mask, enable_gqa)
    out = _C._scaled_dot_product_attention(q, k, v, mask, float(dropout_p), bool(is_causal),
                                           None if scale is None else float(scale), bool(enable_gqa))
    return out if list(out.shape) == out_shape else out.reshape(out_shape)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Optional[Tensor], in_proj_bias: Optional[Tensor],
                                 bias_k: Optional[Tensor], bias_v: Optional[Tensor], add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Optional[Tensor],
                                 training: bool = True, key_padding_mask: Optional[Tensor] = None,
                                 need_weights: bool = True, attn_mask: Optional[Tensor] = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: Optional[Tensor] = None,
                                 k_proj_weight: Optional[Tensor] = None, v_proj_weight: Optional[Tensor] = None,
                                 static_k: Optional[Tensor] = None, static_v: Optional[Tensor] = None,
                                 average_attn_weights: bool = True, is_causal: bool = False):
    from .nn.modules.attention import _multi_head_attention_forward as impl
    return impl(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
                add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
                attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k,
                static_v, average_attn_weights, is_causal)


# ---------------------------------------------------------------------------------------------- resampling
__all__ += ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle"]

_INTERPOLATE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resamples (N, C, *spatial) to size or by scale_factor: nearest, nearest-exact, linear / bilinear /
    trilinear, bicubic (C++ kernels, torch's source-index rules) and area (adaptive average pooling)."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                                 f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 "format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if output_size is None:  # the kernels' own rule: truncate in * scale
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        if recompute_scale_factor:
            scale_factors = None
    if antialias:
        raise NotImplementedError("pynn: interpolate(antialias=True) is not supported")
    modes = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"
    if input.dim() not in (3, 4, 5) or mode not in ("nearest", "nearest-exact", "area") + tuple(_INTERPOLATE_RANK):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  f"the modes: {modes} (got {mode})")
    if mode in _INTERPOLATE_RANK and input.dim() != _INTERPOLATE_RANK[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_INTERPOLATE_RANK[mode]}D input")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, output_size)
    return _C._interpolate(input, mode, output_size, scale_factors or [], bool(align_corners))


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_shuffle_input(name: str, input: Tensor) -> None:
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {input.dim()} "
                           "dimension(s)")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r): a reshape and a permutation (views and one copy)."""
    _check_shuffle_input("pixel_shuffle", input)
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), pixel_shuffle's inverse."""
    _check_shuffle_input("pixel_unshuffle", input)
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    for name, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({dim})={size} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


# ---------------------------------------------------------------------------------------------- instance / local response norm, distances, embedding_bag
__all__ += ["instance_norm", "local_response_norm", "pairwise_distance", "embedding_bag"]


def _verify_spatial_size(size) -> None:
    size_prods = 1
    for i in range(2, len(size)):
        size_prods *= size[i]
    if size_prods == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")


def instance_norm(input: Tensor, running_mean: Optional[Tensor] = None, running_var: Optional[Tensor] = None,
                  weight: Optional[Tensor] = None, bias: Optional[Tensor] = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """torch's definition: batch norm of (1, N * C, *spatial), each sample's channels a channel of their own, the
    running statistics repeated per sample going in and averaged over the samples coming out."""
    if use_input_stats:
        _verify_spatial_size(input.shape)
    if input.dim() < 2:
        raise ValueError(f"instance_norm expects an input of at least 2 dims (N, C, ...), got {input.dim()}D")
    b, c = input.shape[0], input.shape[1]
    flat = input.reshape(1, b * c, *input.shape[2:])
    repeat = (lambda t: None if t is None else t.repeat(b))
    mean, var = repeat(running_mean), repeat(running_var)
    out = _C._batch_norm(flat, mean, var, repeat(weight), repeat(bias), bool(use_input_stats),
                         0.0 if momentum is None else float(momentum), float(eps))
    from .autograd import no_grad  # noqa: PLC0415 (pynn.autograd imports this module)
    with no_grad():
        for stat, repeated in ((running_mean, mean), (running_var, var)):
            if stat is not None:
                stat.copy_(repeated.view(b, c).mean(0))
    return out.reshape(input.shape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """torch's definition: x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(*sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """torch's definition: the p-norm of x1 - x2 + eps over the last dim (broadcasting)."""
    last = max(x1.dim(), x2.dim()) - 1
    diff = x1 - x2 + eps
    if last < 0:
        return diff.abs()
    return diff.norm(p, last, keepdim)


def _bag_layout(input: Tensor, offsets: Optional[Tensor], include_last_offset: bool):
    """Flattens input into indices and returns (indices, starts, lengths) of the bags, checked as torch."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        bags, length = input.shape
        return input.reshape(-1), np.arange(bags, dtype=np.int64) * length, np.full(bags, length, dtype=np.int64)
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    if offsets.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {str(input.dtype).split('.')[-1].capitalize()} but found "
                           f"{str(offsets.dtype).split('.')[-1].capitalize()}")
    n = input.shape[0]
    offs = offsets.numpy().astype(np.int64)
    if len(offs) and offs[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {offs[0]}")
    if len(offs) and offs[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n}, but got offsets[-1] of "
                           f"{offs[-1]}")
    if np.any(np.diff(offs) < 0):
        raise RuntimeError("offsets must be non-decreasing")
    ends = offs[1:] if include_last_offset else np.append(offs[1:], n)
    starts = offs[:-1] if include_last_offset else offs
    return input, starts, ends - starts


def embedding_bag(input: Tensor, weight: Tensor, offsets: Optional[Tensor] = None, max_norm: Optional[float] = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Optional[Tensor] = None, include_last_offset: bool = False,
                  padding_idx: Optional[int] = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows: the rows are looked up once (F.embedding: index checks,
    max_norm, scale_grad_by_freq), laid out as (bags, longest bag) and reduced under a mask; entries equal to
    padding_idx are left out of their bag, and empty bags give zeros."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    flat, starts, lengths = _bag_layout(input, offsets, include_last_offset)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if sparse:
        raise ValueError("pynn: sparse embedding_bag gradients are not supported (use sparse=False)")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} through {num - 1}, but "
                               f"got {padding_idx}")
        padding_idx = padding_idx % num
    if max_norm is not None:
        from .autograd import no_grad  # noqa: PLC0415
        with no_grad():
            _C._embedding_renorm_(weight, flat.contiguous(), float(max_norm), float(norm_type))
    bags = len(starts)
    rows = _C._embedding(weight, flat, -1 if padding_idx is None else padding_idx, bool(scale_grad_by_freq))
    longest = max(int(lengths.max()) if bags else 0, 1)
    slot = np.arange(longest)
    valid = slot[None, :] < lengths[:, None]
    position = np.where(valid, starts[:, None] + slot[None, :], 0)
    if padding_idx is not None and flat.numel():
        valid &= flat.numpy()[position] != padding_idx
    count = valid.sum(1)
    dim = weight.shape[1]
    if flat.numel() == 0 or bags == 0:  # nothing to look up: every bag is empty
        return _C._full([bags, dim], 0.0, weight.dtype)
    laid = rows.index_select(0, _C.from_numpy(position.reshape(-1))).view(bags, longest, dim)
    mask = _C.from_numpy(valid)
    if mode == "max":
        out = laid.masked_fill(~mask.unsqueeze(2), float("-inf")).amax(1)
        return out.masked_fill(_C.from_numpy(count == 0).unsqueeze(1), 0.0)
    scale = valid.astype(np.float64)
    if mode == "mean":
        scale = scale / np.maximum(count, 1)[:, None]
    w = _C.from_numpy(scale).to(weight.dtype)
    if per_sample_weights is not None:
        w = w * per_sample_weights.reshape(-1).index_select(0, _C.from_numpy(position.reshape(-1))).view(bags, longest)
    return (laid * w.unsqueeze(2)).sum(1)


# ---------------------------------------------------------------------------------------------- more losses, shrink
from ._functional_surface import *  # noqa: E402,F401,F403
from ._functional_surface import __all__ as _surface_all  # noqa: E402

__all__ += _surface_all
