package io.github.tempered.loss;

import io.github.tempered.internal.Inputs;
import java.util.Arrays;

/**
 * The options of a softmax cross-entropy, as PyTorch's {@code F.cross_entropy} takes them, plus a
 * temperature: immutable and validated once, shared by {@link CrossEntropyLoss}, {@link
 * LinearCrossEntropyLoss} and the hard term of {@link DistillationLoss}.
 *
 * <ul>
 *   <li>temperature {@code T}: the logits are divided by {@code T > 0} before the softmax; default
 *       1;
 *   <li>class axis: the axis holding the classes, -1 (default) for {@code (N, ..., C)}, 1 for
 *       PyTorch's {@code (N, C, d1, ..., dk)};
 *   <li>weight: one finite, non-negative rescaling weight per class (PyTorch's {@code weight});
 *   <li>ignore index: a target value that contributes nothing (PyTorch's {@code ignore_index});
 *       unset by default;
 *   <li>label smoothing {@code eps} in [0, 1] (PyTorch's {@code label_smoothing}); default 0;
 *   <li>reduction: {@link Reduction#MEAN} (default), {@link Reduction#SUM} or {@link
 *       Reduction#NONE};
 *   <li>non-finite policy: propagate NaN and infinities as PyTorch does (default), or reject them
 *       with an {@link IllegalArgumentException}.
 * </ul>
 *
 * <p>A loss exposes its options through getters of the same names; {@link BaseBuilder} is the one
 * place that sets and validates them.
 */
public final class CrossEntropyOptions {

    private final float temperature;
    private final int classAxis;
    private final float[] weight;
    private final boolean hasIgnoreIndex;
    private final long ignoreIndex;
    private final float labelSmoothing;
    private final Reduction reduction;
    private final boolean rejectNonFinite;

    private CrossEntropyOptions(BaseBuilder<?> builder) {
        temperature = builder.temperature;
        classAxis = builder.classAxis;
        weight = builder.weight == null ? null : builder.weight.clone();
        hasIgnoreIndex = builder.hasIgnoreIndex;
        ignoreIndex = builder.ignoreIndex;
        labelSmoothing = builder.labelSmoothing;
        reduction = builder.reduction;
        rejectNonFinite = builder.rejectNonFinite;
    }

    /**
     * Returns the temperature the logits are divided by.
     *
     * @return the temperature, finite and greater than 0
     */
    public float getTemperature() {
        return temperature;
    }

    /**
     * Returns the class axis, as configured (it may be negative).
     *
     * @return the class axis
     */
    public int getClassAxis() {
        return classAxis;
    }

    /**
     * Returns a copy of the per-class weights.
     *
     * @return the weights, or {@code null} when none are set
     */
    public float[] getWeight() {
        return weight == null ? null : weight.clone();
    }

    /**
     * Returns whether an ignore index is set.
     *
     * @return {@code true} if targets equal to {@link #getIgnoreIndex()} are ignored
     */
    public boolean hasIgnoreIndex() {
        return hasIgnoreIndex;
    }

    /**
     * Returns the ignore index; meaningful only when {@link #hasIgnoreIndex()} is true.
     *
     * @return the ignored target value
     */
    public long getIgnoreIndex() {
        return ignoreIndex;
    }

    /**
     * Returns the label smoothing factor.
     *
     * @return the smoothing factor in [0, 1]
     */
    public float getLabelSmoothing() {
        return labelSmoothing;
    }

    /**
     * Returns the reduction applied to the per-position losses.
     *
     * @return the reduction
     */
    public Reduction getReduction() {
        return reduction;
    }

    /**
     * Returns whether NaN and infinite logits are rejected instead of propagated.
     *
     * @return {@code true} if built with {@code optRejectNonFinite(true)}
     */
    public boolean isRejectNonFinite() {
        return rejectNonFinite;
    }

    /**
     * Returns the class weights without copying them (callers in this package must not modify
     * them).
     *
     * @return the weights, or {@code null}
     */
    float[] weight() {
        return weight;
    }

    /**
     * Returns whether target {@code y} is the ignore index.
     *
     * @param y a target value
     * @return whether it is ignored
     */
    boolean ignores(long y) {
        return hasIgnoreIndex && y == ignoreIndex;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "temperature="
                + temperature
                + ", classAxis="
                + classAxis
                + (weight == null ? "" : ", weight=" + Arrays.toString(weight))
                + (hasIgnoreIndex ? ", ignoreIndex=" + ignoreIndex : "")
                + ", labelSmoothing="
                + labelSmoothing
                + ", reduction="
                + reduction
                + (rejectNonFinite ? ", rejectNonFinite" : "");
    }

    /**
     * Sets the options of a cross-entropy loss; every option defaults to PyTorch's behaviour, and
     * {@link #options()} validates them.
     *
     * @param <B> the concrete builder, returned by every setter
     */
    public abstract static class BaseBuilder<B extends BaseBuilder<B>> {

        private String name;
        private float temperature = 1f;
        private int classAxis = -1;
        private float[] weight;
        private boolean hasIgnoreIndex;
        private long ignoreIndex;
        private float labelSmoothing;
        private Reduction reduction = Reduction.MEAN;
        private boolean rejectNonFinite;

        /**
         * Creates a builder with PyTorch's defaults.
         *
         * @param defaultName the loss name used when {@link #optName} is not called
         */
        protected BaseBuilder(String defaultName) {
            this.name = defaultName;
        }

        /**
         * Returns this builder as its concrete type.
         *
         * @return this builder
         */
        protected abstract B self();

        /**
         * Sets the loss name shown in training logs.
         *
         * @param name a non-empty name
         * @return this builder
         */
        public B optName(String name) {
            this.name = name;
            return self();
        }

        /**
         * Sets the temperature the logits are divided by before the softmax.
         *
         * @param t the temperature, finite and greater than 0; default 1
         * @return this builder
         */
        public B optTemperature(float t) {
            this.temperature = t;
            return self();
        }

        /**
         * Sets the class axis.
         *
         * @param axis the axis holding the classes; default -1, use 1 for PyTorch's {@code (N, C,
         *     d1, ..., dk)} layout
         * @return this builder
         */
        public B optClassAxis(int axis) {
            this.classAxis = axis;
            return self();
        }

        /**
         * Sets a rescaling weight per class, as PyTorch's {@code weight}.
         *
         * @param perClass one finite, non-negative weight per class; {@code null} for none
         * @return this builder
         */
        public B optWeight(float[] perClass) {
            this.weight = perClass == null ? null : perClass.clone();
            return self();
        }

        /**
         * Sets a target value that is ignored, as PyTorch's {@code ignore_index}.
         *
         * @param index the ignored target value (it may lie outside {@code [0, C)}, e.g. -100)
         * @return this builder
         */
        public B optIgnoreIndex(long index) {
            this.hasIgnoreIndex = true;
            this.ignoreIndex = index;
            return self();
        }

        /**
         * Sets the label smoothing factor, as PyTorch's {@code label_smoothing}.
         *
         * @param epsilon the smoothing factor in [0, 1]; default 0
         * @return this builder
         */
        public B optLabelSmoothing(float epsilon) {
            this.labelSmoothing = epsilon;
            return self();
        }

        /**
         * Sets the reduction.
         *
         * @param r the reduction; default {@link Reduction#MEAN}
         * @return this builder
         */
        public B optReduction(Reduction r) {
            this.reduction = r;
            return self();
        }

        /**
         * Sets whether NaN and infinite inputs are rejected with an {@link
         * IllegalArgumentException} naming the first one, instead of propagating NaN as PyTorch
         * does. The check costs a few engine calls per {@code evaluate}; without this option none
         * is made.
         *
         * @param reject {@code true} to reject non-finite inputs; default {@code false}
         * @return this builder
         */
        public B optRejectNonFinite(boolean reject) {
            this.rejectNonFinite = reject;
            return self();
        }

        /**
         * Returns the validated loss name.
         *
         * @return the name
         * @throws IllegalArgumentException if it is null or empty
         */
        protected String name() {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name: must be a non-empty string, got " + name);
            }
            return name;
        }

        /**
         * Validates the options and returns them as an immutable value.
         *
         * @return the options
         * @throws IllegalArgumentException if an option is invalid; the message names it and the
         *     value seen
         */
        protected CrossEntropyOptions options() {
            Inputs.requirePositiveFinite("temperature", temperature);
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException(
                        "labelSmoothing: must be in [0, 1], got " + labelSmoothing);
            }
            if (reduction == null) {
                throw new IllegalArgumentException("reduction: must not be null");
            }
            if (weight != null) {
                if (weight.length == 0) {
                    throw new IllegalArgumentException("weight: must not be empty");
                }
                for (int c = 0; c < weight.length; c++) {
                    if (!(weight[c] >= 0) || Float.isInfinite(weight[c])) {
                        throw new IllegalArgumentException(
                                "weight: entry "
                                        + c
                                        + " must be finite and non-negative, got "
                                        + weight[c]
                                        + " in "
                                        + Arrays.toString(weight));
                    }
                }
            }
            return new CrossEntropyOptions(this);
        }
    }
}
