package io.github.tempered.nn;

/**
 * The option both temperature blocks' builders share ({@link TemperatureSoftmax.Builder}, {@link
 * TemperatureScaledBlock.Builder}).
 *
 * @param <B> the concrete builder
 */
abstract class TemperatureBuilder<B extends TemperatureBuilder<B>> {

    /** Whether an optimizer may train {@code log T}. */
    boolean learnable;

    /**
     * Returns this builder as its concrete type.
     *
     * @return this builder
     */
    abstract B self();

    /**
     * Sets whether the temperature is a learnable parameter (stored as {@code log T}) that an
     * optimizer trains along with the rest of the model.
     *
     * @param learnable {@code true} for a learnable temperature; default {@code false} (fixed)
     * @return this builder
     */
    public B optLearnable(boolean learnable) {
        this.learnable = learnable;
        return self();
    }
}
