package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * A fitted calibration map: immutable, it turns a classifier's logits (or binary scores) into
 * calibrated probabilities. Returned by a {@link Calibrator}.
 */
public interface Calibration {

    /**
     * Returns the calibrated probabilities of new logits.
     *
     * <p>Multiclass maps return {@code (N, C)} rows that sum to 1; binary maps return {@code P(y =
     * 1)} of shape {@code (N)}. The result is attached to the manager of {@code logits}, on its
     * device; every intermediate array is closed.
     *
     * @param logits logits or scores of the form the map was fitted on
     * @return the calibrated probabilities
     * @throws IllegalArgumentException if {@code logits} has another form (the message names it)
     */
    NDArray apply(NDArray logits);

    /**
     * Returns the mean negative log-likelihood of the fit data before calibration, in float64.
     *
     * @return the NLL of the uncalibrated probabilities (softmax of the logits, or sigmoid of the
     *     binary scores)
     */
    double nllBefore();

    /**
     * Returns the mean negative log-likelihood of the fit data after calibration, in float64.
     *
     * @return the NLL of the calibrated probabilities
     */
    double nllAfter();
}
