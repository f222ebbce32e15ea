package io.github.tempered.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * What this package's temperature blocks share: the optional {@code log T} parameter, reading it
 * back, the data types they can be initialized with and the metadata version check.
 */
abstract class TemperatureBlock extends AbstractBlock {

    /** The metadata encoding version both blocks write. */
    static final byte VERSION = 1;

    private final String name;
    private final String initializeHint;

    /** The {@code log T} parameter, or {@code null} when the block has none. */
    final Parameter logTemperature;

    /** Whether an optimizer may train {@code log T}. */
    final boolean learnable;

    /**
     * Creates a block.
     *
     * @param name the block's class name, which starts its messages
     * @param initializeHint what to call when the parameter is not initialized, for the message
     * @param initialTemperature the temperature the parameter starts from
     * @param withParameter whether the block holds a {@code log T} parameter
     * @param learnable whether the parameter requires a gradient
     */
    @SuppressWarnings("this-escape")
    TemperatureBlock(
            String name,
            String initializeHint,
            double initialTemperature,
            boolean withParameter,
            boolean learnable) {
        super(VERSION);
        this.name = name;
        this.initializeHint = initializeHint;
        this.learnable = learnable;
        logTemperature =
                withParameter
                        ? addParameter(LogTemperature.parameter(initialTemperature, learnable))
                        : null;
    }

    /**
     * Returns whether the temperature can be trained.
     *
     * @return {@code true} if built with {@code optLearnable(true)}
     */
    public boolean isLearnable() {
        return learnable;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code dataType} is not float32, float64 or float16
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        LogTemperature.checkDataType(name, dataType);
        super.initialize(manager, dataType, inputShapes);
    }

    /**
     * Reads {@code T = exp(log T)} from the parameter, through {@code parameterStore} when given (a
     * {@code Trainer}'s store holds the value being trained), else from the parameter's own array.
     *
     * @param parameterStore the store, or {@code null}
     * @return the temperature
     * @throws IllegalStateException if the parameter is not initialized
     */
    final float storedTemperature(ParameterStore parameterStore) {
        requireInitializedParameter();
        if (parameterStore == null) {
            return LogTemperature.read(logTemperature.getArray());
        }
        return LogTemperature.read(
                parameterStore.getValue(
                        logTemperature, parameterStore.getManager().getDevice(), false));
    }

    /**
     * Throws unless the {@code log T} parameter holds an array.
     *
     * @throws IllegalStateException naming what to call first
     */
    final void requireInitializedParameter() {
        if (!logTemperature.isInitialized()) {
            throw new IllegalStateException(name + ": " + initializeHint);
        }
    }

    /**
     * Checks the version byte of saved metadata.
     *
     * @param loadVersion the version read
     * @throws MalformedModelException if it is not {@link #VERSION}
     */
    final void checkVersion(byte loadVersion) throws MalformedModelException {
        if (loadVersion != VERSION) {
            throw new MalformedModelException(
                    name
                            + ": unsupported encoding version "
                            + loadVersion
                            + ", expected "
                            + VERSION);
        }
    }

    /**
     * The option both temperature blocks' builders share.
     *
     * @param <B> the concrete builder
     */
    abstract static class BaseBuilder<B extends BaseBuilder<B>> {

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
}
