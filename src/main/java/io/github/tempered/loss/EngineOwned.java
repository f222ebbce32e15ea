package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Arrays whose memory the engine owns, safe for autograd to keep until the backward pass.
 *
 * <p>On the CPU, DJL's PyTorch engine wraps the Java buffer of an array made from Java data
 * (including the scalar behind {@code x.mul(2f)}) without copying it. Autograd keeps some operands
 * for the backward pass (a gather index, a factor of a product, a divisor), which runs after {@code
 * evaluate} has closed them; by then the garbage collector may have freed and reused the buffer,
 * giving wrong gradients or an index error. The losses therefore copy such arrays into memory the
 * engine owns before they enter the graph.
 */
final class EngineOwned {

    private EngineOwned() {}

    /**
     * Copies an array made from Java data into engine-owned memory on the device of {@code like},
     * and closes the original.
     *
     * @param fromJava the array made from Java data
     * @param like an array on the target device
     * @return the engine-owned copy
     */
    static NDArray copyOf(NDArray fromJava, NDArray like) {
        NDArray copy =
                fromJava.getDevice().equals(like.getDevice())
                        ? fromJava.duplicate()
                        : fromJava.toDevice(like.getDevice(), true);
        fromJava.close();
        return copy;
    }

    /**
     * Creates an engine-owned scalar of the data type of {@code like} (float64, else float32).
     *
     * @param value the value
     * @param like a float32 or float64 array giving the manager, data type and device
     * @return the scalar, a 0-dimensional array
     */
    static NDArray scalar(double value, NDArray like) {
        NDManager manager = like.getManager();
        NDArray fromJava =
                like.getDataType() == DataType.FLOAT64
                        ? manager.create(value)
                        : manager.create((float) value);
        return copyOf(fromJava, like);
    }
}
