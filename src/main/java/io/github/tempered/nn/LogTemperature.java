package io.github.tempered.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;

/** The temperature parameter shared by this package's blocks: a scalar holding {@code log T}. */
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
     * Checks that a temperature is finite and greater than 0.
     *
     * @param argument the argument name for the message
     * @param temperature the value
     * @throws IllegalArgumentException if it is not
     */
    static void validate(String argument, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    argument + ": must be finite and greater than 0, got " + temperature);
        }
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
}
