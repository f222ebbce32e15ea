"""PyTorch reference cases for DistillationLoss (see gen_fixtures.py).

The reference is the usual PyTorch distillation loss (Hinton et al. 2015; PyTorch's knowledge
distillation tutorial)::

    kl = F.kl_div(F.log_softmax(s / T, c), F.softmax(t.detach() / T, c), reduction="batchmean")
    loss = alpha * T * T * kl + (1 - alpha) * F.cross_entropy(s / T_hard, y, ...)

When the hard loss has an ignore index, positions whose hard label is ignored are left out of the
KL term: with per-position KL values k (summed over the class axis), M positions in all, N = size
of dim 0, S = M / N positions per sample and K kept positions, the KL term is
sum(k over kept positions) / (K / S). With nothing ignored K / S = N, i.e. exactly "batchmean"
(checked below); for (N, C) inputs it is the mean over the kept rows. A term whose weight is 0
(alpha = 0 or alpha = 1) is not computed, as in the Java implementation.
"""

import json
import os

import torch
import torch.nn.functional as F
from fixtures_common import Gen, f32, flat


def kl_term(s, t, temperature, ax, keep):
    """alpha-free KL term: T^2 * masked batchmean KL(softmax(t/T) || softmax(s/T))."""
    log_ps = F.log_softmax(s / temperature, dim=ax)
    pt = F.softmax(t.detach() / temperature, dim=ax)
    if keep is None:
        kl = F.kl_div(log_ps, pt, reduction="batchmean")
    else:
        per_position = F.kl_div(log_ps, pt, reduction="none").sum(dim=ax)
        n = s.shape[0]
        positions_per_sample = per_position.numel() // n
        kept = keep.sum()
        masked = torch.where(keep, per_position, torch.zeros_like(per_position))
        kl = masked.sum() / (kept.to(s.dtype) / positions_per_sample)
        if bool(keep.all()):
            # The masked definition is exactly PyTorch's batchmean when nothing is ignored.
            ref = F.kl_div(log_ps, pt, reduction="batchmean")
            assert torch.allclose(kl, ref, rtol=1e-12, atol=0), (kl, ref)
    return kl * temperature * temperature


def case(gen, name, student, teacher, hard, *, temperature=2.0, alpha=0.5, axis=-1,
         hard_temperature=1.0, weight=None, ignore_index=None, smoothing=0.0,
         reduction="mean", teacher_only=False):
    """Evaluates one distillation case with PyTorch and appends it to gen.cases."""
    dtype = student.dtype
    temperature = f32(temperature)
    alpha = f32(alpha)
    hard_temperature = f32(hard_temperature)
    s = student.clone().requires_grad_(True)
    # The teacher requires a gradient, as a careless caller's might; none may reach it.
    t = teacher.clone().to(dtype).requires_grad_(True)
    rank = s.dim()
    ax = axis % rank

    keep = None
    if ignore_index is not None and hard is not None:
        keep = hard != ignore_index

    total = None
    if alpha > 0:
        total = alpha * kl_term(s, t, temperature, ax, keep)
    if alpha < 1:
        inp = s / hard_temperature
        if ax != 1:
            inp = inp.movedim(ax, 1)
        kwargs = dict(reduction=reduction, label_smoothing=smoothing)
        if weight is not None:
            kwargs["weight"] = torch.tensor(weight, dtype=torch.float32).to(dtype)
        if ignore_index is not None:
            kwargs["ignore_index"] = ignore_index
        ce = (1 - alpha) * F.cross_entropy(inp, hard.long(), **kwargs)
        total = ce if total is None else total + ce
    total.backward()
    assert t.grad is None, name + ": the teacher got a gradient"

    gen.cases.append({
        "name": name,
        "dtype": str(dtype).replace("torch.", ""),
        "shape": list(student.shape),
        "student": flat(student),
        "teacher": flat(teacher),
        "labels_form": "teacher_only" if teacher_only else "hard_and_teacher",
        "hard_shape": None if hard is None else list(hard.shape),
        "hard": None if hard is None else flat(hard.double()),
        "class_axis": axis,
        "temperature": temperature,
        "alpha": alpha,
        "hard_temperature": hard_temperature,
        "weight": weight,
        "ignore_index": ignore_index,
        "label_smoothing": smoothing,
        "reduction": reduction,
        "expected": flat(total),
        "grad": flat(s.grad),
    })


def distillation_cases():
    gen = Gen(20261127, default_dtype=torch.float32)
    n, c = 6, 5
    w5 = [f32(v) for v in [0.2, 1.0, 2.5, 0.7, 1.3]]

    def pair(*shape, scale=1.0, dtype=torch.float32):
        return gen.randn(*shape, dtype=dtype) * scale, gen.randn(*shape, dtype=dtype) * scale

    # (N, C): temperatures and blends.
    for t, a in [(2.0, 0.5), (0.5, 0.3), (1.0, 0.7), (4.0, 0.7), (8.0, 0.3)]:
        s, te = pair(n, c, scale=2.0)
        case(gen, f"basic_T{t}_alpha{a}", s, te, gen.randint(c, (n,)), temperature=t, alpha=a)
    s, te = pair(n, c, scale=2.0)
    case(gen, "alpha0_plain_ce_T4", s, te, gen.randint(c, (n,)), temperature=4.0, alpha=0.0)
    s, te = pair(n, c, scale=2.0)
    case(gen, "alpha1_with_hard_T4", s, te, gen.randint(c, (n,)), temperature=4.0, alpha=1.0)
    s, te = pair(n, c, scale=2.0)
    case(gen, "alpha1_teacher_only_T2", s, te, None, temperature=2.0, alpha=1.0,
         teacher_only=True)

    # Configured hard losses.
    s, te = pair(n, c, scale=2.0)
    case(gen, "hard_weight_alpha0.3", s, te, gen.randint(c, (n,)), alpha=0.3, weight=w5)
    s, te = pair(n, c, scale=2.0)
    y = gen.randint(c, (n,))
    y[1] = -100
    y[4] = -100
    case(gen, "hard_ignore-100_alpha0.7_T3", s, te, y, temperature=3.0, alpha=0.7,
         ignore_index=-100)
    s, te = pair(n, c, scale=2.0)
    case(gen, "hard_smooth0.1_alpha0.5", s, te, gen.randint(c, (n,)), smoothing=0.1)
    s, te = pair(n, c, scale=2.0)
    y = torch.tensor([2, 0, 2, 4, 1, 3])
    case(gen, "hard_weight_ignore2_smooth0.2_T2.5", s, te, y, temperature=2.5, alpha=0.4,
         weight=w5, ignore_index=2, smoothing=0.2)
    s, te = pair(n, c, scale=2.0)
    case(gen, "hard_sum_alpha0.5", s, te, gen.randint(c, (n,)), reduction="sum")
    s, te = pair(n, c, scale=2.0)
    case(gen, "hard_temperature2_T4", s, te, gen.randint(c, (n,)), temperature=4.0,
         hard_temperature=2.0)

    # Sequence models: (N, C, T) with class axis 1 and (N, T, C) with class axis -1.
    s, te = pair(3, c, 7, scale=2.0)
    case(gen, "seq_NCT_axis1_T2", s, te, gen.randint(c, (3, 7)), axis=1)
    s, te = pair(3, c, 7, scale=2.0)
    y = gen.randint(c, (3, 7))
    y[0, 5:] = -100
    y[2, 3:] = -100
    case(gen, "seq_NCT_axis1_ignore_T3_alpha0.7", s, te, y, axis=1, temperature=3.0,
         alpha=0.7, ignore_index=-100)
    s, te = pair(4, 6, c, scale=2.0)
    case(gen, "seq_NTC_axislast_T4_alpha0.3", s, te, gen.randint(c, (4, 6)), temperature=4.0,
         alpha=0.3)
    s, te = pair(4, 6, c, scale=2.0)
    y = gen.randint(c, (4, 6))
    y[1, 2:] = -1
    y[3, 4:] = -1
    case(gen, "seq_NTC_axislast_weight_ignore_smooth_T2", s, te, y, weight=w5,
         ignore_index=-1, smoothing=0.1, alpha=0.6)
    s, te = pair(4, 6, c, scale=2.0)
    y = gen.randint(c, (4, 6))
    y[0, 3:] = -100
    case(gen, "seq_NTC_alpha1_ignore_masks_kl_T2", s, te, y, alpha=1.0, ignore_index=-100)
    s, te = pair(3, 6, c, scale=2.0)
    case(gen, "seq_NTC_alpha1_teacher_only_T4", s, te, None, temperature=4.0, alpha=1.0,
         teacher_only=True)
    s, te = pair(2, c, 3, 4, scale=2.0)
    case(gen, "kdim_NCHW_axis1_T2", s, te, gen.randint(c, (2, 3, 4)), axis=1, alpha=0.8)

    # Float64 stays float64.
    s, te = pair(n, c, scale=2.0, dtype=torch.float64)
    case(gen, "float64_T2_alpha0.5", s, te, gen.randint(c, (n,)))
    s, te = pair(3, c, 4, scale=2.0, dtype=torch.float64)
    y = gen.randint(c, (3, 4))
    y[1, 1] = -100
    case(gen, "float64_seq_axis1_ignore_smooth_T4", s, te, y, axis=1, temperature=4.0,
         alpha=0.7, ignore_index=-100, smoothing=0.1)

    # Extreme logits: magnitude 1e4 for both, or a confident teacher; a teacher that rules a
    # class out with -inf (0 * log 0 = 0, as PyTorch's kl_div).
    s, te = pair(4, c, scale=1e4)
    case(gen, "extreme_1e4_T1_alpha0.5", s, te, gen.randint(c, (4,)), temperature=1.0)
    s = gen.randn(4, c)
    te = gen.randn(4, c) * 1e4
    case(gen, "extreme_teacher_1e4_T4_alpha0.9", s, te, gen.randint(c, (4,)), temperature=4.0,
         alpha=0.9)
    s, te = pair(4, c, scale=2.0)
    te[0, 1] = float("-inf")
    te[2, 0] = float("-inf")
    te[2, 4] = float("-inf")
    case(gen, "teacher_neg_inf_T2", s, te, gen.randint(c, (4,)))

    # Edges: N = 1; identical student and teacher (KL = 0); every hard label ignored (NaN).
    s, te = pair(1, c, scale=2.0)
    case(gen, "n1_T2_alpha0.5", s, te, gen.randint(c, (1,)))
    s = gen.randn(n, c, dtype=torch.float64) * 2
    case(gen, "float64_identical_alpha1_zero", s, s.clone(), gen.randint(c, (n,)), alpha=1.0)
    s, te = pair(3, c, scale=2.0)
    case(gen, "all_ignored_nan", s, te, torch.full((3,), -100), ignore_index=-100)

    # A larger case.
    s, te = pair(64, 100, scale=3.0)
    y = torch.where(gen.rand(64) < 0.1, torch.tensor(-100), gen.randint(100, (64,)))
    case(gen, "large_64x100_T4_alpha0.9_ignore_smooth", s, te, y, temperature=4.0, alpha=0.9,
         ignore_index=-100, smoothing=0.1)
    return gen.cases


def write(out_dir):
    """Writes distillation.json into out_dir and returns the number of cases."""
    cases = distillation_cases()
    with open(os.path.join(out_dir, "distillation.json"), "w") as f:
        json.dump({"generator": "tools/gen_fixtures.py", "torch": torch.__version__,
                   "cases": cases}, f, indent=1)
    return len(cases)
