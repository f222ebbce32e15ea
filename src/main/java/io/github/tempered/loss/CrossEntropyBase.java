package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import io.github.tempered.internal.OwnedArrays;

/**
 * The options and their getters shared by the cross-entropy losses ({@link CrossEntropyLoss},
 * {@link LinearCrossEntropyLoss}).
 */
abstract class CrossEntropyBase extends ScopedLoss {

    /** The validated options. */
    final CrossEntropyOptions options;

    /**
     * Creates a loss.
     *
     * @param name the loss name
     * @param options the validated options
     */
    CrossEntropyBase(String name, CrossEntropyOptions options) {
        super(name);
        this.options = options;
    }

    /**
     * Returns {@code z / temperature}, or {@code z} itself at temperature 1; the gradient flows
     * through the division.
     *
     * @param z the logits
     * @param temperature the temperature, greater than 0
     * @return the scaled logits
     */
    static NDArray divideByTemperature(NDArray z, float temperature) {
        return temperature == 1f ? z : z.div(OwnedArrays.scalarLike(temperature, z));
    }

    /**
     * Adds PyTorch's {@code 0 / 0} to a MEAN with nothing to average: the value is NaN while the
     * gradient stays 0.
     *
     * @param total the summed loss
     * @param nothingToAverage whether no position counts towards the mean
     * @return {@code total}, or {@code total + NaN} for such a MEAN
     */
    NDArray withEmptyMean(NDArray total, boolean nothingToAverage) {
        if (options.getReduction() == Reduction.MEAN && nothingToAverage) {
            return total.add(OwnedArrays.scalarLike(Double.NaN, total));
        }
        return total;
    }

    /**
     * Returns the options this loss was built with.
     *
     * @return the options
     */
    public CrossEntropyOptions getOptions() {
        return options;
    }

    /**
     * Returns the temperature the logits are divided by.
     *
     * @return the temperature, greater than 0
     */
    public float getTemperature() {
        return options.getTemperature();
    }

    /**
     * Returns the configured class axis, as given (it may be negative).
     *
     * @return the class axis
     */
    public int getClassAxis() {
        return options.getClassAxis();
    }

    /**
     * Returns a copy of the per-class weights.
     *
     * @return the weights, or {@code null} when none are set
     */
    public float[] getWeight() {
        return options.getWeight();
    }

    /**
     * Returns whether an ignore index is set.
     *
     * @return {@code true} if targets equal to {@link #getIgnoreIndex()} are ignored
     */
    public boolean hasIgnoreIndex() {
        return options.hasIgnoreIndex();
    }

    /**
     * Returns the ignore index; meaningful only when {@link #hasIgnoreIndex()} is true.
     *
     * @return the ignored target value
     */
    public long getIgnoreIndex() {
        return options.getIgnoreIndex();
    }

    /**
     * Returns the label smoothing factor.
     *
     * @return the smoothing factor in [0, 1]
     */
    public float getLabelSmoothing() {
        return options.getLabelSmoothing();
    }

    /**
     * Returns the reduction applied to the per-position losses.
     *
     * @return the reduction
     */
    public Reduction getReduction() {
        return options.getReduction();
    }

    /**
     * Returns whether NaN and infinite inputs are rejected instead of propagated.
     *
     * @return {@code true} if built with {@code optRejectNonFinite(true)}
     */
    public boolean isRejectNonFinite() {
        return options.isRejectNonFinite();
    }
}
