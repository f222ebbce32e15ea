"""NumPy/PyTorch reference cases for CalibrationReport (see gen_fixtures.py).

Definitions (the Java implementation follows them exactly):

* Equal-width bins: bin b of B (0-based) holds the values p with edges[b] < p <= edges[b + 1],
  edges[k] = k / B computed in float64; 0 falls in the first bin, values >= 1 in the last one.
  Inputs are compared in float64 after an exact widening, so a float32 0.2 (0.2000000030...)
  lies above the edge 3/15 while a float64 0.2 lies on it.
* Top label: confidence = max_c p_c, prediction = the first class attaining it (np.argmax).
* ECE = sum_b |sum_{i in b} conf_i - sum_{i in b} correct_i| / N (Guo et al. 2017);
  MCE = max over non-empty bins of |mean conf - accuracy|.
* Adaptive ECE: the (confidence, correct) pairs sorted lexicographically are cut into B
  consecutive bins by np.array_split (the first N mod B bins hold one sample more), then
  ECE as above over those bins; empty bins (N < B) contribute nothing (Nixon et al. 2019).
* Classwise ECE: the mean over classes c of the equal-width ECE of p_ic against the
  indicator y_i == c over all N samples (Kull et al. 2019, Nixon et al.'s SCE).
* Brier: mean over samples of sum_c (p_c - [y == c])^2. Accuracy: mean of correct.
* NLL from probabilities: mean of -log(max(p_y, tiny)), tiny = the smallest normal number of
  the input's type (float32: 2**-126). From logits: float64 log-softmax of the widened
  logits, probabilities = exp(log-softmax).
"""

import json
import math
import os

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LENET = os.path.join("model-outputs", "lenet-5-cifar-10.npz")


def flat(a):
    return [v if math.isfinite(v) else str(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def bin_of(p, num_bins):
    edges = np.arange(num_bins + 1, dtype=np.float64) / num_bins
    b = np.searchsorted(edges, np.asarray(p, dtype=np.float64), side="left") - 1
    return np.clip(b, 0, num_bins - 1)


def binned(p, hit, num_bins):
    """Per-bin count, sum of p and sum of hit for equal-width bins."""
    b = bin_of(p, num_bins)
    count = np.bincount(b, minlength=num_bins)
    psum = np.bincount(b, weights=np.asarray(p, dtype=np.float64), minlength=num_bins)
    hsum = np.bincount(b, weights=hit.astype(np.float64), minlength=num_bins)
    return count, psum, hsum


def reference(probs, labels, num_bins, dtype, logp_y=None):
    """All metrics for float64 probabilities (N, C) and int labels."""
    probs = np.asarray(probs, dtype=np.float64)
    n, c = probs.shape
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = pred == labels

    count, csum, hsum = binned(conf, correct, num_bins)
    gaps = np.abs(csum - hsum)
    ece = gaps.sum() / n
    nonempty = count > 0
    mce = np.max(np.abs(csum[nonempty] / count[nonempty] - hsum[nonempty] / count[nonempty]))
    with np.errstate(invalid="ignore", divide="ignore"):
        bin_conf = np.where(nonempty, csum / np.maximum(count, 1), np.nan)
        bin_acc = np.where(nonempty, hsum / np.maximum(count, 1), np.nan)

    order = np.lexsort((correct, conf))
    sconf = conf[order]
    scorr = correct[order].astype(np.float64)
    adaptive = 0.0
    for part in np.array_split(np.arange(n), num_bins):
        if len(part) > 0:
            adaptive += abs(sconf[part].sum() - scorr[part].sum())
    adaptive /= n

    classwise = 0.0
    for k in range(c):
        kc, kp, kh = binned(probs[:, k], labels == k, num_bins)
        classwise += np.abs(kp - kh).sum() / n
    classwise /= c

    onehot = np.zeros_like(probs)
    onehot[np.arange(n), labels] = 1.0
    brier = ((probs - onehot) ** 2).sum(axis=1).mean()
    if logp_y is None:
        tiny = np.finfo(dtype).tiny
        nll = float(np.mean(-np.log(np.maximum(probs[np.arange(n), labels], tiny))))
    else:
        nll = float(np.mean(-logp_y))
    return {
        "count": int(n),
        "num_classes": int(c),
        "ece": float(ece),
        "mce": float(mce),
        "adaptive_ece": float(adaptive),
        "classwise_ece": float(classwise),
        "brier": float(brier),
        "nll": nll,
        "accuracy": float(correct.mean()),
        "mean_confidence": float(conf.mean()),
        "bin_count": [int(v) for v in count],
        "bin_confidence": flat(bin_conf),
        "bin_accuracy": flat(bin_acc),
    }


def prob_case(name, probs, labels, num_bins, *, labels_dtype="int64"):
    dtype = probs.dtype
    case = {"name": name, "kind": "probabilities", "dtype": str(dtype),
            "shape": list(probs.shape), "input": flat(probs), "labels": [int(v) for v in labels],
            "labels_dtype": labels_dtype, "num_bins": num_bins}
    case.update(reference(probs, labels, num_bins, dtype))
    return case


def logit_case(name, logits, labels, num_bins):
    z = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    lsm = torch.log_softmax(z, dim=1)
    # Cross-check the log-softmax NLL with PyTorch's own cross-entropy.
    ce = torch.nn.functional.cross_entropy(z, torch.from_numpy(labels).long()).item()
    logp_y = lsm[torch.arange(len(labels)), torch.from_numpy(labels).long()].numpy()
    assert abs(ce - float(np.mean(-logp_y))) <= 1e-12 * max(1.0, abs(ce))
    case = {"name": name, "kind": "logits", "dtype": str(logits.dtype),
            "shape": list(logits.shape), "input": flat(logits),
            "labels": [int(v) for v in labels], "labels_dtype": "int64", "num_bins": num_bins}
    case.update(reference(np.exp(lsm.numpy()), labels, num_bins, np.float64, logp_y=logp_y))
    return case


def file_case(name, rows, num_bins, kind="probabilities"):
    data = np.load(os.path.join(ROOT, "src", "test", "resources", LENET))
    probs = data["predictions"][rows[0]:rows[1]]
    labels = data["ground_truth"][rows[0]:rows[1]]
    case = {"name": name, "kind": kind, "dtype": str(probs.dtype), "resource": LENET,
            "rows": list(rows), "num_bins": num_bins}
    if kind == "probabilities":
        case.update(reference(probs, labels, num_bins, probs.dtype))
    else:  # logits = log(probabilities), float64 (float32 logs differ by an ulp across libms)
        logits = np.log(probs.astype(np.float64))
        lsm = torch.log_softmax(torch.from_numpy(logits), dim=1).numpy()
        logp_y = lsm[np.arange(len(labels)), labels]
        case.update(reference(np.exp(lsm), labels, num_bins, np.float64, logp_y=logp_y))
    return case


def noisy_labels(rng, probs, accuracy):
    """Labels that agree with the argmax about `accuracy` of the time."""
    n, c = probs.shape
    labels = probs.argmax(axis=1).copy()
    flip = rng.random(n) > accuracy
    labels[flip] = rng.integers(0, c, flip.sum())
    return labels


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def calibration_cases():
    rng = np.random.default_rng(20261126)
    cases = []
    # Random softmax outputs, float32 and float64, several bin counts.
    for dtype in (np.float32, np.float64):
        tag = "f32" if dtype == np.float32 else "f64"
        for n, c, scale, acc, bins in [(200, 10, 3.0, 0.6, 15), (317, 4, 1.5, 0.5, 10),
                                       (64, 25, 5.0, 0.8, 15), (50, 3, 2.0, 0.7, 1),
                                       (129, 6, 4.0, 0.4, 7)]:
            probs = softmax(rng.standard_normal((n, c)) * scale).astype(dtype)
            labels = noisy_labels(rng, probs, acc)
            cases.append(prob_case(f"random_{tag}_n{n}_c{c}_b{bins}", probs, labels, bins))
    # Logits, float32 and float64, and very large logits (finite NLL, confidences of 1).
    for dtype in (np.float32, np.float64):
        tag = "f32" if dtype == np.float32 else "f64"
        logits = (rng.standard_normal((150, 8)) * 2.5).astype(dtype)
        cases.append(logit_case(f"logits_{tag}_n150_c8", logits, noisy_labels(rng, logits, 0.55),
                                15))
    big = (rng.standard_normal((40, 5)) * 1e4).astype(np.float32)
    cases.append(logit_case("logits_f32_magnitude_1e4", big, noisy_labels(rng, big, 0.5), 15))
    # One-hot rows: confidences exactly 1 (last bin), other entries exactly 0 (first bin).
    for dtype in (np.float32, np.float64):
        tag = "f32" if dtype == np.float32 else "f64"
        labels = rng.integers(0, 4, 30)
        probs = np.eye(4, dtype=dtype)[rng.integers(0, 4, 30)]
        cases.append(prob_case(f"onehot_{tag}", probs, labels, 15))
    # Confidences exactly on bin edges: 0.2, 0.4, 0.6, 0.8 are 3/15, 6/15, 9/15, 12/15 in
    # float64, but float32 rounds each of them up, so the two precisions bin differently.
    edge_rows = [[0.2, 0.2, 0.2, 0.2, 0.2], [0.4, 0.15, 0.15, 0.15, 0.15],
                 [0.6, 0.1, 0.1, 0.1, 0.1], [0.8, 0.05, 0.05, 0.05, 0.05],
                 [0.05, 0.8, 0.05, 0.05, 0.05], [0.1, 0.1, 0.6, 0.1, 0.1],
                 [0.15, 0.15, 0.15, 0.4, 0.15], [0.0, 0.0, 0.0, 0.0, 1.0],
                 [0.0, 0.0, 0.0, 0.2, 0.8], [0.2, 0.2, 0.2, 0.2, 0.2]]
    edge_labels = np.array([0, 1, 0, 0, 1, 2, 0, 4, 4, 3])
    for dtype in (np.float32, np.float64):
        tag = "f32" if dtype == np.float32 else "f64"
        probs = np.array(edge_rows, dtype=dtype)
        for bins in (15, 5, 10):
            cases.append(prob_case(f"bin_edges_{tag}_b{bins}", probs, edge_labels, bins))
    # Ties in confidence with mixed correctness: adaptive bins cut through the tie, so the
    # (confidence, correct) order matters.
    probs = np.array([[0.5, 0.5]] * 7 + [[0.7, 0.3]] * 4 + [[0.1, 0.9]] * 2, dtype=np.float64)
    labels = np.array([0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0])
    cases.append(prob_case("ties_f64_b3", probs, labels, 3))
    cases.append(prob_case("ties_f64_b4", probs, labels, 4))
    # Fewer samples than bins; a single sample; a single class.
    probs = softmax(rng.standard_normal((4, 3)) * 2).astype(np.float32)
    cases.append(prob_case("n4_fewer_than_bins_b15", probs, np.array([0, 1, 2, 0]), 15))
    probs = softmax(rng.standard_normal((1, 6))).astype(np.float32)
    cases.append(prob_case("n1_b15", probs, np.array([3]), 15))
    cases.append(prob_case("c1_b15", np.ones((5, 1), dtype=np.float32), np.zeros(5, dtype=int),
                           15))
    # A zero probability on the true class: NLL clamps at the type's tiny (float32 and float64).
    for dtype in (np.float32, np.float64):
        tag = "f32" if dtype == np.float32 else "f64"
        probs = np.array([[1.0, 0.0, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]], dtype=dtype)
        cases.append(prob_case(f"zero_true_prob_{tag}", probs, np.array([1, 1, 0]), 15))
    # Label types DJL users have.
    probs = softmax(rng.standard_normal((40, 5)) * 2).astype(np.float32)
    labels = noisy_labels(rng, probs, 0.6)
    for ldt in ("int32", "uint8", "int8"):
        cases.append(prob_case(f"labels_{ldt}", probs, labels, 15, labels_dtype=ldt))
    # Real model outputs: LeNet-5 on the CIFAR-10 test set (file read by the Java test).
    cases.append(file_case("lenet_cifar10_all_b15", (0, 10000), 15))
    cases.append(file_case("lenet_cifar10_first5000_b15", (0, 5000), 15))
    cases.append(file_case("lenet_cifar10_last5000_b15", (5000, 10000), 15))
    cases.append(file_case("lenet_cifar10_all_b10", (0, 10000), 10))
    cases.append(file_case("lenet_cifar10_all_logits_b15", (0, 10000), 15, kind="logits"))
    return cases


def write(out_dir):
    """Writes calibration.json into out_dir and returns the number of cases."""
    cases = calibration_cases()
    with open(os.path.join(out_dir, "calibration.json"), "w") as f:
        json.dump({"generator": "tools/gen_fixtures.py", "numpy": np.__version__,
                   "torch": torch.__version__, "cases": cases}, f, indent=1)
    return len(cases)
