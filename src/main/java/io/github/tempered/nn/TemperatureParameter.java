package io.github.tempered.nn;

import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The scalar {@code log T} parameter of a temperature block, and reading {@code T = exp(log T)}
 * back from it: shared by {@link TemperatureSoftmax} (when learnable) and {@link
 * TemperatureScaledBlock}.
 */
final class TemperatureParameter {

    private final Parameter parameter;
    private final String owner;
    private final String initializeHint;

    /**
     * Wraps a parameter made by {@link LogTemperature#parameter} and added to its block.
     *
     * @param parameter the {@code log T} parameter
     * @param owner the block's class name, which starts the messages
     * @param initializeHint what to call when the parameter is not initialized, for the message
     */
    TemperatureParameter(Parameter parameter, String owner, String initializeHint) {
        this.parameter = parameter;
        this.owner = owner;
        this.initializeHint = initializeHint;
    }

    /**
     * Returns the parameter.
     *
     * @return the {@code log T} parameter
     */
    Parameter parameter() {
        return parameter;
    }

    /**
     * Returns whether the parameter holds an array.
     *
     * @return whether it was initialized or loaded
     */
    boolean isInitialized() {
        return parameter.isInitialized();
    }

    /**
     * Reads {@code T}, through {@code parameterStore} when given (a {@code Trainer}'s store holds
     * the value being trained), else from the parameter's own array.
     *
     * @param parameterStore the store, or {@code null}
     * @return the temperature
     * @throws IllegalStateException if the parameter is not initialized
     */
    float read(ParameterStore parameterStore) {
        requireInitialized();
        if (parameterStore == null) {
            return LogTemperature.read(parameter.getArray());
        }
        return LogTemperature.read(
                parameterStore.getValue(parameter, parameterStore.getManager().getDevice(), false));
    }

    /**
     * Throws unless the parameter holds an array.
     *
     * @throws IllegalStateException naming what to call first
     */
    void requireInitialized() {
        if (!parameter.isInitialized()) {
            throw new IllegalStateException(owner + ": " + initializeHint);
        }
    }
}
