package io.github.tempered.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads 8-bit IDX files (the format of MNIST and Fashion-MNIST), plain or gzipped.
 *
 * <p>An IDX file is a big-endian header, {@code 0x00 0x00 type rank}, then {@code rank} 32-bit
 * dimension sizes, then the data in row-major order. Only {@code type = 0x08} (unsigned byte) is
 * read. Gzip is recognised by its magic bytes, not by the file name. Every problem is an {@link
 * IdxFormatException} naming the file: a wrong magic number or rank, a negative or too large
 * dimension, too little data, data after the end, or a corrupt gzip stream.
 */
final class IdxReader {

    private static final int BUFFER_SIZE = 1 << 16;
    private static final int GZIP_MAGIC = 0x8b1f;

    private IdxReader() {}

    /**
     * An 8-bit IDX array.
     *
     * @param dimensions the dimension sizes, outermost first
     * @param data the values, row-major, {@code product(dimensions)} bytes
     */
    record Idx(int[] dimensions, byte[] data) {}

    /**
     * Reads an 8-bit IDX file of the given rank, then checks that nothing follows it.
     *
     * @param in the stream, plain or gzipped; read to its end, not closed
     * @param file the file's name for messages
     * @param rank the number of dimensions expected (3 for images, 1 for labels)
     * @return the dimensions and data
     * @throws IdxFormatException if the content is not such a file
     * @throws IOException if reading fails
     */
    static Idx read(InputStream in, String file, int rank) throws IOException {
        try {
            InputStream data = decompressed(in);
            int expectedMagic = 0x0800 | rank;
            int magic = readHeaderInt(data, file);
            if (magic != expectedMagic) {
                throw new IdxFormatException(
                        file,
                        String.format(
                                "magic number 0x%08x, expected 0x%08x (8-bit IDX of rank %d)",
                                magic, expectedMagic, rank));
            }
            int[] dimensions = new int[rank];
            long size = 1;
            for (int i = 0; i < rank; i++) {
                dimensions[i] = readHeaderInt(data, file);
                if (dimensions[i] < 0) {
                    throw new IdxFormatException(
                            file, "dimension " + i + " is negative: " + dimensions[i]);
                }
                size *= dimensions[i];
                if (size > Integer.MAX_VALUE - 8) {
                    throw new IdxFormatException(
                            file, "dimensions " + Arrays.toString(dimensions) + " are too large");
                }
            }
            // Chunked read: a corrupt header claiming 2 GB costs no more memory than the data.
            byte[] values = data.readNBytes((int) size);
            if (values.length < size) {
                throw new IdxFormatException(
                        file,
                        "truncated: expected "
                                + size
                                + " bytes of data after the header for dimensions "
                                + Arrays.toString(dimensions)
                                + ", found "
                                + values.length);
            }
            if (data.read() >= 0) {
                throw new IdxFormatException(
                        file,
                        "unexpected data after the "
                                + size
                                + " bytes that dimensions "
                                + Arrays.toString(dimensions)
                                + " take");
            }
            return new Idx(dimensions, values);
        } catch (ZipException | EOFException e) {
            throw new IdxFormatException(
                    file, "corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }

    private static InputStream decompressed(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER_SIZE);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 >= 0 && b1 >= 0 && (b0 | (b1 << 8)) == GZIP_MAGIC) {
            return new GZIPInputStream(buffered, BUFFER_SIZE);
        }
        return buffered;
    }

    private static int readHeaderInt(InputStream data, String file) throws IOException {
        byte[] bytes = data.readNBytes(4);
        if (bytes.length < 4) {
            throw new IdxFormatException(file, "truncated header");
        }
        return ((bytes[0] & 0xff) << 24)
                | ((bytes[1] & 0xff) << 16)
                | ((bytes[2] & 0xff) << 8)
                | (bytes[3] & 0xff);
    }
}
