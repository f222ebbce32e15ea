"""PyTorch reference cases for CrossEntropyLoss (see gen_fixtures.py)."""

import json
import os

import torch
import torch.nn.functional as F
from fixtures_common import Gen, f32, flat


def ce_case(gen, name, logits, target, *, axis=-1, temperature=1.0, weight=None,
            ignore_index=None, smoothing=0.0, reduction="mean", target_dtype=None):
    """Evaluates one cross-entropy case with PyTorch and appends it to gen.cases."""
    dtype = logits.dtype
    temperature = f32(temperature)
    x = logits.clone().requires_grad_(True)
    rank = x.dim()
    ax = axis % rank
    # PyTorch wants the class axis at 1 (or 0 for unbatched (C,) input).
    inp = x / temperature
    if rank >= 2 and ax != 1:
        inp = inp.movedim(ax, 1)
    prob = target.is_floating_point() and target.shape == logits.shape
    tgt = target
    if prob:
        tgt = target.to(dtype)
        if rank >= 2 and ax != 1:
            tgt = tgt.movedim(ax, 1)
    else:
        tgt = target.long()
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    if weight is not None:
        kwargs["weight"] = torch.tensor(weight, dtype=torch.float32).to(dtype)
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    out = F.cross_entropy(inp, tgt, **kwargs)
    upstream = None
    if reduction == "none":
        upstream = gen.randn(*out.shape, dtype=dtype)
        (out * upstream).sum().backward()
    else:
        out.backward()
    if target_dtype is None:
        target_dtype = str(target.dtype).replace("torch.", "")
    gen.cases.append({
        "name": name,
        "dtype": str(dtype).replace("torch.", ""),
        "logits_shape": list(logits.shape),
        "logits": flat(logits),
        "target_kind": "probabilities" if prob else "indices",
        "target_dtype": target_dtype,
        "target_shape": list(target.shape),
        "target": flat(target.double()),
        "class_axis": axis,
        "temperature": temperature,
        "weight": weight,
        "ignore_index": ignore_index,
        "label_smoothing": smoothing,
        "reduction": reduction,
        "upstream": None if upstream is None else flat(upstream),
        "expected_shape": list(out.shape),
        "expected": flat(out),
        "grad": flat(x.grad),
    })


def cross_entropy_cases():
    gen = Gen(20261126)
    reductions = ["mean", "sum", "none"]
    n, c = 6, 5
    w5 = [f32(v) for v in [0.2, 1.0, 2.5, 0.7, 1.3]]

    # Plain class-index targets at several temperatures, every reduction.
    for t in [1.0, 0.5, 2.5]:
        for r in reductions:
            ce_case(gen, f"basic_T{t}_{r}", gen.randn(n, c, dtype=torch.float32),
                    gen.randint(c, (n,)), temperature=t, reduction=r)
    # Per-class weights.
    for r in reductions:
        ce_case(gen, f"weight_{r}", gen.randn(n, c, dtype=torch.float32), gen.randint(c, (n,)),
                weight=w5, reduction=r)
    # Ignore index outside and inside [0, C), with and without weights.
    for r in reductions:
        tgt = gen.randint(c, (n,))
        tgt[1] = -100
        tgt[4] = -100
        ce_case(gen, f"ignore_-100_{r}", gen.randn(n, c, dtype=torch.float32), tgt,
                ignore_index=-100, reduction=r)
        tgt = torch.tensor([2, 0, 2, 4, 1, 2])
        ce_case(gen, f"ignore_2_weight_{r}", gen.randn(n, c, dtype=torch.float32), tgt,
                ignore_index=2, weight=w5, reduction=r)
    # Label smoothing alone, with weights, with ignored targets, with both, at eps = 1.
    for r in reductions:
        ce_case(gen, f"smooth0.1_{r}", gen.randn(n, c, dtype=torch.float32),
                gen.randint(c, (n,)), smoothing=0.1, reduction=r)
        ce_case(gen, f"smooth0.3_weight_{r}", gen.randn(n, c, dtype=torch.float32),
                gen.randint(c, (n,)), smoothing=0.3, weight=w5, reduction=r)
        tgt = gen.randint(c, (n,))
        tgt[0] = -1
        tgt[3] = -1
        ce_case(gen, f"smooth0.2_weight_ignore_{r}", gen.randn(n, c, dtype=torch.float32), tgt,
                smoothing=0.2, weight=w5, ignore_index=-1, temperature=1.7, reduction=r)
        tgt = gen.randint(c, (n,))
        tgt[2] = 3
        ce_case(gen, f"smooth0.25_ignore_{r}", gen.randn(n, c, dtype=torch.float32), tgt,
                smoothing=0.25, ignore_index=3, reduction=r)
    ce_case(gen, "smooth1.0_mean", gen.randn(n, c, dtype=torch.float32), gen.randint(c, (n,)),
            smoothing=1.0)
    # Probability targets, alone and with weights, smoothing and a temperature.
    for r in reductions:
        q = torch.softmax(gen.randn(n, c) * 2, dim=1).float()
        ce_case(gen, f"prob_{r}", gen.randn(n, c, dtype=torch.float32), q, reduction=r)
        q = torch.softmax(gen.randn(n, c) * 2, dim=1).float()
        ce_case(gen, f"prob_weight_smooth0.2_T0.8_{r}", gen.randn(n, c, dtype=torch.float32), q,
                weight=w5, smoothing=0.2, temperature=0.8, reduction=r)
    q = torch.nn.functional.one_hot(gen.randint(c, (n,)), c).float()
    ce_case(gen, "prob_onehot_mean", gen.randn(n, c, dtype=torch.float32), q)
    q = gen.rand(n, c).float()  # not normalised: PyTorch accepts it as is
    ce_case(gen, "prob_unnormalised_sum", gen.randn(n, c, dtype=torch.float32), q,
            reduction="sum")

    # K-dimensional inputs, PyTorch's layout (N, C, d1, d2) with class axis 1.
    for r in reductions:
        tgt = gen.randint(4, (2, 3, 5))
        tgt[0, 1, 2] = -100
        ce_case(gen, f"kdim_axis1_{r}", gen.randn(2, 4, 3, 5, dtype=torch.float32), tgt, axis=1,
                weight=[f32(v) for v in [0.5, 1.5, 1.0, 2.0]], ignore_index=-100,
                smoothing=0.1, reduction=r)
    # K-dimensional inputs, DJL's layout (N, d1, C) with the default class axis.
    for r in reductions:
        ce_case(gen, f"kdim_axislast_{r}", gen.randn(3, 7, 4, dtype=torch.float32),
                gen.randint(4, (3, 7)), smoothing=0.05, temperature=1.3, reduction=r)
    ce_case(gen, "kdim_axis1_prob_mean", gen.randn(2, 4, 3, dtype=torch.float32),
            torch.softmax(gen.randn(2, 4, 3), dim=1).float(), axis=1, smoothing=0.1)
    ce_case(gen, "kdim_axislast_prob_weight_none", gen.randn(2, 3, 4, dtype=torch.float32),
            torch.softmax(gen.randn(2, 3, 4), dim=2).float(),
            weight=[f32(v) for v in [0.5, 1.5, 1.0, 2.0]], reduction="none")
    ce_case(gen, "kdim_axis2_of4_mean", gen.randn(2, 3, 4, 2, dtype=torch.float32),
            gen.randint(4, (2, 3, 2)), axis=2)

    # Extreme logits: magnitude 1e4.
    big = gen.randn(4, 5, dtype=torch.float32) * 1e4
    ce_case(gen, "extreme_1e4_mean", big, gen.randint(5, (4,)))
    ce_case(gen, "extreme_1e4_T0.3_smooth_none", big, gen.randint(5, (4,)), temperature=0.3,
            smoothing=0.1, reduction="none")
    ce_case(gen, "extreme_neg1e4_T4_prob_sum", -big,
            torch.softmax(gen.randn(4, 5), dim=1).float(), temperature=4.0, reduction="sum")
    # C = 1, N = 1, unbatched (C,).
    ce_case(gen, "c1_mean", gen.randn(4, 1, dtype=torch.float32), torch.zeros(4, dtype=torch.long))
    ce_case(gen, "c1_smooth_none", gen.randn(4, 1, dtype=torch.float32),
            torch.zeros(4, dtype=torch.long), smoothing=0.2, reduction="none")
    ce_case(gen, "n1_weight_sum", gen.randn(1, 5, dtype=torch.float32), torch.tensor([3]),
            weight=w5, reduction="sum")
    ce_case(gen, "n1_mean_T0.25", gen.randn(1, 5, dtype=torch.float32), torch.tensor([0]),
            temperature=0.25)
    ce_case(gen, "unbatched_mean", gen.randn(5, dtype=torch.float32), torch.tensor(2))
    ce_case(gen, "unbatched_prob_smooth_none", gen.randn(5, dtype=torch.float32),
            torch.softmax(gen.randn(5), dim=0).float(), smoothing=0.1, reduction="none")
    # Float64 stays float64.
    for r in reductions:
        ce_case(gen, f"float64_weight_smooth_{r}", gen.randn(n, c), gen.randint(c, (n,)),
                weight=w5, smoothing=0.15, temperature=0.6, reduction=r)
    ce_case(gen, "float64_prob_mean", gen.randn(n, c), torch.softmax(gen.randn(n, c), dim=1),
            temperature=3.0)
    # Label types DJL users have: int32, uint8 and whole-number float32.
    ce_case(gen, "labels_int32_mean", gen.randn(n, c, dtype=torch.float32),
            gen.randint(c, (n,)), target_dtype="int32")
    ce_case(gen, "labels_uint8_sum", gen.randn(n, c, dtype=torch.float32), gen.randint(c, (n,)),
            target_dtype="uint8", reduction="sum")
    ce_case(gen, "labels_float32_mean", gen.randn(n, c, dtype=torch.float32),
            gen.randint(c, (n,)), target_dtype="float32", smoothing=0.1)
    # Edge: every target ignored (MEAN is NaN, SUM is 0), and zero total weight.
    ce_case(gen, "all_ignored_mean", gen.randn(3, c, dtype=torch.float32),
            torch.full((3,), -100), ignore_index=-100)
    ce_case(gen, "all_ignored_sum", gen.randn(3, c, dtype=torch.float32),
            torch.full((3,), -100), ignore_index=-100, reduction="sum")
    ce_case(gen, "all_ignored_smooth_mean", gen.randn(3, c, dtype=torch.float32),
            torch.full((3,), -100), ignore_index=-100, smoothing=0.1)
    ce_case(gen, "zero_weight_mean", gen.randn(3, c, dtype=torch.float32),
            torch.tensor([0, 0, 0]), weight=[0.0, 1.0, 1.0, 1.0, 1.0])
    # A larger case.
    ce_case(gen, "large_128x100_weight_ignore_smooth_mean", gen.randn(128, 100,
            dtype=torch.float32) * 3, torch.where(gen.rand(128) < 0.1, torch.tensor(-100),
            gen.randint(100, (128,))), weight=[f32(v) for v in (gen.rand(100) + 0.5).tolist()],
            ignore_index=-100, smoothing=0.1, temperature=1.5)
    return gen.cases


def write(out_dir):
    """Writes cross_entropy.json into out_dir and returns the number of cases."""
    cases = cross_entropy_cases()
    with open(os.path.join(out_dir, "cross_entropy.json"), "w") as f:
        json.dump({"generator": "tools/gen_fixtures.py", "torch": torch.__version__,
                   "cases": cases}, f, indent=1)
    return len(cases)
