package io.github.tempered.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Creates arrays whose memory the engine owns, so they stay valid inside an autograd graph after
 * they are closed.
 *
 * <p>On the CPU, arrays created from Java data borrow a Java buffer that autograd may outlive
 * (docs/djl-notes.md). Every array built here is a native copy (or a native {@code full}), safe to
 * close as soon as the forward computation no longer needs its Java handle.
 *
 * <p>The methods that take a {@code like} array create on its manager <em>and device</em>, so that
 * constants meet the caller's input on a GPU as on the CPU.
 *
 * <p>Floating-point arrays can be float32, float64 or float16. Any other requested type is rejected
 * with an {@link IllegalArgumentException} before anything is created, since the engine aborts the
 * JVM creating some types (docs/djl-notes.md).
 */
public final class OwnedArrays {

    private OwnedArrays() {}

    /**
     * Creates a scalar (shape {@code ()}) of the given floating type.
     *
     * @param manager the manager to attach it to
     * @param value the value; exact for float64, rounded to the type otherwise
     * @param dataType float32, float64 or float16
     * @return an engine-owned scalar
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray scalar(NDManager manager, double value, DataType dataType) {
        requireFloating("must be", dataType);
        if (dataType == DataType.FLOAT64) {
            return owned(manager.create(value));
        }
        return manager.full(new Shape(), (float) value, dataType);
    }

    /**
     * Creates a scalar of the given floating type on the manager and device of {@code like}.
     *
     * @param like the array the scalar will be combined with
     * @param value the value; exact for float64, rounded to the type otherwise
     * @param dataType float32, float64 or float16
     * @return an engine-owned scalar
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray scalar(NDArray like, double value, DataType dataType) {
        return onDeviceOf(scalar(like.getManager(), value, dataType), like);
    }

    /**
     * Creates a scalar for arithmetic with {@code like}: float64 when {@code like} is float64,
     * float32 otherwise (a 0-dimensional operand never changes the type of a dimensioned one), on
     * the manager and device of {@code like}.
     *
     * @param value the value
     * @param like the array the scalar will be combined with
     * @return an engine-owned scalar
     */
    public static NDArray scalarLike(double value, NDArray like) {
        return scalar(like, value, Precision.computeType(like.getDataType()));
    }

    /**
     * Creates an int64 array from Java data on the manager and device of {@code like}.
     *
     * @param like the array the result will be combined with
     * @param data the values in row-major order
     * @param shape the shape
     * @return an engine-owned copy
     */
    public static NDArray create(NDArray like, long[] data, Shape shape) {
        return onDeviceOf(create(like.getManager(), data, shape), like);
    }

    /**
     * Creates a floating-point array from Java data on the manager and device of {@code like}.
     *
     * @param like the array the result will be combined with
     * @param data the values in row-major order
     * @param shape the shape
     * @param dataType float32, float64 or float16, as for {@link #create(NDManager, double[],
     *     Shape, DataType)}
     * @return an engine-owned copy
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray create(NDArray like, double[] data, Shape shape, DataType dataType) {
        return onDeviceOf(create(like.getManager(), data, shape, dataType), like);
    }

    /**
     * Creates a floating-point array from float data on the manager and device of {@code like}.
     *
     * @param like the array the result will be combined with
     * @param data the values in row-major order
     * @param shape the shape
     * @param dataType float32, float64 or float16
     * @return an engine-owned array of that type
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray create(NDArray like, float[] data, Shape shape, DataType dataType) {
        return onDeviceOf(create(like.getManager(), data, shape, dataType), like);
    }

    /**
     * Creates a boolean array from Java data on the manager and device of {@code like}.
     *
     * @param like the array the result will be combined with
     * @param data the values in row-major order
     * @param shape the shape
     * @return an engine-owned copy
     */
    public static NDArray create(NDArray like, boolean[] data, Shape shape) {
        return onDeviceOf(create(like.getManager(), data, shape), like);
    }

    /**
     * Creates an int64 vector from Java data on the manager and device of {@code like}, without the
     * engine-owned copy: on the CPU it may borrow Java memory, so it is only for arrays the engine
     * reads at once and never keeps, e.g. an index outside the autograd graph.
     *
     * @param like the array the result will be used with
     * @param data the values
     * @return the vector
     */
    public static NDArray transientCopy(NDArray like, long[] data) {
        return onDeviceOf(like.getManager().create(data), like);
    }

    /**
     * Creates a floating-point array from Java data on the manager and device of {@code like},
     * without the engine-owned copy, for the same uses as {@link #transientCopy(NDArray, long[])}:
     * e.g. an operand of an in-place update outside the autograd graph.
     *
     * @param like the array the result will be used with
     * @param data the values in row-major order
     * @param shape the shape
     * @param dataType float32 or float64 (float32 rounds each value once)
     * @return the array
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray transientCopy(
            NDArray like, double[] data, Shape shape, DataType dataType) {
        NDManager manager = like.getManager();
        NDArray vector;
        if (dataType == DataType.FLOAT64) {
            vector = manager.create(data, shape);
        } else if (dataType == DataType.FLOAT32) {
            vector = manager.create(rounded(data), shape);
        } else {
            throw new IllegalArgumentException(
                    "dataType: must be float32 or float64, got " + dataType);
        }
        return onDeviceOf(vector, like);
    }

    /**
     * Returns {@code array} on the device of {@code like}: itself when it is there already, else a
     * copy, and {@code array} is closed.
     *
     * @param array an array this class created
     * @param like the array whose device to use
     * @return the array on that device
     */
    private static NDArray onDeviceOf(NDArray array, NDArray like) {
        Device device = like.getDevice();
        // Arrays made by like's manager are on the manager's device: no native query needed then.
        if (like.getManager().getDevice().equals(device) || array.getDevice().equals(device)) {
            return array;
        }
        try (array) {
            return array.toDevice(device, true);
        }
    }

    /**
     * Creates an int64 array from Java data.
     *
     * @param manager the manager to attach it to
     * @param data the values in row-major order
     * @param shape the shape
     * @return an engine-owned copy
     */
    public static NDArray create(NDManager manager, long[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    /**
     * Creates a floating-point array from Java data.
     *
     * @param manager the manager to attach it to
     * @param data the values in row-major order
     * @param shape the shape
     * @param dataType {@link DataType#FLOAT64} keeps the doubles; float32 and float16 round them to
     *     float32 first and then convert
     * @return an engine-owned copy
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray create(NDManager manager, double[] data, Shape shape, DataType dataType) {
        requireFloating("must be", dataType);
        if (dataType == DataType.FLOAT64) {
            return owned(manager.create(data, shape));
        }
        return create(manager, rounded(data), shape, dataType);
    }

    /** Each value rounded once to float32. */
    private static float[] rounded(double[] data) {
        float[] single = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            single[i] = (float) data[i];
        }
        return single;
    }

    /**
     * Creates a floating-point array from float data.
     *
     * @param manager the manager to attach it to
     * @param data the values in row-major order
     * @param shape the shape
     * @param dataType the target type: float32, float64 or float16
     * @return an engine-owned array of that type
     * @throws IllegalArgumentException for any other data type
     */
    public static NDArray create(NDManager manager, float[] data, Shape shape, DataType dataType) {
        requireFloating("must be", dataType);
        NDArray blob = manager.create(data, shape);
        if (dataType == DataType.FLOAT32) {
            return owned(blob);
        }
        try (blob) {
            return blob.toType(dataType, false); // a conversion allocates natively
        }
    }

    /**
     * Creates a boolean array from Java data, e.g. a mask for {@code NDArrays.where}, whose
     * condition autograd keeps for the backward pass.
     *
     * @param manager the manager to attach it to
     * @param data the values in row-major order
     * @param shape the shape
     * @return an engine-owned copy
     */
    public static NDArray create(NDManager manager, boolean[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    /**
     * Creates an array from the first {@code shape.size()} elements of a direct buffer in native
     * byte order, e.g. a staging buffer that is refilled for the next array at once.
     *
     * @param manager the manager to attach it to
     * @param data a direct buffer in {@link java.nio.ByteOrder#nativeOrder()}, position 0
     * @param shape the shape
     * @param dataType the type of the buffer's elements
     * @return an engine-owned copy; the buffer is not referenced once this returns
     */
    public static NDArray copyOf(
            NDManager manager, java.nio.ByteBuffer data, Shape shape, DataType dataType) {
        java.nio.ByteBuffer view = data.duplicate().order(data.order());
        view.position(0).limit(Math.toIntExact(shape.size() * dataType.getNumOfBytes()));
        return owned(manager.create(view.slice().order(data.order()), shape, dataType));
    }

    /**
     * Refuses a data type the engine cannot create arrays of here: only float32, float64 and
     * float16 pass (docs/djl-notes.md: DJL 0.36's PyTorch engine aborts the JVM creating bfloat16).
     *
     * @param requirement what the message says before the allowed types, e.g. {@code "must be"}
     * @param dataType the type
     * @throws IllegalArgumentException "{@code dataType: <requirement> float32, float64 or float16,
     *     got <type>}" for any other type
     */
    public static void requireFloating(String requirement, DataType dataType) {
        if (dataType != DataType.FLOAT32
                && dataType != DataType.FLOAT64
                && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                    "dataType: "
                            + requirement
                            + " float32, float64 or float16, got "
                            + dataType
                            + (dataType == DataType.BFLOAT16
                                    ? " (DJL 0.36's PyTorch engine aborts the JVM creating"
                                            + " bfloat16 arrays)"
                                    : ""));
        }
    }

    private static NDArray owned(NDArray blobBacked) {
        try (blobBacked) {
            return blobBacked.duplicate();
        }
    }
}
