package io.github.tempered.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The check behind the losses' {@code optRejectNonFinite(true)}: finds NaN and infinite values.
 *
 * <p>It costs a few engine calls and, only when it fails, one copy of the array into Java to name
 * the first offending value; the losses call it only when the option is set, so their default path
 * is unchanged. Every array it creates is registered with the caller's {@code NDScope} (the losses
 * call it inside {@code evaluate}'s scope).
 */
public final class NonFinite {

    /** Whether {@code -inf} counts as a valid value (a teacher logit may rule a class out). */
    public enum NegativeInfinity {
        /** {@code -inf} is rejected like NaN and {@code +inf}. */
        REJECT,
        /** {@code -inf} is accepted. */
        ALLOW
    }

    private NonFinite() {}

    /**
     * Throws if {@code array} holds a NaN or an infinity ({@code -inf} allowed on request).
     *
     * @param array a floating-point array
     * @param argument the argument name that starts the message, e.g. {@code "predictions"}
     * @param what what the array holds, e.g. {@code "logits"}
     * @param negativeInfinity whether {@code -inf} is accepted
     * @throws IllegalArgumentException naming the first offending value, its position and the shape
     */
    public static void reject(
            NDArray array, String argument, String what, NegativeInfinity negativeInfinity) {
        boolean allowNegativeInfinity = negativeInfinity == NegativeInfinity.ALLOW;
        NDArray bad = array.isNaN();
        bad =
                bad.logicalOr(
                        allowNegativeInfinity
                                ? array.eq(Double.POSITIVE_INFINITY)
                                : array.isInfinite());
        if (!bad.any().getBoolean()) {
            return;
        }
        double[] values = array.toType(DataType.FLOAT64, false).toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(v)
                    || v == Double.POSITIVE_INFINITY
                    || (v == Double.NEGATIVE_INFINITY && !allowNegativeInfinity)) {
                throw new IllegalArgumentException(
                        argument
                                + ": "
                                + what
                                + " must be "
                                + (allowNegativeInfinity ? "finite or -inf" : "finite")
                                + " (optRejectNonFinite is set), got "
                                + v
                                + " at position "
                                + ClassIndices.position(i, array.getShape())
                                + " of shape "
                                + array.getShape());
            }
        }
    }
}
