package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;

/**
 * Cross-entropy (MEAN or SUM) of (N, C) logits without label smoothing as the logarithm of the
 * target probabilities, gathered from a softmax, all through autograd: {@code loss = -sum_i a[i] *
 * log(softmax(z)[i, y[i]])} with the coefficients {@code a} of {@link ClassTargets}.
 *
 * <p>The backward pass of a softmax reuses its output, so the gradient costs no second exponential,
 * where the log-softmax of PyTorch's fused kernel computes one in each direction; measured faster
 * than both the fused op and the {@link CrossEntropyChunk} surrogate at mid sizes
 * (benchmarks/RESULTS.md). {@code log(p)} equals the log-softmax to float rounding while {@code p}
 * is a normal number: if any gathered probability is below {@code 1e-30} (float32) or {@code
 * 1e-290} (float64), or is NaN, {@link #compute} returns {@code null} and the caller takes the
 * general path, which gives PyTorch's values for such rows (and for NaN and infinite logits).
 */
final class SoftmaxGather {

    private SoftmaxGather() {}

    /**
     * Computes the loss.
     *
     * @param z the (already temperature-scaled) logits, shape (N, C), float32 or float64, N > 0
     * @param targets the targets and their coefficients, with a finite scale and no smoothing
     * @param reduction MEAN or SUM
     * @return the loss, a scalar connected to {@code z}'s graph, or {@code null} where a gathered
     *     probability is not a normal number
     */
    static NDArray compute(NDArray z, ClassTargets targets, Reduction reduction) {
        DataType type = z.getDataType();
        int rows = Math.toIntExact(z.getShape().get(0));
        NDArray p = z.softmax(1);
        // Autograd keeps the index of a gather: an engine-made copy, never the caller's labels.
        NDArray picked = p.gather(targets.indexColumn(0, rows, z), 1);
        double tiny = CrossEntropyChunk.tinyProbability(type);
        for (double probability : Precision.toDoubles(picked)) {
            if (!(probability >= tiny)) {
                return null;
            }
        }
        NDArray logs = picked.log();
        if (targets.weight() == null && !targets.anyIgnored) {
            // Every coefficient is the scale: 1 / N for MEAN, 1 for SUM.
            return (reduction == Reduction.MEAN ? logs.mean() : logs.sum()).neg();
        }
        double[] coefficients = new double[rows];
        for (int i = 0; i < rows; i++) {
            coefficients[i] = -targets.targetCoefficient(i);
        }
        // Autograd keeps the coefficients too: an engine-owned copy.
        return logs.mul(OwnedArrays.create(z, coefficients, new Shape(rows, 1), type)).sum();
    }
}
