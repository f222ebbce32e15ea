package io.github.tempered.cli;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Checks the header of every array in a NumPy {@code .npy} or {@code .npz} file before DJL decodes
 * it, for the files DJL 0.36 would turn into a crash or silently wrong numbers:
 *
 * <ul>
 *   <li>int16 and unsigned 16-, 32- and 64-bit arrays: DJL's PyTorch engine aborts the whole JVM
 *       ("terminate called without an active exception") when it creates them;
 *   <li>big-endian arrays ({@code '>f4'}): DJL copies their bytes as little-endian values, so every
 *       number would be wrong;
 *   <li>arrays whose header declares more data than the file holds: DJL allocates the declared size
 *       (up to 2 GB) before it finds the file short.
 * </ul>
 *
 * <p>Anything else (an unknown type, a malformed header) is left for DJL to report. Each problem is
 * an {@link IllegalArgumentException} naming the file, the array and what to do.
 */
final class NumpyHeaders {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NumpyHeaders() {}

    /**
     * Checks every array of a {@code .npy} or {@code .npz} file.
     *
     * @param file the file, readable
     * @throws IllegalArgumentException if an array has a type DJL cannot hold safely or is
     *     truncated
     */
    static void check(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            if (name.endsWith(".npy")) {
                checkArray(in, file.toString());
            } else if (name.endsWith(".npz")) {
                ZipInputStream zip = new ZipInputStream(in);
                for (ZipEntry entry = zip.getNextEntry();
                        entry != null;
                        entry = zip.getNextEntry()) {
                    checkArray(zip, file + " (" + entry.getName() + ")");
                }
            }
        } catch (IOException e) {
            // A malformed file (not a zip archive, cut short): DJL's decoder reports it.
        }
    }

    private static void checkArray(InputStream in, String what) throws IOException {
        DataInputStream data = new DataInputStream(in);
        String header;
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                return;
            }
            int major = data.readUnsignedByte();
            data.readUnsignedByte();
            long length;
            if (major == 1) {
                length = data.readUnsignedByte() | (data.readUnsignedByte() << 8);
            } else {
                length = Integer.toUnsignedLong(Integer.reverseBytes(data.readInt()));
            }
            if (length > 1 << 20) {
                return;
            }
            byte[] bytes = new byte[(int) length];
            data.readFully(bytes);
            header = new String(bytes, StandardCharsets.ISO_8859_1);
        } catch (EOFException e) {
            return; // too short to be an array: DJL reports it
        }
        Matcher descr = DESCR.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !shape.find()) {
            return;
        }
        String type = descr.group(1);
        checkType(type, what);
        long items = items(shape.group(1));
        int itemSize = itemSize(type);
        if (items < 0 || itemSize < 0) {
            return;
        }
        long declared = times(items, itemSize);
        long present = in.skip(declared);
        while (present < declared && in.read() >= 0) {
            present++;
            present += in.skip(declared - present);
        }
        if (present < declared) {
            throw new IllegalArgumentException(
                    what
                            + " is truncated: its header declares shape ("
                            + shape.group(1).trim()
                            + ") of "
                            + type
                            + ", "
                            + declared
                            + " bytes, but only "
                            + present
                            + " follow");
        }
    }

    private static void checkType(String type, String what) {
        if (type.length() < 2) {
            return;
        }
        char order = type.charAt(0);
        String kind = type.substring(1);
        if (order == '>' && !kind.endsWith("1")) {
            throw new IllegalArgumentException(
                    what
                            + ": big-endian NumPy arrays ('"
                            + type
                            + "') are not supported; save with arr.astype(arr.dtype.newbyteorder('<'))");
        }
        switch (kind) {
            case "i2":
            case "u2":
            case "u4":
            case "u8":
                throw new IllegalArgumentException(
                        what
                                + ": NumPy type '"
                                + type
                                + "' is not supported (DJL's PyTorch engine cannot hold it);"
                                + " save labels with arr.astype('int64') and outputs with"
                                + " arr.astype('float32')");
            default:
                break;
        }
    }

    /** The number of elements of a shape like {@code "50, 4"}, or -1 if it does not parse. */
    private static long items(String dims) {
        long items = 1;
        for (String dim : dims.split(",")) {
            String d = dim.trim();
            if (d.isEmpty()) {
                continue;
            }
            try {
                long n = Long.parseLong(d);
                if (n < 0) {
                    return -1;
                }
                items = times(items, n);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return items;
    }

    /** {@code a * b} for non-negative values, saturating at {@code Long.MAX_VALUE}. */
    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The bytes per element of a type like {@code "<f4"}, or -1 if unknown. */
    private static int itemSize(String type) {
        try {
            return Integer.parseInt(type.substring(2));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }
}
