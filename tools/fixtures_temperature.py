"""Reference temperatures for TemperatureScaler (see gen_fixtures.py).

Each case holds logits, labels and the temperature that minimises the mean negative
log-likelihood NLL(T) = mean_i CE(logits_i / T, y_i), found independently of the Java code:
bisection on beta = 1 / T of the derivative dNLL/dbeta, which PyTorch's autograd computes
in float64 through F.cross_entropy. NLL is convex in beta, so the derivative is
non-decreasing and 400 geometric bisection steps over [1e-9, 1e9] pin the root to the last
bits of a double.

Synthetic cases draw class scores z ~ N(0, scale^2), sample each label from softmax(z) and
store logits = z * t_true, so the optimum lies near t_true (over-confident for t_true > 1,
under-confident for t_true < 1). The real cases use the four model outputs in
src/test/resources/model-outputs/ (copies of netcal's records, see that folder's README):
logits = log(probabilities) in float64, the temperature is fitted on the first 5,000 rows
and the expected calibration error (15 equal-width bins, (lo, hi], Guo et al. 2017) is
scored on the last 5,000 rows before and after scaling. The "apply" cases hold
softmax(logits / T) from PyTorch, for TemperatureFit.apply.
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_OUTPUTS = os.path.join(HERE, "..", "src", "test", "resources", "model-outputs")
REAL_FILES = ["densenet-bc-100-cifar-100", "wideresnet-16-4-cifar-100",
              "wideresnet-16-4-cifar-10", "lenet-5-cifar-10"]
FIT_ROWS = 5000
BINS = 15


def nll(z, y, beta):
    """Mean NLL at beta = 1 / T, float64."""
    with torch.no_grad():
        return F.cross_entropy(z * beta, y).item()


def derivative(z, y, beta):
    """dNLL/dbeta by autograd, float64."""
    b = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
    F.cross_entropy(z * b, y).backward()
    return b.grad.item()


def optimum(z, y):
    """The minimising temperature, by geometric bisection of dNLL/dbeta on [1e-9, 1e9]."""
    lo, hi = 1e-9, 1e9
    assert derivative(z, y, lo) < 0 < derivative(z, y, hi), "optimum not inside the bracket"
    for _ in range(400):
        mid = math.sqrt(lo * hi)
        if mid <= lo or mid >= hi:
            break
        if derivative(z, y, mid) > 0:
            hi = mid
        else:
            lo = mid
    beta = math.sqrt(lo * hi)
    return 1.0 / beta


def ece(probabilities, y, bins=BINS):
    """Expected calibration error with equal-width bins (lo, hi] on the top-1 confidence."""
    conf, pred = probabilities.max(dim=1)
    correct = (pred == y).double()
    index = torch.clamp(torch.ceil(conf * bins).long() - 1, 0, bins - 1)
    total = 0.0
    n = len(y)
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        if count:
            total += count / n * abs(correct[mask].mean().item() - conf[mask].mean().item())
    return total


def f32_list(t):
    return [float(np.float32(v)) for v in t.reshape(-1).tolist()]


def synthetic_case(g, name, n, c, t_true, *, scale=2.0, dtype=torch.float32, row_offset=0.0):
    z = torch.randn(n, c, generator=g, dtype=torch.float64) * scale
    y = torch.multinomial(torch.softmax(z, dim=1), 1, generator=g).reshape(-1)
    logits = z * t_true
    if row_offset:
        logits = logits + torch.randn(n, 1, generator=g, dtype=torch.float64) * row_offset
    logits = logits.to(dtype)
    z64 = logits.double()
    t = optimum(z64, y)
    return {
        "name": name,
        "kind": "synthetic",
        "dtype": str(dtype).replace("torch.", ""),
        "shape": [n, c],
        "t_true": t_true,
        "logits": f32_list(logits) if dtype == torch.float32 else z64.reshape(-1).tolist(),
        "labels": y.tolist(),
        "expected_t": t,
        "nll_before": nll(z64, y, 1.0),
        "nll_after": nll(z64, y, 1.0 / t),
    }


def real_case(name):
    data = np.load(os.path.join(MODEL_OUTPUTS, name + ".npz"))
    z = torch.log(torch.from_numpy(data["predictions"]).double())
    y = torch.from_numpy(data["ground_truth"]).long()
    fit_z, fit_y = z[:FIT_ROWS], y[:FIT_ROWS]
    held_z, held_y = z[FIT_ROWS:], y[FIT_ROWS:]
    t = optimum(fit_z, fit_y)
    return {
        "name": name,
        "kind": "real",
        "file": "model-outputs/" + name + ".npz",
        "fit_rows": FIT_ROWS,
        "expected_t": t,
        "expected_t_all_rows": optimum(z, y),
        "nll_before": nll(fit_z, fit_y, 1.0),
        "nll_after": nll(fit_z, fit_y, 1.0 / t),
        "bins": BINS,
        "heldout_ece_before": ece(torch.softmax(held_z, dim=1), held_y),
        "heldout_ece_after": ece(torch.softmax(held_z / t, dim=1), held_y),
    }


def apply_case(g, name, shape, t, dtype):
    """softmax(logits / T) by PyTorch, for TemperatureFit.apply."""
    logits = (torch.randn(*shape, generator=g, dtype=torch.float64) * 3).to(dtype)
    if dtype == torch.float32:
        t = float(np.float32(t))  # Java divides float32 logits by (float) T
    probabilities = torch.softmax(logits / t, dim=-1)
    return {
        "name": name,
        "kind": "apply",
        "dtype": str(dtype).replace("torch.", ""),
        "shape": list(shape),
        "temperature": t,
        "logits": logits.reshape(-1).tolist(),
        "expected": probabilities.reshape(-1).tolist(),
    }


def temperature_cases():
    g = torch.Generator().manual_seed(20261127)
    cases = [
        synthetic_case(g, "overconfident_T2.5_float32", 1000, 10, 2.5),
        synthetic_case(g, "underconfident_T0.4_float32", 1000, 10, 0.4),
        synthetic_case(g, "overconfident_T1.6_float64", 400, 10, 1.6, dtype=torch.float64),
        synthetic_case(g, "binary_T3_float32", 1000, 2, 3.0),
        synthetic_case(g, "underconfident_T0.05_float32", 500, 5, 0.05),
        synthetic_case(g, "overconfident_T50_float32", 500, 5, 50.0),
        synthetic_case(g, "overconfident_T400_float32", 500, 5, 400.0),
        synthetic_case(g, "row_offsets_1e3_T1.3_float64", 300, 10, 1.3, dtype=torch.float64,
                       row_offset=1e3),
    ]
    cases.extend(real_case(name) for name in REAL_FILES)
    cases += [
        apply_case(g, "apply_float32_T2.1209", (6, 5), 2.1209, torch.float32),
        apply_case(g, "apply_float64_T0.3", (4, 7), 0.3, torch.float64),
        apply_case(g, "apply_float32_3d_T1.7", (2, 3, 4), 1.7, torch.float32),
        apply_case(g, "apply_float64_T400", (3, 10), 400.0, torch.float64),
    ]
    return cases


def write(out_dir):
    """Writes temperature.json into out_dir and returns the number of cases."""
    cases = temperature_cases()
    # One case per line: the arrays are long, one number per line would be unreadable.
    with open(os.path.join(out_dir, "temperature.json"), "w") as f:
        f.write('{"generator": "tools/gen_fixtures.py", "torch": %s, "cases": [\n'
                % json.dumps(torch.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    return len(cases)
