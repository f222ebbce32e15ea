package io.github.tempered.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.testng.annotations.Test;

/** {@link IdxReader} on well-formed, gzipped and corrupt input. */
public class IdxReaderTest {

    private static final String FILE = "some/dir/images-idx3-ubyte.gz";

    /** An 8-bit IDX file: magic, dimensions, then the given data bytes. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        buf.putInt(magic);
        for (int d : dims) {
            buf.putInt(d);
        }
        buf.put(data);
        return buf.array();
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] ramp(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 37);
        }
        return b;
    }

    private static IdxReader.Idx read(byte[] bytes, int rank) throws IOException {
        return IdxReader.read(new ByteArrayInputStream(bytes), FILE, rank);
    }

    private static void assertFails(byte[] bytes, int rank, String expectedFragment) {
        IdxFormatException e = expectThrows(IdxFormatException.class, () -> read(bytes, rank));
        assertEquals(e.getFile(), FILE, "file of " + e.getMessage());
        assertTrue(e.getMessage().startsWith(FILE + ": "), "message names the file: " + e);
        assertTrue(
                e.getMessage().contains(expectedFragment),
                "expected '" + expectedFragment + "' in: " + e.getMessage());
    }

    @Test
    public void readsPlainImages() throws IOException {
        byte[] data = ramp(2 * 3 * 4);
        IdxReader.Idx idx = read(idx(0x0803, new int[] {2, 3, 4}, data), 3);
        assertEquals(idx.dimensions(), new int[] {2, 3, 4});
        assertEquals(idx.data(), data);
    }

    @Test
    public void readsGzippedLabelsLikePlainOnes() throws IOException {
        byte[] data = ramp(1000);
        byte[] plain = idx(0x0801, new int[] {1000}, data);
        IdxReader.Idx fromPlain = read(plain, 1);
        IdxReader.Idx fromGzip = read(gzip(plain), 1);
        assertEquals(fromGzip.dimensions(), new int[] {1000});
        assertEquals(fromGzip.data(), fromPlain.data());
        assertEquals(fromGzip.data(), data);
    }

    @Test
    public void readsEmptyArray() throws IOException {
        IdxReader.Idx idx = read(idx(0x0803, new int[] {0, 28, 28}, new byte[0]), 3);
        assertEquals(idx.dimensions(), new int[] {0, 28, 28});
        assertEquals(idx.data().length, 0);
    }

    @Test
    public void rejectsLabelMagicWhereImagesAreExpected() {
        assertFails(
                idx(0x0801, new int[] {4}, ramp(4)),
                3,
                "magic number 0x00000801, expected 0x00000803");
    }

    @Test
    public void rejectsNonByteType() {
        // 0x0D: float32 IDX
        assertFails(idx(0x0D01, new int[] {1}, ramp(4)), 1, "magic number 0x00000d01");
    }

    @Test
    public void rejectsTextFile() {
        assertFails("not an idx file at all".getBytes(), 1, "magic number 0x6e6f7420");
    }

    @Test
    public void rejectsEmptyInput() {
        assertFails(new byte[0], 1, "truncated header");
    }

    @Test
    public void rejectsTruncatedHeader() {
        byte[] full = idx(0x0803, new int[] {1, 2, 2}, ramp(4));
        assertFails(Arrays.copyOf(full, 10), 3, "truncated header");
    }

    @Test
    public void rejectsTruncatedData() {
        byte[] full = idx(0x0803, new int[] {5, 2, 2}, ramp(20));
        assertFails(
                Arrays.copyOf(full, full.length - 1),
                3,
                "truncated: expected 20 bytes of data after the header for dimensions [5, 2, 2],"
                        + " found 19");
    }

    @Test
    public void rejectsTrailingData() {
        byte[] full = idx(0x0801, new int[] {3}, ramp(4));
        assertFails(full, 1, "unexpected data after the 3 bytes");
    }

    @Test
    public void rejectsNegativeDimension() {
        assertFails(idx(0x0803, new int[] {-1, 28, 28}, new byte[0]), 3, "negative: -1");
    }

    @Test
    public void rejectsHugeDimensionsWithoutAllocating() {
        assertFails(
                idx(0x0803, new int[] {100_000, 1_000, 1_000}, ramp(10)),
                3,
                "[100000, 1000, 1000] are too large");
        // 2^31 - 16 bytes claimed, 10 present: reports the truncation instead of running out of
        // memory.
        assertFails(idx(0x0803, new int[] {Integer.MAX_VALUE - 16, 1, 1}, ramp(10)), 3, "found 10");
    }

    @Test
    public void rejectsTruncatedGzip() {
        byte[] gz = gzip(idx(0x0803, new int[] {50, 28, 28}, ramp(50 * 784)));
        assertFails(Arrays.copyOf(gz, gz.length / 2), 3, "corrupt or truncated gzip data");
    }

    @Test
    public void rejectsCorruptGzip() {
        byte[] gz = gzip(idx(0x0803, new int[] {50, 28, 28}, ramp(50 * 784)));
        // Flip bits in the CRC-32 trailer: the data inflates but fails the check.
        gz[gz.length - 6] ^= (byte) 0xff;
        IdxFormatException e = expectThrows(IdxFormatException.class, () -> read(gz, 3));
        assertTrue(e.getMessage().contains("corrupt or truncated gzip data"), e.getMessage());
        assertTrue(e.getCause() instanceof ZipException, "cause: " + e.getCause());
    }
}
