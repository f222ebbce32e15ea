"""Reference fits for the calibrators (see gen_fixtures.py): calibrators.json.

Every case holds its inputs (small synthetic arrays inline, or row ranges of the real CIFAR
outputs in src/test/resources/model-outputs/, whose logits are log(probabilities) in float64),
the reference fit and the calibrated probabilities of a few held-out rows.

* vector / matrix / dirichlet: the minimum of the mean NLL (plus the ODIR penalty of Kull et
  al. 2019, offdiag_l2 / (C (C - 1)) * sum_{c != d} W_cd^2 + intercept_l2 / C * sum_c b_c^2)
  found by float64 PyTorch L-BFGS (strong Wolfe line search, history 100) started at the
  identity and run until its gradient norm stops falling, then polished by a few float64 Newton
  steps with the exact autograd Hessian (minimum-norm solves; problems of at most 1,500
  parameters); the gradient norm reached is recorded and must be at most 1e-10. Softmax does
  not change when a constant is added to every bias, or a vector to every row of W, so where no
  penalty fixes them the parameters are stated in the gauge the Java fit returns: biases
  summing to 0 and every column of W summing to 1 (L-BFGS from the identity ends there up to
  rounding; the projection makes it exact).
* platt: scikit-learn's LogisticRegression without penalty (penalty=None, Newton-Cholesky
  solver, tolerance 1e-12) on the one score; the gradient norm of the mean NLL at its solution
  is recorded.
* isotonic: scikit-learn's IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip") on the
  binary score, or per class on the softmax probability (one-vs-rest) followed by the
  normalisation of CalibratedClassifierCV (rows divided by their sum; all-zero rows uniform).
* binary_report: CalibrationReport's binary form, the reliability of P(y = 1): equal-width bins
  (b/B, (b+1)/B] of p (0 in the first bin) with the mean p and the fraction of positives per bin,
  ECE, MCE, adaptive ECE (equal-mass bins of (p, y) sorted, np.array_split), classwise ECE of
  the two classes (1 - p, p), Brier mean (p - y)^2, NLL (exact log-sigmoid from logits, else
  -log max(P(y), tiny)), accuracy of p > 0.5; cross-checked with scikit-learn's
  calibration_curve and brier_score_loss.
* histogram: histogram binning by its definition: equal-width bins (b/B, (b+1)/B] of
  sigmoid(score) or of each softmax probability (0 in the first bin), each bin's value the
  fraction of positives in it, the midpoint (b + 0.5) / B for an empty bin; multiclass rows are
  normalised as for isotonic.
"""

import json
import os

import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from fixtures_common import Gen, flat

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_OUTPUTS = os.path.join(HERE, "..", "src", "test", "resources", "model-outputs")
LENET = "lenet-5-cifar-10"
WRN10 = "wideresnet-16-4-cifar-10"
DENSENET = "densenet-bc-100-cifar-100"
HELDOUT = [5000, 5020]
WRN100 = "wideresnet-16-4-cifar-100"


def numbers(a):
    """A tensor's or NumPy array's values in row-major order (see fixtures_common.flat)."""
    return flat(a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a, np.float64)))


def real_logits(name, rows, classes=None):
    """log(p) in float64; with `classes`, only the rows labelled below it and its first
    `classes` columns (a smaller problem cut from a CIFAR-100 output)."""
    data = np.load(os.path.join(MODEL_OUTPUTS, name + ".npz"))
    p = torch.from_numpy(data["predictions"][rows[0]:rows[1]]).double()
    y = torch.from_numpy(data["ground_truth"][rows[0]:rows[1]]).long()
    if classes is not None:
        keep = y < classes
        p, y = p[keep][:, :classes], y[keep]
    return torch.log(p), y


def cat_scores(name, rows, cls=3):
    """A binary task from a CIFAR-10 output: class `cls` against the rest, score = logit of p."""
    data = np.load(os.path.join(MODEL_OUTPUTS, name + ".npz"))
    p = torch.from_numpy(data["predictions"][rows[0]:rows[1], cls]).double()
    y = (torch.from_numpy(data["ground_truth"][rows[0]:rows[1]]) == cls).long()
    return torch.log(p) - torch.log(1 - p), y


def real_input(name, rows, binary=False):
    source = {"resource": "model-outputs/" + name + ".npz", "rows": rows}
    if binary:
        source["binary_class"] = 3
    return source


def inline_input(z, y):
    return {"shape": list(z.shape), "logits": numbers(z), "labels": y.tolist()}


# ---------------------------------------------------------------- affine maps (PyTorch L-BFGS)

def affine_scores(form, w, b, x):
    if form == "vector":
        return x * w + b
    return x @ w.T + b


def objective(form, w, b, x, y, offdiag, intercept):
    loss = F.cross_entropy(affine_scores(form, w, b, x), y)
    c = b.shape[0]
    if form != "vector" and offdiag > 0:
        off = w - torch.diag(torch.diagonal(w))
        loss = loss + offdiag / (c * (c - 1)) * (off ** 2).sum()
    if form != "vector" and intercept > 0:
        loss = loss + intercept / c * (b ** 2).sum()
    return loss


def canonical(form, w, b, offdiag, intercept):
    w, b = w.clone(), b.clone()
    c = b.shape[0]
    if intercept == 0:
        b -= b.mean()
    if form != "vector" and offdiag == 0:
        w += (1 - w.sum(dim=0, keepdim=True)) / c
    return w, b


def newton_polish(form, w, b, x, y, offdiag, intercept, steps=3):
    """A few float64 Newton steps with the exact Hessian after L-BFGS, for small problems: the
    minimum-norm solution of H d = -g (H is singular along the directions softmax ignores, to
    which the gradient is orthogonal), so the gauge of the L-BFGS result is kept."""
    shape_w, n_w = w.shape, w.numel()

    def f(theta):
        return objective(form, theta[:n_w].reshape(shape_w), theta[n_w:], x, y, offdiag,
                         intercept)

    theta = torch.cat([w.reshape(-1), b])
    for _ in range(steps):
        t = theta.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(t), [t])
        h = torch.autograd.functional.hessian(f, theta)
        step = torch.linalg.lstsq(h, -g.unsqueeze(1), rcond=1e-12, driver="gelsd").solution[:, 0]
        candidate = theta + step
        if f(candidate).item() > f(theta).item() + 1e-15:
            break
        theta = candidate
    return theta[:n_w].reshape(shape_w), theta[n_w:]


def lbfgs_fit(form, x, y, offdiag=0.0, intercept=0.0):
    c = x.shape[1]
    w = (torch.ones(c) if form == "vector" else torch.eye(c)).double().requires_grad_(True)
    b = torch.zeros(c, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=500, max_eval=1000, tolerance_grad=1e-12,
                            tolerance_change=0, history_size=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = objective(form, w, b, x, y, offdiag, intercept)
        loss.backward()
        return loss

    def gradient_norm():
        closure()
        return torch.sqrt((w.grad ** 2).sum() + (b.grad ** 2).sum()).item()

    best = gradient_norm()
    for _ in range(40):  # until the gradient norm stops falling (rounding level)
        opt.step(closure)
        now = gradient_norm()
        if now <= 1e-12 or now >= best:
            break
        best = now
    w, b = w.detach(), b.detach()
    if w.numel() + b.numel() <= 1500:
        w, b = newton_polish(form, w, b, x, y, offdiag, intercept)
    with torch.no_grad():
        wc, bc = canonical(form, w, b, offdiag, intercept)
    wc.requires_grad_(True)
    bc.requires_grad_(True)
    total = objective(form, wc, bc, x, y, offdiag, intercept)
    gw, gb = torch.autograd.grad(total, [wc, bc])
    grad_norm = torch.sqrt((gw ** 2).sum() + (gb ** 2).sum()).item()
    assert grad_norm <= 1e-10, (form, grad_norm)
    with torch.no_grad():
        nll_before = F.cross_entropy(x, y).item()
        nll_after = F.cross_entropy(affine_scores(form, wc, bc, x), y).item()
    return wc.detach(), bc.detach(), nll_before, nll_after, grad_norm


def affine_case(name, form, x, y, source, held, *, offdiag=0.0, intercept=0.0,
                summary_only=False):
    """form: vector | matrix | dirichlet; x: logits (N, C) float64."""
    features = torch.log_softmax(x, dim=1) if form == "dirichlet" else x
    fit_form = "vector" if form == "vector" else "matrix"
    w, b, before, after, grad_norm = lbfgs_fit(fit_form, features, y, offdiag, intercept)
    held_x = torch.log_softmax(held, dim=1) if form == "dirichlet" else held
    with torch.no_grad():
        applied = torch.softmax(affine_scores(fit_form, w, b, held_x), dim=1)
    case = {"name": name, "method": form, "offdiag_l2": offdiag, "intercept_l2": intercept,
            "nll_before": before, "nll_after": after, "grad_norm": grad_norm,
            "biases": numbers(b)}
    case.update(source)
    if summary_only:  # large matrices: the diagonal, the first row and the Frobenius norm
        case["weights_diagonal"] = numbers(torch.diagonal(w))
        case["weights_row0"] = numbers(w[0])
        case["weights_norm"] = torch.linalg.norm(w).item()
    else:
        case["weights"] = numbers(w)
    case["apply_expected"] = numbers(applied)
    return case


# ---------------------------------------------------------------- Platt (scikit-learn)

def platt_case(name, s, y, source, held):
    s64, y64 = s.numpy().astype(np.float64), y.numpy()
    model = LogisticRegression(penalty=None, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    model.fit(s64[:, None], y64)
    a, b = float(model.coef_[0, 0]), float(model.intercept_[0])
    u = a * s64 + b
    p = 1 / (1 + np.exp(-u))
    grad = np.array([np.mean((p - y64) * s64), np.mean(p - y64)])
    grad_norm = float(np.sqrt((grad ** 2).sum()))
    assert grad_norm <= 1e-8, (name, grad_norm)
    nll = lambda v: float(np.mean(np.logaddexp(0, v) - y64 * v))  # noqa: E731
    held64 = held.numpy().astype(np.float64)
    case = {"name": name, "method": "platt", "slope": a, "intercept": b,
            "nll_before": nll(s64), "nll_after": nll(u), "grad_norm": grad_norm,
            "apply_expected": numbers(1 / (1 + np.exp(-(a * held64 + b))))}
    case.update(source)
    return case


# ---------------------------------------------------------------- isotonic and histogram

def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def normalise(q):
    total = q.sum(axis=1, keepdims=True)
    uniform = np.full_like(q, 1.0 / q.shape[1])
    return np.divide(q, total, out=uniform, where=total != 0)


def isotonic_maps(inputs, positive_sets):
    maps = []
    for x, pos in zip(inputs, positive_sets):
        iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
        iso.fit(x, pos.astype(np.float64))
        maps.append(iso)
    return maps


def histogram_value(bins):
    edges = np.arange(bins + 1, dtype=np.float64) / bins

    def bin_of(p):
        return np.clip(np.searchsorted(edges, p, side="left") - 1, 0, bins - 1)

    def fit(p, pos):
        b = bin_of(p)
        count = np.bincount(b, minlength=bins)
        hits = np.bincount(b, weights=pos.astype(np.float64), minlength=bins)
        mid = (np.arange(bins) + 0.5) / bins
        values = np.where(count > 0, hits / np.maximum(count, 1), mid)
        return values, lambda q: values[bin_of(q)]

    return fit


def clamp_log(p):
    return np.log(np.maximum(p, np.finfo(np.float64).tiny))


def binned_case(name, method, z, y, source, held, bins=None):
    """method: isotonic | histogram; z: (N) binary scores or (N, C) logits, float64."""
    z, y, held = z.numpy(), y.numpy(), held.numpy()
    binary = z.ndim == 1
    case = {"name": name, "method": method, "binary": binary}
    if bins is not None:
        case["bins"] = bins
    if binary:
        before = float(np.mean(np.logaddexp(0, z) - y * z))
        x = z if method == "isotonic" else sigmoid(z)
        held_x = held if method == "isotonic" else sigmoid(held)
        if method == "isotonic":
            (iso,) = isotonic_maps([x], [y == 1])
            fitted, applied = iso.predict(x), iso.predict(held_x)
            case["thresholds"] = [numbers(iso.X_thresholds_)]
            case["values"] = [numbers(iso.y_thresholds_)]
        else:
            values, f = histogram_value(bins)(x, y == 1)
            fitted, applied = f(x), f(held_x)
            case["values"] = [numbers(values)]
        after = float(np.mean(-np.where(y == 1, clamp_log(fitted), clamp_log(1 - fitted))))
    else:
        n, c = z.shape
        p = torch.softmax(torch.from_numpy(z), dim=1).numpy()
        held_p = torch.softmax(torch.from_numpy(held), dim=1).numpy()
        before = float(np.mean(-torch.log_softmax(torch.from_numpy(z), dim=1).numpy()[
            np.arange(n), y]))
        if method == "isotonic":
            maps = isotonic_maps([p[:, k] for k in range(c)], [y == k for k in range(c)])
            predict = [m.predict for m in maps]
            case["thresholds"] = [numbers(m.X_thresholds_) for m in maps]
            case["values"] = [numbers(m.y_thresholds_) for m in maps]
        else:
            fits = [histogram_value(bins)(p[:, k], y == k) for k in range(c)]
            predict = [f for _, f in fits]
            case["values"] = [numbers(v) for v, _ in fits]
        fitted = normalise(np.stack([predict[k](p[:, k]) for k in range(c)], axis=1))
        applied = normalise(np.stack([predict[k](held_p[:, k]) for k in range(c)], axis=1))
        after = float(np.mean(-clamp_log(fitted[np.arange(n), y])))
    case.update({"nll_before": before, "nll_after": after, "apply_expected": numbers(applied)})
    case.update(source)
    return case


# ---------------------------------------------------------------- binary CalibrationReport

def binary_report(name, p, y, bins, source, nll_terms):
    """The binary report of probabilities p = P(y = 1) (float64) and 0/1 labels y."""
    n = len(p)
    edges = np.arange(bins + 1, dtype=np.float64) / bins

    def ece_of(q, hit):
        b = np.clip(np.searchsorted(edges, q, side="left") - 1, 0, bins - 1)
        count = np.bincount(b, minlength=bins)
        qsum = np.bincount(b, weights=q, minlength=bins)
        hsum = np.bincount(b, weights=hit.astype(np.float64), minlength=bins)
        return count, qsum, hsum

    count, psum, ysum = ece_of(p, y == 1)
    nonempty = count > 0
    ece = float(np.abs(psum - ysum).sum() / n)
    mce = float(np.max(np.abs(psum[nonempty] - ysum[nonempty]) / count[nonempty]))
    order = np.lexsort((y, p))
    adaptive = sum(abs(p[order][part].sum() - y[order][part].sum())
                   for part in np.array_split(np.arange(n), bins) if len(part)) / n
    classwise = 0.0
    for q, hit in ((1 - p, y == 0), (p, y == 1)):
        _, qs, hs = ece_of(q, hit)
        classwise += np.abs(qs - hs).sum() / n / 2
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    assert np.allclose(prob_true, ysum[nonempty] / count[nonempty], rtol=0, atol=1e-12)
    assert np.allclose(prob_pred, psum[nonempty] / count[nonempty], rtol=0, atol=1e-12)
    brier = float(np.mean((p - y) ** 2))
    assert abs(brier - brier_score_loss(y, p)) <= 1e-15
    with np.errstate(invalid="ignore", divide="ignore"):
        case = {"name": name, "method": "binary_report", "bins": bins,
                "count": n, "ece": ece, "mce": mce, "adaptive_ece": float(adaptive),
                "classwise_ece": float(classwise), "brier": brier,
                "nll": float(np.mean(nll_terms)),
                "accuracy": float(np.mean((p > 0.5) == (y == 1))),
                "mean_confidence": float(np.mean(p)),
                "bin_count": [int(v) for v in count],
                "bin_mean_p": numbers(np.where(nonempty, psum / count, np.nan)),
                "bin_positives": numbers(np.where(nonempty, ysum / count, np.nan))}
    case.update(source)
    return case


def binary_report_cases(gen):
    p = gen.rand(200)
    p[:8] = torch.tensor([0.0, 1.0, 0.5, 0.2, 0.1, 0.3, 0.7, 1 / 3])  # edges and ties at 0.5
    p = p.numpy()
    y = (gen.rand(200).numpy() < p ** 0.7).astype(np.int64)
    tiny = np.finfo(np.float64).tiny
    terms = -np.log(np.maximum(np.where(y == 1, p, 1 - p), tiny))
    source = {"kind": "probabilities", "probabilities": numbers(p), "labels": y.tolist()}
    cases = [binary_report("binary_report_probabilities_B10", p, y, 10, source, terms)]
    s, yt = cat_scores(LENET, [0, 2000])
    s, yt = s.numpy(), yt.numpy()
    p = 1 / (1 + np.exp(-s))
    source = real_input(LENET, [0, 2000], binary=True)
    source["kind"] = "logits"
    cases.append(binary_report("binary_report_lenet_cat_logits_B15", p, yt, 15, source,
                               np.logaddexp(0, s) - yt * s))
    return cases


# ---------------------------------------------------------------- cases

def synthetic_multiclass(gen, n, c, t_true, scale=2.0):
    z = gen.randn(n, c, scale=scale)
    y = torch.multinomial(torch.softmax(z, dim=1), 1, generator=gen.g).reshape(-1)
    return z * t_true, y


def synthetic_binary(gen, n, slope, intercept, scale=2.0):
    s = gen.randn(n, scale=scale)
    y = (gen.rand(n) < torch.sigmoid(slope * s + intercept)).long()
    return s, y


def calibrator_cases():
    gen = Gen(20261201)
    cases = []

    def synthetic(name, method, z, y, held, **options):
        source = inline_input(z, y)
        source["heldout_logits"] = numbers(held)
        source["heldout_shape"] = list(held.shape)
        if method in ("vector", "matrix", "dirichlet"):
            return affine_case(name, method, z, y, source, held, **options)
        if method == "platt":
            return platt_case(name, z, y, source, held)
        return binned_case(name, method, z, y, source, held, **options)

    def real(name, method, file, rows, classes=None, **options):
        z, y = real_logits(file, rows, classes)
        held, _ = real_logits(file, HELDOUT, classes)
        source = real_input(file, rows)
        if classes is not None:
            source["classes"] = classes
        source["heldout_rows"] = HELDOUT
        if method in ("vector", "matrix", "dirichlet"):
            return affine_case(name, method, z, y, source, held, **options)
        return binned_case(name, method, z, y, source, held, **options)

    def real_binary(name, method, file, rows, **options):
        s, y = cat_scores(file, rows)
        held, _ = cat_scores(file, HELDOUT)
        source = real_input(file, rows, binary=True)
        source["heldout_rows"] = HELDOUT
        if method == "platt":
            return platt_case(name, s, y, source, held)
        return binned_case(name, method, s, y, source, held, **options)

    z, y = synthetic_multiclass(gen, 400, 5, 2.0)
    held, _ = synthetic_multiclass(gen, 8, 5, 2.0)
    cases.append(synthetic("vector_synthetic_C5", "vector", z, y, held))
    cases.append(real("vector_lenet_1000", "vector", LENET, [0, 1000]))
    cases.append(real("vector_densenet_2000", "vector", DENSENET, [0, 2000]))

    z, y = synthetic_multiclass(gen, 300, 4, 0.6)
    held, _ = synthetic_multiclass(gen, 8, 4, 0.6)
    cases.append(synthetic("matrix_synthetic_C4", "matrix", z, y, held))
    z, y = synthetic_multiclass(gen, 200, 6, 1.5)
    held, _ = synthetic_multiclass(gen, 8, 6, 1.5)
    cases.append(synthetic("matrix_odir_synthetic_C6", "matrix", z, y, held,
                           offdiag=0.5, intercept=0.1))
    cases.append(real("matrix_wrn10_1000", "matrix", WRN10, [0, 1000]))
    cases.append(real("dirichlet_lenet_1000", "dirichlet", LENET, [1000, 2000]))
    cases.append(real("dirichlet_odir_wrn10_1000", "dirichlet", WRN10, [1000, 2000],
                      offdiag=0.1, intercept=0.1))
    # 36 classes (the rows labelled 0..35 and those columns of a CIFAR-100 output): 1,332
    # parameters, more than the Java fit's dense preconditioner takes.
    cases.append(real("dirichlet_odir_wrn100_C36", "dirichlet", WRN100, [0, 3000], classes=36,
                      offdiag=1.0, intercept=1.0, summary_only=True))

    s, y = synthetic_binary(gen, 500, 0.6, -0.4)
    held, _ = synthetic_binary(gen, 8, 0.6, -0.4)
    cases.append(synthetic("platt_synthetic", "platt", s, y, held))
    cases.append(real_binary("platt_lenet_cat_2000", "platt", LENET, [0, 2000]))

    # Binary scores with exact ties (one decimal) and near-ties 1e-16 apart, which
    # scikit-learn merges (they lie within float64 resolution of their group's first score).
    s, y = synthetic_binary(gen, 300, 1.5, 0.2)
    s = torch.round(s * 10) / 10
    s[:20] = 0.3 + torch.arange(20, dtype=torch.float64) * 1e-16
    held = torch.tensor([-9.0, -0.25, 0.3, 0.31, 1.05, 9.0], dtype=torch.float64)
    cases.append(synthetic("isotonic_binary_ties", "isotonic", s, y, held))
    cases.append(real_binary("isotonic_lenet_cat_2000", "isotonic", LENET, [0, 2000]))
    cases.append(real("isotonic_lenet_1000", "isotonic", LENET, [0, 1000]))
    cases.append(real("isotonic_wrn10_1000", "isotonic", WRN10, [2000, 3000]))

    s, y = synthetic_binary(gen, 300, 1.0, 0.0)
    held = torch.tensor([-30.0, -0.5, 0.0, 0.2, 3.0, 30.0], dtype=torch.float64)
    cases.append(synthetic("histogram_binary_B10", "histogram", s, y, held, bins=10))
    cases.append(real_binary("histogram_lenet_cat_B7", "histogram", LENET, [0, 2000], bins=7))
    cases.append(real("histogram_wrn10_B15", "histogram", WRN10, [0, 1000], bins=15))
    cases.extend(binary_report_cases(gen))
    return cases


def write(out_dir):
    """Writes calibrators.json into out_dir and returns the number of cases."""
    torch.set_num_threads(1)  # the same reductions on every machine
    cases = calibrator_cases()
    with open(os.path.join(out_dir, "calibrators.json"), "w") as f:
        f.write('{"generator": "tools/gen_fixtures.py", "torch": %s, "sklearn": %s, '
                '"cases": [\n' % (json.dumps(torch.__version__), json.dumps(sklearn.__version__)))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    return len(cases)


if __name__ == "__main__":
    import sys
    print(write(os.path.join(HERE, "..", "src", "test", "resources", "fixtures")),
          file=sys.stderr)
