package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;

/**
 * The cross-entropy of a chunk of rows of logits and its gradient with respect to those logits,
 * computed by plain forward operations, without autograd.
 *
 * <p>For logits {@code z} of shape (M, C), {@code zt = z / T} and {@code p = softmax(zt)}, the
 * value is {@code sum_i a[i] * (-lsm[i, y[i]]) + b[i] * (-sum_c w[c] * lsm[i, c])} with the
 * coefficients of {@link ClassTargets}, and its gradient with respect to {@code zt} is {@code G[i,
 * c] = (a[i] + b[i] * W) * p[i, c] - a[i] * [c == y[i]] - b[i] * w[c]} with {@code W = sum_c w[c]}.
 * The gradient with respect to {@code z} is {@code G / T}. It is built in place in the softmax
 * output, so a chunk costs one (M, C) array beyond its logits (two while a temperature other than 1
 * scales them), and at most two passes over it; a uniform factor (including {@code 1 / T}) is
 * returned separately as {@link #gradientScale} so that callers can fold it into an operation they
 * run anyway.
 *
 * <p>{@code -lsm[i, y[i]]} is taken as {@code -log(p[i, y[i]])}, exact while that probability is a
 * normal number; if any probability of a counted target is below {@code 1e-30} (float32) or {@code
 * 1e-290} (float64) the chunk falls back to {@code lse = max(zt) - log(max(p))}, which is exact for
 * any logits.
 */
final class CrossEntropyChunk {

    private static final double TINY_FLOAT32 = 1e-30;
    private static final double TINY_FLOAT64 = 1e-290;

    /**
     * Returns the smallest target probability whose logarithm is taken as the log-softmax: below it
     * (or NaN) the exact {@code lse - z[y]} route is needed.
     *
     * @param type the compute type, float32 or float64
     * @return {@code 1e-30} for float32, {@code 1e-290} for float64
     */
    static double tinyProbability(DataType type) {
        return type == DataType.FLOAT64 ? TINY_FLOAT64 : TINY_FLOAT32;
    }

    /** The summed loss of the chunk's rows, a scalar. */
    final NDArray value;

    /** The gradient with respect to the logits {@code z}, divided by {@link #gradientScale}. */
    final NDArray gradient;

    /** The uniform factor of the gradient: {@code d value / d z = gradientScale * gradient}. */
    final double gradientScale;

    private CrossEntropyChunk(NDArray value, NDArray gradient, double gradientScale) {
        this.value = value;
        this.gradient = gradient;
        this.gradientScale = gradientScale;
    }

    /**
     * Computes the value and gradient of rows {@code [offset, offset + M)} of the targets.
     *
     * <p>Every array it creates is closed before it returns, except the two results, which are
     * attached to {@code z}'s manager and registered in the caller's {@link NDScope}, if any.
     *
     * @param z the logits of the chunk, shape (M, C), of the compute type, not part of a graph
     * @param temperature the temperature
     * @param targets all targets and their coefficients
     * @param offset the first target of the chunk
     * @param withGradient whether to compute the gradient; if not, {@link #gradient} is {@code
     *     null} and {@link #gradientScale} 0
     * @return the chunk's value and gradient
     */
    static CrossEntropyChunk compute(
            NDArray z, float temperature, ClassTargets targets, int offset, boolean withGradient) {
        CrossEntropyChunk chunk;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            chunk = computeScoped(z, temperature, targets, offset, withGradient);
            NDScope.unregister(chunk.value);
            if (chunk.gradient != null) {
                NDScope.unregister(chunk.gradient);
            }
        }
        NDScope.register(chunk.value);
        if (chunk.gradient != null) {
            NDScope.register(chunk.gradient);
        }
        return chunk;
    }

    private static CrossEntropyChunk computeScoped(
            NDArray z, float temperature, ClassTargets targets, int offset, boolean withGradient) {
        DataType type = z.getDataType();
        int rows = Math.toIntExact(z.getShape().get(0));
        int numClasses = Math.toIntExact(z.getShape().get(1));
        double[] a = new double[rows];
        double[] b = new double[rows];
        boolean anyIgnored = false;
        for (int i = 0; i < rows; i++) {
            a[i] = targets.targetCoefficient(offset + i);
            b[i] = targets.smoothingCoefficient(offset + i);
            anyIgnored |= targets.ignored[offset + i];
        }
        boolean smoothing = targets.smoothing();
        float[] weight = targets.weight();

        NDArray zt = CrossEntropyBase.divideByTemperature(z, temperature);
        NDArray p = zt.softmax(1);
        // The softmax output is contiguous, so its flat view shares its storage; the targets are
        // addressed by flat positions i * C + y[i], made in Java (p is outside the graph, so the
        // index array is used at once and never kept).
        NDArray flatP = p.reshape(-1);
        NDArray at = targets.flatIndex(offset, rows, z);
        NDArray py = flatP.take(at);
        // The value is summed in Java, in double, from (M) vectors read once: fewer native
        // calls than reducing on the engine, and every term exact to float rounding.
        double[] probability = Precision.toDoubles(py);
        double tiny = tinyProbability(type);
        boolean underflow = false;
        for (int i = 0; i < rows; i++) {
            underflow |= (a[i] != 0 || b[i] != 0) && !(probability[i] >= tiny);
        }
        // -lsm[i, y[i]] = lse[i] - zt[i, y[i]]; exact as -log(p[i, y[i]]) while p is normal.
        double[] logSumExpMinusTarget = new double[rows];
        double[] logSumExp = null; // lse[i], needed for smoothing and after an underflow
        // zt[i, y[i]], needed after an underflow and for smoothing.
        double[] zy = underflow || smoothing ? Precision.toDoubles(zt.reshape(-1).take(at)) : null;
        if (underflow) {
            logSumExp =
                    Precision.toDoubles(
                            zt.max(new int[] {1}, true).sub(p.max(new int[] {1}, true).log()));
            for (int i = 0; i < rows; i++) {
                logSumExpMinusTarget[i] = logSumExp[i] - zy[i];
            }
        } else {
            for (int i = 0; i < rows; i++) {
                logSumExpMinusTarget[i] = -Math.log(probability[i]);
            }
            if (smoothing) {
                logSumExp = new double[rows];
                for (int i = 0; i < rows; i++) {
                    logSumExp[i] = zy[i] + logSumExpMinusTarget[i];
                }
            }
        }
        double total = 0;
        for (int i = 0; i < rows; i++) {
            if (a[i] != 0) {
                total += a[i] * logSumExpMinusTarget[i];
            }
        }
        double classWeightSum = numClasses;
        if (smoothing) {
            NDArray weighted; // sum_c w[c] * zt[i, c], shape (M, 1)
            if (weight == null) {
                weighted = zt.sum(new int[] {1}, true);
            } else {
                classWeightSum = 0;
                for (float w : weight) {
                    classWeightSum += w;
                }
                NDArray column = OwnedArrays.create(z, weight, new Shape(numClasses, 1), type);
                weighted = zt.matMul(column);
            }
            // -sum_c w[c] * lsm[i, c] = W * lse[i] - sum_c w[c] * zt[i, c].
            double[] weightedValues = Precision.toDoubles(weighted);
            for (int i = 0; i < rows; i++) {
                if (b[i] != 0) {
                    total += b[i] * (classWeightSum * logSumExp[i] - weightedValues[i]);
                }
            }
        }
        NDArray value = OwnedArrays.scalar(z, total, type);
        if (zt != z) {
            zt.close(); // free the scaled copy before the gradient passes
        }
        if (!withGradient) {
            return new CrossEntropyChunk(value, null, 0);
        }

        // The gradient, in place in p: G = A * p - a * onehot(y) - b * w, A = a + b * W. A
        // uniform factor goes to gradientScale, so the common cases need at most one pass.
        double[] rowScale = new double[rows];
        for (int i = 0; i < rows; i++) {
            rowScale[i] = a[i] + b[i] * classWeightSum;
        }
        double shared = uniformNonIgnored(rowScale, targets, offset);
        double beta = uniformNonIgnored(b, targets, offset); // b is uniform: eps / C * s
        double gradientScale;
        boolean zeroIgnoredRows = anyIgnored;
        boolean targetsUnchanged = false; // whether G[i, y[i]] is still py[i]
        if (shared != 0 && Double.isFinite(shared)) {
            // G = A * (p - (beta / A) * w - (a / A) * onehot(y)).
            gradientScale = shared;
            if (smoothing && beta != 0) {
                p.subi(classRow(p, weight, numClasses, beta / shared));
            } else {
                targetsUnchanged = !anyIgnored;
            }
        } else if (smoothing && beta != 0) {
            // G = beta * ((A / beta) * p - w - (a / beta) * onehot(y)).
            gradientScale = beta;
            double[] ratio = new double[rows];
            for (int i = 0; i < rows; i++) {
                ratio[i] = rowScale[i] / beta;
            }
            p.muli(column(p, ratio));
            p.subi(classRow(p, weight, numClasses, 1));
        } else {
            // No smoothing: G = a * (p - onehot(y)); ignored rows become 0 here.
            gradientScale = 1;
            p.muli(column(p, a));
            zeroIgnoredRows = false;
        }
        double[] oneHot = new double[rows];
        for (int i = 0; i < rows; i++) {
            oneHot[i] = a[i] / gradientScale;
        }
        if (zeroIgnoredRows) {
            zeroRows(p, targets, offset, rows);
        }
        // Where G is still p at the targets, their current values are the probabilities read
        // above: the new values are computed in Java, with no indexed read.
        subtractAtTargets(flatP, at, type, oneHot, targetsUnchanged ? probability : null);
        return new CrossEntropyChunk(value, p, gradientScale / temperature);
    }

    /**
     * Returns the value shared by every non-ignored position of the chunk, or 0 if they differ (or
     * there are none).
     */
    private static double uniformNonIgnored(double[] values, ClassTargets targets, int offset) {
        double shared = Double.NaN;
        for (int i = 0; i < values.length; i++) {
            if (targets.ignored[offset + i]) {
                continue;
            }
            if (Double.isNaN(shared)) {
                shared = values[i];
            } else if (values[i] != shared) {
                return 0;
            }
        }
        return Double.isNaN(shared) ? 0 : shared;
    }

    /** {@code factor * w} as a (1, C) row, or the scalar {@code factor} when no weights are set. */
    private static NDArray classRow(NDArray like, float[] weight, int numClasses, double factor) {
        if (weight == null) {
            return OwnedArrays.scalarLike(factor, like);
        }
        double[] row = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            row[c] = factor * weight[c];
        }
        return OwnedArrays.transientCopy(like, row, new Shape(1, numClasses), like.getDataType());
    }

    /**
     * Sets the rows of ignored positions to 0, indexed by their row numbers (an index put through a
     * boolean mask measured seven times slower).
     */
    private static void zeroRows(NDArray g, ClassTargets targets, int offset, int rows) {
        NDArray ignoredRows = targets.ignoredRows(offset, rows, g);
        g.set(new NDIndex("{}", ignoredRows), OwnedArrays.scalarLike(0, g));
    }

    /**
     * {@code g[at[i]] -= amount[i]} for every row, in place, where {@code flatG} is the flat view
     * of the gradient and {@code at} the flat positions of the targets.
     *
     * @param type the gradient's data type
     * @param current the values {@code g[at[i]]} if the caller knows them (read from the engine),
     *     else {@code null}
     */
    private static void subtractAtTargets(
            NDArray flatG, NDArray at, DataType type, double[] amount, double[] current) {
        NDIndex positions = new NDIndex("{}", at);
        if (current != null) {
            // Rounded as the engine would round current - amount in the gradient's type: the
            // difference of two floats in double, then one rounding, is the correctly rounded
            // float difference.
            boolean single = type != DataType.FLOAT64;
            double[] updated = new double[current.length];
            for (int i = 0; i < current.length; i++) {
                double subtrahend = single ? (float) amount[i] : amount[i];
                updated[i] = current[i] - subtrahend;
            }
            flatG.set(positions, vector(flatG, updated));
            return;
        }
        NDArray subtrahend =
                uniform(amount) ? OwnedArrays.scalarLike(amount[0], flatG) : vector(flatG, amount);
        flatG.set(positions, flatG.take(at).sub(subtrahend));
    }

    private static boolean uniform(double[] values) {
        for (double v : values) {
            if (Double.compare(v, values[0]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static NDArray vector(NDArray like, double[] values) {
        return OwnedArrays.transientCopy(
                like, values, new Shape(values.length), like.getDataType());
    }

    private static NDArray column(NDArray like, double[] values) {
        return OwnedArrays.transientCopy(
                like, values, new Shape(values.length, 1), like.getDataType());
    }
}
