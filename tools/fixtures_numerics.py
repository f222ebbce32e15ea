"""PyTorch reference cases for non-finite and extreme inputs (see gen_fixtures.py).

Tempered's losses and blocks must treat NaN, +inf and -inf logits exactly as PyTorch does: NaN
propagates, -inf is a class of probability 0, and positions whose target is ignored contribute 0
to the value whatever their logits. Extremes: logits of magnitude 1e4 at small temperatures and
probability targets of 1e-30.

Every case reuses the schema of its area's own fixture file, plus an "area" field:
"cross_entropy" (fixtures_cross_entropy.ce_case), "distillation" (fixtures_distillation.case) and
"softmax" (fixtures_softmax.softmax_case). All go to numerics.json.
"""

import json
import math
import os

import torch

import fixtures_cross_entropy as ce
from fixtures_common import Gen
import fixtures_distillation as kd
import fixtures_softmax as sm

NAN = float("nan")
INF = float("inf")


def cross_entropy_cases():
    gen = Gen(20261128)
    n, c = 4, 5
    w5 = [ce.f32(v) for v in [0.2, 1.0, 2.5, 0.7, 1.3]]
    target = torch.tensor([1, 3, 0, 2])

    def logits(dtype=torch.float32):
        return gen.randn(n, c, dtype=dtype)

    # NaN and +inf make their position NaN; other positions stay finite (reduction none).
    for r in ["none", "mean", "sum"]:
        x = logits()
        x[1, 2] = NAN
        ce.ce_case(gen, f"nan_logit_{r}", x, target, reduction=r)
        x = logits()
        x[2, 0] = INF
        ce.ce_case(gen, f"pos_inf_logit_{r}", x, target, reduction=r)
    # -inf: probability 0; +inf loss where it is the target.
    x = logits()
    x[0, 4] = -INF
    x[3, 0] = -INF
    ce.ce_case(gen, "neg_inf_non_target_none", x, target, reduction="none")
    ce.ce_case(gen, "neg_inf_non_target_T0.5_mean", x, target, temperature=0.5)
    x = logits()
    x[1, 3] = -INF
    ce.ce_case(gen, "neg_inf_target_none", x, target, reduction="none")
    x = logits()
    x[2, 4] = -INF
    ce.ce_case(gen, "neg_inf_smoothing_none", x, target, smoothing=0.1, reduction="none")
    ce.ce_case(gen, "neg_inf_weight_none", x, target, weight=w5, reduction="none")
    x = logits()
    x[0, :] = -INF
    ce.ce_case(gen, "row_all_neg_inf_none", x, target, reduction="none")
    # A NaN temperature-scaled: inf / T stays inf.
    x = logits()
    x[3, 1] = INF
    ce.ce_case(gen, "pos_inf_T2.5_none", x, target, temperature=2.5, reduction="none")
    # Ignored positions contribute exactly 0 to the value whatever their logits.
    ignored = torch.tensor([-100, 3, -100, -100])
    for r in ["none", "mean", "sum"]:
        x = logits()
        x[0, 1] = NAN
        x[2, 3] = INF
        x[3, 0] = -INF
        ce.ce_case(gen, f"ignored_nonfinite_{r}", x, ignored, ignore_index=-100, reduction=r)
        ce.ce_case(gen, f"ignored_nonfinite_weight_smooth_{r}", x, ignored, ignore_index=-100,
                   weight=w5, smoothing=0.2, reduction=r)
    x = logits()
    x[0, 0] = -INF
    x[3, 2] = -INF
    ce.ce_case(gen, "ignored_neg_inf_smooth_T0.7_mean", x, torch.tensor([-1, 2, 4, -1]),
               ignore_index=-1, smoothing=0.1, temperature=0.7)
    x = logits()
    x[:, 0] = NAN
    ce.ce_case(gen, "all_ignored_nan_logits_mean", x, torch.full((n,), -100), ignore_index=-100)
    ce.ce_case(gen, "all_ignored_nan_logits_sum", x, torch.full((n,), -100), ignore_index=-100,
               reduction="sum")
    # K-dim, class axis 1, an ignored position holding NaN.
    x = gen.randn(2, 3, 4, dtype=torch.float32)
    x[1, :, 2] = NAN
    t = gen.randint(3, (2, 4))
    t[1, 2] = -100
    ce.ce_case(gen, "kdim_axis1_ignored_nan_mean", x, t, axis=1, ignore_index=-100)
    # Probability targets: 0 * -inf is NaN in PyTorch; tiny probabilities stay finite.
    q = torch.tensor([[0.0, 0.5, 0.5, 0.0, 0.0]] * n)
    x = logits()
    x[1, 0] = -INF
    ce.ce_case(gen, "prob_zero_target_neg_inf_none", x, q, reduction="none")
    q = torch.softmax(gen.randn(n, c), dim=1)
    q[:, 2] = 1e-30
    q = (q / q.sum(dim=1, keepdim=True)).float()
    ce.ce_case(gen, "prob_tiny_1e-30_mean", logits() * 3, q)
    ce.ce_case(gen, "prob_tiny_1e-30_float64_sum", logits(torch.float64) * 3, q.double(),
               reduction="sum")
    # Extremes: 1e4 logits at a small temperature (logits / T = 2e5), float32 and float64.
    big = gen.randn(n, c, dtype=torch.float32) * 1e4
    ce.ce_case(gen, "extreme_1e4_T0.05_weight_smooth_mean", big, target, temperature=0.05,
               weight=w5, smoothing=0.1)
    ce.ce_case(gen, "extreme_1e4_float64_T0.05_none", big.double(), target, temperature=0.05,
               reduction="none")
    ce.ce_case(gen, "extreme_1e30_none", gen.randn(n, c, dtype=torch.float32) * 1e30, target,
               reduction="none")
    # Float64 NaN.
    x = logits(torch.float64)
    x[0, 0] = NAN
    ce.ce_case(gen, "float64_nan_none", x, target, reduction="none")
    for case in gen.cases:
        case["area"] = "cross_entropy"
    return gen.cases


def distillation_cases():
    gen = Gen(20261129, default_dtype=torch.float32)
    n, c = 4, 5
    hard = torch.tensor([1, 3, 0, 2])

    def pair():
        return gen.randn(n, c) * 2, gen.randn(n, c) * 2

    s, t = pair()
    s[1, 2] = NAN
    kd.case(gen, "student_nan", s, t, hard)
    s, t = pair()
    t[2, 1] = INF
    kd.case(gen, "teacher_pos_inf", s, t, hard, alpha=0.7)
    s, t = pair()
    s[0, 3] = -INF
    kd.case(gen, "student_neg_inf_alpha1", s, t, hard, alpha=1.0)
    s, t = pair()
    s[0, 3] = -INF
    t[0, 3] = -INF
    kd.case(gen, "student_and_teacher_neg_inf_alpha1", s, t, hard, alpha=1.0)
    # Positions whose hard label is ignored: their NaN / inf logits are masked out of the value.
    s, t = pair()
    s[0, 1] = NAN
    s[2, 0] = -INF
    y = torch.tensor([-100, 3, -100, 2])
    kd.case(gen, "ignored_student_nonfinite", s, t, y, ignore_index=-100, alpha=0.6)
    s, t = pair()
    s[0, :] = s[0, :] * 1e4
    kd.case(gen, "extreme_1e4_T0.1", s, t * 1e4, hard, temperature=0.1)
    for case in gen.cases:
        case["area"] = "distillation"
    return gen.cases


def softmax_cases():
    gen = Gen(20261130)
    for log in [False, True]:
        kind = "log_softmax" if log else "softmax"
        x = gen.randn(4, 5, dtype=torch.float32)
        x[0, 1] = NAN
        x[1, 2] = INF
        x[2, 3] = -INF
        x[3, :] = -INF
        sm.softmax_case(gen, f"{kind}_nonfinite_T1.5", x, 1.5, log=log)
        sm.softmax_case(gen, f"learnable_{kind}_nonfinite_T0.5", x, 0.5, log=log, learnable=True)
        sm.softmax_case(gen, f"{kind}_extreme_1e4_T0.01", gen.randn(3, 5, dtype=torch.float32)
                        * 1e4, 0.01, log=log)
    for case in gen.cases:
        case["area"] = "softmax"
        g = case["grad_log_temperature"]
        if g is not None and not math.isfinite(g):
            case["grad_log_temperature"] = str(g)  # strict JSON has no NaN
    return gen.cases


def write(out_dir):
    """Writes numerics.json into out_dir and returns the number of cases."""
    cases = cross_entropy_cases() + distillation_cases() + softmax_cases()
    with open(os.path.join(out_dir, "numerics.json"), "w") as f:
        json.dump({"generator": "tools/gen_fixtures.py", "torch": torch.__version__,
                   "cases": cases}, f, indent=1)
    return len(cases)
