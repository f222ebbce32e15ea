"""PyTorch reference cases for TemperatureSoftmax (see gen_fixtures.py).

Each case evaluates torch.softmax(x / T, dim) or torch.log_softmax(x / T, dim) and records the
gradient of sum(out * upstream) with respect to x, for a fixed random upstream. Learnable cases
hold the temperature as log T, a float32 scalar leaf initialised to float32(log(float32(T))), as
Tempered's block does, and also record the gradient with respect to log T.
"""

import json
import math
import os

import torch

from fixtures_common import Gen, f32, flat


def softmax_case(gen, name, x, temperature, *, axis=-1, log=False, learnable=False):
    """Evaluates one temperature-softmax case with PyTorch and appends it to gen.cases."""
    dtype = x.dtype
    temperature = f32(temperature)
    xs = x.clone().requires_grad_(True)
    log_t = None
    if learnable:
        log_t = torch.tensor(f32(math.log(temperature)), dtype=torch.float32,
                             requires_grad=True)
        t = log_t.to(dtype).exp()
    else:
        t = temperature
    z = xs / t
    out = torch.log_softmax(z, dim=axis) if log else torch.softmax(z, dim=axis)
    upstream = gen.randn(*out.shape, dtype=dtype)
    (out * upstream).sum().backward()
    case = {
        "name": name,
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "x": flat(x),
        "x_shape": list(x.shape),
        "temperature": temperature,
        "axis": axis,
        "log": log,
        "learnable": learnable,
        "upstream": flat(upstream),
        "expected": flat(out),
        "grad_x": flat(xs.grad),
        "grad_log_temperature": None if log_t is None else log_t.grad.item(),
    }
    gen.cases.append(case)


def softmax_cases():
    gen = Gen(20261127)
    # (N, C) at temperatures below and above 1, softmax and log-softmax.
    for t in [0.1, 0.5, 1.0, 2.0, 7.5]:
        for log in [False, True]:
            kind = "log_softmax" if log else "softmax"
            softmax_case(gen, f"{kind}_T{t}_2d", gen.randn(4, 6, dtype=torch.float32), t, log=log)
    # Other axes of a 3-D input, negative and positive.
    for axis in [0, 1, -2]:
        for log in [False, True]:
            kind = "log_softmax" if log else "softmax"
            softmax_case(gen, f"{kind}_T1.5_3d_axis{axis}", gen.randn(3, 4, 5,
                         dtype=torch.float32), 1.5, axis=axis, log=log)
    # K-dim (N, C, d1, d2) with the class axis 1, PyTorch's layout.
    softmax_case(gen, "softmax_T0.7_4d_axis1", gen.randn(2, 3, 4, 2, dtype=torch.float32), 0.7,
                 axis=1)
    softmax_case(gen, "log_softmax_T3_4d_axis-1", gen.randn(2, 3, 2, 5, dtype=torch.float32),
                 3.0, axis=-1, log=True)
    # 1-D input (C,).
    softmax_case(gen, "softmax_T0.25_1d", gen.randn(7, dtype=torch.float32), 0.25)
    # Float64 stays float64.
    for log in [False, True]:
        kind = "log_softmax" if log else "softmax"
        softmax_case(gen, f"{kind}_T0.3_float64", gen.randn(5, 4), 0.3, log=log)
        softmax_case(gen, f"{kind}_T4_float64_axis0", gen.randn(5, 4), 4.0, axis=0, log=log)
    # Extreme logits: log-softmax stays finite.
    big = gen.randn(3, 5, dtype=torch.float32) * 1e4
    softmax_case(gen, "log_softmax_T0.5_extreme_1e4", big, 0.5, log=True)
    softmax_case(gen, "softmax_T2_extreme_1e4", big, 2.0)
    # Learnable temperature: gradient with respect to log T as well.
    for t in [0.4, 1.0, 2.5]:
        for log in [False, True]:
            kind = "log_softmax" if log else "softmax"
            softmax_case(gen, f"learnable_{kind}_T{t}", gen.randn(4, 5, dtype=torch.float32),
                         t, log=log, learnable=True)
    softmax_case(gen, "learnable_softmax_T1.8_3d_axis1", gen.randn(2, 4, 3, dtype=torch.float32),
                 1.8, axis=1, learnable=True)
    softmax_case(gen, "learnable_log_softmax_T0.6_float64", gen.randn(3, 6), 0.6, log=True,
                 learnable=True)
    return gen.cases


def write(out_dir):
    """Writes temperature_softmax.json into out_dir and returns the number of cases."""
    cases = softmax_cases()
    with open(os.path.join(out_dir, "temperature_softmax.json"), "w") as f:
        json.dump({"generator": "tools/gen_fixtures.py", "torch": torch.__version__,
                   "cases": cases}, f, indent=1)
    return len(cases)
