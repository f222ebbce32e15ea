package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * A calibration method: fits a {@link Calibration} to a classifier's outputs and the true labels of
 * held-out (validation) data.
 *
 * <p>The implementations: {@link TemperatureScaler}, {@link VectorScaler}, {@link MatrixScaler}
 * (matrix scaling and Dirichlet calibration), {@link HistogramBinning}, {@link IsotonicCalibrator}
 * and, for binary classifiers, {@link PlattScaler}. Multiclass inputs are logits {@code (N, C)}
 * with class indices {@code (N)}; binary inputs are one score (logit) per row, {@code (N)} or
 * {@code (N, 1)}, with labels 0 or 1. Each method's documentation says which it takes.
 *
 * <pre>{@code
 * for (Calibrator method : List.of(new TemperatureScaler(), new VectorScaler(),
 *         new IsotonicCalibrator())) {
 *     Calibration fit = method.fit(validationLogits, validationLabels);
 *     NDArray probabilities = fit.apply(testLogits);
 * }
 * }</pre>
 */
public interface Calibrator {

    /**
     * Fits the calibration map.
     *
     * @param logits the classifier's outputs on the fit data: logits {@code (N, C)} or, for binary
     *     methods, scores {@code (N)} / {@code (N, 1)}
     * @param labels the true labels {@code (N)}: class indices, or 0/1 for binary input
     * @return the fitted, immutable calibration
     * @throws IllegalArgumentException if the inputs are invalid (the message names the argument
     *     and what was seen)
     */
    Calibration fit(NDArray logits, NDArray labels);
}
