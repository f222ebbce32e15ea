package io.github.tempered.data;

import java.nio.ByteBuffer;

/**
 * The NumPy element types {@link ModelOutputs} reads, little-endian, each widened exactly to a
 * double (integers beyond 2^53 round to the nearest double, as NumPy's {@code astype(float64)}).
 */
enum ElementType {
    FLOAT16("f2", 2, "float16"),
    FLOAT32("f4", 4, "float32"),
    FLOAT64("f8", 8, "float64"),
    INT8("i1", 1, "int8"),
    UINT8("u1", 1, "uint8"),
    INT32("i4", 4, "int32"),
    INT64("i8", 8, "int64"),
    /** NumPy's {@code bool}: recognised only to be refused as not numeric. */
    BOOLEAN("b1", 1, "boolean");

    private final String code;
    private final int size;
    private final String label;

    ElementType(String code, int size, String label) {
        this.code = code;
        this.size = size;
        this.label = label;
    }

    /**
     * Returns the type of a NumPy type code without its byte-order character, e.g. {@code "f4"}.
     *
     * @param code the kind and size
     * @return the type, or null if it is not one of these
     */
    static ElementType ofNumpy(String code) {
        for (ElementType type : values()) {
            if (type.code.equals(code)) {
                return type;
            }
        }
        return null;
    }

    /**
     * Returns the bytes per element.
     *
     * @return the size
     */
    int size() {
        return size;
    }

    /**
     * Returns whether the type holds floating-point numbers.
     *
     * @return for float16, float32 and float64
     */
    boolean isFloating() {
        return this == FLOAT16 || this == FLOAT32 || this == FLOAT64;
    }

    /**
     * Returns whether the type holds numbers.
     *
     * @return false for boolean
     */
    boolean isNumeric() {
        return this != BOOLEAN;
    }

    /** The name messages use, as DJL's {@code DataType} prints it. */
    @Override
    public String toString() {
        return label;
    }

    /**
     * Decodes {@code count} elements {@code stride} bytes apart.
     *
     * @param bytes little-endian data
     * @param offset the byte offset of the first element
     * @param stride the bytes from one element to the next
     * @param out receives the values
     * @param outOffset where the first value goes
     * @param count the number of elements
     */
    void decode(ByteBuffer bytes, int offset, int stride, double[] out, int outOffset, int count) {
        int at = offset;
        int end = outOffset + count;
        switch (this) {
            case FLOAT16:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = halfToFloat(bytes.getShort(at));
                }
                break;
            case FLOAT32:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = bytes.getFloat(at);
                }
                break;
            case FLOAT64:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = bytes.getDouble(at);
                }
                break;
            case INT8:
            case BOOLEAN:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = bytes.get(at);
                }
                break;
            case UINT8:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = bytes.get(at) & 0xff;
                }
                break;
            case INT32:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = bytes.getInt(at);
                }
                break;
            case INT64:
                for (int i = outOffset; i < end; i++, at += stride) {
                    out[i] = bytes.getLong(at);
                }
                break;
            default:
                throw new IllegalStateException("unknown element type " + this);
        }
    }

    /**
     * Converts IEEE 754 half-precision bits to a float, exactly (Java 17 has no {@code
     * Float.float16ToFloat}).
     *
     * @param bits the 16 bits
     * @return the value
     */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
