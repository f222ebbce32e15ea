package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;
import io.github.tempered.internal.Scopes;

/**
 * Applies fitted affine maps on the engine: {@code softmax(w * z + b)}, {@code softmax(W z + b)}
 * (of the logits or of their log-softmax) and {@code sigmoid(a s + b)}. float64 inputs are computed
 * in float64, float32 and float16 in float32; float16 is widened inside the autograd graph, so a
 * gradient still reaches inputs that require one. Every intermediate array is closed; the result
 * belongs to the input's manager, on its device.
 */
final class AffineMaps {

    private AffineMaps() {}

    /**
     * Computes {@code softmax(W x + b)} along the last axis, {@code x} the logits or their
     * log-softmax.
     *
     * @param logits floating point, the {@code classes} along the last axis
     * @param classes the number of classes {@code C}
     * @param weights {@code C} per-class weights, or a {@code C x C} row-major matrix
     * @param biases {@code C} biases
     * @param logProbabilities whether the map applies to {@code log_softmax(logits)}
     * @return the probabilities, the shape of {@code logits}
     * @throws IllegalArgumentException if {@code logits} is null, not floating point or its last
     *     axis is not {@code C}
     */
    static NDArray softmax(
            NDArray logits,
            int classes,
            double[] weights,
            double[] biases,
            boolean logProbabilities) {
        if (logits == null) {
            throw new IllegalArgumentException("logits: must not be null");
        }
        Inputs.requireReal(logits, "logits:");
        Shape shape = logits.getShape();
        if (shape.dimension() == 0 || shape.tail() != classes) {
            throw new IllegalArgumentException(
                    "logits: the last axis must hold the "
                            + classes
                            + " classes of the fit, got shape "
                            + shape);
        }
        boolean full = weights.length != classes;
        return Scopes.keepResult(
                () -> {
                    NDArray z = Precision.widen(logits);
                    DataType type = z.getDataType();
                    if (logProbabilities) {
                        z = z.logSoftmax(-1);
                    }
                    NDArray b = OwnedArrays.create(z, biases, new Shape(classes), type);
                    NDArray u;
                    if (full) {
                        double[] transposed = new double[classes * classes];
                        for (int c = 0; c < classes; c++) {
                            for (int d = 0; d < classes; d++) {
                                transposed[d * classes + c] = weights[c * classes + d];
                            }
                        }
                        Shape square = new Shape(classes, classes);
                        u = z.matMul(OwnedArrays.create(z, transposed, square, type)).add(b);
                    } else {
                        u = z.mul(OwnedArrays.create(z, weights, new Shape(classes), type)).add(b);
                    }
                    return u.softmax(-1);
                });
    }

    /**
     * Computes {@code sigmoid(slope * s + intercept)} of binary scores.
     *
     * @param scores {@code (N)} or {@code (N, 1)} floating point
     * @param slope the slope
     * @param intercept the intercept
     * @return {@code P(y = 1)}, shape {@code (N)}
     * @throws IllegalArgumentException if {@code scores} is null, not floating point or of another
     *     shape
     */
    static NDArray sigmoid(NDArray scores, double slope, double intercept) {
        CalibrationInputs.requireBinaryShape(scores, "scores");
        long rows = scores.getShape().get(0);
        return Scopes.keepResult(
                () -> {
                    NDArray z = Precision.widen(scores).reshape(rows);
                    NDArray u =
                            z.mul(OwnedArrays.scalarLike(slope, z))
                                    .add(OwnedArrays.scalarLike(intercept, z));
                    return Activation.sigmoid(u);
                });
    }
}
