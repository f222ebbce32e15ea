package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.OwnedArrays;

/**
 * Cross-entropy (MEAN or SUM) of small (N, C) logits as one dot product of their log-softmax with a
 * coefficient matrix built from the targets.
 *
 * <p>With the coefficients of {@link ClassTargets}, the loss is {@code sum_{i,c} Q[i, c] * lsm[i,
 * c]} with {@code Q[i, c] = -a[i] * [c == y[i]] - b[i] * w[c]}: label smoothing, class weights,
 * ignored targets and the mean's denominator all live in {@code Q}, so every option costs the same
 * and autograd records only a log-softmax, a view and a dot product, without the gather whose
 * backward scatters into fresh zeros. {@code Q} has N * C entries, so this is for small inputs:
 * per-call overhead dominates there, memory does not.
 *
 * <p>For at most {@link #TRANSPOSE_MAX_CLASSES} classes the log-softmax runs over axis 0 of the
 * transposed logits: PyTorch's kernel for a short last axis is several times slower than its kernel
 * for an inner axis (measured: 21 us against 6 us at 128 x 10).
 */
final class LogSoftmaxDot {

    /** The most classes for which the log-softmax runs on the transposed logits. */
    static final int TRANSPOSE_MAX_CLASSES = 128;

    private LogSoftmaxDot() {}

    /**
     * Computes the loss.
     *
     * @param z the (already temperature-scaled) logits, shape (N, C), float32 or float64
     * @param targets the targets and their coefficients, with a finite scale
     * @return the loss, a scalar connected to {@code z}'s graph
     */
    static NDArray compute(NDArray z, ClassTargets targets) {
        int rows = Math.toIntExact(z.getShape().get(0));
        int numClasses = Math.toIntExact(z.getShape().get(1));
        boolean transposed = numClasses <= TRANSPOSE_MAX_CLASSES;
        // Entry (i, c) lives at c * N + i in the transposed layout, at i * C + c otherwise.
        int rowStride = transposed ? 1 : numClasses;
        int classStride = transposed ? rows : 1;
        // Each entry is computed in double and rounded once to the compute type; float32 (the
        // common case) is written straight into a float[] (no double[] of N * C per call).
        DataType type = z.getDataType();
        boolean single = type != DataType.FLOAT64;
        int size = rows * numClasses;
        float[] singles = single ? new float[size] : null;
        double[] doubles = single ? null : new double[size];
        for (int i = 0; i < rows; i++) {
            double a = targets.targetCoefficient(i);
            double b = targets.smoothingCoefficient(i);
            long y = targets.classes[i];
            // Without smoothing only the target's entry is non-zero.
            int first = b == 0 ? (int) y : 0;
            int end = b == 0 ? (int) y + 1 : numClasses;
            for (int c = first; c < end; c++) {
                // 0 - a, not -a: +0.0 where a is 0 (an ignored position).
                double q = b == 0 ? 0 : -b * targets.weightOf(c);
                if (c == y) {
                    q -= a;
                }
                int at = i * rowStride + c * classStride;
                if (single) {
                    singles[at] = (float) q;
                } else {
                    doubles[at] = q;
                }
            }
        }
        Shape flat = new Shape(size);
        NDArray coefficients =
                single
                        ? OwnedArrays.create(z, singles, flat, type)
                        : OwnedArrays.create(z, doubles, flat, type);
        NDArray logProbs = transposed ? z.transpose(1, 0).logSoftmax(0) : z.logSoftmax(1);
        return logProbs.reshape(-1).dot(coefficients);
    }
}
