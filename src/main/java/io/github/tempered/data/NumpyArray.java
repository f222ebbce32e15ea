package io.github.tempered.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A NumPy array in a {@code .npy} file or an {@code .npz} member, read in runs of rows.
 *
 * <p>Where the bytes come from: a {@code .npy} file and a stored (uncompressed) {@code .npz} member
 * are read with positioned reads at the offset of the first row wanted; a deflated member is
 * inflated from its start as a stream, with a bounded buffer. C-order arrays are read as one
 * sequential run per cursor. A Fortran-order (column-major) 2-D array is read column by column: one
 * positioned run per column; a deflated Fortran-order member is first inflated once into a
 * temporary file (deleted on {@link #close()}), since each column would otherwise inflate
 * everything before it.
 */
final class NumpyArray extends StoredArray {

    /** Bytes per read call: bounds the JDK's temporary direct buffer for file reads. */
    private static final int READ_PIECE = 1 << 20;

    private final String name;
    private final String what;
    private final NumpyHeader header;
    private final Source source;
    private final long dataLength;
    private final boolean exactLength;
    private Source spilled;

    /**
     * Where the data bytes of an array lie.
     *
     * <p>{@link #open} returns a stream positioned {@code offset} bytes into the data; seekable
     * sources do that without reading what lies before.
     */
    interface Source extends AutoCloseable {
        /**
         * Opens a stream at an offset into the data.
         *
         * @param offset bytes from the first data byte
         * @return the stream, to be closed
         * @throws IOException if the file cannot be read
         */
        InputStream open(long offset) throws IOException;

        /**
         * Returns whether {@link #open} is O(1) in the offset.
         *
         * @return true for positioned reads
         */
        boolean seekable();

        /** Releases what the source holds itself (not a shared file). */
        @Override
        default void close() throws IOException {}
    }

    /**
     * Creates an array.
     *
     * @param name the {@code .npz} member's name without {@code .npy}, or null
     * @param what the array for messages: the file, or {@code "file (member.npy)"}
     * @param header its header
     * @param source its data bytes
     * @param dataLength the bytes after the header
     * @param exactLength whether {@code dataLength} must equal the declared size (an {@code .npz}
     *     member); a {@code .npy} file may have bytes after its data, as NumPy accepts
     */
    NumpyArray(
            String name,
            String what,
            NumpyHeader header,
            Source source,
            long dataLength,
            boolean exactLength) {
        this.name = name;
        this.what = what;
        this.header = header;
        this.source = source;
        this.dataLength = dataLength;
        this.exactLength = exactLength;
    }

    @Override
    String name() {
        return name;
    }

    @Override
    long[] dims() {
        return header.shape();
    }

    @Override
    ElementType type() {
        return header.type();
    }

    @Override
    void requireReadable() {
        header.requireSupported();
        long declared = header.declaredBytes();
        if (dataLength < declared) {
            throw header.truncated(what, Math.max(0, dataLength));
        }
        if (exactLength && dataLength > declared) {
            throw new IllegalArgumentException(
                    what
                            + ": its header and content disagree: the header declares shape ("
                            + header.shapeText()
                            + ") of "
                            + header.descr()
                            + ", "
                            + declared
                            + " bytes, but the archive holds "
                            + dataLength
                            + " bytes of data; it was not written by numpy.save");
        }
    }

    @Override
    RowCursor open(long firstRow, int columns) throws IOException {
        long[] dims = header.shape();
        int item = header.type().size();
        if (header.fortranOrder() && dims.length == 2 && columns > 1) {
            if (!source.seekable() && spilled == null) {
                spilled = spill();
            }
            return new ColumnCursor(spilled == null ? source : spilled, firstRow, dims[0], columns);
        }
        return new RowMajorCursor(firstRow, (long) item * columns);
    }

    /** Releases the temporary copy of a deflated Fortran-order member, if one was made. */
    void close() throws IOException {
        if (spilled != null) {
            spilled.close();
            spilled = null;
        }
    }

    /** Inflates the data once into a temporary file and reads that instead. */
    private Source spill() throws IOException {
        Path file = Files.createTempFile("tempered-", ".npy-data");
        boolean done = false;
        try {
            long declared = header.declaredBytes();
            try (InputStream in = source.open(0);
                    OutputStream out = Files.newOutputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                long copied = 0;
                while (copied < declared) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, declared - copied));
                    if (n < 0) {
                        throw header.truncated(what, copied);
                    }
                    out.write(buffer, 0, n);
                    copied += n;
                }
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            Source copy =
                    new FileSource(channel, 0) {
                        @Override
                        public void close() throws IOException {
                            channel.close();
                            Files.deleteIfExists(file);
                        }
                    };
            done = true;
            return copy;
        } finally {
            if (!done) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Reads C-order rows as one sequential run. */
    private final class RowMajorCursor implements RowCursor {
        private final long rowBytes;
        private final InputStream in;
        private long position;
        private final Chunk chunk = new Chunk();

        RowMajorCursor(long firstRow, long rowBytes) throws IOException {
            this.rowBytes = rowBytes;
            this.position = firstRow * rowBytes;
            this.in = source.open(position);
        }

        @Override
        public void next(int rows) throws IOException {
            int length = Math.toIntExact(rows * rowBytes);
            chunk.ensure(length);
            position = readFully(in, chunk.bytes, 0, length, position);
        }

        @Override
        public void row(int row, double[] out) {
            int item = header.type().size();
            int stride = (int) rowBytes;
            header.type().decode(chunk.buffer, row * stride, item, out, 0, stride / item);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Reads Fortran-order rows: for each column, one positioned run. */
    private final class ColumnCursor implements RowCursor {
        private final Source from;
        private final long rows;
        private final int columns;
        private long nextRow;
        private final Chunk chunk = new Chunk();
        private int chunkRows;

        ColumnCursor(Source from, long firstRow, long rows, int columns) {
            this.from = from;
            this.rows = rows;
            this.columns = columns;
            this.nextRow = firstRow;
        }

        @Override
        public void next(int count) throws IOException {
            int item = header.type().size();
            int columnBytes = count * item;
            chunk.ensure(Math.multiplyExact(columnBytes, columns));
            for (int c = 0; c < columns; c++) {
                long offset = ((long) c * rows + nextRow) * item;
                try (InputStream in = from.open(offset)) {
                    readFully(in, chunk.bytes, c * columnBytes, columnBytes, offset);
                }
            }
            nextRow += count;
            chunkRows = count;
        }

        @Override
        public void row(int row, double[] out) {
            int item = header.type().size();
            header.type().decode(chunk.buffer, row * item, chunkRows * item, out, 0, columns);
        }

        @Override
        public void close() {}
    }

    /** A reusable byte buffer, little-endian. */
    private static final class Chunk {
        byte[] bytes = new byte[0];
        ByteBuffer buffer = ByteBuffer.wrap(bytes);

        void ensure(int length) {
            if (bytes.length < length) {
                bytes = new byte[length];
                buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    /**
     * Reads exactly {@code length} bytes, or throws the truncation message.
     *
     * @return the position after the bytes read
     */
    private long readFully(InputStream in, byte[] into, int offset, int length, long position)
            throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(into, offset + done, length - done);
            if (n < 0) {
                throw header.truncated(what, position + done);
            }
            done += n;
        }
        return position + done;
    }

    /** Positioned reads from a file, from a fixed offset (the first data byte). */
    static class FileSource implements Source {
        private final FileChannel channel;
        private final long start;

        FileSource(FileChannel channel, long start) {
            this.channel = channel;
            this.start = start;
        }

        @Override
        public InputStream open(long offset) {
            return new InputStream() {
                private long position = start + offset;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    ByteBuffer target = ByteBuffer.wrap(b, off, Math.min(len, READ_PIECE));
                    int n = channel.read(target, position);
                    if (n > 0) {
                        position += n;
                    }
                    return n;
                }
            };
        }

        @Override
        public boolean seekable() {
            return true;
        }
    }

    /**
     * An {@code .npz} member: a stored one is skipped into in O(1) by the JDK's zip stream; a
     * deflated one is inflated up to the offset.
     */
    static final class ZipSource implements Source {
        private final ZipFile zip;
        private final ZipEntry entry;
        private final long start;

        ZipSource(ZipFile zip, ZipEntry entry, long start) {
            this.zip = zip;
            this.entry = entry;
            this.start = start;
        }

        @Override
        public InputStream open(long offset) throws IOException {
            InputStream in = zip.getInputStream(entry);
            try {
                skip(in, start + offset);
                return in;
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        @Override
        public boolean seekable() {
            return entry.getMethod() == ZipEntry.STORED;
        }

        private void skip(InputStream in, long bytes) throws IOException {
            long left = bytes;
            if (seekable()) {
                while (left > 0) {
                    long n = in.skip(left);
                    if (n <= 0) {
                        break;
                    }
                    left -= n;
                }
                return;
            }
            byte[] discard = new byte[1 << 16];
            while (left > 0) {
                int n = in.read(discard, 0, (int) Math.min(discard.length, left));
                if (n < 0) {
                    break; // the next read reports the truncation
                }
                left -= n;
            }
        }
    }
}
