package io.github.tempered.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of one NumPy {@code .npy} array (format versions 1, 2 and 3): element type, memory
 * order, shape and where the data start.
 *
 * <p>A header that cannot be read is an {@link IllegalArgumentException} at once. A type this
 * library cannot read (big-endian, int16, unsigned 16- to 64-bit, object, string, structured) is
 * remembered and thrown by {@link #requireSupported()} when the array is used, so that an unused
 * member of an {@code .npz} does not stop the others from being read.
 */
final class NumpyHeader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final String descr;
    private final ElementType type;
    private final IllegalArgumentException problem;
    private final boolean fortranOrder;
    private final long[] shape;
    private final String shapeText;
    private final long dataOffset;

    private NumpyHeader(
            String descr,
            ElementType type,
            IllegalArgumentException problem,
            boolean fortranOrder,
            long[] shape,
            String shapeText,
            long dataOffset) {
        this.descr = descr;
        this.type = type;
        this.problem = problem;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
        this.shapeText = shapeText;
        this.dataOffset = dataOffset;
    }

    /**
     * Reads a header from the start of an array.
     *
     * @param in the array's bytes; the header is consumed
     * @param what the array for messages: the file, or {@code "file (member.npy)"}
     * @return the header
     * @throws IOException if reading fails
     * @throws IllegalArgumentException "{@code what} is not a readable NumPy file: ..." for a
     *     malformed header
     */
    static NumpyHeader read(InputStream in, String what) throws IOException {
        DataInputStream data = new DataInputStream(in);
        String header;
        long dataOffset;
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw unreadable(what, "Malformed numpy data");
            }
            int major = data.readUnsignedByte();
            int minor = data.readUnsignedByte();
            long length;
            if (major == 1) {
                length = data.readUnsignedByte() | (data.readUnsignedByte() << 8);
                dataOffset = MAGIC.length + 4 + length;
            } else if (major == 2 || major == 3) {
                length = Integer.toUnsignedLong(Integer.reverseBytes(data.readInt()));
                dataOffset = MAGIC.length + 6 + length;
            } else {
                throw unreadable(what, "Unknown numpy version: " + major + '.' + minor);
            }
            if (length > MAX_HEADER) {
                throw unreadable(
                        what, "its header declares " + length + " bytes (at most 1 MB is read)");
            }
            byte[] bytes = new byte[(int) length];
            data.readFully(bytes);
            header =
                    new String(
                                    bytes,
                                    major == 3
                                            ? StandardCharsets.UTF_8
                                            : StandardCharsets.ISO_8859_1)
                            .trim();
        } catch (EOFException e) {
            throw unreadable(what, "the file ends inside the header");
        }
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw unreadable(what, "Invalid numpy header: " + header);
        }
        long[] dims = dims(shape.group(1));
        if (dims == null) {
            throw unreadable(what, "Invalid numpy header: " + header);
        }
        String type = descr.group(1);
        IllegalArgumentException problem = typeProblem(type, what);
        ElementType element = problem == null ? elementType(type) : null;
        if (problem == null && element == null) {
            problem = unreadable(what, "Unsupported dataType: " + type);
        }
        return new NumpyHeader(
                type,
                element,
                problem,
                fortran.group(1).equals("True"),
                dims,
                shape.group(1).trim(),
                dataOffset);
    }

    private static IllegalArgumentException unreadable(String what, String detail) {
        return new IllegalArgumentException(what + " is not a readable NumPy file: " + detail);
    }

    /** The problem with a type this library refuses by design, or null. */
    private static IllegalArgumentException typeProblem(String type, String what) {
        if (type.length() < 2) {
            return null;
        }
        char order = type.charAt(0);
        String kind = type.substring(1);
        if (order == '>' && !kind.endsWith("1")) {
            return new IllegalArgumentException(
                    what
                            + ": big-endian NumPy arrays ('"
                            + type
                            + "') are not supported; save with"
                            + " arr.astype(arr.dtype.newbyteorder('<'))");
        }
        switch (kind) {
            case "i2":
            case "u2":
            case "u4":
            case "u8":
                return new IllegalArgumentException(
                        what
                                + ": NumPy type '"
                                + type
                                + "' is not supported (DJL's PyTorch engine cannot hold it);"
                                + " save labels with arr.astype('int64') and outputs with"
                                + " arr.astype('float32')");
            default:
                return null;
        }
    }

    private static ElementType elementType(String type) {
        if (type.length() < 2 || "<|=>".indexOf(type.charAt(0)) < 0) {
            return null;
        }
        ElementType element = ElementType.ofNumpy(type.substring(1));
        if (element != null && element.size() > 1 && type.charAt(0) == '|') {
            return null; // '|' (no byte order) is only written for one-byte types
        }
        return element;
    }

    /** The dimensions of a shape like {@code "50, 4"}, or null if it does not parse. */
    private static long[] dims(String text) {
        List<Long> dims = new ArrayList<>();
        for (String dim : text.split(",", -1)) {
            String d = dim.trim();
            if (d.endsWith("L")) {
                d = d.substring(0, d.length() - 1); // Python 2 longs
            }
            if (d.isEmpty()) {
                continue;
            }
            try {
                long n = Long.parseLong(d);
                if (n < 0) {
                    return null;
                }
                dims.add(n);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Throws the problem with this array's type, if any.
     *
     * @throws IllegalArgumentException for a type that cannot be read
     */
    void requireSupported() {
        if (problem != null) {
            throw problem;
        }
    }

    /**
     * Returns the element type.
     *
     * @return the type, null when {@link #requireSupported()} throws
     */
    ElementType type() {
        return type;
    }

    /**
     * Returns the NumPy type string, e.g. {@code "<f4"}.
     *
     * @return the descr
     */
    String descr() {
        return descr;
    }

    /**
     * Returns whether the data are stored column by column (NumPy's {@code fortran_order}).
     *
     * @return true for Fortran order
     */
    boolean fortranOrder() {
        return fortranOrder;
    }

    /**
     * Returns the shape.
     *
     * @return a copy of the dimensions
     */
    long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the shape as the header writes it, e.g. {@code "100000000, 4"}.
     *
     * @return the text between the parentheses, trimmed
     */
    String shapeText() {
        return shapeText;
    }

    /**
     * Returns the offset of the first data byte from the start of the array.
     *
     * @return the header's length
     */
    long dataOffset() {
        return dataOffset;
    }

    /**
     * Returns the number of data bytes the header declares, saturating at {@code Long.MAX_VALUE}.
     *
     * @return elements times element size; -1 for an unsupported type
     */
    long declaredBytes() {
        if (type == null) {
            return -1;
        }
        long bytes = type.size();
        for (long d : shape) {
            bytes = times(bytes, d);
        }
        return bytes;
    }

    /**
     * Returns the message for an array whose data end before the declared size.
     *
     * @param what the array for messages
     * @param present the data bytes present
     * @return the exception
     */
    IllegalArgumentException truncated(String what, long present) {
        return new IllegalArgumentException(
                what
                        + " is truncated: its header declares shape ("
                        + shapeText
                        + ") of "
                        + descr
                        + ", "
                        + declaredBytes()
                        + " bytes, but only "
                        + present
                        + " follow");
    }

    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
