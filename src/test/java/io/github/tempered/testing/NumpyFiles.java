package io.github.tempered.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes small NumPy {@code .npy} / {@code .npz} files for the tests that read them. */
public final class NumpyFiles {

    private NumpyFiles() {}

    /**
     * Encodes a float32 (rows, cols) array as {@code .npy} bytes.
     *
     * @param values row-major values
     * @param rows the rows
     * @param cols the columns
     * @return the file's bytes
     */
    public static byte[] float32(float[] values, int rows, int cols) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            data.putFloat(v);
        }
        return npy("<f4", "(" + rows + ", " + cols + ")", data.array());
    }

    /**
     * Encodes an int64 vector as {@code .npy} bytes.
     *
     * @param values the values
     * @return the file's bytes
     */
    public static byte[] int64(long[] values) {
        ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            data.putLong(v);
        }
        return npy("<i8", "(" + values.length + ",)", data.array());
    }

    /**
     * Writes an {@code .npz} archive of named {@code .npy} entries.
     *
     * @param file the file
     * @param arrays name to {@code .npy} bytes
     * @throws IOException if writing fails
     */
    public static void npz(Path file, Map<String, byte[]> arrays) throws IOException {
        npz(file, arrays, false);
    }

    /**
     * Writes an {@code .npz} archive of named {@code .npy} entries, stored ({@code numpy.savez}) or
     * deflated ({@code numpy.savez_compressed}).
     *
     * @param file the file
     * @param arrays name to {@code .npy} bytes
     * @param stored whether the entries are stored uncompressed
     * @throws IOException if writing fails
     */
    public static void npz(Path file, Map<String, byte[]> arrays, boolean stored)
            throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                if (stored) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(e.getValue().length);
                    entry.setCompressedSize(e.getValue().length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /**
     * Encodes a (rows, cols) array, or a vector when {@code cols} is 0, as {@code .npy} bytes of
     * the given little-endian type and memory order.
     *
     * @param values row-major values, converted to the type (rounded for float16 and float32)
     * @param rows the rows
     * @param cols the columns, or 0 for a 1-D array of {@code rows} values
     * @param descr one of {@code <f2 <f4 <f8 |i1 |u1 <i4 <i8}
     * @param fortran whether to write column-major data with {@code fortran_order: True}
     * @return the file's bytes
     */
    public static byte[] encode(
            double[] values, int rows, int cols, String descr, boolean fortran) {
        int size = Integer.parseInt(descr.substring(2));
        ByteBuffer data = ByteBuffer.allocate(values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        int width = Math.max(cols, 1);
        for (int k = 0; k < values.length; k++) {
            // Fortran order walks columns first.
            int index = fortran ? (k % rows) * width + k / rows : k;
            double v = values[index];
            switch (descr.substring(1)) {
                case "f2":
                    data.putShort(toHalf((float) v));
                    break;
                case "f4":
                    data.putFloat((float) v);
                    break;
                case "f8":
                    data.putDouble(v);
                    break;
                case "i1":
                case "u1":
                    data.put((byte) v);
                    break;
                case "i4":
                    data.putInt((int) v);
                    break;
                case "i8":
                    data.putLong((long) v);
                    break;
                default:
                    throw new IllegalArgumentException("descr: " + descr);
            }
        }
        String shape = cols == 0 ? "(" + rows + ",)" : "(" + rows + ", " + cols + ")";
        return npy(descr, shape, data.array(), fortran);
    }

    /** Rounds a float to float16 bits (round to nearest even; values here are exact). */
    private static short toHalf(float v) {
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        float abs = Math.abs(v);
        if (Float.isNaN(v)) {
            return (short) 0x7e00;
        }
        if (abs >= 65520f) {
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x1p-14f) {
            return (short) (sign | Math.round(abs * 0x1p24f));
        }
        int exponent = Math.getExponent(abs);
        int mantissa = Math.round((abs / (float) Math.scalb(1.0, exponent) - 1) * 1024);
        if (mantissa == 1024) {
            mantissa = 0;
            exponent++;
        }
        return (short) (sign | ((exponent + 15) << 10) | mantissa);
    }

    /**
     * Encodes raw bytes as {@code .npy} bytes with the given header fields.
     *
     * @param descr the NumPy type, e.g. {@code "<f4"}
     * @param shape the shape as NumPy writes it, e.g. {@code "(3, 2)"}
     * @param data the element bytes (need not match the shape, to build broken files)
     * @return the file's bytes
     */
    public static byte[] npy(String descr, String shape, byte[] data) {
        return npy(descr, shape, data, false);
    }

    /**
     * Encodes raw bytes as {@code .npy} bytes with the given header fields and memory order.
     *
     * @param descr the NumPy type, e.g. {@code "<f4"}
     * @param shape the shape as NumPy writes it, e.g. {@code "(3, 2)"}
     * @param data the element bytes (need not match the shape, to build broken files)
     * @param fortran the header's {@code fortran_order}
     * @return the file's bytes
     */
    public static byte[] npy(String descr, String shape, byte[] data, boolean fortran) {
        String header =
                "{'descr': '"
                        + descr
                        + "', 'fortran_order': "
                        + (fortran ? "True" : "False")
                        + ", 'shape': "
                        + shape
                        + ", }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x93);
        out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        out.write(1);
        out.write(0);
        int len = header.length();
        out.write(len & 0xff);
        out.write((len >> 8) & 0xff);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        return out.toByteArray();
    }
}
