"""PyTorch reference cases for LinearCrossEntropyLoss (see gen_fixtures.py).

Each case is F.cross_entropy((hidden @ weight.T + bias) / T, target, ...) with gradients with
respect to the hidden states, the classifier weight and the bias; the loss is multiplied by an
"upstream" factor before backward, as a caller scaling the loss would, so the gradients are
upstream * d(loss). Values are float32 unless the case says float64.
"""

import json
import os

import torch
import torch.nn.functional as F
from fixtures_common import Gen, f32, flat



def lce_case(gen, name, hidden, weight, target, *, bias=None, temperature=1.0, class_weight=None,
             ignore_index=None, smoothing=0.0, reduction="mean", upstream=1.0):
    dtype = hidden.dtype
    temperature = f32(temperature)
    smoothing = f32(smoothing)
    upstream = f32(upstream)
    h = hidden.clone().requires_grad_(True)
    w = weight.clone().requires_grad_(True)
    b = None if bias is None else bias.clone().requires_grad_(True)
    logits = h @ w.T
    if b is not None:
        logits = logits + b
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    if class_weight is not None:
        class_weight = [f32(v) for v in class_weight]
        kwargs["weight"] = torch.tensor(class_weight, dtype=dtype)
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    v = logits.shape[-1]
    out = F.cross_entropy((logits / temperature).reshape(-1, v), target.reshape(-1).long(),
                          **kwargs)
    (out * upstream).backward()
    gen.cases.append({
        "name": name,
        "dtype": str(dtype).replace("torch.", ""),
        "hidden_shape": list(hidden.shape),
        "hidden": flat(hidden),
        "weight_shape": list(weight.shape),
        "weight": flat(weight),
        "bias": None if bias is None else flat(bias),
        "target_shape": list(target.shape),
        "target": flat(target.double()),
        "temperature": temperature,
        "class_weight": class_weight,
        "ignore_index": ignore_index,
        "label_smoothing": smoothing,
        "reduction": reduction,
        "upstream": upstream,
        "expected": flat(out),
        "grad_hidden": flat(h.grad),
        "grad_weight": flat(w.grad),
        "grad_bias": None if b is None else flat(b.grad),
    })


def linear_cross_entropy_cases():
    gen = Gen(20261127, default_dtype=torch.float32)
    n, d, v = 13, 6, 11
    cw = (gen.rand(v) * 2 + 0.2).tolist()

    lce_case(gen, "plain_mean", gen.randn(n, d), gen.randn(v, d, scale=0.5), gen.randint(v, (n,)))
    lce_case(gen, "plain_sum_upstream2.5", gen.randn(n, d), gen.randn(v, d, scale=0.5),
             gen.randint(v, (n,)), reduction="sum", upstream=2.5)
    lce_case(gen, "bias_mean", gen.randn(n, d), gen.randn(v, d, scale=0.5),
             gen.randint(v, (n,)), bias=gen.randn(v))
    lce_case(gen, "temperature0.6_bias_sum", gen.randn(n, d), gen.randn(v, d, scale=0.5),
             gen.randint(v, (n,)), bias=gen.randn(v), temperature=0.6, reduction="sum")
    tgt = gen.randint(v, (n,))
    tgt[[1, 5, 6]] = -100
    lce_case(gen, "ignore_-100_mean", gen.randn(n, d), gen.randn(v, d, scale=0.5), tgt,
             ignore_index=-100)
    lce_case(gen, "smooth0.1_mean", gen.randn(n, d), gen.randn(v, d, scale=0.5),
             gen.randint(v, (n,)), smoothing=0.1)
    lce_case(gen, "class_weight_mean_upstream0.3", gen.randn(n, d), gen.randn(v, d, scale=0.5),
             gen.randint(v, (n,)), class_weight=cw, upstream=0.3)
    tgt = gen.randint(v, (n,))
    tgt[[0, 7]] = 4
    lce_case(gen, "all_options_mean", gen.randn(n, d), gen.randn(v, d, scale=0.5), tgt,
             bias=gen.randn(v), temperature=1.7, class_weight=cw, ignore_index=4, smoothing=0.2)
    tgt = gen.randint(v, (n,))
    tgt[2] = -1
    lce_case(gen, "all_options_sum", gen.randn(n, d), gen.randn(v, d, scale=0.5), tgt,
             bias=gen.randn(v), temperature=0.8, class_weight=cw, ignore_index=-1, smoothing=0.3,
             reduction="sum", upstream=-1.5)
    lce_case(gen, "hidden_3d_mean", gen.randn(2, 5, d), gen.randn(v, d, scale=0.5),
             gen.randint(v, (2, 5)), smoothing=0.05)
    lce_case(gen, "float64_bias_smooth_mean", gen.randn(n, d, dtype=torch.float64),
             gen.randn(v, d, dtype=torch.float64, scale=0.5), gen.randint(v, (n,)),
             bias=gen.randn(v, dtype=torch.float64), smoothing=0.15, class_weight=cw)
    lce_case(gen, "all_ignored_mean", gen.randn(4, d), gen.randn(v, d, scale=0.5),
             torch.full((4,), -100), ignore_index=-100)
    lce_case(gen, "all_ignored_sum", gen.randn(4, d), gen.randn(v, d, scale=0.5),
             torch.full((4,), -100), ignore_index=-100, reduction="sum")
    # Logits in the thousands: probabilities of targets underflow (the fallback via the row max).
    # float64, because float32 matmuls of such magnitudes differ between BLAS builds by more than
    # the tolerance; the float32 case below stays at a few hundred.
    lce_case(gen, "extreme_logits_float64_mean", gen.randn(n, d, dtype=torch.float64, scale=30.0),
             gen.randn(v, d, dtype=torch.float64, scale=30.0), gen.randint(v, (n,)),
             smoothing=0.1)
    lce_case(gen, "large_logits_sum", gen.randn(n, d, scale=6.0), gen.randn(v, d, scale=6.0),
             gen.randint(v, (n,)), reduction="sum")
    lce_case(gen, "larger_70x24x300_all_options", gen.randn(70, 24), gen.randn(300, 24, scale=0.3),
             torch.where(gen.rand(70) < 0.15, torch.tensor(-100), gen.randint(300, (70,))),
             bias=gen.randn(300, scale=0.1), class_weight=(gen.rand(300) + 0.5).tolist(),
             ignore_index=-100, smoothing=0.1, temperature=1.3)
    return gen.cases


def write(out_dir):
    """Writes linear_cross_entropy.json into out_dir and returns the number of cases."""
    cases = linear_cross_entropy_cases()
    with open(os.path.join(out_dir, "linear_cross_entropy.json"), "w") as f:
        json.dump({"generator": "tools/gen_fixtures.py", "torch": torch.__version__,
                   "cases": cases}, f, indent=1)
    return len(cases)
