package io.github.tempered.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import io.github.tempered.internal.OwnedArrays;

/**
 * What this package's blocks share: the scalar {@code log T} parameter, the data types they can be
 * initialized with and the check of their saved metadata's version.
 */
final class LogTemperature {

    /** The name of the parameter, as saved by {@code Model.save}. */
    static final String NAME = "logTemperature";

    private LogTemperature() {}

    /**
     * Creates a scalar {@code log T} parameter whose initializer gives {@code T = temperature}.
     *
     * <p>Its type is {@link Parameter.Type#OTHER} so that a training configuration's initializer
     * for {@link Parameter.Type#WEIGHT} does not replace the starting temperature.
     *
     * @param temperature the starting temperature, finite and greater than 0
     * @param requiresGrad whether an optimizer may train it
     * @return the parameter
     */
    static Parameter parameter(double temperature, boolean requiresGrad) {
        return Parameter.builder()
                .setName(NAME)
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape())
                .optInitializer(new ConstantInitializer((float) Math.log(temperature)))
                .optRequiresGrad(requiresGrad)
                .build();
    }

    /**
     * Checks the data type a block is initialized with: the {@code log T} parameter is created in
     * it, and the engine cannot create every type (docs/djl-notes.md).
     *
     * @param block the block's name for the message
     * @param dataType the requested type
     * @throws IllegalArgumentException unless it is float32, float64 or float16
     */
    static void checkDataType(String block, DataType dataType) {
        OwnedArrays.requireFloating(block + " must be initialized with", dataType);
    }

    /**
     * Reads {@code T = exp(log T)} from a scalar array.
     *
     * @param logTemperature the array holding {@code log T}
     * @return the temperature
     */
    static float read(NDArray logTemperature) {
        double logT;
        switch (logTemperature.getDataType()) {
            case FLOAT64:
                logT = logTemperature.toDoubleArray()[0];
                break;
            case FLOAT32:
                logT = logTemperature.toFloatArray()[0];
                break;
            default:
                try (NDArray wide = logTemperature.toType(DataType.FLOAT64, true)) {
                    logT = wide.toDoubleArray()[0];
                }
        }
        return (float) Math.exp(logT);
    }

    /**
     * Checks the version byte of a block's saved metadata.
     *
     * @param block the block's name for the message
     * @param loaded the version read
     * @param expected the version the block writes
     * @throws MalformedModelException if they differ
     */
    static void checkVersion(String block, byte loaded, byte expected)
            throws MalformedModelException {
        if (loaded != expected) {
            throw new MalformedModelException(
                    block + ": unsupported encoding version " + loaded + ", expected " + expected);
        }
    }
}
