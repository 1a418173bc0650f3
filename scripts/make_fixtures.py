#!/usr/bin/python3
"""Writes PyTorch reference values for Nabla's cross-framework tests (TorchParityTest, TutorialNetworkTest).

Usage:  /usr/bin/python3 scripts/make_fixtures.py src/test/resources/fixtures

Writes torch_float64.json and torch_float32.json into the given directory. Each holds
    {"generator": ..., "torch": <version>, "dtype": "float64"|"float32", "cases": [case, ...]}
and each case is
    {"name": str, "op": str, "params": {str: number | bool | str | list},
     "inputs": {name: {"shape": [int], "data": [number], "kind": "param"|"const"|"index"}},
     "output": tensor, "gout": tensor, "grads": {name: tensor}, "extra": {name: tensor}}
where a tensor is {"shape": [...], "data": [...]} in row-major order. Inputs of kind "param" require grad and
have an entry in "grads"; "const" inputs (targets, class weights, running statistics) and "index" inputs
(exact integers, which Nabla loads as int64 tensors) do not. "gout" is the upstream gradient
passed to out.backward(gout). "extra" holds other results an op produces (batch_norm's updated running stats).

Everything is deterministic: each case draws its inputs from a torch.Generator seeded with a CRC of its name
(adding a case changes no other case), in float64; the float32 file casts those same values, so both dtypes
see the same inputs (up to float32 rounding). Floats are written with repr(), which round-trips exactly.
Needs Debian's python3-torch (the /usr/bin/python3 interpreter), not a pip/pyenv one.
"""
import json
import os
import sys
import zlib

import torch
import torch.nn.functional as F

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

CASES = []


def case(name, op, inputs, fn, params=None, gout_ones=False):
    """inputs: list of (name, kind, maker) where maker(gen) returns a float64 tensor; gout_ones: backward() with
    a gradient of ones (a plain loss.backward()) instead of a random one."""
    CASES.append(dict(name=name, op=op, inputs=inputs, fn=fn, params=params or {}, gout_ones=gout_ones))


# ---------------------------------------------------------------- input makers (all float64)

def randn(*shape, scale=1.0, shift=0.0):
    return lambda g: torch.randn(*shape, generator=g, dtype=torch.float64) * scale + shift


def uniform(lo, hi, *shape):
    return lambda g: torch.rand(*shape, generator=g, dtype=torch.float64) * (hi - lo) + lo


def ints(lo, hi, *shape):
    return lambda g: torch.randint(lo, hi, shape, generator=g).to(torch.float64)


def fixed(values, shape):
    return lambda g: torch.tensor(values, dtype=torch.float64).reshape(shape)


def P(name, maker):
    return (name, "param", maker)


def C(name, maker):
    return (name, "const", maker)


def I(name, maker):
    return (name, "index", maker)


def L(t):
    """Index inputs arrive as floats; torch wants int64."""
    return t.long()


# ---------------------------------------------------------------- element-wise

for name, ash, bsh in [("same", (3, 4), (3, 4)), ("bcast_right", (2, 3, 4), (3, 1)),
                       ("bcast_left", (4,), (3, 4)), ("bcast_both", (3, 1), (2, 1, 4))]:
    case(f"add_{name}", "add", [P("a", randn(*ash)), P("b", randn(*bsh))], lambda a, b: a + b)
    case(f"sub_{name}", "sub", [P("a", randn(*ash)), P("b", randn(*bsh))], lambda a, b: a - b)
    case(f"mul_{name}", "mul", [P("a", randn(*ash)), P("b", randn(*bsh))], lambda a, b: a * b)
    # denominators kept away from 0 with random signs
    case(f"div_{name}", "div",
         [P("a", randn(*ash)), P("b", lambda g, s=bsh: (torch.rand(*s, generator=g, dtype=torch.float64) + 0.5)
                                  * (torch.randint(0, 2, s, generator=g) * 2 - 1).to(torch.float64))],
         lambda a, b: a / b)
    case(f"maximum_{name}", "maximum", [P("a", randn(*ash)), P("b", randn(*bsh))], lambda a, b: torch.maximum(a, b))
    case(f"minimum_{name}", "minimum", [P("a", randn(*ash)), P("b", randn(*bsh))], lambda a, b: torch.minimum(a, b))

case("add_scalar", "add_scalar", [P("x", randn(3, 4))], lambda x, value: x + value, {"value": 1.25})
case("mul_scalar", "mul_scalar", [P("x", randn(3, 4))], lambda x, value: x * value, {"value": -0.75})
case("div_scalar", "div_scalar", [P("x", randn(3, 4))], lambda x, value: x / value, {"value": 3.0})
case("rsub_scalar", "rsub_scalar", [P("x", randn(3, 4))], lambda x, value: value - x, {"value": 2.0})

case("pow_tensor", "pow", [P("a", uniform(0.5, 2.0, 3, 4)), P("b", randn(4))], lambda a, b: torch.pow(a, b))
case("pow_tensor_bcast_both", "pow", [P("a", uniform(0.5, 2.0, 3, 1)), P("b", randn(1, 4))],
     lambda a, b: torch.pow(a, b))
case("pow_scalar_int", "pow_scalar", [P("x", randn(3, 4))], lambda x, exponent: x ** exponent, {"exponent": 3.0})
case("pow_scalar_frac", "pow_scalar", [P("x", uniform(0.5, 2.0, 3, 4))], lambda x, exponent: x ** exponent,
     {"exponent": 2.5})
case("pow_scalar_neg", "pow_scalar", [P("x", uniform(0.5, 2.0, 3, 4))], lambda x, exponent: x ** exponent,
     {"exponent": -0.5})

UNARY = {
    "neg": (torch.neg, randn(3, 5)),
    "exp": (torch.exp, randn(3, 5)),
    "log": (torch.log, uniform(0.2, 3.0, 3, 5)),
    "sqrt": (torch.sqrt, uniform(0.2, 3.0, 3, 5)),
    "abs": (torch.abs, randn(3, 5)),
    "relu": (torch.relu, randn(3, 5)),
    "sigmoid": (torch.sigmoid, randn(3, 5, scale=2.0)),
    "tanh": (torch.tanh, randn(3, 5, scale=1.5)),
    "gelu": (lambda x: F.gelu(x), randn(3, 5, scale=2.0)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), randn(3, 5, scale=2.0)),
    "softplus": (F.softplus, randn(3, 5, scale=3.0)),
    "silu": (F.silu, randn(3, 5, scale=2.0)),
    "hardswish": (F.hardswish, randn(3, 5, scale=3.0)),  # both kinks (+-3) inside the range
    "mish": (F.mish, randn(3, 5, scale=2.0)),
}
for op, (fn, maker) in UNARY.items():
    case(op, op, [P("x", maker)], lambda x, fn=fn: fn(x))

case("clamp", "clamp", [P("x", randn(3, 5))], lambda x, min, max: torch.clamp(x, min, max),
     {"min": -0.5, "max": 0.7})
case("leaky_relu", "leaky_relu", [P("x", randn(3, 5))], lambda x, slope: F.leaky_relu(x, slope), {"slope": 0.1})
case("elu", "elu", [P("x", randn(3, 5))], lambda x, alpha: F.elu(x, alpha), {"alpha": 1.0})
case("elu_alpha", "elu", [P("x", randn(3, 5))], lambda x, alpha: F.elu(x, alpha), {"alpha": 0.7})
# a non-contiguous operand: the op sees x.t()
case("exp_transposed", "exp_t", [P("x", randn(5, 3))], lambda x: torch.exp(x.t()))

# ---------------------------------------------------------------- reductions

for red in ["sum", "mean", "max", "min"]:
    fn = getattr(torch, red)

    def reduce_dims(x, dims, keepdim, red=red):
        if red in ("max", "min"):
            return getattr(torch, red)(x, dims[0], keepdim=keepdim).values
        return getattr(torch, red)(x, dims, keepdim=keepdim)

    case(f"{red}_all", f"{red}_all", [P("x", randn(3, 4))], lambda x, fn=fn: fn(x))
    case(f"{red}_dim", red, [P("x", randn(2, 3, 4))], reduce_dims, {"dims": [1], "keepdim": False})
    case(f"{red}_dim_keepdim", red, [P("x", randn(2, 3, 4))], reduce_dims, {"dims": [0], "keepdim": True})
    case(f"{red}_dim_negative", red, [P("x", randn(2, 3, 4))], reduce_dims, {"dims": [-1], "keepdim": False})
    if red in ("sum", "mean"):
        case(f"{red}_dims", red, [P("x", randn(2, 3, 4))], reduce_dims, {"dims": [0, 2], "keepdim": False})
        case(f"{red}_dims_keepdim", red, [P("x", randn(2, 3, 4))], reduce_dims, {"dims": [0, 2], "keepdim": True})

case("var_all", "var_all", [P("x", randn(3, 4))], lambda x: torch.var(x))
for name, dims, corr, keep in [("var_dim", [1], 1, False), ("var_dim_keepdim", [0], 1, True),
                               ("var_dims_biased", [0, 2], 0, False), ("var_dims_keepdim", [1, 2], 1, True)]:
    case(name, "var", [P("x", randn(2, 3, 4))],
         lambda x, dims, correction, keepdim: torch.var(x, dims, unbiased=correction == 1, keepdim=keepdim),
         {"dims": dims, "correction": corr, "keepdim": keep})

# ---------------------------------------------------------------- matmul / linear

for name, ash, bsh in [("1d_1d", (4,), (4,)), ("1d_2d", (3,), (3, 4)), ("2d_1d", (3, 4), (4,)),
                       ("2d_2d", (3, 4), (4, 5)), ("batched", (2, 3, 4), (2, 4, 5)),
                       ("batched_bcast", (2, 1, 3, 4), (3, 4, 2)), ("batched_2d", (2, 3, 4), (4, 2)),
                       ("2d_batched", (3, 4), (2, 4, 2)), ("batched_1d", (2, 3, 4), (4,)),
                       ("1d_batched", (3,), (2, 3, 4))]:
    case(f"matmul_{name}", "matmul", [P("a", randn(*ash)), P("b", randn(*bsh))], lambda a, b: torch.matmul(a, b))

def linear(x, w, b=None):
    return F.linear(x, w, b)


case("linear", "linear", [P("x", randn(5, 3)), P("w", randn(4, 3)), P("b", randn(4))], linear)
case("linear_nobias", "linear", [P("x", randn(5, 3)), P("w", randn(4, 3))], linear)
case("linear_3d", "linear", [P("x", randn(2, 3, 3)), P("w", randn(4, 3)), P("b", randn(4))], linear)

# ---------------------------------------------------------------- shapes and indexing

case("reshape", "reshape", [P("x", randn(2, 3, 4))], lambda x, shape: x.reshape(shape), {"shape": [4, -1]})
case("reshape_noncontiguous", "reshape_t", [P("x", randn(3, 4))], lambda x, shape: x.t().reshape(shape),
     {"shape": [2, 6]})
case("transpose", "transpose", [P("x", randn(2, 3, 4))], lambda x, dim0, dim1: x.transpose(dim0, dim1),
     {"dim0": 0, "dim1": 2})
case("permute", "permute", [P("x", randn(2, 3, 4))], lambda x, dims: x.permute(dims), {"dims": [2, 0, 1]})
case("squeeze_all", "squeeze_all", [P("x", randn(3, 1, 4, 1))], lambda x: torch.squeeze(x))
case("squeeze_dim", "squeeze", [P("x", randn(3, 1, 4, 1))], lambda x, dim: x.squeeze(dim), {"dim": 1})
case("unsqueeze", "unsqueeze", [P("x", randn(3, 4))], lambda x, dim: x.unsqueeze(dim), {"dim": 1})
case("narrow", "narrow", [P("x", randn(4, 5))], lambda x, dim, start, length: x.narrow(dim, start, length),
     {"dim": 1, "start": 1, "length": 3})
case("slice_step", "slice", [P("x", randn(6, 4))], lambda x, dim, start, end, step: x[start:end:step],
     {"dim": 0, "start": 1, "end": 6, "step": 2})
case("select", "select", [P("x", randn(3, 4))], lambda x, dim, index: x.select(dim, index),
     {"dim": 1, "index": 2})
case("expand", "expand", [P("x", randn(3, 1))], lambda x, shape: x.expand(shape), {"shape": [2, 3, 4]})
case("flatten", "flatten_all", [P("x", randn(2, 3, 4))], lambda x: torch.flatten(x))
case("flatten_range", "flatten", [P("x", randn(2, 3, 2, 2))], lambda x, start, end: torch.flatten(x, start, end),
     {"start": 1, "end": 2})
case("index_select_dim0", "index_select", [P("x", randn(5, 3)), I("index", fixed([3, 0, 3, 1], (4,)))],
     lambda x, index, dim: torch.index_select(x, dim, L(index)), {"dim": 0})
case("index_select_dim1", "index_select", [P("x", randn(3, 5)), I("index", fixed([4, 4, 2], (3,)))],
     lambda x, index, dim: torch.index_select(x, dim, L(index)), {"dim": 1})
case("gather_dim1", "gather", [P("x", randn(3, 4)), I("index", fixed([0, 3, 3, 1, 2, 0], (3, 2)))],
     lambda x, index, dim: torch.gather(x, dim, L(index)), {"dim": 1})
case("gather_dim0", "gather", [P("x", randn(3, 4)), I("index", fixed([2, 0, 1, 2, 2, 2, 0, 1], (2, 4)))],
     lambda x, index, dim: torch.gather(x, dim, L(index)), {"dim": 0})
case("cat_dim0", "cat", [P("a", randn(2, 3)), P("b", randn(4, 3))], lambda a, b, dim: torch.cat([a, b], dim),
     {"dim": 0})
case("cat_dim1_three", "cat", [P("a", randn(2, 1)), P("b", randn(2, 3)), P("c", randn(2, 2))],
     lambda a, b, c, dim: torch.cat([a, b, c], dim), {"dim": 1})
case("stack_dim0", "stack", [P("a", randn(2, 3)), P("b", randn(2, 3))], lambda a, b, dim: torch.stack([a, b], dim),
     {"dim": 0})
case("stack_last", "stack", [P("a", randn(2, 3)), P("b", randn(2, 3)), P("c", randn(2, 3))],
     lambda a, b, c, dim: torch.stack([a, b, c], dim), {"dim": -1})

# ---------------------------------------------------------------- softmax

case("softmax_dim1", "softmax", [P("x", randn(3, 5, scale=2.0))], lambda x, dim: torch.softmax(x, dim), {"dim": 1})
case("softmax_dim0_3d", "softmax", [P("x", randn(2, 3, 4))], lambda x, dim: torch.softmax(x, dim), {"dim": 0})
case("softmax_large", "softmax", [P("x", randn(3, 4, scale=3.0, shift=80.0))],
     lambda x, dim: torch.softmax(x, dim), {"dim": -1})
case("log_softmax_dim1", "log_softmax", [P("x", randn(3, 5, scale=2.0))], lambda x, dim: torch.log_softmax(x, dim),
     {"dim": 1})
case("log_softmax_dim0_3d", "log_softmax", [P("x", randn(2, 3, 4))], lambda x, dim: torch.log_softmax(x, dim),
     {"dim": 0})
case("log_softmax_large", "log_softmax", [P("x", randn(3, 4, scale=3.0, shift=-90.0))],
     lambda x, dim: torch.log_softmax(x, dim), {"dim": -1})

# ---------------------------------------------------------------- convolution and pooling


def conv(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    return F.conv2d(x, w, b, tuple(stride), tuple(padding), tuple(dilation), groups)


case("conv2d", "conv2d", [P("x", randn(2, 2, 4, 4)), P("w", randn(3, 2, 3, 3)), P("b", randn(3))], conv,
     {"stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1})
case("conv2d_nobias", "conv2d", [P("x", randn(1, 2, 4, 5)), P("w", randn(2, 2, 2, 3))], conv,
     {"stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1})
case("conv2d_stride_padding", "conv2d", [P("x", randn(1, 2, 6, 5)), P("w", randn(3, 2, 3, 2)), P("b", randn(3))],
     conv, {"stride": [2, 1], "padding": [1, 2], "dilation": [1, 1], "groups": 1})
case("conv2d_dilation", "conv2d", [P("x", randn(1, 2, 7, 6)), P("w", randn(2, 2, 3, 2)), P("b", randn(2))], conv,
     {"stride": [1, 2], "padding": [1, 1], "dilation": [2, 3], "groups": 1})
case("conv2d_groups", "conv2d", [P("x", randn(1, 4, 4, 4)), P("w", randn(6, 2, 3, 3)), P("b", randn(6))], conv,
     {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 2})
case("conv2d_depthwise", "conv2d", [P("x", randn(2, 3, 4, 4)), P("w", randn(3, 1, 2, 2))], conv,
     {"stride": [2, 2], "padding": [0, 0], "dilation": [1, 1], "groups": 3})


def max_pool(x, kernel, stride, padding, dilation):
    return F.max_pool2d(x, tuple(kernel), tuple(stride), tuple(padding), tuple(dilation))


def avg_pool(x, kernel, stride, padding):
    return F.avg_pool2d(x, tuple(kernel), tuple(stride), tuple(padding))


case("max_pool2d", "max_pool2d", [P("x", randn(2, 2, 4, 4))], max_pool,
     {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0], "dilation": [1, 1]})
case("max_pool2d_overlap_padding", "max_pool2d", [P("x", randn(1, 2, 5, 6))], max_pool,
     {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "dilation": [1, 1]})
case("max_pool2d_dilation", "max_pool2d", [P("x", randn(1, 2, 6, 6))], max_pool,
     {"kernel": [2, 3], "stride": [1, 2], "padding": [0, 1], "dilation": [2, 1]})
case("avg_pool2d", "avg_pool2d", [P("x", randn(2, 2, 4, 4))], avg_pool,
     {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]})
case("avg_pool2d_overlap_padding", "avg_pool2d", [P("x", randn(1, 2, 5, 6))], avg_pool,
     {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 1]})
case("adaptive_avg_pool2d", "adaptive_avg_pool2d", [P("x", randn(1, 2, 4, 6))],
     lambda x, out: F.adaptive_avg_pool2d(x, tuple(out)), {"out": [2, 3]})
case("adaptive_avg_pool2d_uneven", "adaptive_avg_pool2d", [P("x", randn(1, 2, 5, 7))],
     lambda x, out: F.adaptive_avg_pool2d(x, tuple(out)), {"out": [3, 4]})

# ---------------------------------------------------------------- normalisation, embedding


def batch_norm(x, weight=None, bias=None, running_mean=None, running_var=None, training=True, momentum=0.1,
               eps=1e-5):
    return F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)


BN_STATS = [C("running_mean", randn(3, scale=0.5)), C("running_var", uniform(0.5, 2.0, 3))]
case("batch_norm_train_2d", "batch_norm",
     [P("x", randn(4, 3, scale=2.0, shift=1.0)), P("weight", randn(3)), P("bias", randn(3))] + BN_STATS,
     batch_norm, {"training": True, "momentum": 0.1, "eps": 1e-5})
case("batch_norm_train_4d", "batch_norm",
     [P("x", randn(2, 3, 2, 3, scale=2.0, shift=-1.0)), P("weight", randn(3)), P("bias", randn(3))] + BN_STATS,
     batch_norm, {"training": True, "momentum": 0.3, "eps": 1e-3})
case("batch_norm_train_noaffine", "batch_norm", [P("x", randn(2, 3, 2, 2))] + BN_STATS, batch_norm,
     {"training": True, "momentum": 0.1, "eps": 1e-5})
case("batch_norm_train_nostats", "batch_norm", [P("x", randn(5, 3)), P("weight", randn(3)), P("bias", randn(3))],
     batch_norm, {"training": True, "momentum": 0.1, "eps": 1e-5})
case("batch_norm_eval", "batch_norm",
     [P("x", randn(2, 3, 2, 2)), P("weight", randn(3)), P("bias", randn(3))] + BN_STATS, batch_norm,
     {"training": False, "momentum": 0.1, "eps": 1e-5})

case("layer_norm_last", "layer_norm", [P("x", randn(3, 2, 5)), P("weight", randn(5)), P("bias", randn(5))],
     lambda x, weight, bias, shape, eps: F.layer_norm(x, shape, weight, bias, eps), {"shape": [5], "eps": 1e-5})
case("layer_norm_two_dims", "layer_norm", [P("x", randn(2, 3, 4)), P("weight", randn(3, 4)), P("bias", randn(3, 4))],
     lambda x, weight, bias, shape, eps: F.layer_norm(x, shape, weight, bias, eps), {"shape": [3, 4], "eps": 1e-5})
case("layer_norm_noaffine", "layer_norm", [P("x", randn(4, 6, scale=3.0, shift=2.0))],
     lambda x, shape, eps: F.layer_norm(x, shape, None, None, eps), {"shape": [6], "eps": 1e-3})

case("embedding", "embedding", [I("ids", fixed([1, 4, 1, 0, 2, 4], (2, 3))), P("weight", randn(5, 4))],
     lambda ids, weight: F.embedding(L(ids), weight))

# ---------------------------------------------------------------- losses

for red in ["mean", "sum", "none"]:
    case(f"mse_{red}", "mse", [P("input", randn(3, 4)), P("target", randn(3, 4))],
         lambda input, target, reduction: F.mse_loss(input, target, reduction=reduction), {"reduction": red})
    case(f"l1_{red}", "l1", [P("input", randn(3, 4)), P("target", randn(3, 4))],
         lambda input, target, reduction: F.l1_loss(input, target, reduction=reduction), {"reduction": red})
case("smooth_l1_mean", "smooth_l1", [P("input", randn(3, 5, scale=1.5)), P("target", randn(3, 5))],
     lambda input, target, reduction, beta: F.smooth_l1_loss(input, target, reduction=reduction, beta=beta),
     {"reduction": "mean", "beta": 1.0})
case("smooth_l1_beta_sum", "smooth_l1", [P("input", randn(3, 5, scale=1.5)), P("target", randn(3, 5))],
     lambda input, target, reduction, beta: F.smooth_l1_loss(input, target, reduction=reduction, beta=beta),
     {"reduction": "sum", "beta": 0.5})
case("smooth_l1_none", "smooth_l1", [P("input", randn(3, 5, scale=1.5)), P("target", randn(3, 5))],
     lambda input, target, reduction, beta: F.smooth_l1_loss(input, target, reduction=reduction, beta=beta),
     {"reduction": "none", "beta": 2.0})
case("huber_mean", "huber", [P("input", randn(3, 5, scale=1.5)), P("target", randn(3, 5))],
     lambda input, target, reduction, delta: F.huber_loss(input, target, reduction=reduction, delta=delta),
     {"reduction": "mean", "delta": 1.0})
case("huber_delta_none", "huber", [P("input", randn(3, 5, scale=1.5)), P("target", randn(3, 5))],
     lambda input, target, reduction, delta: F.huber_loss(input, target, reduction=reduction, delta=delta),
     {"reduction": "none", "delta": 0.7})
case("huber_delta_sum", "huber", [P("input", randn(3, 5, scale=1.5)), P("target", randn(3, 5))],
     lambda input, target, reduction, delta: F.huber_loss(input, target, reduction=reduction, delta=delta),
     {"reduction": "sum", "delta": 1.8})


def cross_entropy(input, target, weight=None, reduction="mean", label_smoothing=0.0):
    return F.cross_entropy(input, L(target), weight, reduction=reduction, label_smoothing=label_smoothing)


def nll(input, target, weight=None, reduction="mean"):
    return F.nll_loss(input, L(target), weight, reduction=reduction)


CE_TARGET = fixed([2, 0, 4, 2, 1, 3], (6,))
CE_WEIGHT = fixed([0.5, 1.0, 2.0, 0.25, 1.5], (5,))
for red in ["mean", "sum", "none"]:
    case(f"cross_entropy_{red}", "cross_entropy", [P("input", randn(6, 5, scale=2.0)), I("target", CE_TARGET)],
         cross_entropy, {"reduction": red, "label_smoothing": 0.0})
    case(f"cross_entropy_smoothing_{red}", "cross_entropy",
         [P("input", randn(6, 5, scale=2.0)), I("target", CE_TARGET)], cross_entropy,
         {"reduction": red, "label_smoothing": 0.1})
    case(f"cross_entropy_weight_{red}", "cross_entropy",
         [P("input", randn(6, 5, scale=2.0)), I("target", CE_TARGET), C("weight", CE_WEIGHT)], cross_entropy,
         {"reduction": red, "label_smoothing": 0.0})
    case(f"cross_entropy_weight_smoothing_{red}", "cross_entropy",
         [P("input", randn(6, 5, scale=2.0)), I("target", CE_TARGET), C("weight", CE_WEIGHT)], cross_entropy,
         {"reduction": red, "label_smoothing": 0.2})
    case(f"nll_{red}", "nll", [P("input", randn(6, 5)), I("target", CE_TARGET)], nll, {"reduction": red})
    case(f"nll_weight_{red}", "nll", [P("input", randn(6, 5)), I("target", CE_TARGET), C("weight", CE_WEIGHT)], nll,
         {"reduction": red})
case("cross_entropy_spatial", "cross_entropy",
     [P("input", randn(2, 3, 2, 2)), I("target", fixed([0, 2, 1, 1, 2, 2, 0, 1], (2, 2, 2)))], cross_entropy,
     {"reduction": "mean", "label_smoothing": 0.0})
case("cross_entropy_spatial_weight_smoothing", "cross_entropy",
     [P("input", randn(2, 3, 2, 2)), I("target", fixed([0, 2, 1, 1, 2, 2, 0, 1], (2, 2, 2))),
      C("weight", fixed([1.5, 0.5, 1.0], (3,)))], cross_entropy, {"reduction": "mean", "label_smoothing": 0.15})


def bce(input, target, weight=None, reduction="mean"):
    return F.binary_cross_entropy(input, target, weight, reduction=reduction)


def bce_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=reduction, pos_weight=pos_weight)


for red in ["mean", "sum", "none"]:
    case(f"bce_{red}", "bce", [P("input", uniform(0.05, 0.95, 3, 4)), C("target", uniform(0.0, 1.0, 3, 4))], bce,
         {"reduction": red})
    case(f"bce_logits_{red}", "bce_logits", [P("input", randn(3, 4, scale=2.0)), C("target", uniform(0, 1, 3, 4))],
         bce_logits, {"reduction": red})
case("bce_weight", "bce", [P("input", uniform(0.05, 0.95, 3, 4)), C("target", ints(0, 2, 3, 4)),
                           C("weight", uniform(0.5, 2.0, 4))], bce, {"reduction": "mean"})
case("bce_logits_pos_weight", "bce_logits",
     [P("input", randn(3, 4, scale=2.0)), C("target", ints(0, 2, 3, 4)), C("pos_weight", uniform(0.5, 3.0, 4))],
     bce_logits, {"reduction": "mean"})
case("bce_logits_weight_pos_weight_sum", "bce_logits",
     [P("input", randn(3, 4, scale=2.0)), C("target", uniform(0, 1, 3, 4)), C("weight", uniform(0.5, 2.0, 3, 1)),
      C("pos_weight", uniform(0.5, 3.0, 4))], bce_logits, {"reduction": "sum"})

# ------------------------------------------------ the backpropagation-tutorial network (case name seed_network)


def seed_network_inputs():
    """The classic backpropagation-tutorial network, 2->4->4->1 with ReLU and MSE: nn.Linear's default init after torch.manual_seed(0), a batch of 5 points."""
    torch.manual_seed(0)
    layers = [torch.nn.Linear(2, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)]
    x = torch.randn(5, 2)
    y = torch.randn(5, 1)
    out = []
    for i, layer in enumerate(layers, 1):
        out.append(P(f"w{i}", fixed(layer.weight.detach().double().flatten().tolist(), tuple(layer.weight.shape))))
        out.append(P(f"b{i}", fixed(layer.bias.detach().double().flatten().tolist(), tuple(layer.bias.shape))))
    out.append(C("x", fixed(x.double().flatten().tolist(), (5, 2))))
    out.append(C("y", fixed(y.double().flatten().tolist(), (5, 1))))
    return out


def seed_network(w1, b1, w2, b2, w3, b3, x, y):
    h = torch.relu(F.linear(x, w1, b1))
    h = torch.relu(F.linear(h, w2, b2))
    return F.mse_loss(F.linear(h, w3, b3), y)


case("seed_network", "seed_network", seed_network_inputs(), seed_network, gout_ones=True)

# ---------------------------------------------------------------- driver


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.flatten().tolist()]}


def run(spec, dtype, gout64):
    g = torch.Generator().manual_seed(zlib.crc32(spec["name"].encode()))
    values = [(name, kind, maker(g)) for name, kind, maker in spec["inputs"]]
    args = {}
    inputs = {}
    for name, kind, v in values:
        t = v if kind == "index" else v.to(dtype)
        if kind == "param":
            t = t.clone().requires_grad_(True)
        elif kind == "const":
            t = t.clone()
        args[name] = t
        inputs[name] = dict(tensor_json(t), kind=kind)
    const_before = {n: args[n].clone() for n, k, _ in values if k == "const"}
    out = spec["fn"](**args, **spec["params"])
    if gout64 is None:
        return out
    gout = gout64.to(dtype)
    out.backward(gout)
    grads = {}
    for name, kind, _ in values:
        if kind == "param":
            grads[name] = tensor_json(args[name].grad)
    extra = {}
    for name, before in const_before.items():  # buffers updated in place (batch_norm's running stats)
        if not torch.equal(before, args[name]):
            extra[name] = tensor_json(args[name])
    return {"name": spec["name"], "op": spec["op"], "params": spec["params"], "inputs": inputs,
            "output": tensor_json(out), "gout": tensor_json(gout), "grads": grads, "extra": extra}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 scripts/make_fixtures.py OUTPUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    names = [c["name"] for c in CASES]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        sys.exit(f"duplicate case names: {sorted(dupes)}")
    results = {torch.float64: [], torch.float32: []}
    for spec in CASES:
        shape = run(spec, torch.float64, None).shape
        if spec["gout_ones"]:
            gout64 = torch.ones(shape, dtype=torch.float64)
        else:
            g = torch.Generator().manual_seed(zlib.crc32(("gout:" + spec["name"]).encode()))
            gout64 = torch.randn(shape, generator=g, dtype=torch.float64)
        for dtype in results:
            results[dtype].append(run(spec, dtype, gout64))
    for dtype, cases in results.items():
        name = str(dtype).replace("torch.", "")
        path = os.path.join(out_dir, f"torch_{name}.json")
        with open(path, "w") as f:
            f.write('{"generator": "scripts/make_fixtures.py", "torch": %s, "dtype": "%s", "cases": [\n'
                    % (json.dumps(torch.__version__), name))
            f.write(",\n".join(json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cases))
            f.write("\n]}\n")
        print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
