package io.github.tempered.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Argument checks shared by the entry points: each failure is an {@link IllegalArgumentException}
 * whose message starts with the argument's name and says what was seen.
 */
public final class Inputs {

    /**
     * How far the sum of a row of probabilities may be from 1 ({@code
     * CalibrationReport.ROW_SUM_TOLERANCE}; also what {@code ModelOutputs} accepts).
     */
    public static final double PROBABILITY_ROW_SUM_TOLERANCE = 1e-3;

    private Inputs() {}

    /**
     * Returns the first array of a list argument.
     *
     * @param list the list
     * @param argument the argument's name
     * @return {@code list.head()}
     * @throws IllegalArgumentException if the list is null or empty
     */
    public static NDArray head(NDList list, String argument) {
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException(argument + ": the NDList is empty or null");
        }
        return list.head();
    }

    /**
     * Returns whether a type holds real floating-point numbers (DJL counts complex64 as floating).
     *
     * @param type the type
     * @return whether it is float16, bfloat16, float32 or float64
     */
    public static boolean isReal(DataType type) {
        return type.isFloating() && type != DataType.COMPLEX64;
    }

    /**
     * Checks that an array holds real floating-point numbers.
     *
     * @param array the array
     * @param subject the start of the message, e.g. {@code "predictions: logits"}
     * @throws IllegalArgumentException "{@code subject} must be floating point, got TYPE of shape
     *     SHAPE" otherwise
     */
    public static void requireReal(NDArray array, String subject) {
        if (!isReal(array.getDataType())) {
            throw new IllegalArgumentException(
                    subject
                            + " must be floating point, got "
                            + array.getDataType()
                            + " of shape "
                            + array.getShape());
        }
    }

    /**
     * Checks an axis against a shape and returns it counted from the front.
     *
     * @param axisArgument the axis option's name, e.g. {@code "classAxis"}
     * @param axis the axis, negative values counting from the end
     * @param subject what the shape belongs to, e.g. {@code "logits"}
     * @param shape the shape
     * @return the axis in {@code [0, rank)}
     * @throws IllegalArgumentException if the axis is out of range (a scalar has no axis)
     */
    public static int axis(String axisArgument, int axis, String subject, Shape shape) {
        int rank = shape.dimension();
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException(
                    axisArgument
                            + ": "
                            + axis
                            + " is out of range for "
                            + subject
                            + " of shape "
                            + shape
                            + " (rank "
                            + rank
                            + ")");
        }
        return Math.floorMod(axis, rank);
    }

    /**
     * Returns {@code shape} without dimension {@code axis}.
     *
     * @param shape the shape
     * @param axis a non-negative axis of it
     * @return the shape with one dimension fewer
     */
    public static Shape withoutAxis(Shape shape, int axis) {
        return shape.slice(0, axis).addAll(shape.slice(axis + 1));
    }

    /**
     * Returns {@code shape} with dimension {@code axis} of size 1.
     *
     * @param shape the shape
     * @param axis a non-negative axis of it
     * @return the shape with the axis kept at size 1
     */
    public static Shape keptAxis(Shape shape, int axis) {
        long[] dims = shape.getShape().clone(); // getShape() returns the Shape's own array
        dims[axis] = 1;
        return new Shape(dims);
    }

    /**
     * Checks that a value is finite and greater than 0 (a temperature, say).
     *
     * @param argument the argument's name
     * @param value the value
     * @throws IllegalArgumentException "{@code argument}: must be finite and greater than 0, got
     *     VALUE" otherwise
     */
    public static void requirePositiveFinite(String argument, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(
                    argument + ": must be finite and greater than 0, got " + value);
        }
    }

    /**
     * Checks that a float value is finite and greater than 0, printing it as a float.
     *
     * @param argument the argument's name
     * @param value the value
     * @throws IllegalArgumentException "{@code argument}: must be finite and greater than 0, got
     *     VALUE" otherwise
     */
    public static void requirePositiveFinite(String argument, float value) {
        if (!(value > 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(
                    argument + ": must be finite and greater than 0, got " + value);
        }
    }
}
