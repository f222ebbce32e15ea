package io.github.tempered.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes small NumPy {@code .npy} / {@code .npz} files for the command-line tests. */
final class NumpyFiles {

    private NumpyFiles() {}

    /**
     * Encodes a float32 (rows, cols) array as {@code .npy} bytes.
     *
     * @param values row-major values
     * @param rows the rows
     * @param cols the columns
     * @return the file's bytes
     */
    static byte[] float32(float[] values, int rows, int cols) {
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
    static byte[] int64(long[] values) {
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
    static void npz(Path file, Map<String, byte[]> arrays) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /**
     * Encodes raw bytes as {@code .npy} bytes with the given header fields.
     *
     * @param descr the NumPy type, e.g. {@code "<f4"}
     * @param shape the shape as NumPy writes it, e.g. {@code "(3, 2)"}
     * @param data the element bytes (need not match the shape, to build broken files)
     * @return the file's bytes
     */
    static byte[] npy(String descr, String shape, byte[] data) {
        String header =
                "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
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
