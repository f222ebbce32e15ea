package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * Fits isotonic regression calibration (Zadrozny and Elkan 2002): a non-decreasing, piecewise
 * linear map from a score to a probability, fitted to the 0/1 outcomes by pool-adjacent-violators.
 *
 * <h2>Binary and multiclass input</h2>
 *
 * <ul>
 *   <li>Binary: scores {@code (N)} or {@code (N, 1)}, one logit per row, and labels 0/1. The map is
 *       fitted to the scores themselves (a monotone transform of the scores, such as their sigmoid,
 *       would give the same fit up to the interpolation between thresholds) and {@code apply}
 *       returns {@code P(y = 1)} of shape {@code (N)}.
 *   <li>Multiclass: logits {@code (N, C)} and class indices. One-vs-rest: for each class {@code k}
 *       a map from the softmax probability {@code p_k} to the indicator {@code y == k}; {@code
 *       apply} maps each class's probability and divides each row by its sum, and a row whose
 *       values are all 0 becomes uniform. This is the convention of scikit-learn's {@code
 *       CalibratedClassifierCV(method="isotonic")} (one-vs-rest on the classifier's scores, then
 *       the same normalisation and uniform rows) and of netcal's {@code IsotonicRegression} with
 *       {@code independent_probabilities=False} (one-vs-rest on the probabilities, then
 *       normalised); Guo et al. (2017) extend binning methods to multiclass the same way.
 * </ul>
 *
 * <h2>Exactness</h2>
 *
 * <p>Each map equals scikit-learn's {@code IsotonicRegression(y_min=0, y_max=1,
 * out_of_bounds="clip")} fitted to the same inputs in float64 (tested to {@code 1e-12}): scores
 * that tie (within {@code 1e-15} of the first score of their group) form one point whose target is
 * their mean; pool-adjacent-violators gives the non-decreasing least-squares fit; inputs outside
 * the fitted range are clipped to it, and inputs between thresholds are interpolated linearly.
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Logits / scores: float32, float64 or float16, finite, at least one row; multiclass input
 *       needs {@code C >= 2}.
 *   <li>Labels: {@code (N)} of an integer type: 0/1 for binary input, class indices in {@code [0,
 *       C)} for multiclass input.
 *   <li>Invalid input gives an {@link IllegalArgumentException} naming the argument and what was
 *       seen: null arrays, wrong shapes, empty input, labels not 0/1 (binary) or out of range, NaN
 *       or infinite values.
 * </ul>
 *
 * <pre>{@code
 * IsotonicFit fit = new IsotonicCalibrator().fit(validationLogits, validationLabels);
 * NDArray probabilities = fit.apply(testLogits);
 * Files.writeString(Path.of("isotonic.json"), fit.toJson());    // IsotonicFit.fromJson reads it
 * }</pre>
 *
 * <p>The fit copies the inputs once into the JVM as float64 and takes {@code O(N log N)} per map.
 * Instances are immutable and safe to share across threads.
 */
public final class IsotonicCalibrator implements Calibrator {

    /** Creates an isotonic calibrator (it has no options). */
    public IsotonicCalibrator() {}

    /**
     * Creates a builder for an {@code IsotonicCalibrator}, for symmetry with the other calibrators;
     * it has no options yet.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fits the isotonic map(s).
     *
     * @param logits binary scores {@code (N)} / {@code (N, 1)}, or logits {@code (N, C)}
     * @param labels 0/1 labels for binary scores, class indices for logits
     * @return the fit
     * @throws IllegalArgumentException if the inputs are invalid (see the class documentation)
     */
    @Override
    public IsotonicFit fit(NDArray logits, NDArray labels) {
        OneVsRestFit.Fitted fitted =
                OneVsRestFit.fit(logits, labels, IsotonicFit.BINARY_INPUT, IsotonicMap::fit);
        return new IsotonicFit(fitted);
    }

    /** Builds an {@link IsotonicCalibrator}. */
    public static final class Builder {

        private Builder() {}

        /**
         * Builds the calibrator.
         *
         * @return a new calibrator
         */
        public IsotonicCalibrator build() {
            return new IsotonicCalibrator();
        }
    }
}
