package io.github.tempered.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Scopes;

/** The computation shared by this package's blocks: {@code x / T}, then an optional softmax. */
final class TemperatureOps {

    /** What to return after dividing by the temperature. */
    enum Output {
        /** {@code x / T}. */
        LOGITS,
        /** {@code softmax(x / T)}. */
        SOFTMAX,
        /** {@code log_softmax(x / T)}. */
        LOG_SOFTMAX
    }

    private TemperatureOps() {}

    /**
     * Checks that {@code x} is a floating-point array with at least one dimension and returns the
     * non-negative form of {@code axis}.
     *
     * @param inputArgument the name of the input for the message
     * @param x the input
     * @param axisArgument the name of the axis option for the message
     * @param axis the axis, possibly negative
     * @return the axis in {@code [0, rank)}
     * @throws IllegalArgumentException if the input or the axis is invalid
     */
    static int checkInput(String inputArgument, NDArray x, String axisArgument, int axis) {
        Inputs.requireReal(x, inputArgument + ":");
        return checkAxis(inputArgument, x.getShape(), axisArgument, axis);
    }

    /**
     * Checks that {@code shape} has at least one dimension and that {@code axis} lies in it.
     *
     * @param inputArgument the name of the input for the message
     * @param shape the input shape
     * @param axisArgument the name of the axis option for the message
     * @param axis the axis, possibly negative
     * @return the axis in {@code [0, rank)}
     * @throws IllegalArgumentException if the shape is a scalar or the axis is out of range
     */
    static int checkAxis(String inputArgument, Shape shape, String axisArgument, int axis) {
        if (shape.dimension() == 0) {
            throw new IllegalArgumentException(
                    inputArgument
                            + ": must have at least one dimension (the "
                            + axisArgument
                            + "), got a scalar of shape ()");
        }
        return Inputs.axis(axisArgument, axis, inputArgument, shape);
    }

    /**
     * Divides {@code x} by the temperature and applies the requested output function.
     *
     * <p>The computation runs in the data type of {@code x}. A {@code log T} of another floating
     * type (float32 parameters with float64 inputs, say) is combined through PyTorch's type
     * promotion, under which a 0-dimensional tensor never changes the type of a dimensioned one;
     * DJL's {@code toType} would not do: it runs without autograd, so no gradient would reach
     * {@code log T}. Every intermediate array is closed; the result is attached to the manager of
     * {@code x} and registered with the caller's {@code NDScope}, if any.
     *
     * @param x a floating-point input, already checked
     * @param logT the scalar (0-dimensional) {@code log T} on the device of {@code x}, or {@code
     *     null} to use {@code fixedTemperature}
     * @param fixedTemperature the temperature when {@code logT} is {@code null}
     * @param axis the non-negative softmax axis
     * @param output what to return
     * @return the result, shaped and typed as {@code x}
     */
    static NDArray apply(NDArray x, NDArray logT, float fixedTemperature, int axis, Output output) {
        return Scopes.keepResult(() -> scaled(x, logT, fixedTemperature, axis, output));
    }

    private static NDArray scaled(
            NDArray x, NDArray logT, float fixedTemperature, int axis, Output output) {
        NDArray z = x;
        if (logT != null) {
            z = z.div(logT.exp());
        } else if (fixedTemperature != 1f) {
            // Not div(Number): that scalar lives in a Java buffer autograd would outlive.
            z = z.div(OwnedArrays.scalar(x, fixedTemperature, x.getDataType()));
        }
        switch (output) {
            case SOFTMAX:
                z = z.softmax(axis);
                break;
            case LOG_SOFTMAX:
                z = z.logSoftmax(axis);
                break;
            default:
                break;
        }
        if (z.getDataType() != x.getDataType()) {
            throw new IllegalStateException(
                    "temperature scaling changed the data type from "
                            + x.getDataType()
                            + " to "
                            + z.getDataType());
        }
        // With T = 1 and LOGITS nothing was computed: hand back a copy, never x itself.
        return z == x ? x.duplicate() : z;
    }
}
